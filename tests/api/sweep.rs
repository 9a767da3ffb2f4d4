//! The deadline sweep: notices as a deadline nears and passes, the automatic slip of an issue
//! turning RED, the escalation of a slip left unanswered, each written once however often
//! and however many sweeps run at the same time.

use chrono::{Duration, NaiveDate};
use entity::{notification, reminder, sweep_mark};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::written_history::date;

fn day(offset: i64) -> NaiveDate {
    date(&county_date(0)) + Duration::days(offset)
}

/// The kinds and messages of notifications in the database, oldest first.
async fn written(app: &TestApp) -> Vec<(String, String)> {
    notification::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (rectify::domain::api_name(&n.kind), n.message))
        .collect()
}

const EVENTS: &str = "query($id: ID!) { node(id: $id) { ... on Issue { version
  reminders { number automatic status issuedBy escalatedAt }
  events(first: 30) { nodes { action actor note } } } } }";

#[tokio::test]
async fn a_deadline_is_announced_at_seven_three_and_one_days_then_overdue_with_a_slip_then_escalated() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "SW-01").await;
    app.assign(&county, &issue, &county_date(10)).await.ok();

    let report = app.services.sweep_on(day(2)).await.unwrap();
    assert_eq!(report.notices, 0, "8 days left: nothing yet");
    let report = app.services.sweep_on(day(3)).await.unwrap();
    assert_eq!(report.notices, 1);
    let again = app.services.sweep_on(day(3)).await.unwrap();
    assert_eq!((again.issues_examined, again.notices), (1, 0), "the same day twice writes nothing twice");
    app.services.sweep_on(day(7)).await.unwrap();
    app.services.sweep_on(day(9)).await.unwrap();
    let deadline = county_date(10);
    assert_eq!(
        written(&app).await,
        [
            ("DEADLINE_NEAR".to_owned(), format!("SW-01: the deadline is in 7 days ({deadline})")),
            ("DEADLINE_NEAR".to_owned(), format!("SW-01: the deadline is in 3 days ({deadline})")),
            ("DEADLINE_NEAR".to_owned(), format!("SW-01: the deadline is tomorrow ({deadline})")),
        ]
    );
    // The lead department finds them in its inbox; the bureau does not.
    let inbox = "{ unreadNotificationCount }";
    let count = |reply: Reply| reply.data("unreadNotificationCount").as_u64().unwrap();
    assert_eq!(count(app.gql(Some(&app.department("WATER")), inbox, json!({})).await.ok()), 3);
    assert_eq!(count(app.gql(Some(&app.bureau()), inbox, json!({})).await.ok()), 0);

    // Overdue: the lead department, the bureau and the leaders are told, and a slip goes out.
    let report = app.services.sweep_on(day(11)).await.unwrap();
    assert_eq!((report.notices, report.automatic_reminders), (1, 1));
    let leader = app.token(entity::enums::Role::Leader, "deputy-head-ma", None);
    assert_eq!(count(app.gql(Some(&leader), inbox, json!({})).await.ok()), 1);
    assert_eq!(count(app.gql(Some(&app.bureau()), inbox, json!({})).await.ok()), 1);
    let history = app.gql(Some(&app.bureau()), EVENTS, json!({ "id": issue })).await.ok();
    let slip = &history.data("node.reminders")[0];
    assert_eq!((slip["automatic"].clone(), slip["issuedBy"].clone()), (json!(true), json!("rectify-sweep")));
    let last = history.data("node.events.nodes").as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].clone(), last["actor"].clone()), (json!("REMINDER_ISSUED"), json!("rectify-sweep")));
    assert!(last["note"].as_str().unwrap().starts_with(slip["number"].as_str().unwrap()));
    let version = history.data("node.version").clone();

    // Unanswered past its reply date (three days), the slip goes up to the leaders, once.
    assert_eq!(app.services.sweep_on(day(14)).await.unwrap().escalations, 0, "the reply date itself");
    let report = app.services.sweep_on(day(15)).await.unwrap();
    assert_eq!(report.escalations, 1);
    assert_eq!(app.services.sweep_on(day(16)).await.unwrap().escalations, 0);
    let history = app.gql(Some(&app.bureau()), EVENTS, json!({ "id": issue })).await.ok();
    assert!(history.data("node.reminders.0.escalatedAt").is_string());
    let last = history.data("node.events.nodes").as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "REMINDER_ESCALATED");
    assert_eq!(history.data("node.version").as_i64().unwrap(), version.as_i64().unwrap() + 1);
    let kinds: Vec<String> = written(&app).await.into_iter().map(|(kind, _)| kind).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "REMINDER_ESCALATED").count(), 2, "the leaders' and the bureau's inbox");
}

