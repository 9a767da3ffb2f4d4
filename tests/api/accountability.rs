//! Enterprises and accountability cases through the API.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const VALID_CODE: &str = "91350100M000100Y43";

async fn enterprise(app: &TestApp, county: &County, name: &str, code: &str) -> String {
    let reply = app
        .mutate(
            &app.bureau(),
            "registerEnterprise",
            json!({ "name": name, "creditCode": code, "townshipId": county.township, "industry": "chemicals" }),
            "enterprise { id }",
        )
        .await
        .ok();
    reply.data("registerEnterprise.enterprise.id").as_str().unwrap().to_owned()
}

const CASE: &str = "accountabilityCase { id code status grounds statement decision version measures { measure amount dailyAmount startsOn } events { action fromStatus toStatus actor note } }";

async fn open(app: &TestApp, input: Value) -> Reply {
    app.mutate(&app.bureau(), "openAccountabilityCase", input, CASE).await
}

fn step(case: &str, extra: Value) -> Value {
    let mut input = json!({ "caseId": case });
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    input
}

#[tokio::test]
async fn enterprises_are_registered_with_a_verified_credit_code() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let id = enterprise(&app, &county, "Qingshui Chemicals", VALID_CODE).await;
    let input = |code: &str, township: &str| json!({ "name": "Other", "creditCode": code, "townshipId": township });
    for (code, township, field) in [
        ("91350100M000100Y44", county.township.as_str(), "input.creditCode"),
        ("91350100M000100Y4", county.township.as_str(), "input.creditCode"),
        (VALID_CODE, county.township.as_str(), "input.creditCode"),
        ("12100000400000624D", county.water.as_str(), "input.townshipId"),
    ] {
        let reply = app.mutate(&bureau, "registerEnterprise", input(code, township), "enterprise { id }").await;
        assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", field), "{code}");
    }
    let found = app.gql(Some(&app.department("WATER")), "{ enterpriseByCreditCode(creditCode: \"91350100m000100y43\") { id name township { code } repeatOffender violationCount } }", json!({})).await.ok();
    assert_eq!(found.data("enterpriseByCreditCode.id"), id.as_str());
    assert_eq!(found.data("enterpriseByCreditCode.township.code"), "T-EAST");
    assert_eq!(found.data("enterpriseByCreditCode.repeatOffender"), false);

    let issue = app
        .mutate(
            &bureau,
            "registerIssue",
            json!({ "code": "ENT-1", "title": "Effluent", "description": "d", "roundId": county.round, "categoryId": county.category, "severity": "MAJOR", "enterpriseId": id }),
            "issue { id enterprise { name } }",
        )
        .await
        .ok();
    assert_eq!(issue.data("registerIssue.issue.enterprise.name"), "Qingshui Chemicals");
    let listed = app.gql(Some(&bureau), "query($id: ID!) { node(id: $id) { ... on Enterprise { issues { code } } } issues(filter: {enterpriseId: $id}) { totalCount } }", json!({ "id": id })).await.ok();
    assert_eq!(listed.data("node.issues.0.code"), "ENT-1");
    assert_eq!(listed.data("issues.totalCount"), 1);
    let search =
        app.gql(Some(&bureau), "{ enterprises(filter: {search: \"qingshui\"}) { totalCount } }", json!({})).await.ok();
    assert_eq!(search.data("enterprises.totalCount"), 1);
}

