//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use super::GraphqlState;

/// 200 while the process runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// 200 when the instance can serve; 503, saying why, while the database or the shared store
/// does not answer or while the server stops, so that a load balancer sends requests elsewhere.
pub async fn readyz(state: web::Data<GraphqlState>) -> HttpResponse {
    let stopping = *state.phase.borrow() != super::ServerPhase::Serving;
    let unready = if stopping { Some("stopping") } else { state.services.unready().await };
    match unready {
        None => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready"),
        Some(why) => HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body(why),
    }
}
