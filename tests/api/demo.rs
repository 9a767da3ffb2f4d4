//! The demo county: every status, some overdue, some supervised, with their history.

use std::collections::BTreeMap;

use chrono::Datelike;

use entity::enums::Role;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_demo_county_has_issues_in_every_status_with_their_events() {
    let app = spawn_app().await;
    app.services.seed_demo().await.expect("seeding");
    let token = app.token(Role::Superior, "province", None);
    let reply = app
        .gql(Some(&token), "{ departments(first: 100) { nodes { kind } } inspectionRounds { totalCount } aspects { categories { code } } issues(first: 100) { totalCount nodes { status overdue supervision { level } reopenCount events { totalCount } } } }", json!({}))
        .await
        .ok();
    let kinds: Vec<&str> =
        reply.data("departments.nodes").as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "BUREAU").count(), 1);
    assert!(kinds.iter().filter(|k| **k == "FUNCTIONAL").count() >= 6);
    assert!(kinds.iter().filter(|k| **k == "TOWNSHIP").count() >= 3);
    assert_eq!(reply.data("inspectionRounds.totalCount"), 1);
    assert_eq!(reply.data("issues.totalCount"), 40);
    let issues = reply.data("issues.nodes").as_array().unwrap();
    let mut by_status = BTreeMap::new();
    for issue in issues {
        *by_status.entry(issue["status"].as_str().unwrap()).or_insert(0) += 1;
        assert!(issue["events"]["totalCount"].as_u64().unwrap() >= 1);
    }
    for status in ["REPORTED", "ASSIGNED", "IN_PROGRESS", "AWAITING_ACCEPTANCE", "ACCEPTED", "CLOSED"] {
        assert!(by_status.contains_key(status), "no demo issue is {status}: {by_status:?}");
    }
    assert!(issues.iter().any(|i| i["overdue"] == true));
    assert!(issues.iter().any(|i| !i["supervision"].is_null()));
    assert!(issues.iter().any(|i| i["reopenCount"] == 1));
    assert!(app.services.seed_demo().await.is_err(), "the demo goes only into an empty database");

    let reply = app
        .gql(
            Some(&token),
            "{ enterprises { nodes { repeatOffender } } accountabilityCases(first: 100) { nodes { status subjectType } }
               assessmentPeriods { nodes { status results { vetoed grade items { kind rule } } } } }",
            json!({}),
        )
        .await
        .ok();
    let offenders =
        reply.data("enterprises.nodes").as_array().unwrap().iter().filter(|e| e["repeatOffender"] == true).count();
    assert_eq!(offenders, 1, "one repeat offender");
    let cases = reply.data("accountabilityCases.nodes").as_array().unwrap();
    for status in ["OPEN", "INVESTIGATING", "DECIDED", "CLOSED", "DISMISSED"] {
        assert!(cases.iter().any(|c| c["status"] == status), "no demo case is {status}");
    }
    for subject in ["DEPARTMENT", "OFFICIAL", "ENTERPRISE"] {
        assert!(cases.iter().any(|c| c["subjectType"] == subject), "no demo case against a {subject}");
    }
    let period = &reply.data("assessmentPeriods.nodes")[0];
    assert_eq!(period["status"], "OPEN");
    let results = period["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["vetoed"] == true && r["grade"] == "FAIL"), "the demo year has a veto");
}

#[tokio::test]
async fn the_demo_leader_finds_their_issues_and_their_instruction() {
    let app = spawn_app().await;
    app.services.seed_demo().await.expect("seeding");
    let leader = app.token(Role::Leader, rectify::service::demo::DEMO_LEADER, None);
    let mine = "{ viewer { userId } }";
    let user_id = app.gql(Some(&leader), mine, json!({})).await.ok().data("viewer.userId").clone();
    let query = "query($l: ID) { issues(first: 100, filter: {leaderId: $l}) { totalCount }
                   instructions { nodes { status issuedBy issue { leaderInCharge { username } } } } }";
    let reply = app.gql(Some(&leader), query, json!({ "l": user_id })).await.ok();
    assert!(reply.data("issues.totalCount").as_u64().unwrap() >= 10, "{}", reply.body);
    let instruction = &reply.data("instructions.nodes")[0];
    assert_eq!(instruction["status"], "OPEN");
    assert_eq!(instruction["issuedBy"], rectify::service::demo::DEMO_LEADER);
    assert_eq!(instruction["issue"]["leaderInCharge"]["username"], rectify::service::demo::DEMO_LEADER);
}

