//! `issueStatistics` checked against counts the test makes itself: from the issue list for
//! today's ledger, and from `domain::history` for a ledger as it stood on past days.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use entity::enums::{IssueAction as A, IssueStatus as S, Role, Severity};
use entity::{issue, issue_event};
use rectify::domain::history::states_at;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::written_history::{Step, row_id, write_issue};

const STATISTICS: &str = "query($filter: IssueFilter, $groupBy: [IssueDimension!], $asOf: Date) { issueStatistics(filter: $filter, groupBy: $groupBy, asOf: $asOf) { total open overdue accepted closed completedOnTime completionRate closureRate onTimeRate relapses groups { key labels total open overdue accepted closed completedOnTime relapses completionRate } } }";

const LIST: &str = "query($filter: IssueFilter) { issues(first: 100, filter: $filter) { nodes { status severity deadline overdue reopenCount acceptedAt leadDepartment { id } round { id } township { id } category { id aspect { id } } supervision { level } } } }";

/// The counts the test expects for one set of issues: total, open, overdue, accepted, closed,
/// completed on time, relapses.
type Expected = [u64; 7];

fn counts_of(issues: &[&Value]) -> Expected {
    let mut c = [0u64; 7];
    for issue in issues {
        let status = issue["status"].as_str().unwrap();
        let completed = matches!(status, "ACCEPTED" | "CLOSED");
        c[0] += 1;
        c[1] += u64::from(!completed);
        c[2] += u64::from(issue["overdue"].as_bool().unwrap());
        c[3] += u64::from(status == "ACCEPTED");
        c[4] += u64::from(status == "CLOSED");
        if completed
            && let (Some(deadline), Some(accepted)) = (issue["deadline"].as_str(), issue["acceptedAt"].as_str())
        {
            let accepted: chrono::DateTime<Utc> = accepted.parse().unwrap();
            let county_day = (accepted + Duration::hours(8)).date_naive();
            c[5] += u64::from(county_day <= deadline.parse::<NaiveDate>().unwrap());
        }
        c[6] += issue["reopenCount"].as_u64().unwrap();
    }
    c
}

fn counts_in(reply: &Value) -> Expected {
    ["total", "open", "overdue", "accepted", "closed", "completedOnTime", "relapses"]
        .map(|k| reply[k].as_u64().unwrap())
}

/// The key of an issue for a dimension, as the API writes it.
fn key_of(issue: &Value, dimension: &str) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match dimension {
        "STATUS" => text(&issue["status"]),
        "SEVERITY" => text(&issue["severity"]),
        "ROUND" => text(&issue["round"]["id"]),
        "ASPECT" => text(&issue["category"]["aspect"]["id"]),
        "CATEGORY" => text(&issue["category"]["id"]),
        "LEAD_DEPARTMENT" => text(&issue["leadDepartment"]["id"]),
        "TOWNSHIP" => text(&issue["township"]["id"]),
        "SUPERVISION_LEVEL" => text(&issue["supervision"]["level"]),
        "DEADLINE_MONTH" => issue["deadline"].as_str().map(|d| d[..7].to_owned()).unwrap_or_default(),
        other => panic!("unknown dimension {other}"),
    }
}

async fn check(app: &TestApp, token: &str, filter: Value, dimensions: &[&str]) {
    let listed = app.gql(Some(token), LIST, json!({ "filter": filter })).await.ok();
    let issues: Vec<&Value> = listed.data("issues.nodes").as_array().unwrap().iter().collect();
    let stats = app.gql(Some(token), STATISTICS, json!({ "filter": filter, "groupBy": dimensions })).await.ok();
    let stats = stats.data("issueStatistics");
    assert_eq!(counts_in(stats), counts_of(&issues), "totals for {dimensions:?} {filter}");
    let mut expected: BTreeMap<Vec<String>, Vec<&Value>> = BTreeMap::new();
    for issue in &issues {
        expected.entry(dimensions.iter().map(|d| key_of(issue, d)).collect()).or_default().push(issue);
    }
    let groups = stats["groups"].as_array().unwrap();
    if dimensions.is_empty() {
        assert!(groups.is_empty());
        return;
    }
    assert_eq!(groups.len(), expected.len(), "groups for {dimensions:?}: {groups:?}");
    for group in groups {
        let key: Vec<String> =
            group["key"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_owned()).collect();
        let members = expected.get(&key).unwrap_or_else(|| panic!("unexpected group {key:?} for {dimensions:?}"));
        assert_eq!(counts_in(group), counts_of(members), "group {key:?} of {dimensions:?}");
        assert_eq!(group["labels"].as_array().unwrap().len(), dimensions.len());
    }
}

