//! The role matrix of docs/domain.md, end to end: every mutation by every role, allowed or refused.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const ROLES: [Role; 6] = [Role::Admin, Role::Bureau, Role::Leader, Role::Department, Role::Inspector, Role::Superior];

fn token_for(app: &TestApp, role: Role) -> String {
    match role {
        Role::Department => app.department("WATER"),
        other => app.token(other, &format!("{other:?}").to_lowercase(), None),
    }
}

/// Issues in the states each mutation needs, fresh per role so every attempt can succeed.
async fn issue_in(app: &TestApp, county: &County, code: &str, stage: &str) -> String {
    let issue = app.register(county, code).await;
    if stage == "REPORTED" {
        return issue;
    }
    app.assign(county, &issue, &county_date(30)).await.ok();
    let water = app.department("WATER");
    let bureau = app.bureau();
    if stage == "ASSIGNED" {
        return issue;
    }
    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    if stage == "IN_PROGRESS" {
        return issue;
    }
    let proof = app.proof(&water, &issue).await;
    app.mutate(
        &water,
        "requestAcceptance",
        json!({ "issueId": issue, "summary": "s", "evidenceIds": [proof] }),
        "issue { id }",
    )
    .await
    .ok();
    if stage == "AWAITING_ACCEPTANCE" {
        return issue;
    }
    app.mutate(
        &bureau,
        "acceptRectification",
        json!({ "issueId": issue, "opinion": "ok", "noticeDays": 0 }),
        "issue { id }",
    )
    .await
    .ok();
    issue
}