#[tokio::test]
async fn a_case_goes_through_its_lifecycle_with_every_step_recorded() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "CASE-1").await;
    let bureau = app.bureau();
    let water = app.department("WATER");
    let opened = open(&app, json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE", "BUCK_PASSING"], "description": "Slow work", "issueIds": [issue] })).await.ok();
    let case = opened.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
    let year = county_date(0)[..4].to_owned();
    assert_eq!(opened.data("openAccountabilityCase.accountabilityCase.code"), format!("ACC-{year}-0001").as_str());
    assert_eq!(opened.data("openAccountabilityCase.accountabilityCase.status"), "OPEN");

    let early = app.mutate(&water, "fileCaseStatement", step(&case, json!({ "statement": "We objected" })), CASE).await;
    assert_eq!(early.code(), "INVALID_TRANSITION", "no statement before the investigation");
    app.mutate(&bureau, "startCaseInvestigation", step(&case, json!({ "note": "Investigating" })), CASE).await.ok();
    let by_bureau = app.mutate(&bureau, "fileCaseStatement", step(&case, json!({ "statement": "x" })), CASE).await;
    assert_eq!(by_bureau.code(), "FORBIDDEN");
    let by_stranger =
        app.mutate(&app.department("AGRI"), "fileCaseStatement", step(&case, json!({ "statement": "x" })), CASE).await;
    assert_eq!(by_stranger.code(), "NOT_FOUND", "another department cannot see the case");
    let filed = app
        .mutate(
            &water,
            "fileCaseStatement",
            step(&case, json!({ "statement": "The delay came from the township" })),
            CASE,
        )
        .await
        .ok();
    assert_eq!(filed.data("fileCaseStatement.accountabilityCase.statement"), "The delay came from the township");
    let twice = app.mutate(&water, "fileCaseStatement", step(&case, json!({ "statement": "Again" })), CASE).await;
    assert_eq!(twice.code(), "INVALID_TRANSITION", "one statement only");

    let decided = app
        .mutate(
            &bureau,
            "decideAccountabilityCase",
            step(&case, json!({ "decision": "Talk with the head", "measures": [{ "measure": "ADMONISHMENT_TALK" }] })),
            CASE,
        )
        .await
        .ok();
    assert_eq!(decided.data("decideAccountabilityCase.accountabilityCase.status"), "DECIDED");
    assert_eq!(decided.data("decideAccountabilityCase.accountabilityCase.measures.0.measure"), "ADMONISHMENT_TALK");
    let dismiss = app.mutate(&bureau, "dismissAccountabilityCase", step(&case, json!({ "reason": "r" })), CASE).await;
    assert_eq!(dismiss.code(), "INVALID_TRANSITION", "a decided case is never undone");
    let closed =
        app.mutate(&bureau, "closeAccountabilityCase", step(&case, json!({ "note": "Talk held" })), CASE).await.ok();
    let events: Vec<&str> = closed
        .data("closeAccountabilityCase.accountabilityCase.events")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["OPENED", "INVESTIGATION_STARTED", "STATEMENT_FILED", "DECIDED", "CLOSED"]);
    assert_eq!(closed.data("closeAccountabilityCase.accountabilityCase.events.2.actor"), "water-officer");
    {
        use sea_orm::ConnectionTrait;
        assert!(
            app.db.conn.execute_unprepared("UPDATE case_event SET note = 'rewritten'").await.is_err(),
            "case events are append-only"
        );
        assert!(app.db.conn.execute_unprepared("DELETE FROM case_event").await.is_err());
    }

    let second = open(&app, json!({ "subjectType": "OFFICIAL", "departmentId": county.agri, "officialName": "Zhang", "officialPosition": "Deputy head", "grounds": ["WORKAROUND"], "description": "d" })).await.ok();
    assert_eq!(second.data("openAccountabilityCase.accountabilityCase.code"), format!("ACC-{year}-0002").as_str());
    let id = second.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
    let dismissed = app
        .mutate(&bureau, "dismissAccountabilityCase", step(&id, json!({ "reason": "Not substantiated" })), CASE)
        .await
        .ok();
    assert_eq!(dismissed.data("dismissAccountabilityCase.accountabilityCase.status"), "DISMISSED");
}

