//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use super::GraphqlState;

/// 200 while the process runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// 200 when the database answers, 503 when it does not.
pub async fn readyz(state: web::Data<GraphqlState>) -> HttpResponse {
    if state.services.database_ready().await {
        HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready")
    } else {
        HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body("database unavailable")
    }
}
