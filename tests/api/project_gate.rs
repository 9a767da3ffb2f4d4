//! The new-project gate (严防增量, 区域限批): applications read the ledger, a blocked one is
//! approved only on a leader's instruction, and every step is in the application's history.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn enterprise(app: &TestApp, county: &County, name: &str, code: &str) -> String {
    let input = json!({ "name": name, "creditCode": code, "townshipId": county.township, "industry": "chemicals" });
    let reply = app.mutate(&app.bureau(), "registerEnterprise", input, "enterprise { id }").await.ok();
    reply.data("registerEnterprise.enterprise.id").as_str().unwrap().to_owned()
}

const APPLICATION: &str = "application { id status investment township { code } enterprise { name } gate { blocked findings { rule description issueIds caseIds issues { code } cases { code } } } gateAtDecision { blocked findings { rule } } decisionNote citedInstruction { text issuedBy } history { action actor gateBlocked note } }";

async fn apply(app: &TestApp, token: &str, county: &County, enterprise: &str, name: &str) -> Reply {
    let input = json!({ "name": name, "enterpriseId": enterprise, "townshipId": county.township, "industry": "chemicals",
                        "investment": "12000000.00", "description": "A new reactor line." });
    app.mutate(token, "registerProjectApplication", input, APPLICATION).await
}

async fn decide(app: &TestApp, token: &str, application: &str, decision: &str, instruction: Option<&str>) -> Reply {
    let input = json!({ "applicationId": application, "decision": decision, "note": "Decided in the office meeting.",
                        "instructionId": instruction });
    app.mutate(token, "decideProjectApplication", input, APPLICATION).await
}

async fn instruct(app: &TestApp, token: &str, application: &str) -> Reply {
    let input = json!({ "applicationId": application, "text": "Approve on condition of full treatment first." });
    app.mutate(token, "postProjectInstruction", input, "instruction { id text issuedBy }").await
}

