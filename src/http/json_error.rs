//! Errors of the plain HTTP endpoints (exports, map), written like GraphQL errors, so that a
//! client reads `errors[0].extensions.code` (and `field` for a bad parameter) the same way
//! on every path.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde_json::json;

use crate::error::AppError;

/// The status of each error. Exhaustive on purpose: a new variant must choose one.
fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
        AppError::InvalidTransition(_) | AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::TooComplex(_) => StatusCode::BAD_REQUEST,
        AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs the error (internal causes in full) and answers with its status, code and the
/// message meant for people; never the cause.
pub fn reply(error: AppError) -> HttpResponse {
    error.log();
    let status = status_of(&error);
    let mut extensions = json!({ "code": error.code() });
    if let AppError::BadInput { field, .. } = &error {
        extensions["field"] = json!(field);
    }
    let body = json!({ "errors": [{ "message": error.public_message(), "extensions": extensions }] });
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    response.content_type("application/json; charset=utf-8").body(body.to_string())
}
