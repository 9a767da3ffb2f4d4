//! Issues, their events and the reference objects are resolved with a shortcut
//! (`graphql::fast_object`): fields that finish at once are run in place rather than as
//! futures of their own. The answers a client gets over HTTP must equal those of
//! async-graphql's own field-by-field path, run here on the same data.

use std::collections::{BTreeSet, HashMap};

use async_graphql::Request;
use entity::enums::Role;
use rectify::auth::Actor;
use rectify::config::LimitSettings;
use rectify::graphql::{RequestExt, field_by_field_schema};
use serde_json::{Value, json};

use crate::helpers::*;

/// The data and the errors (message and path) of one query, over HTTP and field by field, as
/// the holder of `token`.
async fn both_ways(app: &TestApp, token: &str, query: &str, variables: Value) -> (Value, Value) {
    both_ways_within(app, &LimitSettings::default(), token, query, variables).await
}

async fn both_ways_within(
    app: &TestApp,
    limits: &LimitSettings,
    token: &str,
    query: &str,
    variables: Value,
) -> (Value, Value) {
    let served = app.gql(Some(token), query, variables.clone()).await.body;
    let claims = app.tokens.verify(token).expect("a valid token");
    let actor = Actor::User(app.services.resolve_principal(claims).await.expect("the token's principal"));
    let request =
        Request::new(query).variables(async_graphql::Variables::from_json(variables)).for_actor(actor, &app.services);
    let generic = field_by_field_schema(limits).execute(request).await;
    // Through text, as the served answer came: serde_json's float parsing may land one unit
    // in the last place away from the value it was written from.
    let generic: Value = serde_json::from_slice(&serde_json::to_vec(&generic).unwrap()).unwrap();
    (comparable(&served), comparable(&generic))
}

fn comparable(body: &Value) -> Value {
    let errors: Vec<Value> = body["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| json!({ "message": e["message"], "path": e["path"] })).collect())
        .unwrap_or_default();
    json!({ "data": body["data"], "errors": errors })
}

/// Every leaf of `type_name` (by introspection), as a selection.
async fn leaves_of(app: &TestApp, token: &str, type_name: &str) -> String {
    let reply = app.gql(Some(token), TYPE_FIELDS, json!({ "name": type_name })).await.ok();
    let fields = reply.data("__type.fields").as_array().unwrap();
    let leaves: Vec<&str> = fields
        .iter()
        .filter(|f| matches!(named_type(f).0, "SCALAR" | "ENUM"))
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!leaves.is_empty(), "{type_name} has leaves");
    leaves.join(" ")
}

/// Every field of every issue of the demo county (each object with all its leaves, the
/// reference objects and events in depth), one list page, both ways.
#[tokio::test]
async fn a_page_with_every_issue_field_is_answered_as_field_by_field() {
    // Every field at once costs more than a client's query may: the limit is raised here, as
    // these tests check answers, not prices.
    let limits = LimitSettings { max_cost: 100_000, ..LimitSettings::default() };
    let app = spawn_app_with(|settings| settings.limits = limits.clone()).await;
    app.services.seed_demo().await.expect("seeding");
    let token = app.bureau();
    let fields = app.gql(Some(&token), TYPE_FIELDS, json!({ "name": "Issue" })).await.ok();
    let mut selection = Vec::new();
    for field in fields.data("__type.fields").as_array().unwrap() {
        selection.push(selection_of(&app, &token, field).await);
    }
    let department = leaves_of(&app, &token, "Department").await;
    let event = leaves_of(&app, &token, "IssueEvent").await;
    let every_field = format!("{{ issues(first: 40) {{ totalCount nodes {{ {} }} }} }}", selection.join(" "));
    let in_depth = format!(
        "{{ issues(first: 40) {{ nodes {{ code
           category {{ aspect {{ __typename id code name categories {{ code dutyDepartment {{ code }} }} }}
                       dutyDepartment {{ {department} }} }}
           events(first: 10) {{ totalCount nodes {{ {event} evidence {{ id fileName }} }} }} }} }} }}"
    );
    for query in [every_field, in_depth] {
        let (served, generic) = both_ways_within(&app, &limits, &token, &query, json!({})).await;
        assert_eq!(served["errors"], json!([]), "{served}");
        assert_eq!(served["data"]["issues"]["nodes"].as_array().unwrap().len(), 40);
        assert_eq!(served, generic);
    }
    // The page holds issues overdue on a deadline, so a list of reasons is compared, not only
    // empty ones.
    let (served, _) = both_ways(&app, &token, "{ issues(first: 40) { nodes { overdueDeadlines } } }", json!({})).await;
    let nodes = served["data"]["issues"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().any(|n| n["overdueDeadlines"].as_array().is_some_and(|d| !d.is_empty())), "{served}");
}

