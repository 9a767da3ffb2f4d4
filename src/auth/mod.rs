//! Who is acting: tokens in and out, password hashes, and the `Actor` handed to every service.

mod actor;
mod password;
mod tokens;

pub use actor::{Actor, ClientAddress, Principal};
pub use password::{hash_password, verify_password};
pub use tokens::{IssuedToken, TokenClaims, TokenError, TokenService, ensure_crypto_backend};
