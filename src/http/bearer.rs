//! The bearer token of a request, read the same way for every endpoint, so that GraphQL, the
//! exports and the map refuse the same tokens with the same words.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::auth::Actor;
use crate::error::AppError;
use crate::service::Services;

/// Reads the bearer token, if any, into the acting user. A token that is present but bad is
/// refused outright (401); no token leaves the request anonymous, and each endpoint decides
/// what an anonymous request may do.
pub async fn actor(request: &HttpRequest, services: &Services) -> Result<Actor, AppError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(Actor::Anonymous);
    };
    let value =
        value.to_str().map_err(|_| AppError::Unauthenticated("the Authorization header is malformed".into()))?;
    let (principal, _) = principal_of_authorization(value, services).await?;
    Ok(Actor::User(principal))
}

/// The principal of an `Authorization` value (`Bearer <token>`), and when its token expires
/// (seconds since the epoch). HTTP requests and live connections read it alike.
pub async fn principal_of_authorization(
    value: &str,
    services: &Services,
) -> Result<(crate::auth::Principal, i64), AppError> {
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::Unauthenticated("use `Authorization: Bearer <token>`".into()))?;
    let claims = services.tokens.verify(token).map_err(|e| AppError::Unauthenticated(e.to_string()))?;
    let expires_at = claims.expires_at;
    Ok((services.resolve_principal(claims).await?, expires_at))
}