/// Aliases, a key selected twice with different sub-selections, fragments on the type and on
/// the `Node` interface, `__typename`, and a field error in the middle of an object; with a
/// key selected twice and without (the answer is then written ahead as JSON).
#[tokio::test]
async fn shapes_of_selection_and_errors_are_answered_as_field_by_field() {
    let app = spawn_app().await;
    app.services.seed_demo().await.expect("seeding");
    let token = app.bureau();
    let shapes = "query($id: ID!) {
      issues(first: 12) { nodes {
        id short: code code
        ... on Issue { title leadDepartment { code } }
        ...More
        leadDepartment { name }
        ... on Node { kind: __typename nodeId: id }
        cooperatingDepartments { code } cooperatingDepartments { name kind }
        category { code } category { name aspect { code } } category { aspect { name } }
      } }
      node(id: $id) { __typename id ... on Issue { code round { name level } category { aspect { code } } } }
      aspects { code categories { code aspect { name } dutyDepartment { code active } } }
    }
    fragment More on Issue { status events(first: 2) { nodes { action at } } lastEvent: events(last: 1) { totalCount } }";
    let first = app.gql(Some(&token), "{ issues(first: 1) { nodes { id } } }", json!({})).await.ok();
    let id = first.data("issues.nodes.0.id").clone();
    let (served, generic) = both_ways(&app, &token, shapes, json!({ "id": id })).await;
    assert_eq!(served["errors"], json!([]), "{served}");
    assert_eq!(served["data"]["node"]["__typename"], "Issue");
    assert_eq!(served, generic);

    // The same shapes without a key selected twice: these objects are written as JSON while
    // the query runs (`graphql::json_parts`) instead of as a tree of values.
    let distinct = "query Distinct($id: ID!) {
      issues(first: 12) {
        edges { cursor node {
          short: code ... on Issue { title leadDepartment { code name } } ...More
          ... on Node { kind: __typename nodeId: id }
          cooperatingDepartments { name kind }
          category { name aspect { code categories { code } } }
        } }
        pageInfo { hasNextPage endCursor }
      }
      node(id: $id) { __typename id ... on Issue { code round { name level } } }
      aspects { code categories { code aspect { name } dutyDepartment { code active } } }
    }
    fragment More on Issue { status supervision { level } events(first: 2) { nodes { action at } } }";
    let (served, generic) = both_ways(&app, &token, distinct, json!({ "id": id })).await;
    assert_eq!(served["errors"], json!([]), "{served}");
    assert_eq!(served["data"]["issues"]["edges"].as_array().unwrap().len(), 12);
    assert_eq!(served, generic);

    // `events(first: 500)` is over the page limit: an error per issue, in a field that waits,
    // between fields that do not.
    let failing = "{ issues(first: 3) { nodes { code events(first: 500) { totalCount } title } } }";
    let (served, generic) = both_ways(&app, &token, failing, json!({})).await;
    assert_eq!(served["errors"].as_array().unwrap().len(), 3, "{served}");
    assert_eq!(served["errors"][0]["path"][3], "events");
    assert_eq!(served, generic);
}

/// Every type of the schema by name, as introspection gives it.
async fn schema_types(app: &TestApp, token: &str) -> HashMap<String, Value> {
    let query = "{ __schema { types { name kind possibleTypes { name }
      fields { name args { name type { kind } }
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";
    let reply = app.gql(Some(token), query, json!({})).await.ok();
    let types = reply.data("__schema.types").as_array().unwrap();
    types.iter().map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone())).collect()
}

