//! `GET /evidence/{id}`: the bytes of an evidence item, to whoever may see its issue. Anyone
//! else, and any id that is not one, gets the same 404, so that ids cannot be probed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::ID;

use super::GraphqlState;
use super::bearer::actor;
use super::graphql::{auth_failure, error_response};
use super::negotiate::ResponseMedia;
use crate::auth::Actor;
use crate::error::{AppError, code};
use crate::graphql::ids::{NodeKind, expect};

/// `filename*` of RFC 6266, for names in any script.
fn content_disposition(file_name: &str) -> String {
    let encoded: String = file_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("inline; filename*=UTF-8''{encoded}")
}

fn not_found() -> HttpResponse {
    error_response(StatusCode::NOT_FOUND, ResponseMedia::Json, code::NOT_FOUND, "no evidence with this id")
}

pub async fn download(request: HttpRequest, id: web::Path<String>, state: web::Data<GraphqlState>) -> HttpResponse {
    let media = ResponseMedia::Json;
    let principal = match actor(&request, &state.services).await {
        Ok(Actor::User(principal)) => principal,
        Ok(Actor::Anonymous) => {
            let message = "a bearer token is required";
            return error_response(StatusCode::UNAUTHORIZED, media, code::UNAUTHENTICATED, message);
        }
        Err(error) => return auth_failure(error, media),
    };
    let Ok(id) = expect(&ID(id.into_inner()), NodeKind::Evidence, "id") else { return not_found() };
    let (evidence, bytes) = match state.services.evidence_file(&principal, id).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => return not_found(),
        Err(error) => {
            error.log();
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, media, error.code(), &error.public_message());
        }
    };
    // The bytes never change for an id: their hash is a strong validator.
    let etag = format!("\"{}\"", evidence.sha256);
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // A PDF opened in the browser runs in a sandbox, without scripts or our origin.
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; img-src 'self'; sandbox"));
    if matches {
        return response.finish();
    }
    response
        .content_type(evidence.content_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&evidence.file_name)))
        .no_chunking(evidence.byte_size.unsigned_abs())
        // Photos and PDFs are compressed already: spare the CPU.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(bytes)
}
