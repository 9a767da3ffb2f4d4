//! An issue from registration to closure and back, with every step recorded.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_bureau_walks_an_issue_through_its_whole_lifecycle_and_every_step_is_an_event() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let water = app.department("WATER");
    let issue = app.register(&county, "FB-001").await;

    let assigned = app.assign(&county, &issue, &county_date(30)).await.ok();
    assert_eq!(assigned.data("assignIssue.issue.status"), "ASSIGNED");
    assert_eq!(assigned.data("assignIssue.issue.leadDepartment.code"), "WATER");
    assert_eq!(assigned.data("assignIssue.issue.cooperatingDepartments.0.code"), "HOUSING");

    let reassigned = app
        .mutate(
            &bureau,
            "assignIssue",
            json!({ "issueId": issue, "leadDepartmentId": county.water, "cooperatingDepartmentIds": [county.agri],
                    "deadline": county_date(40), "leaderName": "Deputy head Lin" }),
            "issue { status cooperatingDepartments { code } }",
        )
        .await
        .ok();
    assert_eq!(reassigned.data("assignIssue.issue.status"), "ASSIGNED");
    assert_eq!(reassigned.data("assignIssue.issue.cooperatingDepartments.0.code"), "AGRI");

    let supervised = app
        .mutate(&bureau, "superviseIssue", json!({ "issueId": issue, "level": "MUNICIPAL", "deadline": county_date(20), "note": "Residents complain" }), "issue { supervision { level deadline listedBy } }")
        .await
        .ok();
    assert_eq!(supervised.data("superviseIssue.issue.supervision.level"), "MUNICIPAL");
    assert_eq!(supervised.data("superviseIssue.issue.supervision.listedBy"), "bureau-officer");
    let lifted = app
        .mutate(
            &bureau,
            "liftSupervision",
            json!({ "issueId": issue, "note": "Done" }),
            "issue { supervision { level } }",
        )
        .await
        .ok();
    assert!(lifted.data("liftSupervision.issue.supervision").is_null());

    let started = app
        .mutate(
            &water,
            "startRectification",
            json!({ "issueId": issue, "plan": "Build a sewage interceptor" }),
            "issue { status planSummary }",
        )
        .await
        .ok();
    assert_eq!(started.data("startRectification.issue.status"), "IN_PROGRESS");
    assert_eq!(started.data("startRectification.issue.planSummary"), "Build a sewage interceptor");

    let requested = app
        .mutate(
            &water,
            "requestAcceptance",
            json!({ "issueId": issue, "summary": "Interceptor built", "evidenceIds": [app.proof(&water, &issue).await] }),
            "issue { status acceptanceRequestedAt }",
        )
        .await
        .ok();
    assert_eq!(requested.data("requestAcceptance.issue.status"), "AWAITING_ACCEPTANCE");
    let asked_at = requested.data("requestAcceptance.issue.acceptanceRequestedAt").as_str().unwrap().to_owned();
    let waited = chrono::Utc::now() - chrono::DateTime::parse_from_rfc3339(&asked_at).unwrap().to_utc();
    assert!(waited.num_seconds().abs() < 60, "asked at {asked_at}");

    let rejected = app
        .mutate(
            &bureau,
            "rejectRectification",
            json!({ "issueId": issue, "reason": "Outfall still dirty" }),
            "issue { status }",
        )
        .await
        .ok();
    assert_eq!(rejected.data("rejectRectification.issue.status"), "IN_PROGRESS");

    app.mutate(
        &water,
        "requestAcceptance",
        json!({ "issueId": issue, "summary": "Outfall cleaned", "evidenceIds": [app.proof(&water, &issue).await] }),
        "issue { status }",
    )
    .await
    .ok();
    let accepted = app
        .mutate(
            &bureau,
            "acceptRectification",
            json!({ "issueId": issue, "opinion": "Checked on site", "noticeDays": 0 }),
            "issue { status noticeEndsOn acceptedAt overdue acceptanceRequestedAt }",
        )
        .await
        .ok();
    assert_eq!(accepted.data("acceptRectification.issue.status"), "ACCEPTED");
    // The second request's time, kept after the decision.
    let second = accepted.data("acceptRectification.issue.acceptanceRequestedAt").as_str().unwrap();
    assert!(second > asked_at.as_str(), "{second} after {asked_at}");
    assert_eq!(accepted.data("acceptRectification.issue.noticeEndsOn"), county_date(0).as_str());

    let closed = app
        .mutate(&bureau, "closeIssue", json!({ "issueId": issue, "note": "Struck off" }), "issue { status closedAt }")
        .await
        .ok();
    assert_eq!(closed.data("closeIssue.issue.status"), "CLOSED");
    assert!(closed.data("closeIssue.issue.closedAt").is_string());

    let reopened = app
        .mutate(
            &bureau,
            "reopenIssue",
            json!({ "issueId": issue, "reason": "Look-back found sewage again" }),
            "issue { status reopenCount closedAt }",
        )
        .await
        .ok();
    assert_eq!(reopened.data("reopenIssue.issue.status"), "IN_PROGRESS");
    assert_eq!(reopened.data("reopenIssue.issue.reopenCount"), 1);
    assert!(reopened.data("reopenIssue.issue.closedAt").is_null());

    let history = app
        .gql(Some(&bureau), "query($id: ID!) { issue(id: $id) { version events(first: 100) { totalCount nodes { action fromStatus toStatus actor actorRole note } } } }", json!({ "id": issue }))
        .await
        .ok();
    let events = history.data("issue.events.nodes").as_array().unwrap().clone();
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "REGISTERED",
            "ASSIGNED",
            "REASSIGNED",
            "SUPERVISED",
            "SUPERVISION_LIFTED",
            "RECTIFICATION_STARTED",
            "EVIDENCE_ADDED",
            "ACCEPTANCE_REQUESTED",
            "REJECTED",
            "EVIDENCE_ADDED",
            "ACCEPTANCE_REQUESTED",
            "ACCEPTED",
            "CLOSED",
            "REOPENED"
        ]
    );
    assert_eq!(history.data("issue.events.totalCount"), 14);
    // Each change bumped the version once; registration made version 1.
    assert_eq!(history.data("issue.version"), 14);
    assert_eq!(events[5]["actor"], "water-officer");
    assert_eq!(events[5]["actorRole"], "DEPARTMENT");
    assert_eq!(events[6]["note"], "PHOTO_AFTER: after.png");
    assert_eq!(events[12]["fromStatus"], "ACCEPTED");
    assert_eq!(events[12]["toStatus"], "CLOSED");
    assert_eq!(events[13]["note"], "Look-back found sewage again");
    assert!(events[0]["fromStatus"].is_null());
}

