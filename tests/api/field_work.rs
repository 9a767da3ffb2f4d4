//! Field work and the mobile app: plans, progress, site inspections, extensions, safe retries
//! and the incremental sync loop.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn started(app: &TestApp, county: &County, code: &str, milestones: Value) -> String {
    let issue = app.register(county, code).await;
    app.assign(county, &issue, &county_date(30)).await.ok();
    app.mutate(
        &app.department("WATER"),
        "startRectification",
        json!({ "issueId": issue, "plan": "Build an interceptor", "milestones": milestones }),
        "issue { id }",
    )
    .await
    .ok();
    issue
}

const PLAN: &str = "query($id: ID!) { issue(id: $id) { version plan { summary milestones { id title dueOn status overdue } } events { nodes { action note } } } }";

#[tokio::test]
async fn a_plan_has_a_timetable_whose_late_milestones_are_overdue() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "PLAN-1", json!([{ "title": "Survey the outfalls", "dueOn": county_date(-2) }, { "title": "Lay the pipe", "dueOn": county_date(20) }])).await;
    let water = app.department("WATER");
    let added = app
        .mutate(
            &water,
            "addMilestone",
            json!({ "issueId": issue, "title": "Acceptance test", "dueOn": county_date(40) }),
            "milestone { id status }",
        )
        .await
        .ok();
    let added_id = added.data("addMilestone.milestone.id").as_str().unwrap().to_owned();
    let plan = app.gql(Some(&app.bureau()), PLAN, json!({ "id": issue })).await.ok();
    assert_eq!(plan.data("issue.plan.summary"), "Build an interceptor");
    let milestones = plan.data("issue.plan.milestones").as_array().unwrap().clone();
    assert_eq!(
        milestones.iter().map(|m| m["title"].as_str().unwrap()).collect::<Vec<_>>(),
        ["Survey the outfalls", "Lay the pipe", "Acceptance test"]
    );
    assert_eq!(milestones.iter().map(|m| m["overdue"].as_bool().unwrap()).collect::<Vec<_>>(), [true, false, false]);

    let late = milestones[0]["id"].as_str().unwrap().to_owned();
    let done = app
        .mutate(
            &water,
            "completeMilestone",
            json!({ "milestoneId": late, "note": "Surveyed" }),
            "milestone { status overdue completedAt }",
        )
        .await
        .ok();
    assert_eq!(
        (done.data("completeMilestone.milestone.status"), done.data("completeMilestone.milestone.overdue")),
        (&json!("DONE"), &json!(false))
    );
    let again = app.mutate(&water, "completeMilestone", json!({ "milestoneId": late }), "milestone { id }").await;
    assert_eq!(again.code(), "INVALID_TRANSITION");
    let cooperating = app
        .mutate(&app.department("HOUSING"), "completeMilestone", json!({ "milestoneId": added_id }), "milestone { id }")
        .await;
    assert_eq!(cooperating.code(), "FORBIDDEN", "only the lead department keeps the plan");
    let bureau = app
        .mutate(
            &app.bureau(),
            "addMilestone",
            json!({ "issueId": issue, "title": "x", "dueOn": county_date(1) }),
            "milestone { id }",
        )
        .await;
    assert_eq!(bureau.code(), "FORBIDDEN");

    let events = app.gql(Some(&app.bureau()), PLAN, json!({ "id": issue })).await.ok();
    let actions: Vec<&str> =
        events.data("issue.events.nodes").as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["RECTIFICATION_STARTED", "MILESTONE_ADDED", "MILESTONE_COMPLETED"]), "{actions:?}");
}

async fn report(app: &TestApp, issue: &str, token: String, content: &str, percent: i32, key: Option<&str>) -> Reply {
    let input = json!({ "issueId": issue, "content": content, "percentComplete": percent, "idempotencyKey": key });
    app.mutate(&token, "submitProgressReport", input, REPORT).await
}

