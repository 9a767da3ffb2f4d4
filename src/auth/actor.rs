//! The acting user of one request, resolved once from the token.

use entity::enums::Role;

use crate::error::{AppError, AppResult};

/// A verified, resolved user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: recorded on every event.
    pub sub: String,
    pub name: Option<String>,
    pub role: Role,
    /// The department's id for DEPARTMENT tokens (resolved from the `dept` code).
    pub department_id: Option<i64>,
}

/// The address a request came from (see `http::client_address`), for the limits kept per
/// address; `None` when the connection has none (a request run without HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

/// Who sends a request: nobody yet (only `login` is open) or a verified principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    User(Principal),
}

impl Actor {
    /// The principal, or UNAUTHENTICATED for a request without a token.
    pub fn principal(&self) -> AppResult<&Principal> {
        match self {
            Actor::User(principal) => Ok(principal),
            Actor::Anonymous => {
                Err(AppError::Unauthenticated("a bearer token is required (only `login` works without one)".into()))
            }
        }
    }
}
