//! Objections during the public notice (公示异议): recorded by the bureau while the notice
//! runs, blocking the closure until resolved; an upheld one sends the issue back to work and
//! counts as a failed acceptance.

use entity::enums::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::written_history::row_id;

const ROLES: [Role; 6] = [Role::Admin, Role::Bureau, Role::Leader, Role::Department, Role::Inspector, Role::Superior];

async fn object(app: &TestApp, token: &str, issue: &str, evidence: &[String]) -> Reply {
    let input = json!({ "issueId": issue, "source": "Hotline ticket 12345-0042",
                        "content": "The outfall still runs black at night.", "evidenceIds": evidence });
    app.mutate(token, "recordNoticeObjection", input, "objection { id status source evidence { id } issue { status } }")
        .await
}

async fn resolve(app: &TestApp, objection: &Value, outcome: &str) -> Reply {
    let input = json!({ "objectionId": objection, "outcome": outcome, "note": "Checked on site at night." });
    app.mutate(
        &app.bureau(),
        "resolveNoticeObjection",
        input,
        "objection { status outcome resolvedBy issue { status } }",
    )
    .await
}

async fn close(app: &TestApp, issue: &str) -> Reply {
    app.mutate(&app.bureau(), "closeIssue", json!({ "issueId": issue }), "issue { status }").await
}

#[tokio::test]
async fn an_objection_holds_the_closure_until_the_bureau_dismisses_it() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = accepted_issue(&app, &county, "OB-01", 7).await;

    // Only the bureau records objections.
    for role in ROLES.into_iter().filter(|role| *role != Role::Bureau) {
        let token = match role {
            Role::Department => app.department("WATER"),
            other => app.token(other, "someone", None),
        };
        assert_eq!(object(&app, &token, &issue, &[]).await.code(), "FORBIDDEN", "{role:?}");
    }
    let photo = app.proof(&app.bureau(), &issue).await;
    let recorded = object(&app, &app.bureau(), &issue, std::slice::from_ref(&photo)).await.ok();
    let objection = recorded.data("recordNoticeObjection.objection").clone();
    assert_eq!(objection["status"], "OPEN");
    assert_eq!(objection["evidence"], json!([{ "id": photo }]));
    let water = app.department("WATER");
    let inbox = app.gql(Some(&water), "{ notifications(first: 5) { nodes { kind } } }", json!({})).await.ok();
    assert_eq!(inbox.data("notifications.nodes.0.kind"), "NOTICE_OBJECTION_RECORDED");

    // The notice ends; the open objection still holds the closure.
    let yesterday = chrono::NaiveDate::parse_from_str(&county_date(-1), "%Y-%m-%d").unwrap();
    entity::issue::Entity::update_many()
        .col_expr(entity::issue::Column::NoticeEndsOn, sea_orm::sea_query::Expr::value(yesterday))
        .filter(entity::issue::Column::Id.eq(row_id(&issue)))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let held = close(&app, &issue).await;
    assert_eq!(held.code(), "INVALID_TRANSITION");
    assert!(held.body["errors"][0]["message"].as_str().unwrap().contains("objection"), "{}", held.body);
    let late = object(&app, &app.bureau(), &issue, &[]).await;
    assert_eq!(late.code(), "INVALID_TRANSITION", "no objection is recorded once the notice ended");

    let dismissed = resolve(&app, &objection["id"], "DISMISSED").await.ok();
    assert_eq!(dismissed.data("resolveNoticeObjection.objection.status"), "DISMISSED");
    assert_eq!(dismissed.data("resolveNoticeObjection.objection.issue.status"), "ACCEPTED");
    assert_eq!(resolve(&app, &objection["id"], "UPHELD").await.code(), "INVALID_TRANSITION", "resolved once");
    assert_eq!(close(&app, &issue).await.ok().data("closeIssue.issue.status"), "CLOSED");
}

/// The lead department asks again and the bureau accepts, without a notice.
async fn accepted_again(app: &TestApp, issue: &str, proof: &str) -> String {
    let request = json!({ "issueId": issue, "summary": "fixed again", "evidenceIds": [proof] });
    app.mutate(&app.department("WATER"), "requestAcceptance", request, "issue { id }").await.ok();
    let acceptance = json!({ "issueId": issue, "opinion": "ok", "noticeDays": 0 });
    let reply = app.mutate(&app.bureau(), "acceptRectification", acceptance, "issue { status }").await.ok();
    reply.data("acceptRectification.issue.status").as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_upheld_objection_sends_the_issue_back_to_work_as_a_failed_acceptance() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = accepted_issue(&app, &county, "OB-02", 7).await;
    let recorded = object(&app, &app.bureau(), &issue, &[]).await.ok();
    let id = recorded.data("recordNoticeObjection.objection.id").clone();
    let second = object(&app, &app.bureau(), &issue, &[]).await.ok();
    let second = second.data("recordNoticeObjection.objection.id").clone();
    let upheld = resolve(&app, &id, "UPHELD").await.ok();
    assert_eq!(upheld.data("resolveNoticeObjection.objection.status"), "UPHELD");
    assert_eq!(upheld.data("resolveNoticeObjection.objection.issue.status"), "IN_PROGRESS");

    let query = "query($id: ID!) { node(id: $id) { ... on Issue { noticeEndsOn noticeObjections { status }
                   events(first: 50) { nodes { action } } } } }";
    let read = app.gql(Some(&app.bureau()), query, json!({ "id": issue })).await.ok();
    assert!(read.data("node.noticeEndsOn").is_null());
    assert_eq!(read.data("node.noticeObjections"), &json!([{ "status": "OPEN" }, { "status": "UPHELD" }]));
    let actions: Vec<&str> =
        read.data("node.events.nodes").as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(
        actions.ends_with(&["NOTICE_OBJECTION_RECORDED", "NOTICE_OBJECTION_RECORDED", "OBJECTION_UPHELD"]),
        "{actions:?}"
    );
    let board = app
        .gql(Some(&app.bureau()), "{ departmentScoreboard { department { code } failedAcceptances } }", json!({}))
        .await
        .ok();
    let water = board
        .data("departmentScoreboard")
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"]["code"] == "WATER")
        .unwrap()
        .clone();
    assert_eq!(water["failedAcceptances"], 1);
    let listed = app
        .gql(Some(&app.department("WATER")), "{ noticeObjections(filter: {status: UPHELD}) { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(listed.data("noticeObjections.totalCount"), 1);

    // The second objection was to the acceptance just undone: once the issue is accepted again
    // it holds nothing, and it cannot send the new acceptance back.
    let proof = app.proof(&app.department("WATER"), &issue).await;
    assert_eq!(accepted_again(&app, &issue, &proof).await, "ACCEPTED");
    assert_eq!(resolve(&app, &second, "UPHELD").await.code(), "INVALID_TRANSITION");
    assert_eq!(close(&app, &issue).await.ok().data("closeIssue.issue.status"), "CLOSED");

    // Without a running notice there is nothing to object to.
    let no_notice = accepted_issue(&app, &county, "OB-03", 0).await;
    assert_eq!(object(&app, &app.bureau(), &no_notice, &[]).await.code(), "INVALID_TRANSITION");
    assert_eq!(object(&app, &app.bureau(), &issue, &[]).await.code(), "INVALID_TRANSITION", "CLOSED");
}