#[tokio::test]
async fn every_mutation_is_allowed_exactly_for_the_roles_of_the_matrix() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    // (mutation, stage the issue must be in, allowed roles, input builder, selection)
    type Input = fn(&County, &str, usize) -> Value;
    let issue_sel = "issue { id }";
    let table: Vec<(&str, &str, &[Role], Input, &str)> = vec![
        (
            "registerIssue",
            "",
            &[Role::Bureau],
            |c, _, n| json!({ "code": format!("NEW-{n}"), "title": "t", "description": "d", "roundId": c.round, "categoryId": c.category, "severity": "MAJOR" }),
            issue_sel,
        ),
        (
            "assignIssue",
            "REPORTED",
            &[Role::Bureau],
            |c, i, _| json!({ "issueId": i, "leadDepartmentId": c.water, "deadline": "2030-01-01", "leaderName": "L" }),
            issue_sel,
        ),
        (
            "updateIssue",
            "REPORTED",
            &[Role::Bureau],
            |_, i, _| json!({ "issueId": i, "expectedVersion": 1, "title": "New title" }),
            issue_sel,
        ),
        (
            "superviseIssue",
            "REPORTED",
            &[Role::Bureau],
            |_, i, _| json!({ "issueId": i, "level": "COUNTY", "deadline": "2030-01-01" }),
            issue_sel,
        ),
        (
            "startRectification",
            "ASSIGNED",
            &[Role::Department],
            |_, i, _| json!({ "issueId": i, "plan": "p" }),
            issue_sel,
        ),
        (
            "requestAcceptance",
            "IN_PROGRESS",
            &[Role::Department],
            |_, i, _| json!({ "issueId": i, "summary": "s" }),
            issue_sel,
        ),
        (
            "acceptRectification",
            "AWAITING_ACCEPTANCE",
            &[Role::Bureau],
            |_, i, _| json!({ "issueId": i, "opinion": "ok" }),
            issue_sel,
        ),
        (
            "rejectRectification",
            "AWAITING_ACCEPTANCE",
            &[Role::Bureau],
            |_, i, _| json!({ "issueId": i, "reason": "r" }),
            issue_sel,
        ),
        ("closeIssue", "ACCEPTED", &[Role::Bureau], |_, i, _| json!({ "issueId": i }), issue_sel),
        (
            "issueReminder",
            "ASSIGNED",
            &[Role::Bureau, Role::Leader],
            |_, i, _| json!({ "issueId": i, "kind": "REMINDER", "message": "m", "replyBy": "2030-01-01" }),
            "reminders { id }",
        ),
        (
            "postInstruction",
            "ASSIGNED",
            &[Role::Leader],
            |_, i, _| json!({ "issueId": i, "text": "t", "replyBy": "2030-01-01" }),
            "instruction { id }",
        ),
        (
            "disputeAssignment",
            "ASSIGNED",
            &[Role::Department],
            |_, i, _| json!({ "issueId": i, "reason": "not ours" }),
            "dispute { id }",
        ),
        ("reopenIssue", "ACCEPTED", &[Role::Bureau], |_, i, _| json!({ "issueId": i, "reason": "r" }), issue_sel),
        (
            "createDepartment",
            "",
            &[Role::Admin, Role::Bureau],
            |_, _, n| json!({ "code": format!("D{n}"), "name": "n", "kind": "FUNCTIONAL" }),
            "department { id }",
        ),
        (
            "createInspectionRound",
            "",
            &[Role::Bureau],
            |_, _, _| json!({ "name": "r", "level": "COUNTY", "kind": "SPECIAL", "startedOn": "2026-01-01" }),
            "inspectionRound { id }",
        ),
        (
            "createAspect",
            "",
            &[Role::Bureau],
            |_, _, n| json!({ "code": format!("AS{n}"), "name": "a" }),
            "aspect { id }",
        ),
        (
            "createCategory",
            "",
            &[Role::Bureau],
            |c, _, n| json!({ "aspectId": c.aspect, "code": format!("CA{n}"), "name": "c", "dutyDepartmentId": c.water }),
            "category { id }",
        ),
        (
            "createWebhook",
            "",
            &[Role::Admin],
            |_, _, n| json!({ "url": format!("https://gateway.local/{n}"), "events": ["OVERDUE"], "secret": "a secret of enough length" }),
            "webhook { id }",
        ),
        (
            "createUser",
            "",
            &[Role::Admin],
            |_, _, n| json!({ "username": format!("user{n}"), "password": "a long enough password", "role": "LEADER" }),
            "user { id }",
        ),
    ];
    let mut n = 0;
    for (mutation, stage, allowed, input, selection) in &table {
        for role in ROLES {
            n += 1;
            let issue =
                if stage.is_empty() { String::new() } else { issue_in(&app, &county, &format!("M-{n}"), stage).await };
            let mut input = input(&county, &issue, n);
            if *mutation == "requestAcceptance" {
                // The proof must exist before the request; the lead department uploads it.
                input["evidenceIds"] = json!([app.proof(&app.department("WATER"), &issue).await]);
            }
            let reply = app.mutate(&token_for(&app, role), mutation, input, selection).await;
            if allowed.contains(&role) {
                assert!(reply.body.get("errors").is_none(), "{role:?} {mutation} should be allowed: {}", reply.body);
            } else {
                assert_eq!(reply.code(), "FORBIDDEN", "{role:?} {mutation}: {}", reply.body);
            }
        }
    }
    // updateDepartment: ADMIN and BUREAU, each with the version it read.
    for role in ROLES {
        let department =
            app.gql(Some(&app.bureau()), "{ departmentByCode(code: \"AGRI\") { id version } }", json!({})).await.ok();
        let input = json!({ "id": department.data("departmentByCode.id"), "expectedVersion": department.data("departmentByCode.version"), "headName": format!("{role:?}") });
        let reply = app.mutate(&token_for(&app, role), "updateDepartment", input, "department { headName }").await;
        if matches!(role, Role::Admin | Role::Bureau) {
            assert_eq!(reply.ok().data("updateDepartment.department.headName"), format!("{role:?}").as_str());
        } else {
            assert_eq!(reply.code(), "FORBIDDEN", "{role:?} updateDepartment");
        }
    }
    // replyToReminder and replyToInstruction: the department addressed (WATER, the lead) only.
    type Record = fn(&str) -> Value;
    let slip: Record =
        |issue| json!({ "issueId": issue, "kind": "SUPERVISION_NOTICE", "message": "m", "replyBy": "2030-01-01" });
    let instruction: Record = |issue| json!({ "issueId": issue, "text": "t", "replyBy": "2030-01-01" });
    let answered = [
        (app.bureau(), "issueReminder", slip, "reminders { id }", "issueReminder.reminders.0.id", "reminder"),
        (
            token_for(&app, Role::Leader),
            "postInstruction",
            instruction,
            "instruction { id }",
            "postInstruction.instruction.id",
            "instruction",
        ),
    ];
    for (issuer, issuing, record_input, issued_selection, issued_id, record) in answered {
        let replying = format!("replyTo{}{}", record[..1].to_uppercase(), &record[1..]);
        for role in ROLES {
            n += 1;
            let issue = issue_in(&app, &county, &format!("M-{n}"), "ASSIGNED").await;
            let issued = app.mutate(&issuer, issuing, record_input(&issue), issued_selection).await.ok();
            let input = json!({ format!("{record}Id"): issued.data(issued_id), "reply": "done" });
            let reply = app.mutate(&token_for(&app, role), &replying, input, &format!("{record} {{ status }}")).await;
            if role == Role::Department {
                assert_eq!(reply.ok().data(&format!("{replying}.{record}.status")), "ANSWERED");
            } else {
                assert_eq!(reply.code(), "FORBIDDEN", "{role:?} {replying}: {}", reply.body);
            }
        }
    }
    // ruleOnDispute: leaders only.
    for role in ROLES {
        n += 1;
        let issue = issue_in(&app, &county, &format!("M-{n}"), "ASSIGNED").await;
        let input = json!({ "issueId": issue, "reason": "not ours" });
        let raised =
            app.mutate(&token_for(&app, Role::Department), "disputeAssignment", input, "dispute { id }").await.ok();
        let input = json!({ "disputeId": raised.data("disputeAssignment.dispute.id"), "decision": "UPHOLD" });
        let reply = app.mutate(&token_for(&app, role), "ruleOnDispute", input, "dispute { status }").await;
        if role == Role::Leader {
            assert_eq!(reply.ok().data("ruleOnDispute.dispute.status"), "UPHELD");
        } else {
            assert_eq!(reply.code(), "FORBIDDEN", "{role:?} ruleOnDispute: {}", reply.body);
        }
    }
}

