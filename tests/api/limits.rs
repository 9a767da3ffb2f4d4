//! Depth, cost and page-size limits, checked before anything runs.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn too_deep_or_too_costly_queries_are_refused_before_they_run() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    app.register(&county, "LIM-1").await;
    let token = app.bureau();

    let nest = "category { aspect { categories { aspect { categories { aspect { categories { aspect { categories { aspect { categories { aspect { categories { aspect { name } } } } } } } } } } } } } }";
    let deep = format!("{{ issues {{ nodes {{ {nest} }} }} }}");
    let before = app.statements();
    let reply = app.gql(Some(&token), &deep, json!({})).await;
    assert_eq!(reply.code(), "TOO_COMPLEX", "{}", reply.body);
    assert_eq!(app.statements(), before, "nothing ran");

    // 100 issues × 100 events × 8 fields is far over the budget.
    let costly = "{ issues(first: 100) { nodes { code events(first: 100) { nodes { id action fromStatus toStatus actor actorRole note at } } } } }";
    let reply = app.gql(Some(&token), costly, json!({})).await;
    assert_eq!(reply.code(), "TOO_COMPLEX");
    assert_eq!(app.statements(), before, "nothing ran");

    let affordable = "{ issues(first: 100) { nodes { code events(first: 10) { nodes { action at } } } } }";
    app.gql(Some(&token), affordable, json!({})).await.ok();
}

#[tokio::test]
async fn pages_are_at_most_100_items() {
    let app = spawn_app().await;
    let token = app.bureau();
    for args in ["first: 101", "last: 101", "first: -1"] {
        let reply = app.gql(Some(&token), &format!("{{ issues({args}) {{ totalCount }} }}"), json!({})).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{args}");
    }
    let reply = app.gql(Some(&token), "{ issues(first: 1, last: 1) { totalCount } }", json!({})).await;
    assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "last"));
    app.gql(Some(&token), "{ issues(first: 100) { totalCount } }", json!({})).await.ok();
}

#[tokio::test]
async fn nesting_unpaged_lists_multiplies_their_cost() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let token = app.bureau();
    // The classification loops (aspect → categories → aspect → …): each level of a list
    // without paging counts as a full page, so a few levels exhaust the budget.
    let nested = "query($id: ID!) { node(id: $id) { ... on Aspect { categories { aspect { categories { aspect { categories { aspect { categories { code } } } } } } } } } }";
    let before = app.statements();
    let reply = app.gql(Some(&token), nested, json!({ "id": county.aspect })).await;
    assert_eq!(reply.code(), "TOO_COMPLEX");
    assert_eq!(app.statements(), before, "nothing ran");
    let shallow = "query($id: ID!) { node(id: $id) { ... on Aspect { categories { code aspect { code } dutyDepartment { code } } } } }";
    let reply = app.gql(Some(&token), shallow, json!({ "id": county.aspect })).await.ok();
    assert_eq!(reply.data("node.categories.0.aspect.code"), "A1");
}

/// GraphiQL's introspection query (graphql-js's `getIntrospectionQuery`), as a browser sends it.
const FULL_INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { ...FullType } directives { name description locations args { ...InputValue } } } } fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } } fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue } fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

