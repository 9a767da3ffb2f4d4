//! The one-vote-veto assessment through the API, computed from a history the test writes
//! with its own dates (2025, so that every period here has ended).

use entity::enums::{AccountabilityMeasure, IssueAction, IssueStatus, Role, Severity};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::written_history::{Step, row_id, write_case, write_issue};

/// H-1: led by WATER (HOUSING cooperating), deadline 15 March; a failed acceptance in March,
/// accepted late in April, closed, then relapsed in June.
async fn write_history(app: &TestApp, county: &County) {
    let (water, housing) = (row_id(&county.water), row_id(&county.housing));
    let coop: &'static str = Box::leak(housing.to_string().into_boxed_str());
    let s = |action, to, on, lead: bool| Step {
        action,
        to,
        on,
        lead: lead.then_some(water),
        cooperating: if lead { coop } else { "" },
    };
    use IssueAction as A;
    use IssueStatus as S;
    write_issue(
        app,
        county,
        "H-1",
        Severity::General,
        "2025-03-15",
        &[
            s(A::Registered, S::Reported, "2025-01-05", false),
            s(A::Assigned, S::Assigned, "2025-01-10", true),
            s(A::RectificationStarted, S::InProgress, "2025-01-20", true),
            s(A::AcceptanceRequested, S::AwaitingAcceptance, "2025-03-18", true),
            s(A::Rejected, S::InProgress, "2025-03-20", true),
            s(A::AcceptanceRequested, S::AwaitingAcceptance, "2025-04-05", true),
            s(A::Accepted, S::Accepted, "2025-04-10", true),
            s(A::Closed, S::Closed, "2025-04-20", true),
            s(A::Reopened, S::InProgress, "2025-06-10", true),
        ],
    )
    .await;
    write_case(app, "ACC-2025-0001", water, "2025-02-01", &[AccountabilityMeasure::CirculatedCriticism]).await;
}

const PERIOD: &str = "assessmentPeriod { id status version rules { overdueAsLead } results { department { code } score vetoed grade rank items { kind points rule reason issue { code } case { code } } } }";

async fn period(app: &TestApp, name: &str, starts: &str, ends: &str) -> String {
    let reply = app
        .mutate(
            &app.bureau(),
            "createAssessmentPeriod",
            json!({ "name": name, "startsOn": starts, "endsOn": ends }),
            "assessmentPeriod { id }",
        )
        .await
        .ok();
    reply.data("createAssessmentPeriod.assessmentPeriod.id").as_str().unwrap().to_owned()
}

async fn compute(app: &TestApp, period: &str) -> Value {
    let reply = app.mutate(&app.bureau(), "computeAssessment", json!({ "periodId": period }), PERIOD).await.ok();
    reply.data("computeAssessment.assessmentPeriod.results").clone()
}

fn result<'a>(results: &'a Value, code: &str) -> &'a Value {
    results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"]["code"] == code)
        .unwrap_or_else(|| panic!("no result for {code}"))
}

