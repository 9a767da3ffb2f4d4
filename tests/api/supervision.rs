//! Supervision that pushes: reminder and supervision slips, numbered, answered once, in the
//! issue's history; the inboxes they land in; and what an unanswered slip costs a department.

use chrono::Datelike;
use entity::enums::{ReminderKind, Role};
use entity::reminder;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::written_history::{at, date, row_id};

const SLIP: &str = "number kind status replyBy reply automatic department { code } issue { code }";

async fn issue_slip(app: &TestApp, token: &str, issue: &str, kind: &str, cooperating: bool) -> Vec<Value> {
    let input = json!({ "issueId": issue, "kind": kind, "message": "Report on the outfall by Friday.",
                        "replyBy": county_date(3), "includeCooperating": cooperating });
    let reply = app.mutate(token, "issueReminder", input, &format!("reminders {{ id {SLIP} }}")).await.ok();
    reply.data("issueReminder.reminders").as_array().unwrap().clone()
}

const INBOX: &str = "query($unread: Boolean) { unreadNotificationCount
  notifications(first: 50, unreadOnly: $unread) { totalCount nodes { id kind message read reminderId issue { code } } } }";

async fn inbox(app: &TestApp, token: &str, unread: bool) -> (u64, Vec<Value>) {
    let reply = app.gql(Some(token), INBOX, json!({ "unread": unread })).await.ok();
    let nodes = reply.data("notifications.nodes").as_array().unwrap().clone();
    (reply.data("unreadNotificationCount").as_u64().unwrap(), nodes)
}

#[tokio::test]
async fn slips_are_numbered_per_kind_answered_once_by_the_addressee_and_kept_in_the_history() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "SL-01").await;
    app.assign(&county, &issue, &county_date(20)).await.ok();
    let year = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).year();

    let reminders = issue_slip(&app, &app.bureau(), &issue, "REMINDER", true).await;
    let numbers: Vec<&str> = reminders.iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, [format!("CB-{year}-0001"), format!("CB-{year}-0002")]);
    assert_eq!(reminders[0]["department"]["code"], "WATER", "the lead department's first");
    assert_eq!(reminders[1]["department"]["code"], "HOUSING");
    assert_eq!(reminders[0]["status"], "OPEN");
    let leader = app.token(Role::Leader, "deputy-head-ma", None);
    let notice = issue_slip(&app, &leader, &issue, "SUPERVISION_NOTICE", false).await;
    assert_eq!(notice[0]["number"], format!("DB-{year}-0001"), "supervision slips count on their own");

    // Each addressed department finds its slips in its inbox.
    let water = app.department("WATER");
    let (unread, notes) = inbox(&app, &water, true).await;
    assert_eq!(unread, 2);
    assert!(notes.iter().all(|n| n["kind"] == "REMINDER_ISSUED" && n["issue"]["code"] == "SL-01"));
    assert!(notes[0]["message"].as_str().unwrap().contains(&format!("DB-{year}-0001")), "newest first");

    // Only the addressee answers, and only once.
    let housing_slip = reminders[1]["id"].clone();
    let wrong = json!({ "reminderId": housing_slip, "reply": "Not ours to answer." });
    let refused = app.mutate(&water, "replyToReminder", wrong, "reminder { id }").await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let proof = app.proof(&water, &issue).await;
    let answer = json!({ "reminderId": reminders[0]["id"], "reply": "Pipe ordered; works start Monday.",
                         "evidenceIds": [proof] });
    let answered = app
        .mutate(&water, "replyToReminder", answer.clone(), "reminder { status reply repliedBy replyEvidence { id } }")
        .await
        .ok();
    assert_eq!(answered.data("replyToReminder.reminder.status"), "ANSWERED");
    assert_eq!(answered.data("replyToReminder.reminder.replyEvidence.0.id"), &json!(proof));
    let again = app.mutate(&water, "replyToReminder", answer, "reminder { id }").await;
    assert_eq!(again.code(), "INVALID_TRANSITION");

    // The issuer is told; the history holds every slip and the answer.
    let (unread, notes) = inbox(&app, &app.bureau(), true).await;
    assert_eq!((unread, notes[0]["kind"].as_str()), (1, Some("REMINDER_ANSWERED")));
    let history = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on Issue { reminders { number status }
               events(first: 20) { nodes { action note } } } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    let actions: Vec<&str> =
        history.data("node.events.nodes").as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions.iter().filter(|a| a.starts_with("REMINDER")).copied().collect::<Vec<_>>(),
        ["REMINDER_ISSUED", "REMINDER_ISSUED", "REMINDER_ANSWERED"]
    );
    let notes: Vec<&str> =
        history.data("node.events.nodes").as_array().unwrap().iter().filter_map(|e| e["note"].as_str()).collect();
    assert!(notes.iter().any(|n| n.starts_with(&format!("CB-{year}-0001, CB-{year}-0002: "))), "{notes:?}");
    let on_issue: Vec<&str> =
        history.data("node.reminders").as_array().unwrap().iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(on_issue, [format!("DB-{year}-0001"), format!("CB-{year}-0002"), format!("CB-{year}-0001")]);

    // The list filters by status and department.
    let listed = |filter: Value| {
        let app = &app;
        async move {
            let reply = app
                .gql(
                    Some(&app.bureau()),
                    "query($f: ReminderFilter) { reminders(filter: $f) { totalCount nodes { number } } }",
                    json!({ "f": filter }),
                )
                .await
                .ok();
            reply.data("reminders.totalCount").as_u64().unwrap()
        }
    };
    assert_eq!(listed(json!({ "status": "ANSWERED" })).await, 1);
    assert_eq!(listed(json!({ "status": "OPEN" })).await, 2);
    assert_eq!(listed(json!({ "departmentId": county.housing })).await, 1);
}

