//! Building the schema: roots, limits checked before execution, and the SDL.
//!
//! A request passes through two instances of the same schema. The first validates it in full,
//! computes its cost and charges the cost budget (`cost::CostBudget`), and executes nothing;
//! the second, only for a request the first let through, executes it. The charge needs a
//! schema extension, and async-graphql runs every extension around the resolution of every
//! field of every answer (about a thousand for a list page of 50 issues): with the extension
//! on a schema of its own, execution runs on async-graphql's direct path. The second
//! instance re-checks only what is cheap to check (depth, cost, fragment cycles).

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder, ValidationMode};

use super::cost::{CostBudget, QueryLimits};
use super::fast_object::FieldByField;
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::config::LimitSettings;
use crate::service::cost_budget::CostBudgets;

const MAX_DIRECTIVES_PER_FIELD: usize = 4;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The two instances a request passes through, in this order.
#[derive(Clone)]
pub struct Schemas {
    /// Validates, charges the cost budget, executes nothing.
    pub charging: AppSchema,
    /// Executes what `charging` let through.
    pub executing: AppSchema,
}

/// The schema with the given limits. Request data (actor, services, loaders) is attached per
/// request; the schema itself reads no environment and touches no database. No extension may
/// be added to the executing instance without turning `graphql::fast_object`'s shortcut off:
/// an extension expects to see every field resolve, and the shortcut runs most in place (the
/// tests below check it, as far as an answer shows it).
fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        // Directives cost nothing in the complexity count; bound them on their own.
        .limit_directives(MAX_DIRECTIVES_PER_FIELD)
}

/// The builder with async-graphql's own depth and cost limits. The charging instance checks
/// the same limits itself (`cost::QueryLimits`), so that they are refused as `TOO_COMPLEX` by
/// type; on the executing instance async-graphql's are a safety net that what the charging
/// instance let through never reaches.
fn limited_builder(limits: &LimitSettings) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    builder().limit_depth(limits.max_depth).limit_complexity(limits.max_cost)
}

/// Both instances. `budgets` is shared with the downloads, which spend from the same buckets.
/// Without `introspection`, the executing instance answers `__schema` and `__type` with null;
/// the HTTP layer refuses such requests before they get here (`asks_for_introspection`).
pub fn build_schemas(limits: &LimitSettings, budgets: Arc<CostBudgets>, introspection: bool) -> Schemas {
    let executing = limited_builder(limits).validation_mode(ValidationMode::Fast);
    let query_limits = QueryLimits { max_depth: limits.max_depth, max_cost: limits.max_cost };
    Schemas {
        charging: builder().extension(CostBudget { budgets, limits: query_limits }).finish(),
        executing: if introspection { executing } else { executing.disable_introspection() }.finish(),
    }
}

/// The executing instance resolving field by field on async-graphql's generic path, without
/// `graphql::fast_object`'s shortcut. Not served: `tests/api/fast_objects.rs` checks that the
/// two give the same answers.
#[doc(hidden)]
pub fn field_by_field_schema(limits: &LimitSettings) -> AppSchema {
    limited_builder(limits).validation_mode(ValidationMode::Fast).data(FieldByField).finish()
}

/// The SDL clients build against (`schema.graphql`).
pub fn schema_sdl() -> String {
    builder().finish().sdl()
}

#[cfg(test)]
mod tests {
    use async_graphql::{Request, Value};

    use super::*;

    fn served() -> Schemas {
        let limits = LimitSettings::default();
        build_schemas(&limits, Arc::new(limits.cost_budgets()), false)
    }

    /// async-graphql does not say whether a schema carries extensions; what one does shows in
    /// the answer. The charging instance marks its charge (the check can see an extension);
    /// the executing instance, as served, must answer with nothing of the kind: a cost mark,
    /// tracing, an analysis, or an answer that never executed.
    #[tokio::test]
    async fn the_executing_instance_runs_without_extensions() {
        let schemas = served();
        let charged = schemas.charging.execute(Request::new("{ __typename }")).await;
        assert!(charged.extensions.contains_key("cost"), "the charging instance's extension shows");
        assert_eq!(charged.data, Value::Null, "the charging instance executes nothing");

        let executed = schemas.executing.execute(Request::new("{ __typename }")).await;
        assert!(executed.errors.is_empty(), "{:?}", executed.errors);
        assert_eq!(executed.data, async_graphql::value!({ "__typename": "Query" }));
        assert!(executed.extensions.is_empty(), "an extension on the executing instance: {:?}", executed.extensions);
    }

    /// `#[fast_fields]` names each field of a fast type as the schema does, and sees them all:
    /// a name derived otherwise would leave its leaf or its columns unused.
    #[tokio::test]
    async fn the_fast_types_fields_are_named_as_the_schema_names_them() {
        use crate::graphql::types::catalog::{AspectFields, CategoryFields, InspectionRoundFields};
        use crate::graphql::types::department::DepartmentFields;
        use crate::graphql::types::issue::{IssueEventFields, IssueFields};

        let schema = builder().finish();
        for (type_name, declared) in [
            ("Issue", IssueFields::FAST_FIELD_NAMES),
            ("IssueEvent", IssueEventFields::FAST_FIELD_NAMES),
            ("Department", DepartmentFields::FAST_FIELD_NAMES),
            ("InspectionRound", InspectionRoundFields::FAST_FIELD_NAMES),
            ("Aspect", AspectFields::FAST_FIELD_NAMES),
            ("Category", CategoryFields::FAST_FIELD_NAMES),
        ] {
            let query = format!("{{ __type(name: \"{type_name}\") {{ fields {{ name }} }} }}");
            let answer = schema.execute(Request::new(query)).await.data.into_json().unwrap();
            let mut in_schema: Vec<&str> =
                answer["__type"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
            let mut declared = declared.to_vec();
            in_schema.sort_unstable();
            declared.sort_unstable();
            assert_eq!(declared, in_schema, "{type_name}");
        }
    }

    /// Every list that answers a `…Connection` takes the four Relay arguments, and their
    /// descriptions state the page sizes the service applies (`#[connections]` writes them).
    #[tokio::test]
    async fn every_connection_takes_the_relay_arguments_described_with_the_real_page_sizes() {
        use crate::service::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

        let schema = builder().finish();
        let query =
            "{ __schema { types { name fields { name type { name ofType { name } } args { name description } } } } }";
        let answer = schema.execute(Request::new(query)).await.data.into_json().unwrap();
        let mut connections = 0;
        for ty in answer["__schema"]["types"].as_array().unwrap() {
            for field in ty["fields"].as_array().into_iter().flatten() {
                let returns = field["type"]["name"].as_str().or(field["type"]["ofType"]["name"].as_str());
                if !returns.is_some_and(|name| name.ends_with("Connection")) {
                    continue;
                }
                connections += 1;
                let described = |name: &str| {
                    let arguments = field["args"].as_array().unwrap();
                    let found = arguments.iter().find(|argument| argument["name"] == name);
                    found.and_then(|argument| argument["description"].as_str()).unwrap_or_default().to_string()
                };
                let at = format!("{}.{}", ty["name"], field["name"]);
                let first = described("first");
                assert!(first.contains(&format!("default {DEFAULT_PAGE_SIZE}")), "{at}: {first}");
                assert!(first.contains(&format!("at most {MAX_PAGE_SIZE}")), "{at}: {first}");
                assert!(described("last").contains(&format!("at most {MAX_PAGE_SIZE}")), "{at}");
                assert!(!described("after").is_empty() && !described("before").is_empty(), "{at}");
            }
        }
        assert!(connections >= 13, "only {connections} connections found");
    }
}
