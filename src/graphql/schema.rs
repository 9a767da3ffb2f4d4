//! Building the schema: roots, limits checked before execution, and the SDL.

use async_graphql::extensions::apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage};
use async_graphql::{EmptySubscription, Schema};

use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::read_only::ReadOnlyOverGet;
use crate::config::LimitSettings;

const MAX_DIRECTIVES_PER_FIELD: usize = 4;
/// Distinct queries remembered for automatic persisted queries.
const PERSISTED_QUERIES: usize = 1000;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with the given limits. Request data (actor, services, loaders) is attached per
/// request; the schema itself reads no environment and touches no database.
pub fn build_schema(limits: &LimitSettings) -> AppSchema {
    Schema::build(QueryRoot, MutationRoot::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_cost)
        // Directives cost nothing in the complexity count; bound them on their own.
        .limit_directives(MAX_DIRECTIVES_PER_FIELD)
        // Automatic persisted queries: the mobile app sends a hash instead of the query text
        // once the server has seen it.
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(PERSISTED_QUERIES)))
        .extension(ReadOnlyOverGet)
        .finish()
}

/// The SDL clients build against (`schema.graphql`).
pub fn schema_sdl() -> String {
    build_schema(&LimitSettings::default()).sdl()
}
