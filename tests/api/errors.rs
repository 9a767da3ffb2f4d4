//! Error codes: bad input names its field, stale versions conflict and write nothing,
//! database text never reaches a client.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn bad_input_is_refused_with_the_field_that_is_wrong() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let issue = app.register(&county, "BAD-1").await;
    let base = json!({ "code": "BAD-2", "title": "t", "description": "d", "roundId": county.round, "categoryId": county.category, "severity": "GENERAL" });
    let cases = [
        ("registerIssue", json!({ "title": "  " }), "input.title"),
        ("registerIssue", json!({ "code": "BAD-1" }), "input.code"),
        ("registerIssue", json!({ "code": "has space" }), "input.code"),
        ("registerIssue", json!({ "roundId": county.category }), "input.roundId"),
        ("registerIssue", json!({ "categoryId": node_id("Category", 999) }), "input.categoryId"),
        ("registerIssue", json!({ "townshipId": county.water }), "input.townshipId"),
        ("registerIssue", json!({ "latitude": 95.0, "longitude": 100.0 }), "input.latitude"),
        ("registerIssue", json!({ "latitude": 30.0 }), "input.longitude"),
    ];
    for (mutation, change, field) in cases {
        let mut input = base.clone();
        input.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        let reply = app.mutate(&bureau, mutation, input, "issue { id }").await;
        assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", field), "{}", reply.body);
    }
    let assign = |change: serde_json::Value| {
        let mut input = json!({ "issueId": issue, "leadDepartmentId": county.water, "deadline": county_date(5), "leaderName": "L" });
        input.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        app.mutate(&bureau, "assignIssue", input, "issue { id }")
    };
    let reply = assign(json!({ "cooperatingDepartmentIds": [county.water] })).await;
    assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "input.cooperatingDepartmentIds"));
    let reply = assign(json!({ "leaderName": "" })).await;
    assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "input.leaderName"));
    let reply = assign(json!({ "deadline": "31/12/2026" })).await;
    assert_eq!(reply.code(), "BAD_USER_INPUT", "a malformed Date is refused before execution");
    let reply = assign(json!({ "issueId": "not-an-id" })).await;
    assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "input.issueId"));
    let reply = assign(json!({ "issueId": node_id("Issue", 4242) })).await;
    assert_eq!(reply.code(), "NOT_FOUND");
}

#[tokio::test]
async fn the_bureau_leads_only_where_its_duties_say_so() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let outside = app.register(&county, "DUTY-1").await;
    let input = |issue: &str| json!({ "issueId": issue, "leadDepartmentId": county.bureau, "deadline": county_date(5), "leaderName": "L" });
    let refused = app.mutate(&app.bureau(), "assignIssue", input(&outside), "issue { id }").await;
    assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", "input.leadDepartmentId"));

    let inside = app
        .mutate(
            &app.bureau(),
            "registerIssue",
            json!({ "code": "DUTY-2", "title": "Lax enforcement", "description": "d", "roundId": county.round, "categoryId": county.bureau_category, "severity": "GENERAL" }),
            "issue { id }",
        )
        .await
        .ok();
    let id = inside.data("registerIssue.issue.id").as_str().unwrap().to_owned();
    let allowed = app.mutate(&app.bureau(), "assignIssue", input(&id), "issue { leadDepartment { code } }").await.ok();
    assert_eq!(allowed.data("assignIssue.issue.leadDepartment.code"), "EPB");
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_writes_nothing() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "VER-1").await;
    let bureau = app.bureau();
    let first = app
        .mutate(
            &bureau,
            "updateIssue",
            json!({ "issueId": issue, "expectedVersion": 1, "title": "First edit" }),
            "issue { title version }",
        )
        .await
        .ok();
    assert_eq!(first.data("updateIssue.issue.version"), 2);
    let stale = app
        .mutate(
            &bureau,
            "updateIssue",
            json!({ "issueId": issue, "expectedVersion": 1, "title": "Lost edit" }),
            "issue { title }",
        )
        .await;
    assert_eq!(stale.code(), "CONFLICT");
    let now = app
        .gql(
            Some(&bureau),
            "query($id: ID!) { issue(id: $id) { title version events { totalCount } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(now.data("issue.title"), "First edit");
    assert_eq!(now.data("issue.version"), 2);
    assert_eq!(now.data("issue.events.totalCount"), 2);

    let stale_assign = app
        .mutate(&bureau, "assignIssue", json!({ "issueId": issue, "leadDepartmentId": county.water, "deadline": county_date(5), "leaderName": "L", "expectedVersion": 1 }), "issue { id }")
        .await;
    assert_eq!(stale_assign.code(), "CONFLICT");
}

