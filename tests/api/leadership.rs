//! The leaders' instruments: the leader in charge linked to a LEADER user, and written
//! instructions (批示) posted by that leader, answered once by the lead department, kept in
//! the issue's history and in the inboxes.

use entity::enums::Role;
use serde_json::{Value, json};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::*;
use crate::written_history::row_id;

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

const DISPUTE: &str = "id status reason decision department { code } proposedLeadDepartment { code }
  newLeadDepartment { code } rulingNote ruledBy issue { code }";

async fn dispute(app: &TestApp, token: &str, issue: &str, proposed: Option<&str>) -> Reply {
    let input = json!({ "issueId": issue, "reason": "The outfall belongs to the farms upstream.",
                        "proposedLeadDepartmentId": proposed });
    app.mutate(token, "disputeAssignment", input, &format!("dispute {{ {DISPUTE} }}")).await
}

async fn rule(app: &TestApp, dispute: &Value, decision: &str, lead: Option<&str>) -> Reply {
    let input = json!({ "disputeId": dispute, "decision": decision, "leadDepartmentId": lead, "note": "Ruled at the joint meeting." });
    let leader = app.token(Role::Leader, "deputy-head-ma", None);
    app.mutate(&leader, "ruleOnDispute", input, &format!("dispute {{ {DISPUTE} }}")).await
}

async fn actions(app: &TestApp, issue: &str) -> Vec<String> {
    let query = "query($id: ID!) { node(id: $id) { ... on Issue { events(first: 50) { nodes { action } } } } }";
    let reply = app.gql(Some(&app.bureau()), query, json!({ "id": issue })).await.ok();
    let nodes = reply.data("node.events.nodes").as_array().unwrap();
    nodes.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

const SCOREBOARD: &str =
    "{ departmentScoreboard { department { code } disputesRaised disputesUpheld disputesReassigned } }";

#[tokio::test]
async fn the_lead_department_disputes_once_and_a_leader_upholds_the_assignment() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "DP-01").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let water = app.department("WATER");

    // The cooperating department and the other roles may not dispute.
    assert_eq!(dispute(&app, &app.department("HOUSING"), &issue, None).await.code(), "FORBIDDEN");
    assert_eq!(dispute(&app, &app.bureau(), &issue, None).await.code(), "FORBIDDEN");
    let own = dispute(&app, &water, &issue, Some(&county.water)).await;
    assert_eq!((own.code(), own.field()), ("BAD_USER_INPUT", "input.proposedLeadDepartmentId"));

    let raised = dispute(&app, &water, &issue, Some(&county.agri)).await.ok();
    let raised = raised.data("disputeAssignment.dispute").clone();
    assert_eq!(raised["status"], "OPEN");
    assert_eq!(raised["proposedLeadDepartment"]["code"], "AGRI");
    assert_eq!(dispute(&app, &water, &issue, None).await.code(), "INVALID_TRANSITION", "once per assignment");
    let leader = app.token(Role::Leader, "deputy-head-ma", None);
    assert_eq!(kinds_in_inbox(&app, &leader).await, [json!("ASSIGNMENT_DISPUTED")]);

    // Only a leader rules, once.
    let input = json!({ "disputeId": raised["id"], "decision": "UPHOLD" });
    let bureau = app.mutate(&app.bureau(), "ruleOnDispute", input, "dispute { id }").await;
    assert_eq!(bureau.code(), "FORBIDDEN");
    let upheld = rule(&app, &raised["id"], "UPHOLD", None).await.ok();
    assert_eq!(upheld.data("ruleOnDispute.dispute.status"), "UPHELD");
    assert_eq!(upheld.data("ruleOnDispute.dispute.ruledBy"), "deputy-head-ma");
    assert_eq!(rule(&app, &raised["id"], "REASSIGN", Some(&county.agri)).await.code(), "INVALID_TRANSITION");
    assert_eq!(kinds_in_inbox(&app, &water).await[0], "DISPUTE_RULED");
    assert!(actions(&app, &issue).await.ends_with(&["ASSIGNMENT_DISPUTED".into(), "DISPUTE_RULED".into()]));

    let board = app.gql(Some(&app.bureau()), SCOREBOARD, json!({})).await.ok();
    let row = board
        .data("departmentScoreboard")
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"]["code"] == "WATER")
        .unwrap()
        .clone();
    assert_eq!(
        (row["disputesRaised"].clone(), row["disputesUpheld"].clone(), row["disputesReassigned"].clone()),
        (json!(1), json!(1), json!(0))
    );
    let listed = app
        .gql(Some(&app.bureau()), "{ assignmentDisputes(filter: {status: UPHELD}) { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(listed.data("assignmentDisputes.totalCount"), 1);
}