/// A ledger with an issue in every status, two severities, an overdue one, a supervised one,
/// a relapse and an on-time acceptance.
async fn seed_ledger(app: &TestApp, county: &County) {
    let (bureau, water) = (app.bureau(), app.department("WATER"));
    let issue = |code: &'static str| app.register(county, code);
    let _reported = issue("S-1").await;
    let assigned = issue("S-2").await;
    app.assign(county, &assigned, &county_date(10)).await.ok();
    let mut started = Vec::new();
    for code in ["S-3", "S-4", "S-5", "S-6", "S-7"] {
        let id = issue(code).await;
        app.assign(county, &id, &county_date(40)).await.ok();
        app.mutate(&water, "startRectification", json!({ "issueId": id, "plan": "p" }), "issue { id }").await.ok();
        started.push(id);
    }
    app.mutate(
        &bureau,
        "superviseIssue",
        json!({ "issueId": started[0], "level": "COUNTY", "deadline": county_date(20) }),
        "issue { id }",
    )
    .await
    .ok();
    for id in &started[1..] {
        let proof = app.proof(&water, id).await;
        app.mutate(
            &water,
            "requestAcceptance",
            json!({ "issueId": id, "summary": "s", "evidenceIds": [proof] }),
            "issue { id }",
        )
        .await
        .ok();
    }
    for id in &started[2..] {
        app.mutate(
            &bureau,
            "acceptRectification",
            json!({ "issueId": id, "opinion": "ok", "noticeDays": 0 }),
            "issue { id }",
        )
        .await
        .ok();
    }
    for id in &started[3..] {
        app.mutate(&bureau, "closeIssue", json!({ "issueId": id }), "issue { id }").await.ok();
    }
    app.mutate(&bureau, "reopenIssue", json!({ "issueId": started[4], "reason": "back again" }), "issue { id }")
        .await
        .ok();
    // Past deadlines and a major problem, written directly (a deadline cannot be set in the past).
    let conn = &app.db.conn;
    let past = (Utc::now() + Duration::hours(8)).date_naive() - Duration::days(5);
    for (code, deadline) in [("S-3", past), ("S-5", past)] {
        let update = Query::update()
            .table(issue::Entity)
            .value(issue::Column::Deadline, deadline)
            .and_where(Expr::col(issue::Column::Code).eq(code))
            .to_owned();
        conn.execute(&update).await.unwrap();
    }
    let major = Query::update()
        .table(issue::Entity)
        .value(issue::Column::Severity, Severity::Major)
        .and_where(Expr::col(issue::Column::Code).is_in(["S-2", "S-3"]))
        .to_owned();
    conn.execute(&major).await.unwrap();
}

