//! The GraphQL schema: types only translate between the API and the services.

mod context;
mod cost;
mod documents;
pub(crate) mod ids;
mod loaders;
mod mutation;
mod query;
mod schema;
mod types;

pub use context::RequestExt;
pub use documents::{Documents, reads_only};
pub use schema::{Schemas, build_schemas, schema_sdl};