#[tokio::test]
async fn measures_must_fit_the_subject_and_money_is_exact() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let polluter = enterprise(&app, &county, "Polluter", VALID_CODE).await;
    let opened = open(&app, json!({ "subjectType": "ENTERPRISE", "enterpriseId": polluter, "grounds": ["SERIOUS_VIOLATION"], "description": "Night discharge" })).await.ok();
    let case = opened.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
    app.mutate(&bureau, "startCaseInvestigation", step(&case, json!({})), CASE).await.ok();
    let decide = |measures: Value| {
        app.mutate(
            &bureau,
            "decideAccountabilityCase",
            step(&case, json!({ "decision": "d", "measures": measures })),
            CASE,
        )
    };
    for (measures, field) in [
        (json!([{ "measure": "ADMONITION" }]), "input.measures.0.measure"),
        (json!([{ "measure": "FINE" }]), "input.measures.0.amount"),
        (json!([{ "measure": "FINE", "amount": "0.00" }]), "input.measures.0.amount"),
        (json!([{ "measure": "DAILY_FINE", "dailyAmount": "1000.00" }]), "input.measures.0.startsOn"),
        (json!([{ "measure": "ORDER_TO_RECTIFY", "amount": "5.00" }]), "input.measures.0.amount"),
        (json!([]), "input.measures"),
    ] {
        let reply = decide(measures.clone()).await;
        assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", field), "{measures}");
    }
    let floaty = decide(json!([{ "measure": "FINE", "amount": "0.123" }])).await;
    assert_eq!(floaty.code(), "BAD_USER_INPUT", "at most two decimals");
    let decided = decide(json!([
        { "measure": "FINE", "amount": "50000.10" },
        { "measure": "DAILY_FINE", "dailyAmount": "10000", "startsOn": "2026-12-01" },
        { "measure": "PRODUCTION_SUSPENSION" }
    ]))
    .await
    .ok();
    let measures = decided.data("decideAccountabilityCase.accountabilityCase.measures");
    assert_eq!(measures[0]["amount"], "50000.10");
    assert_eq!(measures[1]["dailyAmount"], "10000.00");
    assert_eq!(measures[1]["startsOn"], "2026-12-01");

    let department_case = open(&app, json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["TASK_NOT_COMPLETED"], "description": "d" })).await.ok();
    let id = department_case.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
    app.mutate(&bureau, "startCaseInvestigation", step(&id, json!({})), CASE).await.ok();
    let fined = app
        .mutate(
            &bureau,
            "decideAccountabilityCase",
            step(&id, json!({ "decision": "d", "measures": [{ "measure": "FINE", "amount": "10.00" }] })),
            CASE,
        )
        .await;
    assert_eq!(
        (fined.code(), fined.field()),
        ("BAD_USER_INPUT", "input.measures.0.measure"),
        "a department cannot be fined"
    );

    for (input, field) in [
        (
            json!({ "subjectType": "OFFICIAL", "departmentId": county.water, "grounds": ["WORKAROUND"], "description": "d" }),
            "input.officialName",
        ),
        (json!({ "subjectType": "ENTERPRISE", "grounds": ["WORKAROUND"], "description": "d" }), "input.enterpriseId"),
        (
            json!({ "subjectType": "DEPARTMENT", "grounds": [], "description": "d", "departmentId": county.water }),
            "input.grounds",
        ),
        (
            json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "enterpriseId": polluter, "grounds": ["WORKAROUND"], "description": "d" }),
            "input.enterpriseId",
        ),
    ] {
        let reply = open(&app, input.clone()).await;
        assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", field), "{input}");
    }
}

#[tokio::test]
async fn a_repeat_offender_is_named_and_its_next_case_says_so() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let polluter = enterprise(&app, &county, "Polluter", VALID_CODE).await;
    enterprise(&app, &county, "Clean works", "12100000400000624D").await;
    for n in 0..2 {
        let opened = open(&app, json!({ "subjectType": "ENTERPRISE", "enterpriseId": polluter, "grounds": ["SERIOUS_VIOLATION"], "description": format!("Violation {n}") })).await.ok();
        let case = opened.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
        let grounds = opened.data("openAccountabilityCase.accountabilityCase.grounds").clone();
        assert_eq!(grounds, json!(["SERIOUS_VIOLATION"]), "not yet a repeat offender");
        app.mutate(&bureau, "startCaseInvestigation", step(&case, json!({})), CASE).await.ok();
        app.mutate(
            &bureau,
            "decideAccountabilityCase",
            step(&case, json!({ "decision": "d", "measures": [{ "measure": "ORDER_TO_RECTIFY" }] })),
            CASE,
        )
        .await
        .ok();
    }
    let listed = app.gql(Some(&bureau), "{ offenders: enterprises(filter: {repeatOffender: true}) { nodes { name violationCount repeatOffender } } others: enterprises(filter: {repeatOffender: false}) { nodes { name } } }", json!({})).await.ok();
    assert_eq!(
        listed.data("offenders.nodes"),
        &json!([{ "name": "Polluter", "violationCount": 2, "repeatOffender": true }])
    );
    assert_eq!(listed.data("others.nodes"), &json!([{ "name": "Clean works" }]));
    // The count and the flag are public registry facts, the same for every reader, even one
    // who may not read the cases they count: those stay hidden.
    for role in [Role::Admin, Role::Inspector] {
        let query = "{ enterprises(filter: {repeatOffender: true}) { nodes { name violationCount repeatOffender cases { id } } } }";
        let seen = app.gql(Some(&app.token(role, "someone", None)), query, json!({})).await.ok();
        let polluter = json!({ "name": "Polluter", "violationCount": 2, "repeatOffender": true, "cases": [] });
        assert_eq!(seen.data("enterprises.nodes"), &json!([polluter]), "{role:?}");
    }
    let third = open(&app, json!({ "subjectType": "ENTERPRISE", "enterpriseId": polluter, "grounds": ["FAKE_RECTIFICATION"], "description": "Again" })).await.ok();
    assert_eq!(
        third.data("openAccountabilityCase.accountabilityCase.grounds"),
        &json!(["FAKE_RECTIFICATION", "REPEAT_VIOLATION"])
    );
    let note = third.data("openAccountabilityCase.accountabilityCase.events.0.note").as_str().unwrap_or_default();
    assert!(note.contains("REPEAT_VIOLATION"), "the event says the ground was added: {note}");
}