#[tokio::test]
async fn statistics_match_counts_made_from_the_issue_list_for_every_dimension_and_filter() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    seed_ledger(&app, &county).await;
    let bureau = app.bureau();
    for dimensions in [
        &[][..],
        &["STATUS"],
        &["SEVERITY"],
        &["ROUND"],
        &["ASPECT"],
        &["CATEGORY"],
        &["LEAD_DEPARTMENT"],
        &["TOWNSHIP"],
        &["SUPERVISION_LEVEL"],
        &["DEADLINE_MONTH"],
        &["LEAD_DEPARTMENT", "STATUS"],
        &["SEVERITY", "DEADLINE_MONTH", "SUPERVISION_LEVEL"],
    ] {
        check(&app, &bureau, json!({}), dimensions).await;
    }
    check(&app, &bureau, json!({ "severity": "MAJOR" }), &["STATUS"]).await;
    check(&app, &bureau, json!({ "status": ["ACCEPTED", "CLOSED", "IN_PROGRESS"] }), &["LEAD_DEPARTMENT"]).await;
    check(&app, &bureau, json!({ "overdue": true }), &[]).await;
    // A department counts its own issues only.
    check(&app, &app.department("WATER"), json!({}), &["STATUS"]).await;
    let agri = app.gql(Some(&app.department("AGRI")), STATISTICS, json!({})).await.ok();
    assert_eq!(agri.data("issueStatistics.total"), 0);

    let all = app.gql(Some(&bureau), STATISTICS, json!({ "groupBy": ["STATUS"] })).await.ok();
    let all = all.data("issueStatistics");
    assert_eq!(all["total"], 7);
    assert_eq!(all["relapses"], 1);
    assert_eq!(all["overdue"], 1, "S-3 is overdue; S-5 was accepted before its (moved) deadline");
    // 2 of 7 completed (S-5 accepted, S-6 closed; S-7 reopened).
    assert!((all["completionRate"].as_f64().unwrap() - 2.0 / 7.0).abs() < 1e-9);
    assert!((all["closureRate"].as_f64().unwrap() - 1.0 / 7.0).abs() < 1e-9);
    let labels: Vec<&str> =
        all["groups"].as_array().unwrap().iter().map(|g| g["labels"][0].as_str().unwrap()).collect();
    assert!(labels.contains(&"整改中"), "the status's Chinese label, without `Accept-Language`: {labels:?}");

    let by_department = app.gql(Some(&bureau), STATISTICS, json!({ "groupBy": ["LEAD_DEPARTMENT"] })).await.ok();
    let names: Vec<&str> = by_department
        .data("issueStatistics.groups")
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["labels"][0].as_str().unwrap())
        .collect();
    assert!(names.contains(&"未交办"), "the unassigned issue: {names:?}");
    assert_eq!(names.len(), 2);

    let nothing = app
        .gql(Some(&bureau), STATISTICS, json!({ "filter": { "search": "no such problem" }, "groupBy": ["STATUS"] }))
        .await
        .ok();
    let nothing = nothing.data("issueStatistics");
    assert_eq!(nothing["total"], 0);
    assert_eq!(nothing["completionRate"], Value::Null);
    assert_eq!(nothing["onTimeRate"], Value::Null);
    assert_eq!(nothing["groups"], json!([]));
}

#[tokio::test]
async fn bad_groupings_and_future_days_are_refused() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let twice = app.gql(Some(&app.bureau()), STATISTICS, json!({ "groupBy": ["STATUS", "STATUS"] })).await;
    assert_eq!(twice.code(), "BAD_USER_INPUT");
    let future = app.gql(Some(&app.bureau()), STATISTICS, json!({ "asOf": county_date(2) })).await;
    assert_eq!(future.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn on_time_as_of_a_day_uses_the_acceptance_in_force_that_day() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let water = row_id(&county.water);
    let s = |action, to, on| Step { action, to, on, lead: Some(water), cooperating: "" };
    // Accepted on time in March; reopened and accepted again, late, in April.
    let id = write_issue(
        &app,
        &county,
        "OT-1",
        Severity::General,
        "2025-03-15",
        &[
            s(A::Registered, S::Reported, "2025-03-01"),
            s(A::Assigned, S::Assigned, "2025-03-02"),
            s(A::Accepted, S::Accepted, "2025-03-10"),
            s(A::Reopened, S::InProgress, "2025-04-01"),
            s(A::Accepted, S::Accepted, "2025-04-20"),
        ],
    )
    .await;
    let late: chrono::DateTime<Utc> = "2025-04-20T04:00:00Z".parse().unwrap();
    let update = Query::update()
        .table(issue::Entity)
        .value(issue::Column::AcceptedAt, late)
        .and_where(Expr::col(issue::Column::Id).eq(id))
        .to_owned();
    app.db.conn.execute(&update).await.unwrap();
    let bureau = app.bureau();
    let march = app.gql(Some(&bureau), STATISTICS, json!({ "asOf": "2025-03-31" })).await.ok();
    assert_eq!(march.data("issueStatistics.completedOnTime"), 1);
    assert_eq!(march.data("issueStatistics.onTimeRate"), 1.0);
    let april = app.gql(Some(&bureau), STATISTICS, json!({ "asOf": "2025-04-30" })).await.ok();
    assert_eq!(april.data("issueStatistics.completedOnTime"), 0);
    let today = app.gql(Some(&bureau), STATISTICS, json!({})).await.ok();
    assert_eq!(today.data("issueStatistics.onTimeRate"), 0.0);
}

