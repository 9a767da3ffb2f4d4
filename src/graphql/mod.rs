//! The GraphQL schema: types only translate between the API and the services.

mod context;
mod cost;
mod documents;
mod fast_object;
pub(crate) mod ids;
mod introspection;
mod json_parts;
mod known_costs;
mod leaf;
mod loaders;
mod mutation;
pub(crate) mod query;
mod request_shape;
mod response_keys;
mod schema;
mod subscription;
mod types;

pub use context::{LiveRequestExt, RequestExt};
pub use cost::{ListOverage, charge_overage, charged_cost, mark_charged, refused_response, request_error};
pub use documents::{Documents, chosen_operation, reads_only};
pub use introspection::asks_for_introspection;
pub(crate) use json_parts::{JsonParts, write_response};
pub use known_costs::{CostKey, KnownCosts};
pub use request_shape::{IntrospectionSizes, RequestShape, TooLarge, measure};
pub use schema::{AppSchema, Schemas, build_schemas, field_by_field_schema, schema_sdl};
