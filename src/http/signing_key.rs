//! The county's public signing key, for anyone checking a sealed monthly report.

use actix_web::{HttpResponse, web};

use super::GraphqlState;

/// `{"algorithm":"Ed25519","publicKey":"<64 hex digits>"}`; 404 when reports are not signed.
pub async fn signing_key(state: web::Data<GraphqlState>) -> HttpResponse {
    match state.services.public_signing_key() {
        Some(key) => HttpResponse::Ok().json(serde_json::json!({ "algorithm": "Ed25519", "publicKey": key })),
        None => HttpResponse::NotFound().json(
            serde_json::json!({ "error": "this county does not sign its reports (RECTIFY_SIGNING_KEY is not set)" }),
        ),
    }
}
