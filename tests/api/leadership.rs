//! The leaders' instruments: the leader in charge linked to a LEADER user, and written
//! instructions (批示) posted by that leader, answered once by the lead department, kept in
//! the issue's history and in the inboxes.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const INSTRUCTION: &str = "id text status replyBy reply repliedBy issuedBy department { code } issue { code }";

/// A local LEADER user: its id and a token for it.
async fn leader_user(app: &TestApp, username: &str) -> (String, String) {
    let admin = app.token(Role::Admin, "root", None);
    let input = json!({ "username": username, "password": "a good long password", "role": "LEADER",
                        "displayName": format!("Deputy head {username}") });
    let created = app.mutate(&admin, "createUser", input, "user { id }").await.ok();
    let id = created.data("createUser.user.id").as_str().unwrap().to_owned();
    (id, app.token(Role::Leader, username, None))
}

/// Assigns `issue` to WATER (HOUSING cooperating) with `leader` in charge.
async fn assign_to_leader(app: &TestApp, county: &County, issue: &str, leader: &str) -> Reply {
    let input = json!({ "issueId": issue, "leadDepartmentId": county.water, "cooperatingDepartmentIds": [county.housing],
                        "deadline": county_date(30), "leaderId": leader });
    app.mutate(&app.bureau(), "assignIssue", input, "issue { leaderName leaderInCharge { id username } }").await
}

async fn post(app: &TestApp, token: &str, issue: &str, reply_by: &str) -> Reply {
    let input = json!({ "issueId": issue, "text": "Finish the interceptor sewer by the month's end.",
                        "replyBy": reply_by });
    app.mutate(token, "postInstruction", input, &format!("instruction {{ {INSTRUCTION} }}")).await
}

async fn kinds_in_inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.gql(Some(token), "{ notifications(first: 20) { nodes { kind } } }", json!({})).await.ok();
    reply.data("notifications.nodes").as_array().unwrap().iter().map(|n| n["kind"].clone()).collect()
}

#[tokio::test]
async fn the_leader_in_charge_instructs_and_the_lead_department_answers_once() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (ma, ma_token) = leader_user(&app, "ma").await;
    let issue = app.register(&county, "LI-01").await;
    let assigned = assign_to_leader(&app, &county, &issue, &ma).await.ok();
    assert_eq!(assigned.data("assignIssue.issue.leaderName"), "Deputy head ma", "the name follows the user");
    assert_eq!(assigned.data("assignIssue.issue.leaderInCharge.id"), &json!(ma));

    // The leader finds the issue among their own.
    let viewer = app.gql(Some(&ma_token), "{ viewer { userId } }", json!({})).await.ok();
    assert_eq!(viewer.data("viewer.userId"), &json!(ma));
    let mine = app
        .gql(Some(&ma_token), "query($l: ID) { issues(filter: {leaderId: $l}) { nodes { code } } }", json!({ "l": ma }))
        .await
        .ok();
    assert_eq!(mine.data("issues.nodes"), &json!([{ "code": "LI-01" }]));

    let posted = post(&app, &ma_token, &issue, &county_date(5)).await.ok();
    let instruction = posted.data("postInstruction.instruction").clone();
    assert_eq!(instruction["status"], "OPEN");
    assert_eq!(instruction["department"]["code"], "WATER", "addressed to the lead department");
    assert_eq!(instruction["issuedBy"], "ma");
    let water = app.department("WATER");
    assert_eq!(kinds_in_inbox(&app, &water).await, [json!("INSTRUCTION_POSTED")]);

    // Only the lead department answers (the cooperating one may read, not answer), and once.
    let answer = json!({ "instructionId": instruction["id"], "reply": "Works start Monday; done by the 28th." });
    let cooperating =
        app.mutate(&app.department("HOUSING"), "replyToInstruction", answer.clone(), "instruction { id }").await;
    assert_eq!(cooperating.code(), "FORBIDDEN");
    let stranger =
        app.mutate(&app.department("AGRI"), "replyToInstruction", answer.clone(), "instruction { id }").await;
    assert_eq!(stranger.code(), "NOT_FOUND", "another department does not see the issue");
    let answered = app
        .mutate(&water, "replyToInstruction", answer.clone(), &format!("instruction {{ {INSTRUCTION} }}"))
        .await
        .ok();
    assert_eq!(answered.data("replyToInstruction.instruction.status"), "ANSWERED");
    assert_eq!(answered.data("replyToInstruction.instruction.repliedBy"), "water-officer");
    let again = app.mutate(&water, "replyToInstruction", answer, "instruction { id }").await;
    assert_eq!(again.code(), "INVALID_TRANSITION");
    assert_eq!(kinds_in_inbox(&app, &ma_token).await, [json!("INSTRUCTION_ANSWERED")], "the leader is told");

    // The history holds both; the lists find it by status.
    let history = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on Issue { instructions { status }
               events(first: 20) { nodes { action note } } } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(history.data("node.instructions"), &json!([{ "status": "ANSWERED" }]));
    let actions: Vec<&str> =
        history.data("node.events.nodes").as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["INSTRUCTION_POSTED", "INSTRUCTION_ANSWERED"]), "{actions:?}");
    let list = "query($s: InstructionStatus) { instructions(filter: {status: $s}) { totalCount nodes { id } } }";
    let open = app.gql(Some(&app.bureau()), list, json!({ "s": "OPEN" })).await.ok();
    assert_eq!(open.data("instructions.totalCount"), 0);
    let done = app.gql(Some(&water), list, json!({ "s": "ANSWERED" })).await.ok();
    assert_eq!(done.data("instructions.nodes.0.id"), &instruction["id"]);
}