#[tokio::test]
async fn the_demo_has_a_dispute_an_objection_and_a_look_back_campaign() {
    let app = spawn_app().await;
    app.services.seed_demo().await.expect("seeding");
    let leader = app.token(Role::Leader, rectify::service::demo::DEMO_LEADER, None);
    let query =
        "{ assignmentDisputes(filter: {status: OPEN}) { nodes { department { code } proposedLeadDepartment { code } } }
                   noticeObjections(filter: {status: OPEN}) { nodes { issue { status } } }
                   lookBackCampaigns { nodes { taskCount answered } }
                   projectApplications { nodes { status gate { blocked findings { rule } } citedInstruction { issuedBy } } } }";
    let reply = app.gql(Some(&leader), query, json!({})).await.ok();
    assert_eq!(
        reply.data("assignmentDisputes.nodes"),
        &json!([{ "department": { "code": "HOUSING" }, "proposedLeadDepartment": { "code": "AGRI" } }])
    );
    assert_eq!(reply.data("noticeObjections.nodes"), &json!([{ "issue": { "status": "ACCEPTED" } }]));
    assert_eq!(reply.data("lookBackCampaigns.nodes"), &json!([{ "taskCount": 4, "answered": 0 }]));
    // The gate: the repeat offender refused while blocked; one approved on the leader's word.
    let projects = reply.data("projectApplications.nodes").as_array().unwrap();
    let statuses: Vec<&str> = projects.iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["PENDING", "APPROVED", "REFUSED"]);
    let refused_rules = &projects[2]["gate"]["findings"];
    assert_eq!(refused_rules[0], json!({ "rule": "REPEAT_OFFENDER" }), "{refused_rules}");
    assert_eq!(projects[1]["citedInstruction"]["issuedBy"], "county-leader");
}

#[tokio::test]
async fn the_demo_has_last_month_s_sealed_report_and_its_proof_verifies_offline() {
    let app = spawn_app().await;
    app.services.seed_demo().await.expect("seeding");
    let superior = app.token(Role::Superior, "province", None);
    let query = "{ monthlyReports { nodes { id month historyLeafCount signature signingKey } }
                   issues(first: 100, filter: {status: CLOSED}) { nodes { id code events(first: 1) { nodes { at } } } } }";
    let reply = app.gql(Some(&superior), query, json!({})).await.ok();
    let report = reply.data("monthlyReports.nodes")[0].clone();
    let last_month =
        (app.services.clock.today().with_day(1).unwrap() - chrono::Duration::days(1)).format("%Y-%m").to_string();
    assert_eq!(report["month"], last_month);
    assert_eq!(report["historyLeafCount"], 2, "two closed issues were written last month: {report}");
    assert!(report["signature"].is_string());
    let closed = reply.data("issues.nodes").as_array().unwrap();
    let registered_last_month =
        |i: &&serde_json::Value| i["events"]["nodes"][0]["at"].as_str().unwrap().starts_with(&last_month);
    let sealed: Vec<_> = closed.iter().filter(registered_last_month).collect();
    assert_eq!(sealed.len(), 2, "{closed:?}");
    let sealed = sealed[0];

    let query = "query($i: ID!, $r: ID!) { historyProof(issueId: $i, monthlyReportId: $r) { document } }";
    let proof = app.gql(Some(&superior), query, json!({ "i": sealed["id"], "r": report["id"] })).await.ok();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proof.json");
    std::fs::write(&file, proof.data("historyProof.document").as_str().unwrap()).unwrap();
    let key = report["signingKey"].as_str().unwrap();
    let offline = rectify_cli(&app, &["verify", "--proof", file.to_str().unwrap(), "--public-key", key]);
    assert!(offline.status.success(), "{}", String::from_utf8_lossy(&offline.stderr));
}