#[tokio::test]
async fn a_moved_deadline_is_announced_again_and_a_completed_issue_is_left_alone() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "SW-02").await;
    app.assign(&county, &issue, &county_date(3)).await.ok();
    assert_eq!(app.services.sweep_on(day(0)).await.unwrap().notices, 1);
    app.assign(&county, &issue, &county_date(5)).await.ok();
    assert_eq!(app.services.sweep_on(day(0)).await.unwrap().notices, 1, "a new deadline, a new notice");
    let listed = json!({ "issueId": issue, "level": "COUNTY", "deadline": county_date(1) });
    app.mutate(&app.bureau(), "superviseIssue", listed, "issue { id }").await.ok();
    let report = app.services.sweep_on(day(0)).await.unwrap();
    assert_eq!(report.notices, 1, "the supervision deadline has notices of its own");
    assert!(written(&app).await.last().unwrap().1.contains("supervision deadline is tomorrow"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sweeps_running_at_once_write_every_notice_exactly_once() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    // 24 issues: a third a week away, a third three days away, a third overdue.
    for n in 0..24 {
        let issue = app.register(&county, &format!("SWC-{n:02}")).await;
        let offset = [7, 3, -2][n % 3];
        app.assign(&county, &issue, &county_date(offset)).await.ok();
    }
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let services = app.services.clone();
            tokio::spawn(async move { services.sweep_on(day(0)).await })
        })
        .collect();
    let mut notices = 0;
    let mut slips = 0;
    for sweep in sweeps {
        let report = sweep.await.unwrap().expect("a sweep beside others succeeds");
        notices += report.notices;
        slips += report.automatic_reminders;
    }
    assert_eq!((notices, slips), (24, 8), "one notice per issue, one slip per overdue issue, across all sweeps");
    let rows = notification::Entity::find().count(&app.db.conn).await.unwrap();
    // 8 near 7 days + 8 near 3 days to the lead; 8 overdue to 3 inboxes; 8 slips to the lead.
    assert_eq!(rows, 8 + 8 + 8 * 3 + 8);
    assert_eq!(reminder::Entity::find().count(&app.db.conn).await.unwrap(), 8);
    assert_eq!(sweep_mark::Entity::find().count(&app.db.conn).await.unwrap(), 8 + 8 + 8 * 2);
    let numbers: std::collections::BTreeSet<String> =
        reminder::Entity::find().all(&app.db.conn).await.unwrap().into_iter().map(|r| r.number).collect();
    assert_eq!(numbers.len(), 8, "no number given twice");
}

#[test]
fn rectify_sweep_runs_once_for_cron_and_reports_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("ledger.db").display());
    let store = format!("file://{}", dir.path().join("evidence").display());
    let run = |command: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
            .env("RECTIFY_DATABASE_URL", &url)
            .env("RECTIFY_EVIDENCE_STORE", &store)
            .arg(command)
            .output()
            .unwrap()
    };
    let seeded = run("seed-demo");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let first = run("sweep");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let report: Value = serde_json::from_slice(&first.stdout).expect("a JSON report");
    assert!(report["notices"].as_u64().unwrap() > 0, "the demo has overdue issues: {report}");
    assert_eq!(report["day"], county_date(0));
    let second: Value = serde_json::from_slice(&run("sweep").stdout).unwrap();
    assert_eq!((second["notices"].clone(), second["automatic_reminders"].clone()), (json!(0), json!(0)));
}

/// Writes `count` assigned issues overdue since yesterday straight into the database.
async fn write_overdue(app: &TestApp, county: &County, from: usize, count: usize) {
    use entity::enums::{IssueStatus, Severity};
    use sea_orm::ActiveValue::Set;
    let rows = (from..from + count).map(|n| entity::issue::ActiveModel {
        code: Set(format!("SWB-{n:05}")),
        title: Set(format!("Bulk {n}")),
        description: Set("d".into()),
        status: Set(IssueStatus::InProgress),
        severity: Set(Severity::General),
        round_id: Set(crate::written_history::row_id(&county.round)),
        category_id: Set(crate::written_history::row_id(&county.category)),
        lead_department_id: Set(Some(crate::written_history::row_id(&county.water))),
        deadline: Set(Some(day(-1))),
        requires_engineering: Set(false),
        reopen_count: Set(0),
        version: Set(1),
        created_at: Set(crate::written_history::at("2026-01-01")),
        updated_at: Set(crate::written_history::at("2026-01-01")),
        ..Default::default()
    });
    entity::issue::Entity::insert_many(rows).exec(&app.db.conn).await.unwrap();
}

/// The sweep reads and writes a page of issues in a fixed number of statements, so its
/// statements grow with the number of pages (`SWEEP_BATCH` issues each), not of issues.
#[tokio::test]
async fn the_sweep_costs_a_fixed_number_of_statements_per_batch_of_issues() {
    use rectify::service::sweep::SWEEP_BATCH;
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let batch = SWEEP_BATCH as usize;
    let mut per_batch = Vec::new();
    for (from, count) in [(0, batch), (batch, 2 * batch + 7)] {
        write_overdue(&app, &county, from, count).await;
        let before = app.statements();
        let report = app.services.sweep_on(day(0)).await.unwrap();
        let statements = app.statements() - before;
        assert_eq!(report.automatic_reminders, count as u64, "every new overdue issue gets its slip");
        println!(
            "sweep: {} issues examined in {} batches, {statements} statements",
            report.issues_examined, report.batches
        );
        per_batch.push((statements, report.batches));
    }
    // The second sweep reads all 3 pages (the first 500 owe nothing new) and writes for 1,007.
    let (first, second) = (per_batch[0], per_batch[1]);
    assert!(second.0 <= first.0 * second.1, "statements grow with the issues, not the batches: {per_batch:?}");
    assert!(second.0 < 100, "{per_batch:?}");
}
