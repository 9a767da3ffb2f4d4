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