async fn ask(app: &TestApp, issue: &str, token: String, proposed: String) -> Reply {
    let input = json!({ "issueId": issue, "proposedDeadline": proposed, "reason": "Heavy rain delayed the works" });
    app.mutate(&token, "requestDeadlineExtension", input, EXTENSION).await
}

async fn decide(app: &TestApp, extension: &str, token: String, approve: bool) -> Reply {
    let input = json!({ "extensionId": extension, "approve": approve, "note": "Granted once" });
    app.mutate(&token, "decideDeadlineExtension", input, EXTENSION).await
}

const REPORT: &str = "progressReport { id content percentComplete department { code } reportedBy }";

#[tokio::test]
async fn progress_is_reported_by_responsible_departments_and_a_retry_lands_once() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "PROG-1", json!([])).await;
    let first = report(&app, &issue, app.department("WATER"), "Pipe half laid", 50, Some("phone-7f3a-0001")).await.ok();
    let retry = report(&app, &issue, app.department("WATER"), "Pipe half laid", 50, Some("phone-7f3a-0001")).await.ok();
    assert_eq!(
        first.data("submitProgressReport.progressReport.id"),
        retry.data("submitProgressReport.progressReport.id"),
        "a retry gets the first report"
    );
    let reused = report(&app, &issue, app.department("WATER"), "Pipe fully laid", 90, Some("phone-7f3a-0001")).await;
    assert_eq!(reused.code(), "CONFLICT", "the same key with another input");
    report(&app, &issue, app.department("HOUSING"), "Street closed for the works", 60, None).await.ok();
    assert_eq!(report(&app, &issue, app.department("AGRI"), "x", 1, None).await.code(), "NOT_FOUND");
    assert_eq!(report(&app, &issue, app.bureau(), "x", 1, None).await.code(), "FORBIDDEN");
    let bad = report(&app, &issue, app.department("WATER"), "x", 101, None).await;
    assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "input.percentComplete"));
    let empty_key = report(&app, &issue, app.department("WATER"), "x", 1, Some("")).await;
    assert_eq!((empty_key.code(), empty_key.field()), ("BAD_USER_INPUT", "input.idempotencyKey"));

    let listed = app
        .gql(Some(&app.bureau()), "query($id: ID!) { issue(id: $id) { progressReports { totalCount nodes { content department { code } } } events { nodes { action } } } }", json!({ "id": issue }))
        .await
        .ok();
    assert_eq!(listed.data("issue.progressReports.totalCount"), 2, "stored once despite the retry");
    assert_eq!(listed.data("issue.progressReports.nodes.0.department.code"), "HOUSING", "newest first");
    let reported = listed
        .data("issue.events.nodes")
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "PROGRESS_REPORTED")
        .count();
    assert_eq!(reported, 2);

    // Keys belong to the token's subject: another person may use the same string.
    let other = app.token(Role::Department, "another-water-officer", Some("WATER"));
    let theirs = app.mutate(&other, "submitProgressReport", json!({ "issueId": issue, "content": "Pipe fully laid", "percentComplete": 90, "idempotencyKey": "phone-7f3a-0001" }), REPORT).await.ok();
    assert_ne!(
        theirs.data("submitProgressReport.progressReport.id"),
        first.data("submitProgressReport.progressReport.id")
    );
}

#[tokio::test]
async fn a_registration_retried_with_its_key_answers_the_issue_it_registered() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let input = |key: &str| {
        json!({
            "code": "RETRY-1", "title": "Sewage into the river", "description": "Seen at the east bridge.",
            "roundId": county.round, "categoryId": county.category, "severity": "GENERAL",
            "idempotencyKey": key
        })
    };
    let first = app.mutate(&app.bureau(), "registerIssue", input("desk-42-0001"), "issue { id }").await.ok();
    // The answer was lost; the retry finds the code taken by its own first attempt.
    let retry = app.mutate(&app.bureau(), "registerIssue", input("desk-42-0001"), "issue { id }").await.ok();
    assert_eq!(retry.data("registerIssue.issue.id"), first.data("registerIssue.issue.id"));
    let without_key = app
        .mutate(
            &app.bureau(),
            "registerIssue",
            json!({
                "code": "RETRY-1", "title": "Sewage into the river", "description": "Seen at the east bridge.",
                "roundId": county.round, "categoryId": county.category, "severity": "GENERAL"
            }),
            "issue { id }",
        )
        .await;
    assert_eq!(
        (without_key.code(), without_key.field()),
        ("BAD_USER_INPUT", "input.code"),
        "a second registration is refused"
    );
    let another_key = app.mutate(&app.bureau(), "registerIssue", input("desk-42-0002"), "issue { id }").await;
    assert_eq!((another_key.code(), another_key.field()), ("BAD_USER_INPUT", "input.code"));
    let listed = app.gql(Some(&app.bureau()), "{ issues(first: 10) { totalCount } }", json!({})).await.ok();
    assert_eq!(listed.data("issues.totalCount"), 1);
}