#[tokio::test]
async fn only_the_lead_department_works_on_an_issue_and_others_cannot_even_see_it() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = issue_in(&app, &county, "LEAD-1", "ASSIGNED").await;
    let input = json!({ "issueId": issue, "plan": "p" });
    // HOUSING cooperates: it sees the issue but may not act as lead.
    let cooperating = app.mutate(&app.department("HOUSING"), "startRectification", input.clone(), "issue { id }").await;
    assert_eq!(cooperating.code(), "FORBIDDEN");
    // AGRI has nothing to do with it: to AGRI it does not exist.
    let stranger = app.mutate(&app.department("AGRI"), "startRectification", input.clone(), "issue { id }").await;
    assert_eq!(stranger.code(), "NOT_FOUND");
    let lead = app.mutate(&app.department("WATER"), "startRectification", input, "issue { status }").await.ok();
    assert_eq!(lead.data("startRectification.issue.status"), "IN_PROGRESS");
}

#[tokio::test]
async fn every_role_reads_reference_data_and_a_superior_reads_every_issue() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    app.register(&county, "READ-1").await;
    for role in ROLES {
        let reply = app
            .gql(Some(&token_for(&app, role)), "{ viewer { role } departments { totalCount } inspectionRounds { totalCount } aspects { categories { code dutyDepartment { code } } } }", json!({}))
            .await
            .ok();
        assert_eq!(reply.data("viewer.role"), format!("{role:?}").to_uppercase().as_str());
        assert_eq!(reply.data("departments.totalCount"), 5);
        assert_eq!(reply.data("aspects.0.categories.0.dutyDepartment.code"), "WATER");
    }
    for role in [Role::Admin, Role::Bureau, Role::Leader, Role::Inspector, Role::Superior] {
        let reply = app.gql(Some(&token_for(&app, role)), "{ issues { totalCount } }", json!({})).await.ok();
        assert_eq!(reply.data("issues.totalCount"), 1, "{role:?}");
    }
}