#[tokio::test]
async fn steps_out_of_order_are_invalid_transitions_and_change_nothing() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (bureau, water) = (app.bureau(), app.department("WATER"));
    let issue = app.register(&county, "FB-002").await;
    let before = app.statements();

    let cases = [
        (&water, "startRectification", json!({ "issueId": issue, "plan": "p" })),
        (&bureau, "acceptRectification", json!({ "issueId": issue, "opinion": "ok" })),
        (&bureau, "rejectRectification", json!({ "issueId": issue, "reason": "r" })),
        (&bureau, "closeIssue", json!({ "issueId": issue })),
        (&bureau, "reopenIssue", json!({ "issueId": issue, "reason": "r" })),
        (&bureau, "liftSupervision", json!({ "issueId": issue })),
    ];
    for (token, mutation, input) in cases {
        let reply = app.mutate(token, mutation, input, "issue { status }").await;
        // A department cannot even see an unassigned issue; everyone else hits the state check.
        let expected = if mutation == "startRectification" { "NOT_FOUND" } else { "INVALID_TRANSITION" };
        assert_eq!(reply.code(), expected, "{mutation}: {}", reply.body);
    }
    assert!(app.statements() > before);
    app.assign(&county, &issue, &county_date(10)).await.ok();
    let proof = app.proof(&water, &issue).await;
    let early = app
        .mutate(
            &water,
            "requestAcceptance",
            json!({ "issueId": issue, "summary": "s", "evidenceIds": [proof] }),
            "issue { status }",
        )
        .await;
    assert_eq!(early.code(), "INVALID_TRANSITION");
    let events = app
        .gql(
            Some(&bureau),
            "query($id: ID!) { issue(id: $id) { status events { totalCount } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(events.data("issue.status"), "ASSIGNED");
    // Registered, assigned, and the proof's upload; the refused request wrote nothing.
    assert_eq!(events.data("issue.events.totalCount"), 3);
}

