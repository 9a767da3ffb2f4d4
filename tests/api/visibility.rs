//! A department reads only the issues it leads or cooperates on, whichever way it asks.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_department_sees_its_own_issues_through_every_read_path_and_nothing_else() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let led = app.register(&county, "VIS-LED").await;
    let cooperating = app.register(&county, "VIS-COOP").await;
    let foreign = app.register(&county, "VIS-FOREIGN").await;
    let unassigned = app.register(&county, "VIS-NEW").await;
    app.assign(&county, &led, &county_date(30)).await.ok();
    // WATER cooperates on this one, AGRI leads it.
    app.mutate(
        &app.bureau(),
        "assignIssue",
        json!({ "issueId": cooperating, "leadDepartmentId": county.agri, "cooperatingDepartmentIds": [county.water], "deadline": county_date(30), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    app.mutate(
        &app.bureau(),
        "assignIssue",
        json!({ "issueId": foreign, "leadDepartmentId": county.agri, "deadline": county_date(30), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    let water = app.department("WATER");

    let list = app
        .gql(
            Some(&water),
            "{ issues(orderBy: {field: CODE, direction: ASC}) { totalCount nodes { code } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(list.data("issues.totalCount"), 2);
    assert_eq!(list.data("issues.nodes"), &json!([{ "code": "VIS-COOP" }, { "code": "VIS-LED" }]));

    let filtered = app
        .gql(
            Some(&water),
            "query($d: ID!) { issues(filter: {departmentId: $d}) { totalCount } }",
            json!({ "d": county.agri }),
        )
        .await
        .ok();
    assert_eq!(filtered.data("issues.totalCount"), 1, "a filter cannot widen what a department sees");

    for (id, code, visible) in [
        (&led, "VIS-LED", true),
        (&cooperating, "VIS-COOP", true),
        (&foreign, "VIS-FOREIGN", false),
        (&unassigned, "VIS-NEW", false),
    ] {
        let reply = app
            .gql(
                Some(&water),
                "query($id: ID!, $code: String!) { issue(id: $id) { code } issueByCode(code: $code) { code } node(id: $id) { id } nodes(ids: [$id]) { id } }",
                json!({ "id": id, "code": code }),
            )
            .await
            .ok();
        assert_eq!(!reply.data("issue").is_null(), visible, "issue {code}");
        assert_eq!(!reply.data("issueByCode").is_null(), visible, "issueByCode {code}");
        assert_eq!(!reply.data("node").is_null(), visible, "node {code}");
        assert_eq!(!reply.data("nodes.0").is_null(), visible, "nodes {code}");
    }

    // Events of an invisible issue are invisible too.
    let events = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { issue(id: $id) { events { nodes { id } } } }",
            json!({ "id": foreign }),
        )
        .await
        .ok();
    let event_id = events.data("issue.events.nodes.0.id").clone();
    let hidden =
        app.gql(Some(&water), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": event_id })).await.ok();
    assert!(hidden.data("node").is_null());
    let seen = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on IssueEvent { action } } }",
            json!({ "id": event_id }),
        )
        .await
        .ok();
    assert_eq!(seen.data("node.action"), "REGISTERED");
}

#[tokio::test]
async fn nodes_answer_in_the_order_asked_with_null_for_what_does_not_exist() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "N-1").await;
    let reply = app
        .gql(
            Some(&app.bureau()),
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": [county.water, "garbage", issue, node_id("Issue", 999_999), county.category, county.round, county.aspect] }),
        )
        .await
        .ok();
    let types: Vec<String> = reply
        .data("nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].as_str().unwrap_or("null").to_owned())
        .collect();
    assert_eq!(types, ["Department", "null", "Issue", "null", "Category", "InspectionRound", "Aspect"]);
    let too_many: Vec<String> = (0..101).map(|i| node_id("Issue", i)).collect();
    let refused = app
        .gql(Some(&app.bureau()), "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": too_many }))
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_department_losing_an_issue_between_two_syncs_is_told_to_drop_it() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let kept = app.register(&county, "SYNC-KEPT").await;
    let lost = app.register(&county, "SYNC-LOST").await;
    for issue in [&kept, &lost] {
        app.assign(&county, issue, &county_date(30)).await.ok();
    }
    let sync = "query($since: DateTime) {
        issues(first: 100, filter: {updatedSince: $since}, orderBy: {field: UPDATED_AT, direction: ASC}) { nodes { id updatedAt } }
        issuesNoLongerVisible(since: $since) }";
    let water = app.department("WATER");
    let first = app.gql(Some(&water), sync, json!({ "since": null })).await.ok();
    assert_eq!(first.data("issuesNoLongerVisible"), &json!([]), "a first sync holds nothing to drop");
    let held: Vec<&str> =
        first.data("issues.nodes").as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(held.len(), 2, "WATER's app holds both");
    let since = first.data("issues.nodes.1.updatedAt").as_str().unwrap().to_owned();

    // The bureau gives one to AGRI alone: WATER (lead) and HOUSING (cooperating) lose it.
    let reassigned = json!({ "issueId": lost, "leadDepartmentId": county.agri, "cooperatingDepartmentIds": [],
                             "deadline": county_date(30), "leaderName": "Deputy head Ma" });
    app.mutate(&app.bureau(), "assignIssue", reassigned, "issue { id }").await.ok();

    for department in ["WATER", "HOUSING"] {
        let next = app.gql(Some(&app.department(department)), sync, json!({ "since": since })).await.ok();
        assert_eq!(next.data("issuesNoLongerVisible"), &json!([lost]), "{department} drops it");
        let changed: Vec<&Value> = next.data("issues.nodes").as_array().unwrap().iter().map(|n| &n["id"]).collect();
        assert!(!changed.contains(&&json!(lost)), "{department} no longer gets it");
    }
    let agri = app.gql(Some(&app.department("AGRI")), sync, json!({ "since": since })).await.ok();
    assert_eq!(agri.data("issuesNoLongerVisible"), &json!([]), "the new lead loses nothing");
    assert!(agri.data("issues.nodes").as_array().unwrap().iter().any(|n| n["id"] == json!(lost)), "and gets it");
    let bureau = app.gql(Some(&app.bureau()), sync, json!({ "since": since })).await.ok();
    assert_eq!(bureau.data("issuesNoLongerVisible"), &json!([]), "the bureau sees every issue");
    // A sync from after the loss has nothing to drop.
    let later = app.gql(Some(&water), sync, json!({ "since": chrono::Utc::now().to_rfc3339() })).await.ok();
    assert_eq!(later.data("issuesNoLongerVisible"), &json!([]));
}
