//! The GraphQL schema: types only translate between the API and the services.

mod context;
mod cost;
mod documents;
mod fast_object;
pub(crate) mod ids;
mod loaders;
mod mutation;
mod query;
mod schema;
mod types;

pub use context::RequestExt;
pub use documents::{Documents, reads_only};
pub use schema::{AppSchema, Schemas, build_schemas, field_by_field_schema, schema_sdl};