#[tokio::test]
async fn an_accepted_issue_cannot_be_closed_before_its_public_notice_ends() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (bureau, water) = (app.bureau(), app.department("WATER"));
    let issue = app.register(&county, "FB-003").await;
    app.assign(&county, &issue, &county_date(10)).await.ok();
    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let proof = app.proof(&water, &issue).await;
    app.mutate(
        &water,
        "requestAcceptance",
        json!({ "issueId": issue, "summary": "s", "evidenceIds": [proof] }),
        "issue { id }",
    )
    .await
    .ok();
    let accepted = app
        .mutate(&bureau, "acceptRectification", json!({ "issueId": issue, "opinion": "ok" }), "issue { noticeEndsOn }")
        .await
        .ok();
    assert_eq!(
        accepted.data("acceptRectification.issue.noticeEndsOn"),
        county_date(7).as_str(),
        "notice defaults to 7 days"
    );
    let early = app.mutate(&bureau, "closeIssue", json!({ "issueId": issue }), "issue { status }").await;
    assert_eq!(early.code(), "INVALID_TRANSITION");
    let reopened = app
        .mutate(
            &bureau,
            "reopenIssue",
            json!({ "issueId": issue, "reason": "Came back during the notice" }),
            "issue { status reopenCount noticeEndsOn }",
        )
        .await
        .ok();
    assert_eq!(reopened.data("reopenIssue.issue.status"), "IN_PROGRESS");
    assert_eq!(reopened.data("reopenIssue.issue.reopenCount"), 1);
    assert!(reopened.data("reopenIssue.issue.noticeEndsOn").is_null());
}

#[tokio::test]
async fn overdue_starts_the_day_after_the_deadline_in_the_county_time_zone() {
    // Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart: always on different dates.
    let east = spawn_app_in("Pacific/Kiritimati").await;
    let west = spawn_app_in("Pacific/Pago_Pago").await;
    let east_today = chrono::Utc::now().with_timezone(&chrono_tz::Pacific::Kiritimati).date_naive();
    let yesterday_east = (east_today - chrono::Duration::days(1)).to_string();
    for (app, expected) in [(&east, true), (&west, false)] {
        let county = seed_county(app).await;
        let late = app.register(&county, "LATE").await;
        let due_today = app.register(&county, "TODAY").await;
        let reply = app.assign(&county, &late, &yesterday_east).await.ok();
        assert_eq!(reply.data("assignIssue.issue.overdue"), expected, "deadline {yesterday_east}");
        let today = app.services.clock.today().to_string();
        let reply = app.assign(&county, &due_today, &today).await.ok();
        assert_eq!(reply.data("assignIssue.issue.overdue"), false, "due today is not overdue yet");
        let overdue_list = app
            .gql(Some(&app.bureau()), "{ issues(filter: {overdue: true}) { nodes { code } } }", json!({}))
            .await
            .ok();
        let codes = overdue_list.data("issues.nodes").as_array().unwrap().len();
        assert_eq!(codes, usize::from(expected));
    }
}