/// The issue overdue at the end of March and closed in April, relapsing in June.
async fn write_ledger(app: &TestApp, county: &County) {
    let water = row_id(&county.water);
    let s = |action, to, on, lead: bool| Step { action, to, on, lead: lead.then_some(water), cooperating: "" };
    write_issue(
        app,
        county,
        "H-1",
        Severity::Major,
        "2025-03-15",
        &[
            s(A::Registered, S::Reported, "2025-01-05", false),
            s(A::Assigned, S::Assigned, "2025-01-10", true),
            s(A::RectificationStarted, S::InProgress, "2025-01-20", true),
            s(A::AcceptanceRequested, S::AwaitingAcceptance, "2025-04-05", true),
            s(A::Accepted, S::Accepted, "2025-04-10", true),
            s(A::Closed, S::Closed, "2025-04-20", true),
            s(A::Reopened, S::InProgress, "2025-06-10", true),
        ],
    )
    .await;
    write_issue(
        app,
        county,
        "H-2",
        Severity::General,
        "2025-12-31",
        &[s(A::Registered, S::Reported, "2025-02-01", false), s(A::Assigned, S::Assigned, "2025-02-03", true)],
    )
    .await;
}

#[tokio::test]
async fn as_of_a_day_counts_the_ledger_as_it_stood_and_agrees_with_the_history_rules() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_ledger(&app, &county).await;
    let bureau = app.bureau();
    let on = |day: &'static str| {
        let bureau = bureau.clone();
        let app = &app;
        async move {
            let reply = app.gql(Some(&bureau), STATISTICS, json!({ "asOf": day, "groupBy": ["STATUS"] })).await.ok();
            reply.data("issueStatistics").clone()
        }
    };
    let before = on("2024-12-31").await;
    assert_eq!(before["total"], 0);
    assert_eq!(before["completionRate"], Value::Null);

    let march = on("2025-03-31").await;
    assert_eq!(counts_in(&march), [2, 2, 1, 0, 0, 0, 0], "H-1 overdue and open at the end of March");
    let april = on("2025-04-30").await;
    assert_eq!(counts_in(&april), [2, 1, 0, 0, 1, 0, 0], "H-1 closed in April: overdue-open in March only");
    let june = on("2025-06-30").await;
    assert_eq!(counts_in(&june), [2, 2, 1, 0, 0, 0, 1], "reopened on 10 June: open, overdue again, one relapse");

    // The same days folded by domain::history, the rule the assessment uses.
    let events = issue_event::Entity::find().all(&app.db.conn).await.unwrap();
    for (day, reply) in [("2025-03-31", &march), ("2025-04-30", &april), ("2025-06-30", &june)] {
        let day: NaiveDate = day.parse().unwrap();
        let end = (day + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::hours(8);
        // No issue here is under supervision: no supervision deadlines.
        let states = states_at(&events, end, &Default::default());
        assert_eq!(reply["total"].as_u64().unwrap(), states.len() as u64);
        assert_eq!(reply["overdue"].as_u64().unwrap(), states.iter().filter(|s| s.overdue_on(day)).count() as u64);
        let closed = states.iter().filter(|s| s.status == S::Closed).count() as u64;
        assert_eq!(reply["closed"].as_u64().unwrap(), closed);
    }
}

const TREND: &str = "query($from: Date!, $to: Date!, $interval: TrendInterval!, $filter: IssueFilter) { issueTrend(from: $from, to: $to, interval: $interval, filter: $filter) { periodStart registered completed closed overdueOpenAtEnd } }";