#[tokio::test]
async fn two_identical_requests_racing_write_exactly_one_row() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "RACE-2", json!([])).await;
    let token = app.department("WATER");
    let input =
        json!({ "issueId": issue, "content": "Racing report", "percentComplete": 30, "idempotencyKey": "race-key" });
    // More racers than the SQLite pool has connections.
    let requests = (0..20).map(|_| app.mutate(&token, "submitProgressReport", input.clone(), REPORT));
    let replies = futures_util::future::join_all(requests).await;
    let ids: Vec<String> = replies
        .iter()
        .map(|r| r.data("submitProgressReport.progressReport.id").as_str().unwrap_or("error").to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0] && id != "error"),
        "every request gets the one report: {ids:?} {:?}",
        replies.iter().map(|r| r.body.to_string()).collect::<Vec<_>>()
    );
    let listed = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { issue(id: $id) { progressReports { totalCount } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(listed.data("issue.progressReports.totalCount"), 1);
}

const INSPECTION: &str =
    "siteInspection { id issue { code } result findings inspector inspectorRole latitude longitude }";

#[tokio::test]
async fn a_suspected_problem_found_on_site_becomes_an_issue_and_keeps_its_inspection() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let inspector = app.token(Role::Inspector, "field-inspector", None);
    let input = json!({ "latitude": 30.61, "longitude": 104.07, "observedAt": "2026-11-20T02:30:00Z", "findings": "Black water at the culvert", "result": "NON_COMPLIANT", "idempotencyKey": "insp-1" });
    let recorded = app.mutate(&inspector, "recordSiteInspection", input.clone(), INSPECTION).await.ok();
    let inspection = recorded.data("recordSiteInspection.siteInspection.id").as_str().unwrap().to_owned();
    let retried = app.mutate(&inspector, "recordSiteInspection", input, INSPECTION).await.ok();
    assert_eq!(retried.data("recordSiteInspection.siteInspection.id"), inspection.as_str());
    let refused = app.mutate(&app.department("WATER"), "recordSiteInspection", json!({ "latitude": 30.0, "longitude": 104.0, "observedAt": "2026-11-20T02:30:00Z", "findings": "x", "result": "COMPLIANT" }), INSPECTION).await;
    assert_eq!(refused.code(), "FORBIDDEN");

    let suspected = app
        .gql(Some(&app.bureau()), "{ suspectedProblems { totalCount nodes { id findings } } }", json!({}))
        .await
        .ok();
    assert_eq!(suspected.data("suspectedProblems.totalCount"), 1);
    let hidden = app.gql(Some(&app.department("WATER")), "{ suspectedProblems { totalCount } }", json!({})).await;
    assert_eq!(hidden.code(), "FORBIDDEN");

    let register = |code: &str| json!({ "code": code, "title": "Culvert", "description": "Found on site", "roundId": county.round, "categoryId": county.category, "severity": "GENERAL", "siteInspectionId": inspection });
    let issue = app
        .mutate(
            &app.bureau(),
            "registerIssue",
            register("FROM-SITE"),
            "issue { id originInspection { findings } siteInspections { totalCount } events { nodes { note } } }",
        )
        .await
        .ok();
    assert_eq!(issue.data("registerIssue.issue.originInspection.findings"), "Black water at the culvert");
    assert_eq!(issue.data("registerIssue.issue.siteInspections.totalCount"), 1);
    assert!(issue.data("registerIssue.issue.events.nodes.0.note").as_str().unwrap().contains("site inspection"));
    let twice = app.mutate(&app.bureau(), "registerIssue", register("FROM-SITE-2"), "issue { id }").await;
    assert_eq!((twice.code(), twice.field()), ("BAD_USER_INPUT", "input.siteInspectionId"));
    let none_left = app.gql(Some(&app.bureau()), "{ suspectedProblems { totalCount } }", json!({})).await.ok();
    assert_eq!(none_left.data("suspectedProblems.totalCount"), 0);
}