#[tokio::test]
async fn a_plan_and_reasons_are_kept_on_their_events() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "NOTE-1").await;
    app.assign(&county, &issue, &county_date(10)).await.ok();
    app.mutate(
        &app.department("WATER"),
        "startRectification",
        json!({ "issueId": issue, "plan": "Dredge the channel by May" }),
        "issue { id }",
    )
    .await
    .ok();
    let reply = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { issue(id: $id) { events(last: 1) { nodes { action note } } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(reply.data("issue.events.nodes.0.action"), "RECTIFICATION_STARTED");
    assert_eq!(reply.data("issue.events.nodes.0.note"), "Dredge the channel by May");
}

/// A supervision listing has its own deadline, which may come before the issue's: the issue is
/// overdue from the day after it, says why, and every reading that counts overdue issues
/// agrees (the list and its filter, statistics now and as of today, the assessment's veto).
#[tokio::test]
async fn a_passed_supervision_deadline_makes_an_issue_overdue_everywhere() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let late = app.register(&county, "SUP-LATE").await;
    let due_today = app.register(&county, "SUP-TODAY").await;
    for (issue, supervision_deadline) in [(&late, county_date(-1)), (&due_today, county_date(0))] {
        app.assign(&county, issue, &county_date(30)).await.ok();
        let input = json!({ "issueId": issue, "level": "COUNTY", "deadline": supervision_deadline });
        app.mutate(&bureau, "superviseIssue", input, "issue { id }").await.ok();
    }

    let query =
        "{ issues(first: 10, orderBy: {field: CODE, direction: ASC}) { nodes { code overdue overdueDeadlines } }
                   yes: issues(filter: {overdue: true}) { nodes { code } }
                   no: issues(filter: {overdue: false}) { nodes { code } } }";
    let read = app.gql(Some(&bureau), query, json!({})).await.ok();
    assert_eq!(
        read.data("issues.nodes"),
        &json!([
            { "code": "SUP-LATE", "overdue": true, "overdueDeadlines": ["SUPERVISION_DEADLINE"] },
            { "code": "SUP-TODAY", "overdue": false, "overdueDeadlines": [] },
        ])
    );
    assert_eq!(read.data("yes.nodes"), &json!([{ "code": "SUP-LATE" }]));
    assert_eq!(read.data("no.nodes"), &json!([{ "code": "SUP-TODAY" }]));

    let statistics = "query($asOf: Date) { issueStatistics(asOf: $asOf) { total overdue } }";
    for as_of in [Value::Null, json!(county_date(0))] {
        let counted = app.gql(Some(&bureau), statistics, json!({ "asOf": as_of })).await.ok();
        assert_eq!(counted.data("issueStatistics"), &json!({ "total": 2, "overdue": 1 }), "as of {as_of}");
    }

    let period = app
        .mutate(
            &bureau,
            "createAssessmentPeriod",
            json!({ "name": "Running", "startsOn": county_date(-30), "endsOn": county_date(30) }),
            "assessmentPeriod { id }",
        )
        .await
        .ok();
    let period = period.data("createAssessmentPeriod.assessmentPeriod.id").clone();
    let computed = app
        .mutate(
            &bureau,
            "computeAssessment",
            json!({ "periodId": period }),
            "assessmentPeriod { results { department { code } vetoed items { kind rule issue { code } } } }",
        )
        .await
        .ok();
    let results = computed.data("computeAssessment.assessmentPeriod.results").as_array().unwrap();
    let water = results.iter().find(|r| r["department"]["code"] == "WATER").unwrap();
    assert_eq!(water["vetoed"], true);
    assert_eq!(
        water["items"],
        json!([
            { "kind": "DEDUCTION", "rule": "OVERDUE_AS_LEAD", "issue": { "code": "SUP-LATE" } },
            { "kind": "VETO", "rule": "MAJOR_OR_SUPERVISED_OVERDUE", "issue": { "code": "SUP-LATE" } },
        ])
    );
}