fn points(reply: &Reply) -> Vec<(String, u64, u64, u64, Option<u64>)> {
    reply
        .data("issueTrend")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["periodStart"].as_str().unwrap().to_owned(),
                p["registered"].as_u64().unwrap(),
                p["completed"].as_u64().unwrap(),
                p["closed"].as_u64().unwrap(),
                p["overdueOpenAtEnd"].as_u64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_trend_counts_each_month_and_week_from_the_history() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_ledger(&app, &county).await;
    let bureau = app.bureau();
    let months = app
        .gql(Some(&bureau), TREND, json!({ "from": "2025-01-15", "to": "2025-06-30", "interval": "MONTH" }))
        .await
        .ok();
    let p = |start: &str, r, c, x, o| (start.to_owned(), r, c, x, Some(o));
    assert_eq!(
        points(&months),
        [
            p("2025-01-01", 1, 0, 0, 0),
            p("2025-02-01", 1, 0, 0, 0),
            p("2025-03-01", 0, 0, 0, 1),
            p("2025-04-01", 0, 1, 1, 0),
            p("2025-05-01", 0, 0, 0, 0),
            p("2025-06-01", 0, 0, 0, 1),
        ]
    );
    // Weeks run Monday to Sunday: 5 April 2025 is a Saturday, 10 April a Thursday.
    let weeks = app
        .gql(Some(&bureau), TREND, json!({ "from": "2025-04-05", "to": "2025-04-13", "interval": "WEEK" }))
        .await
        .ok();
    assert_eq!(points(&weeks), [p("2025-03-31", 0, 0, 0, 1), p("2025-04-07", 0, 1, 0, 0)]);
    // A department sees its own issues only; an interval that has not begun has no count yet.
    let agri = app
        .gql(
            Some(&app.department("AGRI")),
            TREND,
            json!({ "from": "2025-03-01", "to": "2025-03-31", "interval": "MONTH" }),
        )
        .await
        .ok();
    assert_eq!(points(&agri), [p("2025-03-01", 0, 0, 0, 0)]);
    let ahead = app
        .gql(Some(&bureau), TREND, json!({ "from": county_date(0), "to": county_date(70), "interval": "MONTH" }))
        .await
        .ok();
    let last = &ahead.data("issueTrend").as_array().unwrap().last().unwrap()["overdueOpenAtEnd"];
    assert_eq!(last, &Value::Null);
    let backwards =
        app.gql(Some(&bureau), TREND, json!({ "from": "2025-02-01", "to": "2025-01-01", "interval": "MONTH" })).await;
    assert_eq!(backwards.code(), "BAD_USER_INPUT");
    // Each point is an as-of count of its own, and is priced so: 20 fit the default limit.
    let cost = |reply: &Reply| reply.body["extensions"]["cost"]["requestedQueryCost"].as_u64().unwrap();
    let months = |to: &str| json!({ "from": "2023-01-01", "to": to, "interval": "MONTH" });
    let twenty = app.gql(Some(&bureau), TREND, months("2024-08-31")).await.ok();
    let two = app.gql(Some(&bureau), TREND, months("2023-02-28")).await.ok();
    assert!(cost(&twenty) >= cost(&two) + 18_000, "{} against {}", cost(&twenty), cost(&two));
    let thirty = app.gql(Some(&bureau), TREND, months("2025-06-30")).await;
    assert_eq!(thirty.code(), "TOO_COMPLEX", "30 points are over the default limit");
    let too_long =
        app.gql(Some(&bureau), TREND, json!({ "from": "2000-01-01", "to": "2025-01-01", "interval": "WEEK" })).await;
    assert_eq!(too_long.code(), "TOO_COMPLEX", "past the 120 points allowed, priced over any limit");
    let far = app
        .gql(Some(&bureau), TREND, json!({ "from": "+262142-12-31", "to": "+262142-12-31", "interval": "WEEK" }))
        .await;
    assert_eq!(far.code(), "BAD_USER_INPUT", "{}", far.body);
}

const SCOREBOARD: &str = "query($filter: IssueFilter) { departmentScoreboard(filter: $filter) { department { code } assigned open overdue completed closed onTimeRate averageDaysToComplete failedAcceptances relapses casesDecided } }";

#[tokio::test]
async fn the_scoreboard_gives_each_department_its_record() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    seed_ledger(&app, &county).await;
    let bureau = app.bureau();
    // S-4 awaits acceptance: the bureau sends it back once.
    let s4 = app.gql(Some(&bureau), "{ issueByCode(code: \"S-4\") { id } }", json!({})).await.ok();
    app.mutate(
        &bureau,
        "rejectRectification",
        json!({ "issueId": s4.data("issueByCode.id"), "reason": "not yet" }),
        "issue { id }",
    )
    .await
    .ok();
    crate::written_history::write_case(&app, "ACC-2026-0901", row_id(&county.water), "2026-01-10", &[]).await;

    let board = app.gql(Some(&bureau), SCOREBOARD, json!({})).await.ok();
    let rows = board.data("departmentScoreboard").as_array().unwrap();
    let codes: Vec<&str> = rows.iter().map(|r| r["department"]["code"].as_str().unwrap()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted, "ordered by code");
    assert_eq!(codes.len(), 5, "every department, even without issues");
    let water = rows.iter().find(|r| r["department"]["code"] == "WATER").unwrap();
    // WATER leads S-2..S-7: S-2 assigned, S-3 in progress and overdue, S-4 sent back, S-5
    // accepted, S-6 closed, S-7 reopened.
    assert_eq!(water["assigned"], 6);
    assert_eq!(water["open"], 4);
    assert_eq!(water["overdue"], 1);
    assert_eq!(water["completed"], 2);
    assert_eq!(water["closed"], 1);
    assert_eq!(water["failedAcceptances"], 1);
    assert_eq!(water["relapses"], 1);
    assert_eq!(water["casesDecided"], 1);
    let days = water["averageDaysToComplete"].as_f64().unwrap();
    assert!((0.0..0.1).contains(&days), "assigned and accepted within the test: {days}");
    // S-5's deadline was moved before its acceptance: one of two completed on time.
    assert_eq!(water["onTimeRate"], 0.5);
    let housing = rows.iter().find(|r| r["department"]["code"] == "HOUSING").unwrap();
    assert_eq!(housing["assigned"], 0);
    assert_eq!(housing["onTimeRate"], Value::Null);
    assert_eq!(housing["averageDaysToComplete"], Value::Null);

    let filtered = app.gql(Some(&bureau), SCOREBOARD, json!({ "filter": { "severity": "MAJOR" } })).await.ok();
    let water = filtered
        .data("departmentScoreboard")
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"]["code"] == "WATER")
        .cloned()
        .unwrap();
    assert_eq!(water["assigned"], 2, "S-2 and S-3 are major");

    let own = app.gql(Some(&app.department("HOUSING")), SCOREBOARD, json!({})).await.ok();
    let own: Vec<&str> = own
        .data("departmentScoreboard")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["department"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(own, ["HOUSING"]);
}