#[tokio::test]
async fn a_reassignment_follows_the_rules_of_assignment_and_gives_back_the_days_of_the_dispute() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "DP-02").await;
    let deadline = county_date(30);
    app.assign(&county, &issue, &deadline).await.ok();
    let water = app.department("WATER");
    let raised = dispute(&app, &water, &issue, Some(&county.bureau)).await.ok();
    let id = raised.data("disputeAssignment.dispute.id").clone();

    // The bureau leads only where the category names it: the ruling is refused, nothing moves.
    let refused = rule(&app, &id, "REASSIGN", None).await;
    assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", "input.leadDepartmentId"));
    let still = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on AssignmentDispute { status } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(still.data("node.status"), "OPEN");

    // The dispute was raised three days ago: the new lead gets those days back. (The
    // database keeps a dispute as written; the test lifts that guard to move it in time.)
    let row = row_id(id.as_str().unwrap());
    lift_update_guard(&app, "assignment_dispute").await;
    entity::assignment_dispute::Entity::update_many()
        .col_expr(
            entity::assignment_dispute::Column::RaisedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::days(3)),
        )
        .filter(entity::assignment_dispute::Column::Id.eq(row))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let reassigned = rule(&app, &id, "REASSIGN", Some(&county.agri)).await.ok();
    assert_eq!(reassigned.data("ruleOnDispute.dispute.status"), "REASSIGNED");
    assert_eq!(reassigned.data("ruleOnDispute.dispute.newLeadDepartment.code"), "AGRI");
    let issue_now = app
        .gql(Some(&app.bureau()), "query($id: ID!) { node(id: $id) { ... on Issue { deadline leadDepartment { code } cooperatingDepartments { code } } } }", json!({ "id": issue }))
        .await
        .ok();
    assert_eq!(issue_now.data("node.leadDepartment.code"), "AGRI");
    assert_eq!(issue_now.data("node.cooperatingDepartments"), &json!([{ "code": "HOUSING" }]));
    assert_eq!(issue_now.data("node.deadline"), county_date(33).as_str());
    assert!(actions(&app, &issue).await.ends_with(&["DISPUTE_RULED".into(), "REASSIGNED".into()]));
    // WATER no longer sees the issue; AGRI is told and may dispute its own assignment.
    let gone = app.gql(Some(&water), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": issue })).await.ok();
    assert!(gone.data("node").is_null());
    let agri = app.department("AGRI");
    assert_eq!(kinds_in_inbox(&app, &agri).await, [json!("DISPUTE_RULED")]);
    assert_eq!(dispute(&app, &agri, &issue, None).await.ok().data("disputeAssignment.dispute.status"), "OPEN");
}

#[tokio::test]
async fn an_assignment_is_disputed_only_within_the_days_the_county_allows() {
    let app = spawn_app_with(|settings| settings.county.dispute_days = 2).await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "DP-03").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let three_days_ago = chrono::NaiveDate::parse_from_str(&county_date(-3), "%Y-%m-%d").unwrap();
    entity::issue::Entity::update_many()
        .col_expr(entity::issue::Column::AssignedOn, sea_orm::sea_query::Expr::value(three_days_ago))
        .filter(entity::issue::Column::Id.eq(row_id(&issue)))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let late = dispute(&app, &app.department("WATER"), &issue, None).await;
    assert_eq!(late.code(), "INVALID_TRANSITION", "{}", late.body);
    assert!(late.body["errors"][0]["message"].as_str().unwrap().contains("within 2 days"));
}

#[tokio::test]
async fn a_reassignment_meanwhile_voids_the_ruling_and_hands_open_instructions_to_the_new_lead() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (ma, ma_token) = leader_user(&app, "ma").await;
    let issue = app.register(&county, "DP-04").await;
    assign_to_leader(&app, &county, &issue, &ma).await.ok();
    let water = app.department("WATER");
    let raised = dispute(&app, &water, &issue, None).await.ok();
    let posted = post(&app, &ma_token, &issue, &county_date(5)).await.ok();

    // The bureau reassigns before the leader rules: the ruling has no object any more.
    let reassign =
        json!({ "issueId": issue, "leadDepartmentId": county.agri, "deadline": county_date(30), "leaderId": ma });
    app.mutate(&app.bureau(), "assignIssue", reassign, "issue { id }").await.ok();
    let late = rule(&app, raised.data("disputeAssignment.dispute.id"), "UPHOLD", None).await;
    assert_eq!(late.code(), "CONFLICT", "{}", late.body);

    // The open instruction is answered by the lead department now.
    let answer =
        json!({ "instructionId": posted.data("postInstruction.instruction.id"), "reply": "Taken over; on it." });
    let answered =
        app.mutate(&app.department("AGRI"), "replyToInstruction", answer, "instruction { status }").await.ok();
    assert_eq!(answered.data("replyToInstruction.instruction.status"), "ANSWERED");
}