#[tokio::test]
async fn an_acceptance_may_cite_the_site_inspection_that_checked_the_fix() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "CHECK-1", json!([])).await;
    let proof = app.proof(&app.department("WATER"), &issue).await;
    app.mutate(
        &app.department("WATER"),
        "requestAcceptance",
        json!({ "issueId": issue, "summary": "Done", "evidenceIds": [proof] }),
        "issue { id }",
    )
    .await
    .ok();
    let checked = app
        .mutate(&app.bureau(), "recordSiteInspection", json!({ "issueId": issue, "latitude": 30.5, "longitude": 104.1, "observedAt": "2026-11-21T03:00:00Z", "findings": "Water clear", "result": "COMPLIANT" }), INSPECTION)
        .await
        .ok();
    assert_eq!(checked.data("recordSiteInspection.siteInspection.issue.code"), "CHECK-1");
    let inspection = checked.data("recordSiteInspection.siteInspection.id").clone();
    let other_issue = app.register(&county, "CHECK-2").await;
    let foreign = app.mutate(&app.bureau(), "recordSiteInspection", json!({ "issueId": other_issue, "latitude": 30.5, "longitude": 104.1, "observedAt": "2026-11-21T03:00:00Z", "findings": "x", "result": "COMPLIANT" }), INSPECTION).await.ok();
    let wrong = app.mutate(&app.bureau(), "acceptRectification", json!({ "issueId": issue, "opinion": "ok", "siteInspectionId": foreign.data("recordSiteInspection.siteInspection.id") }), "issue { id }").await;
    assert_eq!((wrong.code(), wrong.field()), ("BAD_USER_INPUT", "input.siteInspectionId"));
    let accepted = app
        .mutate(
            &app.bureau(),
            "acceptRectification",
            json!({ "issueId": issue, "opinion": "Passed", "siteInspectionId": inspection }),
            "issue { status events(last: 1) { nodes { note } } }",
        )
        .await
        .ok();
    assert!(
        accepted.data("acceptRectification.issue.events.nodes.0.note").as_str().unwrap().contains("checked on site")
    );
}

const EXTENSION: &str = "deadlineExtension { id status currentDeadline proposedDeadline decidedBy issue { deadline supervision { deadline } } }";