#[tokio::test]
async fn a_slip_needs_an_assigned_open_issue_and_a_reply_date_from_today() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "SL-02").await;
    let input = |reply_by: String| json!({ "issueId": issue, "kind": "REMINDER", "message": "m", "replyBy": reply_by });
    let unassigned = app.mutate(&app.bureau(), "issueReminder", input(county_date(3)), "reminders { id }").await;
    assert_eq!(unassigned.code(), "INVALID_TRANSITION", "nobody to chase yet");
    app.assign(&county, &issue, &county_date(20)).await.ok();
    let past = app.mutate(&app.bureau(), "issueReminder", input(county_date(-1)), "reminders { id }").await;
    assert_eq!((past.code(), past.field()), ("BAD_USER_INPUT", "input.replyBy"));
    let blank = json!({ "issueId": issue, "kind": "REMINDER", "message": " ", "replyBy": county_date(1) });
    let blank = app.mutate(&app.bureau(), "issueReminder", blank, "reminders { id }").await;
    assert_eq!(blank.code(), "BAD_USER_INPUT");
    let listed = app.gql(Some(&app.bureau()), "{ reminders { totalCount } }", json!({})).await.ok();
    assert_eq!(listed.data("reminders.totalCount"), 0, "nothing half written");
}

#[tokio::test]
async fn inboxes_are_read_per_reader_and_follow_the_issues_visibility() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "SL-03").await;
    app.assign(&county, &issue, &county_date(20)).await.ok();
    issue_slip(&app, &app.bureau(), &issue, "REMINDER", false).await;
    issue_slip(&app, &app.bureau(), &issue, "REMINDER", false).await;

    let (alice, bob) = (
        app.token(Role::Department, "water-alice", Some("WATER")),
        app.token(Role::Department, "water-bob", Some("WATER")),
    );
    let (unread, notes) = inbox(&app, &alice, false).await;
    assert_eq!((unread, notes.len()), (2, 2));
    let first = notes[0]["id"].clone();
    let marked =
        app.mutate(&alice, "markNotificationsRead", json!({ "ids": [first] }), "unreadNotificationCount").await.ok();
    assert_eq!(marked.data("markNotificationsRead.unreadNotificationCount"), 1);
    assert_eq!(inbox(&app, &bob, true).await.0, 2, "each reader of a department's inbox reads for themselves");
    let (_, unread_notes) = inbox(&app, &alice, true).await;
    assert_eq!(unread_notes.len(), 1);
    assert_eq!(inbox(&app, &alice, false).await.1[0]["read"], true);
    app.mutate(&alice, "markNotificationsRead", json!({ "all": true }), "unreadNotificationCount").await.ok();
    assert_eq!(inbox(&app, &alice, true).await.0, 0);

    // Another department's notices are not Bob's to see or mark.
    let agri = app.department("AGRI");
    assert_eq!(inbox(&app, &agri, false).await.1.len(), 0);
    let foreign =
        app.mutate(&agri, "markNotificationsRead", json!({ "ids": [first] }), "unreadNotificationCount").await;
    assert_eq!((foreign.code(), foreign.field()), ("BAD_USER_INPUT", "input.ids.0"));
    let neither = app.mutate(&agri, "markNotificationsRead", json!({}), "unreadNotificationCount").await;
    assert_eq!(neither.code(), "BAD_USER_INPUT");

    // Reassigned away from WATER, the issue's notices leave WATER's inbox with it.
    app.mutate(
        &app.bureau(),
        "assignIssue",
        json!({ "issueId": issue, "leadDepartmentId": county.agri, "deadline": county_date(20), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    assert_eq!(inbox(&app, &bob, false).await.1.len(), 0);
}

#[tokio::test]
async fn a_slip_unanswered_past_its_date_is_overdue_on_the_scoreboard_and_costs_a_point() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "SL-04").await;
    app.assign(&county, &issue, &county_date(20)).await.ok();
    // A slip issued a week ago, due two days ago, never answered.
    reminder::Entity::insert(reminder::ActiveModel {
        number: Set("CB-2026-0900".into()),
        kind: Set(ReminderKind::Reminder),
        issue_id: Set(row_id(&issue)),
        department_id: Set(row_id(&county.water)),
        message: Set("m".into()),
        reply_by: Set(date(&county_date(-2))),
        automatic: Set(false),
        issued_by: Set("bureau".into()),
        issued_role: Set(Role::Bureau),
        issued_at: Set(at(&county_date(-7))),
        ..Default::default()
    })
    .exec(&app.db.conn)
    .await
    .unwrap();
    let listed = app
        .gql(Some(&app.bureau()), "{ reminders(filter: {status: OVERDUE}) { nodes { number status } } }", json!({}))
        .await
        .ok();
    assert_eq!(listed.data("reminders.nodes"), &json!([{ "number": "CB-2026-0900", "status": "OVERDUE" }]));
    let board = app
        .gql(Some(&app.bureau()), "{ departmentScoreboard { department { code } overdueReminders } }", json!({}))
        .await
        .ok();
    let rows = board.data("departmentScoreboard").as_array().unwrap();
    let of = |code: &str| rows.iter().find(|r| r["department"]["code"] == code).unwrap()["overdueReminders"].clone();
    assert_eq!((of("WATER"), of("HOUSING")), (json!(1), json!(0)));

    let year = county_date(0)[..4].to_owned();
    let period = app
        .mutate(
            &app.bureau(),
            "createAssessmentPeriod",
            json!({ "name": "This year", "startsOn": format!("{year}-01-01"), "endsOn": format!("{year}-12-31") }),
            "assessmentPeriod { id rules { unansweredReminder } }",
        )
        .await
        .ok();
    assert_eq!(period.data("createAssessmentPeriod.assessmentPeriod.rules.unansweredReminder"), "1.00");
    let id = period.data("createAssessmentPeriod.assessmentPeriod.id").clone();
    let selection = "assessmentPeriod { results { department { code } items { rule points reason } } }";
    let computed = app.mutate(&app.bureau(), "computeAssessment", json!({ "periodId": id }), selection).await.ok();
    let results = computed.data("computeAssessment.assessmentPeriod.results").as_array().unwrap();
    let water = results.iter().find(|r| r["department"]["code"] == "WATER").unwrap();
    let item = water["items"].as_array().unwrap().iter().find(|i| i["rule"] == "UNANSWERED_REMINDER").unwrap();
    assert_eq!(item["points"], "1.00");
    assert!(item["reason"].as_str().unwrap().starts_with("Slip CB-2026-0900 about issue SL-04"), "{item}");
}