#[tokio::test]
async fn of_two_racing_edits_from_the_same_version_exactly_one_lands() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "RACE-1").await;
    let bureau = app.bureau();
    let edits = (0..6).map(|n| {
        app.mutate(
            &bureau,
            "updateIssue",
            json!({ "issueId": issue, "expectedVersion": 1, "title": format!("Edit {n}") }),
            "issue { version }",
        )
    });
    let replies = futures_util::future::join_all(edits).await;
    let landed = replies.iter().filter(|r| r.body.get("errors").is_none()).count();
    let conflicts = replies.iter().filter(|r| r.code() == "CONFLICT").count();
    assert_eq!((landed, conflicts), (1, 5), "{:?}", replies.iter().map(|r| r.body.to_string()).collect::<Vec<_>>());
    let now = app
        .gql(
            Some(&bureau),
            "query($id: ID!) { issue(id: $id) { version events { totalCount } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(now.data("issue.version"), 2);
    assert_eq!(now.data("issue.events.totalCount"), 2);
}

#[tokio::test]
async fn events_are_append_only_even_for_the_database_itself() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    app.register(&county, "APPEND-1").await;
    assert!(app.db.conn.execute_unprepared("UPDATE issue_event SET note = 'rewritten'").await.is_err());
    assert!(app.db.conn.execute_unprepared("DELETE FROM issue_event").await.is_err());
    let kept =
        app.gql(Some(&app.bureau()), "{ issues { nodes { events { nodes { note action } } } } }", json!({})).await.ok();
    assert_eq!(kept.data("issues.nodes.0.events.nodes.0.action"), "REGISTERED");
    assert!(kept.data("issues.nodes.0.events.nodes.0.note").is_null());
}

#[tokio::test]
async fn a_database_failure_reaches_the_client_as_a_plain_internal_error() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    app.register(&county, "DB-1").await;
    // Break the database under the running server: the next read fails inside the driver.
    app.db.conn.execute_unprepared("ALTER TABLE issue RENAME TO issue_gone").await.unwrap();
    let reply = app.gql(Some(&app.bureau()), "{ issues { nodes { code } } }", json!({})).await;
    assert_eq!(reply.code(), "INTERNAL_SERVER_ERROR");
    let text = reply.body.to_string().to_lowercase();
    for leak in ["issue_gone", "select", "sqlx", "no such table", "relation", "sqlite", "postgres"] {
        assert!(!text.contains(leak), "the reply leaks `{leak}`: {text}");
    }
}

#[tokio::test]
async fn a_bureau_led_issue_cannot_be_moved_out_of_the_bureaus_duties() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let issue = app
        .mutate(
            &bureau,
            "registerIssue",
            json!({ "code": "DUTY-3", "title": "Lax enforcement", "description": "d", "roundId": county.round, "categoryId": county.bureau_category, "severity": "GENERAL" }),
            "issue { id }",
        )
        .await
        .ok();
    let id = issue.data("registerIssue.issue.id").as_str().unwrap().to_owned();
    app.mutate(
        &bureau,
        "assignIssue",
        json!({ "issueId": id, "leadDepartmentId": county.bureau, "deadline": county_date(5), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    let moved = app
        .mutate(
            &bureau,
            "updateIssue",
            json!({ "issueId": id, "expectedVersion": 2, "categoryId": county.category }),
            "issue { id }",
        )
        .await;
    assert_eq!((moved.code(), moved.field()), ("BAD_USER_INPUT", "input.categoryId"));
    let kept = app
        .mutate(
            &bureau,
            "updateIssue",
            json!({ "issueId": id, "expectedVersion": 2, "title": "Lax enforcement at the quarry" }),
            "issue { version }",
        )
        .await
        .ok();
    assert_eq!(kept.data("updateIssue.issue.version"), 3);
}