#[tokio::test]
async fn the_lead_department_asks_for_more_time_and_a_leader_decides() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "EXT-1", json!([])).await;
    let supervision_deadline = county_date(25);
    app.mutate(
        &app.bureau(),
        "superviseIssue",
        json!({ "issueId": issue, "level": "COUNTY", "deadline": supervision_deadline }),
        "issue { id }",
    )
    .await
    .ok();
    let water = app.department("WATER");
    let earlier = ask(&app, &issue, water.clone(), county_date(10)).await;
    assert_eq!((earlier.code(), earlier.field()), ("BAD_USER_INPUT", "input.proposedDeadline"));
    assert_eq!(ask(&app, &issue, app.department("HOUSING"), county_date(60)).await.code(), "FORBIDDEN");
    let first = ask(&app, &issue, water.clone(), county_date(60)).await.ok();
    let extension = first.data("requestDeadlineExtension.deadlineExtension.id").as_str().unwrap().to_owned();
    assert_eq!(first.data("requestDeadlineExtension.deadlineExtension.status"), "PENDING");
    assert_eq!(
        ask(&app, &issue, water.clone(), county_date(70)).await.code(),
        "INVALID_TRANSITION",
        "one pending at a time"
    );

    for role in [Role::Department, Role::Inspector, Role::Superior, Role::Admin] {
        let token = if role == Role::Department { water.clone() } else { app.token(role, "someone", None) };
        assert_eq!(decide(&app, &extension, token, true).await.code(), "FORBIDDEN", "{role:?}");
    }
    let approved = decide(&app, &extension, app.token(Role::Leader, "county-leader", None), true).await.ok();
    let decided = approved.data("decideDeadlineExtension.deadlineExtension");
    assert_eq!(decided["status"], "APPROVED");
    assert_eq!(decided["decidedBy"], "county-leader");
    assert_eq!(decided["issue"]["deadline"], county_date(60).as_str(), "the deadline moved");
    assert_eq!(
        decided["issue"]["supervision"]["deadline"],
        supervision_deadline.as_str(),
        "the supervision deadline did not"
    );
    assert_eq!(decide(&app, &extension, app.bureau(), false).await.code(), "INVALID_TRANSITION", "decided once");

    let rejected_request = ask(&app, &issue, water.clone(), county_date(90)).await.ok();
    let second = rejected_request.data("requestDeadlineExtension.deadlineExtension.id").clone();
    let rejected = app
        .mutate(&app.bureau(), "decideDeadlineExtension", json!({ "extensionId": second, "approve": false }), EXTENSION)
        .await
        .ok();
    assert_eq!(rejected.data("decideDeadlineExtension.deadlineExtension.issue.deadline"), county_date(60).as_str());
    let history = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { issue(id: $id) { deadlineExtensions { status } events { nodes { action } } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(history.data("issue.deadlineExtensions"), &json!([{ "status": "APPROVED" }, { "status": "REJECTED" }]));
    let actions: Vec<&str> =
        history.data("issue.events.nodes").as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "EXTENSION_REQUESTED").count(), 2);
    assert_eq!(actions.iter().filter(|a| **a == "EXTENSION_DECIDED").count(), 2);
}

#[tokio::test]
async fn the_sync_loop_sees_every_change_exactly_once_while_changes_keep_coming() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let token = app.department("WATER");
    let mut issues = Vec::new();
    for n in 0..7 {
        let issue = app.register(&county, &format!("SYNC-{n}")).await;
        app.assign(&county, &issue, &county_date(30)).await.ok();
        issues.push(issue);
    }
    let sync = "query($since: DateTime, $after: String) { issues(first: 3, after: $after, filter: {updatedSince: $since}, orderBy: {field: UPDATED_AT, direction: ASC}) {
        pageInfo { hasNextPage endCursor } nodes { code version updatedAt } } }";
    // The app's loop: page through by cursor; when no page is left, remember the last
    // updatedAt seen and ask again from there later.
    let mut seen: Vec<(String, i64)> = Vec::new();
    let (mut since, mut after) = (Value::Null, Value::Null);
    for round in 0..3 {
        loop {
            let page = app.gql(Some(&token), sync, json!({ "since": since, "after": after })).await.ok();
            for node in page.data("issues.nodes").as_array().unwrap() {
                seen.push((node["code"].as_str().unwrap().to_owned(), node["version"].as_i64().unwrap()));
                since = node["updatedAt"].clone();
            }
            if round == 0 && seen.len() == 3 {
                // A change arrives while the app is in the middle of its pages.
                app.mutate(
                    &app.department("WATER"),
                    "startRectification",
                    json!({ "issueId": issues[0], "plan": "p" }),
                    "issue { id }",
                )
                .await
                .ok();
            }
            if page.data("issues.pageInfo.hasNextPage") != true {
                break;
            }
            after = page.data("issues.pageInfo.endCursor").clone();
        }
        after = Value::Null;
        if round == 1 {
            app.mutate(
                &app.department("WATER"),
                "submitProgressReport",
                json!({ "issueId": issues[0], "content": "c", "percentComplete": 5 }),
                "progressReport { id }",
            )
            .await
            .ok();
        }
    }
    // Every version of every issue is delivered once; `updatedSince` is inclusive, so the
    // last row of a round may come again at the start of the next: the app keeps the newest.
    let mut versions: std::collections::BTreeMap<String, std::collections::BTreeSet<i64>> = Default::default();
    for (code, version) in &seen {
        versions.entry(code.clone()).or_default().insert(*version);
    }
    assert_eq!(versions.len(), 7, "every issue arrived");
    assert_eq!(versions["SYNC-0"].iter().copied().collect::<Vec<_>>(), [2, 3, 4], "each change of SYNC-0 arrived");
    let distinct: std::collections::BTreeSet<&(String, i64)> = seen.iter().collect();
    assert!(seen.len() - distinct.len() <= 2, "at most the boundary row repeats, once per round: {seen:?}");
}