fn rules(application: &Value) -> Vec<String> {
    let findings = application["gate"]["findings"].as_array().unwrap();
    findings.iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_clean_enterprise_passes_and_an_open_issue_blocks_until_a_leader_instructs() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let leader = app.token(Role::Leader, "county-leader", None);

    // A clean enterprise: the gate is open, the bureau approves without an instruction.
    let clean = enterprise(&app, &county, "Clean Co", "91350100M000100Y43").await;
    let registered = apply(&app, &bureau, &county, &clean, "Clean line").await.ok();
    let application = registered.data("registerProjectApplication.application").clone();
    assert_eq!(
        (application["status"].clone(), application["gate"]["blocked"].clone()),
        (json!("PENDING"), json!(false))
    );
    assert_eq!(application["investment"], "12000000.00");
    let approved = decide(&app, &bureau, application["id"].as_str().unwrap(), "APPROVE", None).await.ok();
    let approved = approved.data("decideProjectApplication.application");
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(approved["gateAtDecision"]["blocked"], false);
    let history: Vec<&str> =
        approved["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(history, ["REGISTERED", "APPROVED"]);

    // An enterprise named by an issue not yet closed: OPEN_ISSUE, naming the issue.
    let polluter = enterprise(&app, &county, "Polluter Co", "12100000400000624D").await;
    let input = json!({ "code": "GATE-1", "title": "Effluent", "description": "d", "roundId": county.round,
                        "categoryId": county.category, "severity": "GENERAL", "enterpriseId": polluter });
    app.mutate(&bureau, "registerIssue", input, "issue { id }").await.ok();
    let blocked = apply(&app, &bureau, &county, &polluter, "Second reactor").await.ok();
    let blocked = blocked.data("registerProjectApplication.application").clone();
    let id = blocked["id"].as_str().unwrap().to_owned();
    assert_eq!(blocked["gate"]["blocked"], true);
    assert_eq!(rules(&blocked), ["OPEN_ISSUE"]);
    assert_eq!(blocked["gate"]["findings"][0]["issues"][0]["code"], "GATE-1");
    assert_eq!(blocked["history"][0]["gateBlocked"], true);

    // Approving it without a leader's instruction is refused and changes nothing.
    let refused = decide(&app, &bureau, &id, "APPROVE", None).await;
    assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", "input.instructionId"));
    assert!(refused.body.to_string().contains("OPEN_ISSUE"), "{}", refused.body);
    // Only a leader instructs; an instruction on another application cannot be cited.
    assert_eq!(instruct(&app, &bureau, &id).await.code(), "FORBIDDEN");
    let elsewhere = apply(&app, &bureau, &county, &polluter, "Third reactor").await.ok();
    let elsewhere = elsewhere.data("registerProjectApplication.application.id").as_str().unwrap().to_owned();
    let foreign = instruct(&app, &leader, &elsewhere).await.ok();
    let foreign = foreign.data("postProjectInstruction.instruction.id").as_str().unwrap().to_owned();
    let wrong = decide(&app, &bureau, &id, "APPROVE", Some(&foreign)).await;
    assert_eq!((wrong.code(), wrong.field()), ("BAD_USER_INPUT", "input.instructionId"));

    let posted = instruct(&app, &leader, &id).await.ok();
    assert_eq!(posted.data("postProjectInstruction.instruction.issuedBy"), "county-leader");
    let instruction = posted.data("postProjectInstruction.instruction.id").as_str().unwrap().to_owned();
    let approved = decide(&app, &bureau, &id, "APPROVE", Some(&instruction)).await.ok();
    let approved = approved.data("decideProjectApplication.application");
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(approved["gateAtDecision"]["findings"][0]["rule"], "OPEN_ISSUE");
    assert_eq!(approved["citedInstruction"]["issuedBy"], "county-leader");
    let history: Vec<&str> =
        approved["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(history, ["REGISTERED", "INSTRUCTED", "APPROVED"]);
    // Decided once; the history cannot be rewritten.
    assert_eq!(decide(&app, &bureau, &id, "REFUSE", None).await.code(), "INVALID_TRANSITION");
    assert_eq!(instruct(&app, &leader, &id).await.code(), "INVALID_TRANSITION");
    {
        use sea_orm::ConnectionTrait;
        let rewrite = app.db.conn.execute_unprepared("UPDATE project_application_event SET note = 'rewritten'").await;
        assert!(rewrite.is_err(), "project application events are append-only");
    }

    // The bureau refuses the other one; statistics count both ways through the gate.
    decide(&app, &bureau, &elsewhere, "REFUSE", None).await.ok();
    let query = "{ projectApplicationStatistics(groupBy: [STATUS]) { total approved refused decidedWhileBlocked approvedOverBlock refusalRate groups { key total } } projectApplications(filter: {status: REFUSED}) { totalCount nodes { name } } }";
    let superior = app.token(Role::Superior, "province", None);
    let stats = app.gql(Some(&superior), query, json!({})).await.ok();
    let counts = stats.data("projectApplicationStatistics");
    assert_eq!(
        (
            &counts["total"],
            &counts["approved"],
            &counts["refused"],
            &counts["decidedWhileBlocked"],
            &counts["approvedOverBlock"]
        ),
        (&json!(3), &json!(2), &json!(1), &json!(2), &json!(1))
    );
    assert!((counts["refusalRate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(counts["groups"], json!([{ "key": ["APPROVED"], "total": 2 }, { "key": ["REFUSED"], "total": 1 }]));
    assert_eq!(stats.data("projectApplications.nodes"), &json!([{ "name": "Third reactor" }]));
}

#[tokio::test]
async fn cases_repeat_offences_and_an_overdue_major_issue_in_the_township_block_the_gate() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let polluter = enterprise(&app, &county, "Polluter Co", "91350100M000100Y43").await;
    // Two decided cases make a repeat offender; a third, still open, is an open case.
    let open_case = |n: usize| {
        let input = json!({ "subjectType": "ENTERPRISE", "enterpriseId": polluter, "grounds": ["SERIOUS_VIOLATION"],
                            "description": format!("Violation {n}") });
        app.mutate(&bureau, "openAccountabilityCase", input, "accountabilityCase { id code }")
    };
    let mut codes = Vec::new();
    for n in 0..3 {
        let opened = open_case(n).await.ok();
        let case = opened.data("openAccountabilityCase.accountabilityCase").clone();
        codes.push(case["code"].as_str().unwrap().to_owned());
        if n < 2 {
            let step = json!({ "caseId": case["id"] });
            app.mutate(&bureau, "startCaseInvestigation", step, "accountabilityCase { id }").await.ok();
            let decision =
                json!({ "caseId": case["id"], "decision": "d", "measures": [{ "measure": "ORDER_TO_RECTIFY" }] });
            app.mutate(&bureau, "decideAccountabilityCase", decision, "accountabilityCase { id }").await.ok();
        }
    }
    // A MAJOR issue in the township, overdue since yesterday.
    let input = json!({ "code": "REGION-1", "title": "Dump", "description": "d", "roundId": county.round,
                        "categoryId": county.category, "severity": "MAJOR", "townshipId": county.township });
    let major = app.mutate(&bureau, "registerIssue", input, "issue { id }").await.ok();
    let major = major.data("registerIssue.issue.id").as_str().unwrap().to_owned();
    app.assign(&county, &major, &county_date(-1)).await.ok();

    let registered = apply(&app, &bureau, &county, &polluter, "Expansion").await.ok();
    let application = registered.data("registerProjectApplication.application").clone();
    assert_eq!(rules(&application), ["REPEAT_OFFENDER", "OPEN_CASE", "REGIONAL_RESTRICTION"]);
    let findings = &application["gate"]["findings"];
    let cases = |n: usize| -> Vec<&str> {
        findings[n]["cases"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect()
    };
    assert_eq!(cases(0), [codes[0].as_str(), codes[1].as_str()]);
    assert_eq!(cases(1), [codes[2].as_str()]);
    assert_eq!(findings[2]["issues"][0]["code"], "REGION-1");

    // The county may keep only some rules in force.
    let narrow = spawn_app_with(|s| s.county.gate_rules = "OPEN_ISSUE,OPEN_CASE".parse().unwrap()).await;
    let county = seed_county(&narrow).await;
    let quiet = enterprise(&narrow, &county, "Quiet Co", "91350100M000100Y43").await;
    let input = json!({ "code": "REGION-2", "title": "Dump", "description": "d", "roundId": county.round,
                        "categoryId": county.category, "severity": "MAJOR", "townshipId": county.township });
    let major = narrow.mutate(&narrow.bureau(), "registerIssue", input, "issue { id }").await.ok();
    narrow.assign(&county, major.data("registerIssue.issue.id").as_str().unwrap(), &county_date(-1)).await.ok();
    let open = apply(&narrow, &narrow.bureau(), &county, &quiet, "Line").await.ok();
    assert_eq!(open.data("registerProjectApplication.application.gate.blocked"), false);
}

#[tokio::test]
async fn the_gate_is_the_bureau_s_to_run_the_leaders_to_instruct_and_the_superiors_to_read() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let company = enterprise(&app, &county, "Co", "91350100M000100Y43").await;
    let roles = [Role::Admin, Role::Bureau, Role::Leader, Role::Department, Role::Inspector, Role::Superior];
    let token = |role: Role| match role {
        Role::Department => app.department("WATER"),
        other => app.token(other, &format!("{other:?}").to_lowercase(), None),
    };
    for role in roles {
        let registered = apply(&app, &token(role), &county, &company, "Line").await;
        let pending = apply(&app, &app.bureau(), &county, &company, "Line").await.ok();
        let id = pending.data("registerProjectApplication.application.id").as_str().unwrap().to_owned();
        let instructed = instruct(&app, &token(role), &id).await;
        let decided = decide(&app, &token(role), &id, "REFUSE", None).await;
        let read = app.gql(Some(&token(role)), "{ projectApplications { totalCount } }", json!({})).await;
        let verdicts = [&registered, &instructed, &decided, &read].map(|reply| reply.body.get("errors").is_none());
        let expected = match role {
            Role::Bureau => [true, false, true, true],
            Role::Leader => [false, true, false, true],
            Role::Superior => [false, false, false, true],
            _ => [false, false, false, false],
        };
        assert_eq!(verdicts, expected, "{role:?}");
        for (reply, allowed) in [&registered, &instructed, &decided, &read].iter().zip(expected) {
            if !allowed {
                assert_eq!(reply.code(), "FORBIDDEN", "{role:?}: {}", reply.body);
            }
        }
    }
}
