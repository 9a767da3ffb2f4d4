//! The door of the download endpoints (ledger exports, battle map): who is asking, and
//! whether their budget allows another download. Every such handler passes here first, so
//! the per-subject rate limit will be added in one place.

use actix_web::{HttpRequest, HttpResponse};

use super::bearer::actor;
use super::json_error;
use crate::auth::{Actor, Principal};
use crate::error::{AppError, AppResult};
use crate::service::Services;

/// The caller of a download, or the answer to send instead: 401 without a valid token (a
/// download is never anonymous, unlike `login`), later 429 over the budget.
pub async fn admit(request: &HttpRequest, services: &Services) -> Result<Principal, HttpResponse> {
    let principal = match actor(request, services).await {
        Ok(Actor::User(principal)) => principal,
        Ok(Actor::Anonymous) => {
            let error = AppError::Unauthenticated("a bearer token is required: `Authorization: Bearer <token>`".into());
            return Err(json_error::reply(error));
        }
        Err(error) => return Err(json_error::reply(error)),
    };
    charge_download(&principal).map_err(json_error::reply)?;
    Ok(principal)
}

/// Counts one download against the caller's budget. This is where the per-subject token
/// bucket goes (over budget: `AppError::RateLimited`, HTTP 429 with `Retry-After`). Exports are
/// the most expensive reads there are, so they count even when their filter turns out bad.
fn charge_download(_principal: &Principal) -> AppResult<()> {
    Ok(())
}