#[tokio::test]
async fn a_query_can_be_sent_as_its_hash_once_the_server_knows_it() {
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    let query = "{ viewer { role } }";
    let hash: String = Sha256::digest(query.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let send =
        |body: Value| app.client.post(format!("{}/graphql", app.address)).bearer_auth(app.bureau()).json(&body).send();
    let unknown: Value = send(json!({ "extensions": extensions })).await.unwrap().json().await.unwrap();
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    let registered: Value =
        send(json!({ "query": query, "extensions": extensions })).await.unwrap().json().await.unwrap();
    assert_eq!(registered["data"]["viewer"]["role"], "BUREAU");
    let by_hash: Value = send(json!({ "extensions": extensions })).await.unwrap().json().await.unwrap();
    assert_eq!(by_hash["data"]["viewer"]["role"], "BUREAU");
}

#[tokio::test]
async fn idempotency_keys_are_kept_a_day_and_then_purged() {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let app = spawn_app().await;
    let old = chrono::Utc::now() - chrono::Duration::hours(49);
    let fresh = chrono::Utc::now() - chrono::Duration::hours(25);
    for (key, at) in [("old", old), ("fresh", fresh)] {
        entity::idempotency_key::Entity::insert(entity::idempotency_key::ActiveModel {
            subject: Set("someone".into()),
            key: Set(key.into()),
            operation: Set("submitProgressReport".into()),
            input_hash: Set("0".repeat(64)),
            result_id: Set(Some(1)),
            created_at: Set(at),
            ..Default::default()
        })
        .exec(&app.db.conn)
        .await
        .unwrap();
    }
    assert_eq!(app.services.purge_idempotency_keys().await.unwrap(), 1);
    let left: Vec<String> =
        entity::idempotency_key::Entity::find().all(&app.db.conn).await.unwrap().into_iter().map(|k| k.key).collect();
    assert_eq!(left, ["fresh"], "a key younger than two days stays");
}

#[tokio::test]
async fn a_new_assignment_supersedes_a_pending_extension_and_a_retry_still_gets_its_first_answer() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "EXT-2", json!([])).await;
    let water = app.department("WATER");
    let input = json!({ "issueId": issue, "proposedDeadline": county_date(60), "reason": "Rain", "idempotencyKey": "ext-key-1" });
    let first = app.mutate(&water, "requestDeadlineExtension", input.clone(), EXTENSION).await.ok();
    let id = first.data("requestDeadlineExtension.deadlineExtension.id").clone();
    app.mutate(
        &app.token(Role::Leader, "leader", None),
        "decideDeadlineExtension",
        json!({ "extensionId": id, "approve": true }),
        EXTENSION,
    )
    .await
    .ok();
    let retry = app.mutate(&water, "requestDeadlineExtension", input, EXTENSION).await.ok();
    assert_eq!(
        retry.data("requestDeadlineExtension.deadlineExtension.id"),
        &id,
        "the retry is answered from its key, not refused"
    );
    assert_eq!(retry.data("requestDeadlineExtension.deadlineExtension.status"), "APPROVED");

    let pending = app
        .mutate(
            &water,
            "requestDeadlineExtension",
            json!({ "issueId": issue, "proposedDeadline": county_date(90), "reason": "More rain" }),
            EXTENSION,
        )
        .await
        .ok();
    let pending_id = pending.data("requestDeadlineExtension.deadlineExtension.id").clone();
    app.mutate(
        &app.bureau(),
        "assignIssue",
        json!({ "issueId": issue, "leadDepartmentId": county.agri, "deadline": county_date(45), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    let late = app
        .mutate(
            &app.bureau(),
            "decideDeadlineExtension",
            json!({ "extensionId": pending_id, "approve": true }),
            EXTENSION,
        )
        .await;
    assert_eq!(late.code(), "INVALID_TRANSITION", "the reassignment answered it");
    let read = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { issue(id: $id) { deadline deadlineExtensions { status note } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(read.data("issue.deadline"), county_date(45).as_str(), "the deadline stays where the bureau put it");
    assert_eq!(read.data("issue.deadlineExtensions.1.note"), "superseded by a new assignment");
}

#[tokio::test]
async fn two_departments_reporting_at_once_both_land() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "BOTH-1", json!([])).await;
    let (water, housing) = (app.department("WATER"), app.department("HOUSING"));
    let reports = [(water, "Pipe laid"), (housing, "Road reopened")].into_iter().map(|(token, content)| {
        let input = json!({ "issueId": issue, "content": content, "percentComplete": 50 });
        let app = &app;
        async move { app.mutate(&token, "submitProgressReport", input, REPORT).await }
    });
    for reply in futures_util::future::join_all(reports).await {
        reply.ok();
    }
    let read = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { issue(id: $id) { progressReports { totalCount } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(read.data("issue.progressReports.totalCount"), 2);
}

#[tokio::test]
async fn milestones_of_an_accepted_issue_are_no_longer_overdue() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = started(&app, &county, "DONE-1", json!([{ "title": "Late step", "dueOn": county_date(-3) }])).await;
    let before = app.gql(Some(&app.bureau()), PLAN, json!({ "id": issue })).await.ok();
    assert_eq!(before.data("issue.plan.milestones.0.overdue"), true);
    let proof = app.proof(&app.department("WATER"), &issue).await;
    app.mutate(
        &app.department("WATER"),
        "requestAcceptance",
        json!({ "issueId": issue, "summary": "Done", "evidenceIds": [proof] }),
        "issue { id }",
    )
    .await
    .ok();
    app.mutate(&app.bureau(), "acceptRectification", json!({ "issueId": issue, "opinion": "ok" }), "issue { id }")
        .await
        .ok();
    let after = app.gql(Some(&app.bureau()), PLAN, json!({ "id": issue })).await.ok();
    assert_eq!(after.data("issue.plan.milestones.0.overdue"), false);
}

#[tokio::test]
async fn a_persisted_mutation_cannot_run_over_get_and_a_hash_is_no_way_around_the_token() {
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    let mutation = "mutation { createAspect(input: {code: \"APQ\", name: \"by hash\"}) { aspect { id } } }";
    let hash: String = Sha256::digest(mutation.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let first: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(app.bureau())
        .json(&json!({ "query": mutation, "extensions": serde_json::from_str::<Value>(&extensions).unwrap() }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(first["data"]["createAspect"]["aspect"]["id"].is_string(), "{first}");
    app.services.create_aspect(&bureau_principal(), "OTHER", "o").await.unwrap();
    let over_get = app
        .client
        .get(format!("{}/graphql", app.address))
        .bearer_auth(app.bureau())
        .query(&[("extensions", extensions.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(over_get.status(), 405, "as the mutation's text would");
    assert_eq!(over_get.headers()["allow"], "POST");
    let over_get: Value = over_get.json().await.unwrap();
    assert_eq!(over_get["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{over_get}");
    let aspects = app.services.list_aspects(&bureau_principal()).await.unwrap();
    assert_eq!(aspects.len(), 2, "the hash over GET wrote nothing");

    let anonymous = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "extensions": serde_json::from_str::<Value>(&extensions).unwrap() }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
