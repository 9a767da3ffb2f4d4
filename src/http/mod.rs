//! The HTTP surface: the GraphQL endpoint (with uploads), evidence downloads, GraphiQL, the
//! health probes, and the downloads of superior agencies (ledger exports and the battle map).

mod accept_language;
mod bearer;
mod client_address;
mod compress;
mod csv;
mod evidence;
mod export;
mod filter_params;
mod gate;
mod graphiql;
mod graphql;
mod health;
mod json_error;
mod ledger_columns;
mod map;
mod multipart;
mod negotiate;
mod signing_key;
mod websocket;
mod xlsx;

use actix_web::web;

pub use compress::Compression;
pub use graphql::{GraphqlState, ServerPhase};

/// Mounts every route of the contract; GraphiQL's only when `graphiql` is on (otherwise its
/// paths are 404 like any unknown one).
/// Whether a request asks to upgrade to a WebSocket (`Upgrade: websocket`, in any case).
fn wants_websocket(context: &actix_web::guard::GuardContext) -> bool {
    context
        .head()
        .headers()
        .get(actix_web::http::header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

pub fn routes(config: &mut web::ServiceConfig, graphiql: bool) {
    if graphiql {
        config.configure(graphiql::routes);
    }
    config
        .service(
            web::resource("/graphql")
                // A WebSocket upgrade first, so that a plain GET still reaches `graphql::get`.
                .route(web::get().guard(actix_web::guard::fn_guard(wants_websocket)).to(websocket::upgrade))
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .default_service(web::to(graphql::method_not_allowed)),
        )
        // HEAD lets a client check a file's size and ETag without fetching it.
        .service(
            web::resource("/evidence/{id}")
                .route(web::get().to(evidence::download))
                .route(web::head().to(evidence::download)),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/.well-known/rectify-signing-key", web::get().to(signing_key::signing_key))
        .route("/export/issues.csv", web::get().to(export::issues_csv))
        .route("/export/issues.xlsx", web::get().to(export::issues_xlsx))
        .route("/map/issues.geojson", web::get().to(map::issues_geojson));
}