#[tokio::test]
async fn introspection_is_priced_by_what_it_answers_and_a_request_holds_a_bounded_number_of_aliases() {
    let app = spawn_app().await;
    let token = app.bureau();
    let whole = app.gql(Some(&token), FULL_INTROSPECTION, json!({})).await.ok();
    let charged = whole.body["extensions"]["cost"]["requestedQueryCost"].as_u64().unwrap();
    let values = whole.body["data"].to_string().matches("\"name\":").count() as u64;
    assert!(charged >= values, "GraphiQL reads the schema, charged {charged} for more than {values} names");

    // The attack: one bureau request of 3,000 aliased walks over every argument of every field.
    let walk = "__schema { types { fields { args { type { name } } } } }";
    let copies = |n: usize| (0..n).map(|k| format!("a{k}: {walk} ")).collect::<String>();
    for n in [3_000, 100] {
        let reply = app.gql(Some(&token), &format!("{{ {} }}", copies(n)), json!({})).await;
        assert_eq!(reply.code(), "TOO_COMPLEX", "{n} copies of the schema");
        assert!(reply.body.get("data").is_none(), "nothing ran");
    }
    let typenames = |n: usize| format!("{{ {} }}", (0..n).map(|k| format!("t{k}: __typename ")).collect::<String>());
    app.gql(Some(&token), &typenames(100), json!({})).await.ok();
    let reply = app.gql(Some(&token), &typenames(101), json!({})).await;
    assert_eq!(reply.code(), "TOO_COMPLEX", "101 aliases are over the default cap");
    let spread = "{ ...F ...G } fragment F on Query { a: __typename b: __typename } fragment G on Query { ...F ...F }";
    let reply = app.gql(Some(&token), spread, json!({})).await.ok();
    assert_eq!(reply.data("a"), "Query");
    let capped = spawn_app_with(|settings| settings.limits.max_aliases = 5).await;
    let reply = capped.gql(Some(&capped.bureau()), spread, json!({})).await;
    assert_eq!(reply.code(), "TOO_COMPLEX", "a fragment's aliases count each time it is spread (6 here)");
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_replaced_by_an_error() {
    let app = spawn_app_with(|settings| settings.limits.max_response_bytes = 1_024).await;
    let county = seed_county(&app).await;
    for n in 0..12 {
        app.register(&county, &format!("BIG-{n}")).await;
    }
    let token = app.bureau();
    let small = app.gql(Some(&token), "{ issues(first: 2) { nodes { code } } }", json!({})).await.ok();
    assert_eq!(small.data("issues.nodes").as_array().unwrap().len(), 2);
    let reply =
        app.gql(Some(&token), "{ issues(first: 50) { nodes { code title description location } } }", json!({})).await;
    assert_eq!((reply.status, reply.code()), (200, "TOO_COMPLEX"));
    assert_eq!(reply.body.get("data"), Some(&serde_json::Value::Null), "no part of the answer is sent: {}", reply.body);
    assert!(reply.body["extensions"]["cost"]["requestedQueryCost"].as_u64().is_some(), "the charge is still reported");
    // A mutation's answer is never dropped: it would hide a change that was made.
    let issue = app.register(&county, "BIG-M").await;
    let long = "x".repeat(2_000);
    let input = json!({ "issueId": issue, "expectedVersion": 1, "description": long });
    let reply = app.mutate(&token, "updateIssue", input, "issue { code description }").await.ok();
    assert_eq!(reply.data("updateIssue.issue.code"), "BIG-M");
}

#[tokio::test]
async fn a_request_dearer_than_a_whole_budget_is_too_complex_not_a_wait() {
    // The bucket is raised to the query cost limit (25 000); the schema costs about 45 000.
    let app = spawn_app_with(|settings| settings.limits.cost_budget = 1).await;
    let reply = app.gql(Some(&app.bureau()), FULL_INTROSPECTION, json!({})).await;
    assert_eq!(reply.code(), "TOO_COMPLEX", "{}", reply.body);
    assert_ne!(reply.status, 429, "waiting would never help");
}

#[tokio::test]
async fn an_unpaged_list_longer_than_a_page_is_charged_for_every_item_it_answers() {
    let app = spawn_app().await;
    let token = app.bureau();
    for n in 0..25 {
        app.mutate(
            &token,
            "createAspect",
            json!({ "code": format!("A{n:02}"), "name": format!("aspect {n}") }),
            "aspect { id }",
        )
        .await
        .ok();
    }
    let cost = |reply: &Reply, key: &str| reply.body["extensions"]["cost"][key].as_u64().unwrap();
    let reply = app.gql(Some(&token), "{ aspects { code name } }", json!({})).await.ok();
    assert_eq!(reply.data("aspects").as_array().unwrap().len(), 25);
    let requested = cost(&reply, "requestedQueryCost");
    assert_eq!(cost(&reply, "actualQueryCost"), requested + 5 * 2, "five aspects past a page, two fields each");
    // The same document again is charged its known price and the overage again.
    let again = app.gql(Some(&token), "{ aspects { code name } }", json!({})).await.ok();
    assert_eq!(cost(&again, "actualQueryCost"), requested + 10);
    let short = app.gql(Some(&token), "{ aspects { code } }", json!({})).await.ok();
    assert_eq!(cost(&short, "actualQueryCost"), cost(&short, "requestedQueryCost") + 5, "one field each");
}