fn rules_of(result: &Value) -> Vec<String> {
    result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!("{} {} {}", i["kind"].as_str().unwrap(), i["rule"].as_str().unwrap(), i["points"].as_str().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn the_assessment_reads_history_so_a_late_fix_does_not_erase_an_overdue() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_history(&app, &county).await;

    let q1 = period(&app, "2025 Q1", "2025-01-01", "2025-03-31").await;
    let results = compute(&app, &q1).await;
    let water = result(&results, "WATER");
    assert_eq!(
        (water["score"].as_str(), water["grade"].as_str(), water["vetoed"].as_bool()),
        (Some("89.00"), Some("GOOD"), Some(false))
    );
    assert_eq!(
        rules_of(water),
        ["DEDUCTION OVERDUE_AS_LEAD 5.00", "DEDUCTION FAILED_ACCEPTANCE 1.00", "DEDUCTION CASE_MEASURE 5.00"]
    );
    assert_eq!(water["items"][0]["issue"]["code"], "H-1");
    assert_eq!(water["items"][2]["case"]["code"], "ACC-2025-0001");
    assert!(water["items"][0]["reason"].as_str().unwrap().contains("2025-03-31"), "{}", water["items"][0]["reason"]);
    let housing = result(&results, "HOUSING");
    assert_eq!((housing["score"].as_str(), housing["grade"].as_str()), (Some("98.00"), Some("EXCELLENT")));
    assert_eq!(result(&results, "AGRI")["score"], "100.00");
    assert_eq!(results[0]["rank"], 1);

    // Until 5 June the issue was closed: no overdue, and the relapse of 10 June is outside.
    let before_relapse = period(&app, "Before the relapse", "2025-04-01", "2025-06-05").await;
    let results = compute(&app, &before_relapse).await;
    assert_eq!(rules_of(result(&results, "WATER")), Vec::<String>::new());

    let q2 = period(&app, "2025 Q2", "2025-04-01", "2025-06-30").await;
    let results = compute(&app, &q2).await;
    let water = result(&results, "WATER");
    assert_eq!(
        (water["score"].as_str(), water["grade"].as_str(), water["vetoed"].as_bool()),
        (Some("90.00"), Some("FAIL"), Some(true))
    );
    assert_eq!(rules_of(water), ["DEDUCTION OVERDUE_AS_LEAD 5.00", "DEDUCTION RELAPSE 5.00", "VETO RELAPSE_VETO 0.00"]);
    let last = results.as_array().unwrap().last().unwrap();
    assert_eq!(last["department"]["code"], "WATER", "a vetoed department ranks last");
}

#[tokio::test]
async fn computing_is_repeatable_new_facts_change_an_open_period_and_finalizing_freezes_it() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_history(&app, &county).await;
    let q1 = period(&app, "2025 Q1", "2025-01-01", "2025-03-31").await;
    let first = compute(&app, &q1).await;
    let second = compute(&app, &q1).await;
    assert_eq!(first.to_string(), second.to_string(), "the same facts give the same results, byte for byte");

    write_case(
        &app,
        "ACC-2025-0002",
        row_id(&county.agri),
        "2025-03-01",
        &[AccountabilityMeasure::DisciplinarySanction],
    )
    .await;
    let changed = compute(&app, &q1).await;
    let agri = result(&changed, "AGRI");
    assert_eq!((agri["vetoed"].as_bool(), agri["grade"].as_str()), (Some(true), Some("FAIL")));
    assert_eq!(rules_of(agri), ["VETO HEAVY_SANCTION 0.00"]);

    let bureau = app.bureau();
    let vetoed = app
        .mutate(
            &bureau,
            "vetoDepartment",
            json!({ "periodId": q1, "departmentId": county.township, "reason": "Falsified monitoring data" }),
            PERIOD,
        )
        .await
        .ok();
    let township = result(vetoed.data("vetoDepartment.assessmentPeriod.results"), "T-EAST");
    assert_eq!(township["grade"], "FAIL");
    assert!(township["items"][0]["reason"].as_str().unwrap().contains("Falsified monitoring data"));

    let finalized = app.mutate(&bureau, "finalizeAssessmentPeriod", json!({ "periodId": q1 }), PERIOD).await.ok();
    assert_eq!(finalized.data("finalizeAssessmentPeriod.assessmentPeriod.status"), "FINALIZED");
    let frozen = finalized.data("finalizeAssessmentPeriod.assessmentPeriod.results").to_string();
    write_case(
        &app,
        "ACC-2025-0003",
        row_id(&county.housing),
        "2025-03-02",
        &[AccountabilityMeasure::JudicialReferral],
    )
    .await;
    for (mutation, input) in [
        ("computeAssessment", json!({ "periodId": q1 })),
        ("finalizeAssessmentPeriod", json!({ "periodId": q1 })),
        ("vetoDepartment", json!({ "periodId": q1, "departmentId": county.water, "reason": "late" })),
        ("updateScoringRules", json!({ "periodId": q1, "expectedVersion": 1, "rules": {} })),
    ] {
        let reply = app.mutate(&bureau, mutation, input, "assessmentPeriod { id }").await;
        assert_eq!(reply.code(), "INVALID_TRANSITION", "{mutation} on a finalized period");
    }
    let read = app.gql(Some(&bureau), "query($id: ID!) { node(id: $id) { ... on AssessmentPeriod { results { department { code } score vetoed grade rank items { kind points rule reason issue { code } case { code } } } } } }", json!({ "id": q1 })).await.ok();
    assert_eq!(read.data("node.results").to_string(), frozen, "nothing about a finalized period changes");
}