const REPORTS: &str = "{ monthlyReports { totalCount nodes { id month note submittedBy asOf statistics { total open overdue closed groups { key labels total } } byAspect { total groups { labels total } } byDepartment { groups { labels total overdue } } supervised { total } relapses accountability { opened decided decidedAgainstOfficials } enforcement { casesDecided fines finesTotal } } } }";

#[tokio::test]
async fn a_submitted_month_is_frozen_and_cannot_be_submitted_again() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_ledger(&app, &county).await;
    crate::written_history::write_case(&app, "ACC-2025-0301", row_id(&county.water), "2025-03-20", &[]).await;
    let bureau = app.bureau();
    let submit = |month: &str| {
        app.mutate(
            &bureau,
            "submitMonthlyReport",
            json!({ "month": month, "note": "March figures" }),
            "monthlyReport { month submittedBy }",
        )
    };
    let submitted = submit("2025-03").await.ok();
    assert_eq!(submitted.data("submitMonthlyReport.monthlyReport.month"), "2025-03");
    assert_eq!(submitted.data("submitMonthlyReport.monthlyReport.submittedBy"), "bureau-officer");

    let superior = app.token(entity::enums::Role::Superior, "city-office", None);
    let before = app.gql(Some(&superior), REPORTS, json!({})).await.ok();
    let report = before.data("monthlyReports.nodes.0").clone();
    assert_eq!(report["asOf"], "2025-03-31");
    assert_eq!(report["statistics"]["total"], 2);
    assert_eq!(report["statistics"]["overdue"], 1, "H-1 was overdue at the end of March");
    assert_eq!(report["accountability"]["decided"], 1);
    assert_eq!(report["accountability"]["decidedAgainstOfficials"], 1);
    assert_eq!(report["enforcement"]["finesTotal"], "0.00");
    assert_eq!(report["byDepartment"]["groups"][0]["labels"][0], "WATER office");

    // The ledger changes afterwards, March included: the report does not.
    let water = row_id(&county.water);
    let s = |action, to, on| Step { action, to, on, lead: Some(water), cooperating: "" };
    write_issue(
        &app,
        &county,
        "H-3",
        Severity::General,
        "2025-03-01",
        &[s(A::Registered, S::Reported, "2025-03-02"), s(A::Assigned, S::Assigned, "2025-03-03")],
    )
    .await;
    app.db.conn.execute_unprepared("UPDATE department SET name = 'Renamed' WHERE code = 'WATER'").await.unwrap();
    let after = app.gql(Some(&superior), REPORTS, json!({})).await.ok();
    assert_eq!(after.data("monthlyReports.nodes.0"), &report);
    let fresh = app.gql(Some(&bureau), STATISTICS, json!({ "asOf": "2025-03-31" })).await.ok();
    assert_eq!(fresh.data("issueStatistics.total"), 3, "while the live figures do change");

    assert_eq!(submit("2025-03").await.code(), "CONFLICT");
    assert_eq!(submit(&county_date(0)[..7]).await.code(), "BAD_USER_INPUT", "this month has not ended");
    assert_eq!(submit("March").await.code(), "BAD_USER_INPUT");
    let by_superior =
        app.mutate(&superior, "submitMonthlyReport", json!({ "month": "2025-04" }), "monthlyReport { id }").await;
    assert_eq!(by_superior.code(), "FORBIDDEN");
    for token in [app.department("WATER"), app.token(entity::enums::Role::Admin, "admin", None)] {
        assert_eq!(app.gql(Some(&token), REPORTS, json!({})).await.code(), "FORBIDDEN");
    }
}

