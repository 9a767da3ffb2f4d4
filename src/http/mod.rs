//! The HTTP surface: the GraphQL endpoint (with uploads), evidence downloads, GraphiQL and
//! the health probes.

mod evidence;
mod graphql;
mod health;
mod multipart;
mod negotiate;

use actix_web::web;

pub use graphql::GraphqlState;

/// Mounts every route of the contract.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .default_service(web::to(graphql::method_not_allowed)),
        )
        .route("/graphiql", web::get().to(graphql::graphiql))
        .route("/evidence/{id}", web::get().to(evidence::download))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}