#[tokio::test]
async fn only_the_bureau_acts_on_cases_and_each_role_sees_what_it_should() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let polluter = enterprise(&app, &county, "Polluter", VALID_CODE).await;
    open(&app, json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE"], "description": "d" })).await.ok();
    open(&app, json!({ "subjectType": "OFFICIAL", "departmentId": county.water, "officialName": "Li", "officialPosition": "Head", "grounds": ["WORKAROUND"], "description": "d" })).await.ok();
    open(&app, json!({ "subjectType": "DEPARTMENT", "departmentId": county.agri, "grounds": ["POOR_PERFORMANCE"], "description": "d" })).await.ok();
    open(&app, json!({ "subjectType": "ENTERPRISE", "enterpriseId": polluter, "grounds": ["SERIOUS_VIOLATION"], "description": "d" })).await.ok();
    let token = |role: Role| match role {
        Role::Department => app.department("WATER"),
        other => app.token(other, "someone", None),
    };
    let roles = [
        (Role::Admin, 0),
        (Role::Bureau, 4),
        (Role::Leader, 4),
        (Role::Department, 2),
        (Role::Inspector, 0),
        (Role::Superior, 4),
    ];
    for (role, visible) in roles {
        let reply =
            app.gql(Some(&token(role)), "{ accountabilityCases { totalCount nodes { code } } }", json!({})).await.ok();
        assert_eq!(reply.data("accountabilityCases.totalCount"), visible, "{role:?}");
        assert_eq!(reply.data("accountabilityCases.nodes").as_array().unwrap().len(), visible, "{role:?}");
    }
    for (role, _) in roles {
        let opened = open_as(&app, &token(role), json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE"], "description": "d" })).await;
        if role == Role::Bureau {
            opened.ok();
        } else {
            assert_eq!(opened.code(), "FORBIDDEN", "{role:?} opens a case");
        }
        let registered = app
            .mutate(
                &token(role),
                "registerEnterprise",
                json!({ "name": "n", "creditCode": "91110000802100433B", "townshipId": county.township }),
                "enterprise { id }",
            )
            .await;
        if role != Role::Bureau {
            assert_eq!(registered.code(), "FORBIDDEN", "{role:?} registers an enterprise");
        }
    }
    let filtered = app
        .gql(
            Some(&app.bureau()),
            "query($e: ID!) { accountabilityCases(filter: {enterpriseId: $e, status: [OPEN]}) { totalCount } }",
            json!({ "e": polluter }),
        )
        .await
        .ok();
    assert_eq!(filtered.data("accountabilityCases.totalCount"), 1);
}

async fn open_as(app: &TestApp, token: &str, input: Value) -> Reply {
    app.mutate(token, "openAccountabilityCase", input, "accountabilityCase { id }").await
}

#[tokio::test]
async fn cases_opened_at_once_get_distinct_codes_and_a_measure_is_imposed_once() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let opens = (0..4).map(|n| open(&app, json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE", "POOR_PERFORMANCE"], "description": format!("d{n}") })));
    let replies = futures_util::future::join_all(opens).await;
    let mut codes: Vec<String> = replies
        .iter()
        .map(|r| r.data("openAccountabilityCase.accountabilityCase.code").as_str().unwrap_or("error").to_owned())
        .collect();
    codes.sort();
    let year = county_date(0)[..4].to_owned();
    assert_eq!(
        codes,
        (1..=4).map(|n| format!("ACC-{year}-{n:04}")).collect::<Vec<_>>(),
        "{:?}",
        replies.iter().map(|r| r.body.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        replies[0].data("openAccountabilityCase.accountabilityCase.grounds"),
        &json!(["POOR_PERFORMANCE"]),
        "each ground once"
    );

    let case = replies[0].data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
    app.mutate(&app.bureau(), "startCaseInvestigation", step(&case, json!({})), CASE).await.ok();
    let twice = app
        .mutate(
            &app.bureau(),
            "decideAccountabilityCase",
            step(
                &case,
                json!({ "decision": "d", "measures": [{ "measure": "ADMONITION" }, { "measure": "ADMONITION" }] }),
            ),
            CASE,
        )
        .await;
    assert_eq!((twice.code(), twice.field()), ("BAD_USER_INPUT", "input.measures.1.measure"));
}
