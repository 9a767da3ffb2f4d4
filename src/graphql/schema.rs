//! Building the schema: roots, limits checked before execution, and the SDL.

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage};
use async_graphql::{EmptySubscription, Schema};

use super::cost::CostBudget;
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::read_only::ReadOnlyOverGet;
use crate::config::LimitSettings;
use crate::service::cost_budget::CostBudgets;

const MAX_DIRECTIVES_PER_FIELD: usize = 4;
/// Distinct queries remembered for automatic persisted queries.
const PERSISTED_QUERIES: usize = 1000;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with the given limits. Request data (actor, services, loaders) is attached per
/// request; the schema itself reads no environment and touches no database. `budgets` is
/// shared with the downloads, which spend from the same buckets.
pub fn build_schema(limits: &LimitSettings, budgets: Arc<CostBudgets>) -> AppSchema {
    Schema::build(QueryRoot, MutationRoot::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_cost)
        // Directives cost nothing in the complexity count; bound them on their own.
        .limit_directives(MAX_DIRECTIVES_PER_FIELD)
        // Automatic persisted queries: the mobile app sends a hash instead of the query text
        // once the server has seen it.
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(PERSISTED_QUERIES)))
        .extension(ReadOnlyOverGet)
        // After validation has computed the cost, before anything executes.
        .extension(CostBudget(budgets))
        .finish()
}

/// The SDL clients build against (`schema.graphql`).
pub fn schema_sdl() -> String {
    let limits = LimitSettings::default();
    build_schema(&limits, Arc::new(limits.cost_budgets())).sdl()
}
