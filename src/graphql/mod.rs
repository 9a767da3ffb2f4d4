//! The GraphQL schema: types only translate between the API and the services.

mod context;
mod cost;
pub(crate) mod ids;
mod loaders;
mod mutation;
mod query;
mod read_only;
mod schema;
mod types;

pub use context::RequestExt;
pub use read_only::ViaGet;
pub use schema::{AppSchema, build_schema, schema_sdl};