#[tokio::test]
async fn statistics_count_disputes_objections_and_look_back_checks_and_lists_filter_by_them() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (bureau, water) = (app.bureau(), app.department("WATER"));
    let leader = app.token(Role::Leader, "county-leader", None);
    // A: disputed by WATER, reassigned to AGRI by the leader.
    let disputed = app.register(&county, "REC-A").await;
    app.assign(&county, &disputed, &county_date(30)).await.ok();
    let raised = app
        .mutate(&water, "disputeAssignment", json!({ "issueId": disputed, "reason": "Farm runoff." }), "dispute { id }")
        .await
        .ok();
    let ruling = json!({ "disputeId": raised.data("disputeAssignment.dispute.id"), "decision": "REASSIGN",
                         "leadDepartmentId": county.agri });
    app.mutate(&leader, "ruleOnDispute", ruling, "dispute { status }").await.ok();
    // B: an objection to its public notice, upheld.
    let objected = accepted_issue(&app, &county, "REC-B", 7).await;
    let objection =
        json!({ "issueId": objected, "source": "Hotline", "content": "Still black at night.", "evidenceIds": [] });
    let recorded = app.mutate(&bureau, "recordNoticeObjection", objection, "objection { id }").await.ok();
    let resolution =
        json!({ "objectionId": recorded.data("recordNoticeObjection.objection.id"), "outcome": "UPHELD", "note": "n" });
    app.mutate(&bureau, "resolveNoticeObjection", resolution, "objection { id }").await.ok();
    // C: closed, sampled by a look-back campaign, found relapsed.
    let looked = accepted_issue(&app, &county, "REC-C", 0).await;
    app.mutate(&bureau, "closeIssue", json!({ "issueId": looked }), "issue { id }").await.ok();
    let campaign =
        json!({ "name": "Q4", "closedFrom": county_date(0), "closedTo": county_date(0), "sampleSize": 1, "seed": 1 });
    app.mutate(&bureau, "createLookBackCampaign", campaign, "campaign { id }").await.ok();
    let inspector = app.token(Role::Inspector, "field-inspector", None);
    let check = json!({ "issueId": looked, "latitude": 30.5, "longitude": 104.1, "observedAt": Utc::now().to_rfc3339(),
                        "findings": "Back again.", "result": "NON_COMPLIANT", "lookBack": "RELAPSED" });
    app.mutate(&inspector, "recordSiteInspection", check, "siteInspection { id }").await.ok();

    let superior = app.token(Role::Superior, "province", None);
    let query = "{ issueStatistics(groupBy: [LEAD_DEPARTMENT]) {
                     disputesRaised disputesReassigned objections objectionsUpheld lookBackChecked lookBackRelapsed lookBackRelapseRate
                     groups { labels disputesRaised objectionsUpheld lookBackRelapsed } }
                   disputed: issues(filter: {disputed: true}) { nodes { code } }
                   objected: issues(filter: {objected: true}) { nodes { code } }
                   lookedBack: issues(filter: {lookedBack: true}) { nodes { code } }
                   plain: issues(filter: {disputed: false, objected: false, lookedBack: false}) { totalCount } }";
    let reply = app.gql(Some(&superior), query, json!({})).await.ok();
    let totals = reply.data("issueStatistics");
    let fields = [
        "disputesRaised",
        "disputesReassigned",
        "objections",
        "objectionsUpheld",
        "lookBackChecked",
        "lookBackRelapsed",
    ];
    assert_eq!(fields.map(|f| totals[f].as_u64().unwrap()), [1; 6], "{totals}");
    assert_eq!(totals["lookBackRelapseRate"], 1.0);
    // By the lead department now: AGRI leads the disputed issue, WATER the other two.
    let groups = totals["groups"].as_array().unwrap();
    let agri = groups.iter().find(|g| g["labels"][0] == "AGRI office").unwrap_or_else(|| panic!("{groups:?}"));
    assert_eq!((&agri["disputesRaised"], &agri["objectionsUpheld"]), (&json!(1), &json!(0)));
    for (alias, code) in [("disputed", "REC-A"), ("objected", "REC-B"), ("lookedBack", "REC-C")] {
        assert_eq!(reply.data(&format!("{alias}.nodes")), &json!([{ "code": code }]), "{alias}");
    }
    assert_eq!(reply.data("plain.totalCount"), 0);
}