/// A selection of every field of `type_name` and, below it, of every type it reaches, to the
/// bottom: a field that needs an argument is left out, a page is asked for 2 items, and a type
/// already on the path from the list is not entered again (its fields were selected above).
/// `reached` collects the types selected.
fn every_field_below(
    types: &HashMap<String, Value>,
    type_name: &str,
    path: &mut Vec<String>,
    reached: &mut BTreeSet<String>,
) -> String {
    let ty = &types[type_name];
    path.push(type_name.to_owned());
    reached.insert(type_name.to_owned());
    let mut selection = vec!["__typename".to_owned()];
    match ty["kind"].as_str().unwrap() {
        "INTERFACE" | "UNION" => {
            for possible in ty["possibleTypes"].as_array().unwrap() {
                let name = possible["name"].as_str().unwrap();
                if !path.iter().any(|p| p == name) {
                    selection.push(format!("... on {name} {{ {} }}", every_field_below(types, name, path, reached)));
                }
            }
        }
        _ => {
            for field in ty["fields"].as_array().unwrap() {
                let args = field["args"].as_array().unwrap();
                if args.iter().any(|a| a["type"]["kind"] == "NON_NULL") {
                    continue;
                }
                let name = field["name"].as_str().unwrap();
                let arguments = if args.iter().any(|a| a["name"] == "first") { "(first: 2)" } else { "" };
                let (kind, field_type) = named_type(field);
                if matches!(kind, "SCALAR" | "ENUM") {
                    selection.push(format!("{name}{arguments}"));
                } else if !path.iter().any(|p| p == field_type) {
                    selection.push(format!(
                        "{name}{arguments} {{ {} }}",
                        every_field_below(types, field_type, path, reached)
                    ));
                }
            }
        }
    }
    path.pop();
    selection.join(" ")
}

/// As each role, a page of issues with every field reachable from it to full depth (the
/// reference objects, events, evidence, plans, reports, inspections, extensions, enterprises
/// and what they in turn name) is answered as async-graphql's own path answers it, errors
/// included (fields a role may not read).
#[tokio::test]
async fn every_role_gets_every_reachable_field_to_full_depth_as_field_by_field() {
    let limits = LimitSettings { max_depth: 64, max_cost: 10_000_000, ..LimitSettings::default() };
    let app = spawn_app_with(|settings| {
        settings.limits = LimitSettings {
            cost_budget: 100_000_000,
            superior_cost_budget: 100_000_000,
            max_response_bytes: 256 * 1024 * 1024,
            max_aliases: 1_000,
            ..limits.clone()
        }
    })
    .await;
    app.services.seed_demo().await.expect("seeding");
    let types = schema_types(&app, &app.bureau()).await;
    let mut reached = BTreeSet::new();
    let issue = every_field_below(&types, "Issue", &mut vec!["IssueConnection".to_owned()], &mut reached);
    for fast in ["IssueEvent", "Department", "Category", "Aspect", "InspectionRound"] {
        assert!(reached.contains(fast), "{fast} is reached: {reached:?}");
    }
    for other in ["Evidence", "Enterprise", "Plan", "ProgressReport", "SiteInspection", "DeadlineExtension"] {
        assert!(reached.contains(other), "{other} is reached: {reached:?}");
    }
    let query = format!("{{ issues(first: 15) {{ totalCount nodes {{ {issue} }} }} }}");
    let roles = [
        app.token(Role::Admin, "admin", None),
        app.bureau(),
        app.token(Role::Leader, "leader", None),
        app.department("HOUSING"),
        app.token(Role::Inspector, "inspector", None),
        app.token(Role::Superior, "superior", None),
    ];
    for token in &roles {
        let (served, generic) = both_ways_within(&app, &limits, token, &query, json!({})).await;
        let issues = served["data"]["issues"]["nodes"].as_array().unwrap_or_else(|| panic!("{served}"));
        assert!(!issues.is_empty(), "{served}");
        assert_eq!(served, generic);
    }
}