#[tokio::test]
async fn rules_are_validated_versioned_and_applied() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_history(&app, &county).await;
    let bureau = app.bureau();
    let bad = app
        .mutate(&bureau, "createAssessmentPeriod", json!({ "name": "x", "startsOn": "2025-01-01", "endsOn": "2025-12-31", "rules": { "passFrom": "80", "goodFrom": "70" } }), "assessmentPeriod { id }")
        .await;
    assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "input.rules.excellentFrom"));
    let q2 = period(&app, "2025 Q2", "2025-04-01", "2025-06-30").await;
    compute(&app, &q2).await;
    let negative = app
        .mutate(
            &bureau,
            "updateScoringRules",
            json!({ "periodId": q2, "expectedVersion": 1, "rules": { "relapse": "-1" } }),
            PERIOD,
        )
        .await;
    assert_eq!((negative.code(), negative.field()), ("BAD_USER_INPUT", "input.rules.relapse"));
    let updated = app
        .mutate(&bureau, "updateScoringRules", json!({ "periodId": q2, "expectedVersion": 1, "rules": { "overdueAsLead": "10.00", "vetoRelapse": false } }), PERIOD)
        .await
        .ok();
    let period = updated.data("updateScoringRules.assessmentPeriod");
    assert_eq!(period["version"], 2);
    assert_eq!(period["rules"]["overdueAsLead"], "10.00");
    let water = result(&period["results"], "WATER");
    assert_eq!(
        (water["score"].as_str(), water["vetoed"].as_bool()),
        (Some("85.00"), Some(false)),
        "results follow the new rules"
    );
    let stale = app
        .mutate(&bureau, "updateScoringRules", json!({ "periodId": q2, "expectedVersion": 1, "rules": {} }), PERIOD)
        .await;
    assert_eq!(stale.code(), "CONFLICT");
}

#[tokio::test]
async fn a_department_reads_its_own_result_and_only_the_bureau_runs_the_assessment() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    write_history(&app, &county).await;
    let q1 = period(&app, "2025 Q1", "2025-01-01", "2025-03-31").await;
    compute(&app, &q1).await;
    let query = "query($id: ID!) { node(id: $id) { ... on AssessmentPeriod { results { department { code } } } } }";
    let token = |role: Role| match role {
        Role::Department => app.department("WATER"),
        other => app.token(other, "someone", None),
    };
    for (role, count) in [
        (Role::Admin, 5),
        (Role::Bureau, 5),
        (Role::Leader, 5),
        (Role::Department, 1),
        (Role::Inspector, 0),
        (Role::Superior, 5),
    ] {
        let reply = app.gql(Some(&token(role)), query, json!({ "id": q1 })).await.ok();
        let results = reply.data("node.results").as_array().unwrap().clone();
        assert_eq!(results.len(), count, "{role:?}");
        if role == Role::Department {
            assert_eq!(results[0]["department"]["code"], "WATER");
        }
        if role != Role::Bureau {
            for (mutation, input) in [
                ("computeAssessment", json!({ "periodId": q1 })),
                ("createAssessmentPeriod", json!({ "name": "x", "startsOn": "2025-01-01", "endsOn": "2025-01-31" })),
                ("vetoDepartment", json!({ "periodId": q1, "departmentId": county.water, "reason": "r" })),
                ("finalizeAssessmentPeriod", json!({ "periodId": q1 })),
            ] {
                let reply = app.mutate(&token(role), mutation, input, "assessmentPeriod { id }").await;
                assert_eq!(reply.code(), "FORBIDDEN", "{role:?} {mutation}");
            }
        }
    }
}

