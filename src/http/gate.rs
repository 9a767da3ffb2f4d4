//! The door of the download endpoints (ledger exports, battle map): who is asking, and
//! whether their cost budget allows another download. Every such handler passes here first,
//! so downloads spend from the same per-subject budget as GraphQL queries.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::GraphqlState;
use super::bearer::actor;
use super::json_error;
use crate::auth::{Actor, Principal};
use crate::error::AppError;
use crate::service::cost_budget::{Payer, Refusal};

/// The caller of a download, or the answer to send instead: 401 without a valid token (a
/// download is never anonymous, unlike `login`), 429 when the caller's budget cannot pay
/// `cost` (see `service::cost_budget` for what each download costs).
pub async fn admit(request: &HttpRequest, state: &GraphqlState, cost: u64) -> Result<Principal, HttpResponse> {
    let principal = match actor(request, &state.services).await {
        Ok(Actor::User(principal)) => principal,
        Ok(Actor::Anonymous) => {
            let error = AppError::Unauthenticated("a bearer token is required: `Authorization: Bearer <token>`".into());
            return Err(json_error::reply(error));
        }
        Err(error) => return Err(json_error::reply(error)),
    };
    // Exports are the most expensive reads there are, so they count even when their filter
    // turns out bad.
    state.cost_budgets.charge(Payer::Subject(&principal), cost).await.map_err(over_budget)?;
    Ok(principal)
}

/// The answer to a download the budget cannot pay for: 429 with `Retry-After` and the JSON
/// error body with `RATE_LIMITED`.
fn over_budget(refusal: Refusal) -> HttpResponse {
    let mut response = json_error::reply(AppError::from(refusal));
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(refusal.retry_after_secs));
    response
}