/// The list filter that selects one group of `dimension` with `key`: what a dashboard sends
/// when a number is clicked.
fn filter_of_group(dimension: &str, key: &str) -> Value {
    match dimension {
        "STATUS" => json!({ "status": [key] }),
        "SEVERITY" => json!({ "severity": key }),
        "ROUND" => json!({ "roundId": key }),
        "ASPECT" => json!({ "aspectId": key }),
        "CATEGORY" => json!({ "categoryId": key }),
        "LEAD_DEPARTMENT" => json!({ "leadDepartmentId": key }),
        "TOWNSHIP" => json!({ "townshipId": key }),
        "SUPERVISION_LEVEL" => json!({ "supervisionLevel": [key] }),
        "WARNING_LIGHT" => json!({ "warningLight": [key] }),
        "DEADLINE_MONTH" => {
            let first = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").unwrap();
            let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
            json!({ "deadlineFrom": first.to_string(), "deadlineBefore": next.to_string() })
        }
        other => panic!("no filter for {other}"),
    }
}

#[tokio::test]
async fn every_group_of_the_statistics_clicks_through_to_the_list_behind_it() {
    let app = spawn_app().await;
    app.services.seed_demo().await.expect("seeding");
    let bureau = app.bureau();
    let dimensions = [
        "STATUS",
        "SEVERITY",
        "ROUND",
        "ASPECT",
        "CATEGORY",
        "LEAD_DEPARTMENT",
        "TOWNSHIP",
        "SUPERVISION_LEVEL",
        "DEADLINE_MONTH",
        "WARNING_LIGHT",
    ];
    for dimension in dimensions {
        let query = format!("{{ issueStatistics(groupBy: [{dimension}]) {{ groups {{ key total }} }} }}");
        let stats = app.gql(Some(&bureau), &query, json!({})).await.ok();
        let groups = stats.data("issueStatistics.groups").as_array().unwrap().clone();
        let keyed: Vec<&Value> = groups.iter().filter(|group| group["key"][0] != "").collect();
        assert!(!keyed.is_empty(), "the demo's {dimension} groups: {groups:?}");
        // Where the filter is new, each group is a part of the county, so that a filter that
        // selects everything fails.
        let all: u64 = groups.iter().map(|group| group["total"].as_u64().unwrap()).sum();
        if ["TOWNSHIP", "SUPERVISION_LEVEL", "DEADLINE_MONTH"].contains(&dimension) {
            assert!(keyed.iter().all(|group| group["total"].as_u64().unwrap() < all), "{groups:?}");
        }
        for group in keyed {
            let filter = filter_of_group(dimension, group["key"][0].as_str().unwrap());
            let listed = app
                .gql(
                    Some(&bureau),
                    "query($f: IssueFilter) { issues(filter: $f) { totalCount } }",
                    json!({ "f": filter }),
                )
                .await
                .ok();
            assert_eq!(listed.data("issues.totalCount"), &group["total"], "{dimension} {filter}");
        }
    }

    let count = |filter: Value| {
        let app = &app;
        let bureau = &bureau;
        async move {
            let query = "query($f: IssueFilter) { issues(filter: $f, first: 100) { totalCount nodes { requiresEngineering } } }";
            app.gql(Some(bureau), query, json!({ "f": filter })).await.ok().body["data"]["issues"].clone()
        }
    };
    let (with, without, all) = (
        count(json!({ "requiresEngineering": true })).await,
        count(json!({ "requiresEngineering": false })).await,
        count(json!({})).await,
    );
    assert!(with["nodes"].as_array().unwrap().iter().all(|n| n["requiresEngineering"] == true));
    assert!(without["nodes"].as_array().unwrap().iter().all(|n| n["requiresEngineering"] == false));
    assert!(with["totalCount"].as_u64().unwrap() > 0 && without["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(
        with["totalCount"].as_u64().unwrap() + without["totalCount"].as_u64().unwrap(),
        all["totalCount"].as_u64().unwrap()
    );
}