#[tokio::test]
async fn computing_takes_as_many_statements_for_1000_issues_as_for_10() {
    // The reference tables stay in the process's copy for the whole test: on a loaded machine
    // the writes take longer than the default time to live, and a re-read would be counted.
    let app = spawn_app_with(|s| s.reference_cache_secs = 3600).await;
    let county = seed_county(&app).await;
    let water = row_id(&county.water);
    let q1 = period(&app, "2025 Q1", "2025-01-01", "2025-03-31").await;
    let mut counts = Vec::new();
    let mut written = 0;
    for total in [10, 1000] {
        while written < total {
            let steps = [
                Step {
                    action: IssueAction::Registered,
                    to: IssueStatus::Reported,
                    on: "2025-01-02",
                    lead: None,
                    cooperating: "",
                },
                Step {
                    action: IssueAction::Assigned,
                    to: IssueStatus::Assigned,
                    on: "2025-01-03",
                    lead: Some(water),
                    cooperating: "",
                },
            ];
            write_issue(&app, &county, &format!("N-{written:04}"), Severity::General, "2025-02-01", &steps).await;
            written += 1;
        }
        // The reference tables in the process's copy, as in a running server.
        app.services.reference_tables().await.expect("the reference tables");
        let before = app.statements();
        compute(&app, &q1).await;
        counts.push(app.statements() - before);
        let reply = app.gql(Some(&app.bureau()), "query($id: ID!) { node(id: $id) { ... on AssessmentPeriod { results { department { code } score } } } }", json!({ "id": q1 })).await.ok();
        let water_score = result(reply.data("node.results"), "WATER")["score"].clone();
        let expected = if total == 10 { "50.00" } else { "0.00" };
        assert_eq!(water_score, expected, "{total} issues overdue as lead, 5 points each, floored at 0");
    }
    println!("statements for one computeAssessment request: 10 issues = {}, 1000 issues = {}", counts[0], counts[1]);
    assert_eq!(counts[0], counts[1]);
}

#[tokio::test]
async fn a_running_period_cannot_be_finalized() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let running = period(&app, "This year", &county_date(-30), &county_date(30)).await;
    let reply = app
        .mutate(&app.bureau(), "finalizeAssessmentPeriod", json!({ "periodId": running }), "assessmentPeriod { id }")
        .await;
    assert_eq!(reply.code(), "INVALID_TRANSITION");
}

/// An item that comes from a case names the case, the official and the measure. A viewer who
/// may not read the case (an administrator) sees the item's kind, points and rule, so that the
/// score still adds up, but none of those details and no link to the case; those who may read
/// it (the bureau, the case's own department) see them.
#[tokio::test]
async fn case_items_show_their_details_only_to_those_who_may_read_the_case() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let measures = [AccountabilityMeasure::Admonition, AccountabilityMeasure::DisciplinarySanction];
    write_case(&app, "ACC-2025-0009", row_id(&county.water), "2025-02-01", &measures).await;
    let q1 = period(&app, "2025 Q1", "2025-01-01", "2025-03-31").await;
    compute(&app, &q1).await;
    let query = "query($id: ID!) { node(id: $id) { ... on AssessmentPeriod { results {
        department { code } score vetoed grade items { kind points rule reason issue { code } case { code officialName } } } } } }";
    let water_result = |token: String| {
        let app = &app;
        let q1 = q1.clone();
        async move {
            let reply = app.gql(Some(&token), query, json!({ "id": q1 })).await.ok();
            result(reply.data("node.results"), "WATER").clone()
        }
    };
    let reasons = |result: &Value| -> String {
        result["items"].as_array().unwrap().iter().map(|i| i["reason"].as_str().unwrap()).collect::<Vec<_>>().join(" ")
    };
    let details = ["Zhao", "ACC-2025-0009", "ADMONITION", "DISCIPLINARY_SANCTION"];

    let bureau = water_result(app.bureau()).await;
    let kinds: Vec<String> = rules_of(&bureau).iter().map(|r| r.rsplit_once(' ').unwrap().0.to_owned()).collect();
    assert_eq!(kinds, ["DEDUCTION CASE_MEASURE", "VETO HEAVY_SANCTION"]);
    for reader in [&bureau, &water_result(app.department("WATER")).await] {
        for item in reader["items"].as_array().unwrap() {
            assert_eq!(item["case"]["code"], "ACC-2025-0009");
            assert_eq!(item["case"]["officialName"], "Zhao");
        }
        assert!(details.iter().all(|d| reasons(reader).contains(d)), "{}", reasons(reader));
    }

    let admin = water_result(app.token(Role::Admin, "admin", None)).await;
    assert_eq!(rules_of(&admin), rules_of(&bureau));
    for field in ["score", "vetoed", "grade"] {
        assert_eq!(admin[field], bureau[field], "{field}");
    }
    for item in admin["items"].as_array().unwrap() {
        assert_eq!(item["case"], Value::Null);
        assert_eq!(item["issue"], Value::Null);
        assert!(!item["reason"].as_str().unwrap().is_empty());
    }
    assert!(details.iter().all(|d| !reasons(&admin).contains(d)), "{}", reasons(&admin));
}