#[tokio::test]
async fn another_leader_instructs_only_where_the_county_allows_it() {
    for any_leader in [false, true] {
        let app = spawn_app_with(|settings| settings.county.instructions_by_any_leader = any_leader).await;
        let county = seed_county(&app).await;
        let (ma, _) = leader_user(&app, "ma").await;
        let (_, lin) = leader_user(&app, "lin").await;
        let issue = app.register(&county, "LI-02").await;
        assign_to_leader(&app, &county, &issue, &ma).await.ok();
        let reply = post(&app, &lin, &issue, &county_date(5)).await;
        if any_leader {
            assert_eq!(reply.ok().data("postInstruction.instruction.issuedBy"), "lin");
        } else {
            assert_eq!(reply.code(), "FORBIDDEN", "{}", reply.body);
        }
        // An issue assigned with a name only has no linked leader: any leader may instruct.
        let named_only = app.register(&county, "LI-03").await;
        app.assign(&county, &named_only, &county_date(30)).await.ok();
        assert!(post(&app, &lin, &named_only, &county_date(5)).await.body.get("errors").is_none());
    }
}

#[tokio::test]
async fn bad_instructions_and_bad_leaders_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (ma, ma_token) = leader_user(&app, "ma").await;
    let issue = app.register(&county, "LI-04").await;

    // Not assigned: no lead department to address.
    assert_eq!(post(&app, &ma_token, &issue, &county_date(5)).await.code(), "INVALID_TRANSITION");
    // The leader in charge must be an active LEADER user.
    let admin = app.token(Role::Admin, "root", None);
    let clerk = app
        .mutate(
            &admin,
            "createUser",
            json!({ "username": "clerk", "password": "a good long password", "role": "BUREAU" }),
            "user { id }",
        )
        .await
        .ok();
    let not_a_leader =
        assign_to_leader(&app, &county, &issue, clerk.data("createUser.user.id").as_str().unwrap()).await;
    assert_eq!((not_a_leader.code(), not_a_leader.field()), ("BAD_USER_INPUT", "input.leaderId"));
    let no_leader = json!({ "issueId": issue, "leadDepartmentId": county.water, "deadline": county_date(30) });
    let unnamed = app.mutate(&app.bureau(), "assignIssue", no_leader, "issue { id }").await;
    assert_eq!((unnamed.code(), unnamed.field()), ("BAD_USER_INPUT", "input.leaderName"));

    assign_to_leader(&app, &county, &issue, &ma).await.ok();
    let late = post(&app, &ma_token, &issue, &county_date(-1)).await;
    assert_eq!((late.code(), late.field()), ("BAD_USER_INPUT", "input.replyBy"));
    let blank = json!({ "issueId": issue, "text": "  ", "replyBy": county_date(5) });
    let empty = app.mutate(&ma_token, "postInstruction", blank, "instruction { id }").await;
    assert_eq!((empty.code(), empty.field()), ("BAD_USER_INPUT", "input.text"));
    let written = app.gql(Some(&app.bureau()), "{ instructions { totalCount } }", json!({})).await.ok();
    assert_eq!(written.data("instructions.totalCount"), 0, "nothing was written by the refusals");
    assert!(kinds_in_inbox(&app, &app.department("WATER")).await.is_empty());
}
