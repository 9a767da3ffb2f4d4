//! `Issue.viewerCan` against the mutations: for every actor and every status, with and without
//! pending items (a slip, an instruction, a dispute, an extension request, a milestone, an
//! objection), each boolean is true exactly when its mutation passes its checks.

use std::collections::HashMap;

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// The boolean fields of `IssueActions`, each with the mutation it answers for.
const ACTIONS: [(&str, &str); 25] = [
    ("assign", "assignIssue"),
    ("update", "updateIssue"),
    ("supervise", "superviseIssue"),
    ("liftSupervision", "liftSupervision"),
    ("start", "startRectification"),
    ("requestAcceptance", "requestAcceptance"),
    ("accept", "acceptRectification"),
    ("reject", "rejectRectification"),
    ("close", "closeIssue"),
    ("reopen", "reopenIssue"),
    ("addMilestone", "addMilestone"),
    ("completeMilestone", "completeMilestone"),
    ("reportProgress", "submitProgressReport"),
    ("recordSiteInspection", "recordSiteInspection"),
    ("uploadEvidence", "uploadEvidence"),
    ("requestExtension", "requestDeadlineExtension"),
    ("decideExtension", "decideDeadlineExtension"),
    ("issueReminder", "issueReminder"),
    ("replyToReminder", "replyToReminder"),
    ("postInstruction", "postInstruction"),
    ("replyToInstruction", "replyToInstruction"),
    ("disputeAssignment", "disputeAssignment"),
    ("ruleOnDispute", "ruleOnDispute"),
    ("recordNoticeObjection", "recordNoticeObjection"),
    ("resolveNoticeObjection", "resolveNoticeObjection"),
];

const STATUSES: [&str; 6] = ["REPORTED", "ASSIGNED", "IN_PROGRESS", "AWAITING_ACCEPTANCE", "ACCEPTED", "CLOSED"];

/// Who tries: every role, and for departments and leaders each relation to the issue.
struct Actor {
    name: &'static str,
    token: String,
    /// The department whose slips this actor answers.
    department: Option<&'static str>,
}

fn actors(app: &TestApp) -> Vec<Actor> {
    let role = |role: Role, sub: &str| app.token(role, sub, None);
    vec![
        Actor { name: "admin", token: role(Role::Admin, "root"), department: None },
        Actor { name: "bureau", token: app.bureau(), department: None },
        Actor { name: "leader in charge", token: role(Role::Leader, "ma"), department: None },
        Actor { name: "another leader", token: role(Role::Leader, "lin"), department: None },
        Actor { name: "lead department", token: app.department("WATER"), department: Some("WATER") },
        Actor { name: "cooperating department", token: app.department("HOUSING"), department: Some("HOUSING") },
        Actor { name: "inspector", token: role(Role::Inspector, "inspector"), department: None },
        Actor { name: "superior", token: role(Role::Superior, "superior"), department: None },
    ]
}

/// An issue brought to a status, and the ids of what is pending on it.
struct World {
    issue: String,
    proof: String,
    ids: HashMap<&'static str, String>,
    slips: HashMap<String, String>,
}

/// The issue in `status`. A busy one has, from its assignment on, a leader in charge, a
/// supervision listing, a milestone, an extension request, a dispute, slips to both
/// departments and an instruction pending, and once accepted a public notice with an
/// objection; a plain one has none of these, and its acceptance is posted with no notice.
async fn world(app: &TestApp, county: &County, leader: &str, code: &str, status: &str, busy: bool) -> World {
    let bureau = app.bureau();
    let water = app.department("WATER");
    let issue = app.register(county, code).await;
    let mut world = World { issue: issue.clone(), proof: String::new(), ids: HashMap::new(), slips: HashMap::new() };
    let run = |token: &str, name: &str, input: Value, selection: &str| {
        let (token, name, selection) = (token.to_owned(), name.to_owned(), selection.to_owned());
        async move { app.mutate(&token, &name, input, &selection).await.ok() }
    };
    let reached = |step: &str| STATUSES.iter().position(|s| *s == status) >= STATUSES.iter().position(|s| *s == step);
    if reached("ASSIGNED") {
        let mut assignment = json!({ "issueId": issue, "leadDepartmentId": county.water,
            "cooperatingDepartmentIds": [county.housing], "deadline": county_date(30), "leaderName": "Deputy head" });
        if busy {
            assignment["leaderId"] = json!(leader);
        }
        run(&bureau, "assignIssue", assignment, "__typename").await;
        if busy {
            let supervision = json!({ "issueId": issue, "level": "COUNTY", "deadline": county_date(20) });
            run(&bureau, "superviseIssue", supervision, "__typename").await;
            let milestone = json!({ "issueId": issue, "title": "Dredge", "dueOn": county_date(10) });
            let reply = run(&water, "addMilestone", milestone, "milestone { id }").await;
            world.ids.insert("milestone", reply.data("addMilestone.milestone.id").as_str().unwrap().to_owned());
            let extension = json!({ "issueId": issue, "proposedDeadline": county_date(60), "reason": "rain" });
            let reply = run(&water, "requestDeadlineExtension", extension, "deadlineExtension { id }").await;
            let extension = reply.data("requestDeadlineExtension.deadlineExtension.id");
            world.ids.insert("extension", extension.as_str().unwrap().to_owned());
            let dispute = json!({ "issueId": issue, "reason": "not ours" });
            let reply = run(&water, "disputeAssignment", dispute, "dispute { id }").await;
            world.ids.insert("dispute", reply.data("disputeAssignment.dispute.id").as_str().unwrap().to_owned());
            let slip = json!({ "issueId": issue, "kind": "REMINDER", "message": "hurry",
                               "replyBy": county_date(5), "includeCooperating": true });
            let reply = run(&bureau, "issueReminder", slip, "reminders { id department { code } }").await;
            for slip in reply.data("issueReminder.reminders").as_array().unwrap() {
                let department = slip["department"]["code"].as_str().unwrap().to_owned();
                world.slips.insert(department, slip["id"].as_str().unwrap().to_owned());
            }
            let ma = app.token(Role::Leader, "ma", None);
            let instruction = json!({ "issueId": issue, "text": "report weekly", "replyBy": county_date(5) });
            let reply = run(&ma, "postInstruction", instruction, "instruction { id }").await;
            world.ids.insert("instruction", reply.data("postInstruction.instruction.id").as_str().unwrap().to_owned());
        }
    }
    if reached("IN_PROGRESS") {
        run(&water, "startRectification", json!({ "issueId": issue, "plan": "dredge" }), "__typename").await;
    }
    world.proof = app.proof(&bureau, &issue).await;
    if reached("AWAITING_ACCEPTANCE") {
        let request = json!({ "issueId": issue, "summary": "done", "evidenceIds": [world.proof] });
        run(&water, "requestAcceptance", request, "__typename").await;
        world.proof = app.proof(&bureau, &issue).await;
    }
    if reached("ACCEPTED") {
        let notice_days = if busy && status == "ACCEPTED" { 5 } else { 0 };
        let acceptance = json!({ "issueId": issue, "opinion": "ok", "noticeDays": notice_days });
        run(&bureau, "acceptRectification", acceptance, "__typename").await;
        if busy && status == "ACCEPTED" {
            let objection = json!({ "issueId": issue, "source": "a resident", "content": "still smells" });
            let reply = run(&bureau, "recordNoticeObjection", objection, "objection { id }").await;
            world
                .ids
                .insert("objection", reply.data("recordNoticeObjection.objection.id").as_str().unwrap().to_owned());
        }
    }
    if reached("CLOSED") {
        run(&bureau, "closeIssue", json!({ "issueId": issue }), "__typename").await;
    }
    world
}

/// The input of `mutation` on the world, or `None` when the world has nothing it could act on
/// (no pending item of that kind).
async fn input_for(app: &TestApp, county: &County, world: &World, actor: &Actor, mutation: &str) -> Option<Value> {
    let issue = &world.issue;
    let item = |key: &str| world.ids.get(key).cloned();
    Some(match mutation {
        "assignIssue" => json!({ "issueId": issue, "leadDepartmentId": county.water,
            "cooperatingDepartmentIds": [county.housing], "deadline": county_date(40),
            "leaderName": "Deputy head" }),
        "updateIssue" => {
            let reply = app
                .gql(Some(&app.bureau()), "query($id: ID!) { issue(id: $id) { version } }", json!({ "id": issue }))
                .await;
            json!({ "issueId": issue, "expectedVersion": reply.data("issue.version"), "title": "Renamed" })
        }
        "superviseIssue" => json!({ "issueId": issue, "level": "MUNICIPAL", "deadline": county_date(25) }),
        "liftSupervision" | "closeIssue" => json!({ "issueId": issue }),
        "startRectification" => json!({ "issueId": issue, "plan": "dredge" }),
        "requestAcceptance" => json!({ "issueId": issue, "summary": "done", "evidenceIds": [world.proof] }),
        "acceptRectification" => json!({ "issueId": issue, "opinion": "ok", "noticeDays": 0 }),
        "rejectRectification" | "reopenIssue" => json!({ "issueId": issue, "reason": "not good enough" }),
        "addMilestone" => json!({ "issueId": issue, "title": "Plant reeds", "dueOn": county_date(12) }),
        "completeMilestone" => json!({ "milestoneId": item("milestone")? }),
        "submitProgressReport" => json!({ "issueId": issue, "content": "half done", "percentComplete": 50 }),
        "recordSiteInspection" => json!({ "issueId": issue, "latitude": 30.5, "longitude": 104.1,
            "observedAt": chrono::Utc::now().to_rfc3339(), "findings": "clear water", "result": "COMPLIANT" }),
        "uploadEvidence" => json!({ "issueId": issue, "kind": "PHOTO_AFTER" }),
        "requestDeadlineExtension" => {
            json!({ "issueId": issue, "proposedDeadline": county_date(90), "reason": "rain" })
        }
        "decideDeadlineExtension" => json!({ "extensionId": item("extension")?, "approve": true }),
        "issueReminder" => {
            json!({ "issueId": issue, "kind": "REMINDER", "message": "hurry", "replyBy": county_date(5) })
        }
        "replyToReminder" => {
            let own = actor.department.and_then(|code| world.slips.get(code));
            json!({ "reminderId": own.or_else(|| world.slips.get("WATER"))?, "reply": "on it" })
        }
        "postInstruction" => json!({ "issueId": issue, "text": "speed up", "replyBy": county_date(5) }),
        "replyToInstruction" => json!({ "instructionId": item("instruction")?, "reply": "will do" }),
        "disputeAssignment" => json!({ "issueId": issue, "reason": "not ours" }),
        "ruleOnDispute" => json!({ "disputeId": item("dispute")?, "decision": "UPHOLD" }),
        "recordNoticeObjection" => json!({ "issueId": issue, "source": "a resident", "content": "smells" }),
        "resolveNoticeObjection" => json!({ "objectionId": item("objection")?, "outcome": "DISMISSED" }),
        other => panic!("no input for {other}"),
    })
}

/// Runs the mutation; `Ok` when it went through, else the error code.
async fn attempt(app: &TestApp, actor: &Actor, mutation: &str, input: Value) -> Result<(), String> {
    let reply = if mutation == "uploadEvidence" {
        app.upload(&actor.token, input, "after.png", PROOF_PNG.to_vec()).await
    } else {
        app.mutate(&actor.token, mutation, input, "__typename").await
    };
    match reply.body.get("errors") {
        None => Ok(()),
        Some(_) => Err(format!("{} {}", reply.code(), reply.body["errors"][0]["message"])),
    }
}

/// What each actor's `viewerCan` says of the world's issue; `None` for an actor who cannot
/// see it.
async fn predictions(app: &TestApp, actors: &[Actor], world: &World) -> Vec<Option<Value>> {
    let fields: Vec<&str> = ACTIONS.iter().map(|(field, _)| *field).collect();
    let query = format!("query($id: ID!) {{ issue(id: $id) {{ viewerCan {{ {} }} }} }}", fields.join(" "));
    let mut answers = Vec::new();
    for actor in actors {
        let reply = app.gql(Some(&actor.token), &query, json!({ "id": world.issue })).await.ok();
        let can = reply.data("issue.viewerCan");
        answers.push((!can.is_null()).then(|| can.clone()));
    }
    answers
}

/// A LEADER user created by the administrator, to be put in charge of issues: its global id.
async fn leader_in_charge(app: &TestApp) -> String {
    let admin = app.token(Role::Admin, "root", None);
    let leader = json!({ "username": "ma", "password": "a good long password", "role": "LEADER" });
    let leader = app.mutate(&admin, "createUser", leader, "user { id }").await.ok();
    leader.data("createUser.user.id").as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_boolean_of_viewer_can_is_true_exactly_when_its_mutation_passes_its_checks() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let leader = leader_in_charge(&app).await;
    let actors = actors(&app);
    let mut serial = 0;
    let mut allowed_somewhere: HashMap<&str, usize> = HashMap::new();
    for status in STATUSES {
        for busy in [false, true] {
            serial += 1;
            let shared = world(&app, &county, &leader, &format!("VC-{serial}"), status, busy).await;
            let predicted = predictions(&app, &actors, &shared).await;
            for (field, mutation) in ACTIONS {
                for (actor, can) in actors.iter().zip(&predicted) {
                    let Some(can) = can else { continue };
                    let case =
                        format!("{} {field} on a {} {status} issue", actor.name, if busy { "busy" } else { "plain" });
                    let expected = can[field].as_bool().unwrap_or_else(|| panic!("{case}: {can}"));
                    if expected {
                        // Going through changes the issue: each actor allowed gets its own copy.
                        serial += 1;
                        let fresh = world(&app, &county, &leader, &format!("VC-{serial}"), status, busy).await;
                        let input = input_for(&app, &county, &fresh, actor, mutation).await;
                        let input = input.unwrap_or_else(|| panic!("{case}: allowed, with nothing to act on"));
                        let outcome = attempt(&app, actor, mutation, input).await;
                        assert_eq!(outcome, Ok(()), "{case}: viewerCan says yes");
                        *allowed_somewhere.entry(field).or_default() += 1;
                    } else if let Some(input) = input_for(&app, &county, &shared, actor, mutation).await {
                        let outcome = attempt(&app, actor, mutation, input).await;
                        let refused = outcome.as_ref().err().is_some_and(|error| {
                            error.starts_with("FORBIDDEN") || error.starts_with("INVALID_TRANSITION")
                        });
                        assert!(refused, "{case}: viewerCan says no, the mutation answered {outcome:?}");
                    }
                }
            }
        }
    }
    // A boolean never true would prove nothing about its mutation.
    for (field, _) in ACTIONS {
        assert!(allowed_somewhere.get(field).is_some_and(|n| *n > 0), "{field} was never allowed");
    }
}

/// For records other than issues, whose mutations need no more than the record's id: every
/// actor's `viewerCan` on a record built by `build`, against its mutations, an allowed
/// mutation tried on a fresh record.
async fn check_record(
    app: &TestApp,
    label: &str,
    build: impl AsyncFn() -> String,
    actions: &[(&str, &str, Value)],
    id_field: &str,
) -> HashMap<String, usize> {
    let fields: Vec<&str> = actions.iter().map(|(field, _, _)| *field).collect();
    let query =
        format!("query($id: ID!) {{ node(id: $id) {{ ... on {label} {{ viewerCan {{ {} }} }} }} }}", fields.join(" "));
    let actors = actors(app);
    let shared = build().await;
    let mut allowed = HashMap::new();
    for actor in &actors {
        let reply = app.gql(Some(&actor.token), &query, json!({ "id": shared })).await.ok();
        let can = reply.data("node.viewerCan").clone();
        if can.is_null() {
            continue;
        }
        for (field, mutation, extra) in actions {
            let input = |id: &str| {
                let mut input = json!({ id_field: id });
                input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
                input
            };
            let case = format!("{} {field} on {label} {shared}", actor.name);
            if can[*field].as_bool().unwrap_or_else(|| panic!("{case}: {can}")) {
                let fresh = build().await;
                assert_eq!(attempt(app, actor, mutation, input(&fresh)).await, Ok(()), "{case}: viewerCan says yes");
                *allowed.entry(field.to_string()).or_default() += 1;
            } else {
                let outcome = attempt(app, actor, mutation, input(&shared)).await;
                let refused = outcome
                    .as_ref()
                    .err()
                    .is_some_and(|error| error.starts_with("FORBIDDEN") || error.starts_with("INVALID_TRANSITION"));
                assert!(refused, "{case}: viewerCan says no, the mutation answered {outcome:?}");
            }
        }
    }
    allowed
}

#[tokio::test]
async fn the_viewer_can_of_cases_and_periods_agrees_with_their_mutations() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let water = app.department("WATER");
    let case_actions = [
        ("startInvestigation", "startCaseInvestigation", json!({})),
        ("fileStatement", "fileCaseStatement", json!({ "statement": "the township was late" })),
        (
            "decide",
            "decideAccountabilityCase",
            json!({ "decision": "a talk", "measures": [{ "measure": "ADMONISHMENT_TALK" }] }),
        ),
        ("close", "closeAccountabilityCase", json!({})),
        ("dismiss", "dismissAccountabilityCase", json!({ "reason": "no fault" })),
    ];
    let mut allowed = HashMap::new();
    // Each stage: the steps that bring a freshly opened case there.
    let stages: [&[(&str, Value)]; 6] = [
        &[],
        &[("startCaseInvestigation", json!({}))],
        &[("startCaseInvestigation", json!({})), ("fileCaseStatement", json!({ "statement": "late" }))],
        &[("startCaseInvestigation", json!({})), ("decideAccountabilityCase", case_actions[2].2.clone())],
        &[
            ("startCaseInvestigation", json!({})),
            ("decideAccountabilityCase", case_actions[2].2.clone()),
            ("closeAccountabilityCase", json!({})),
        ],
        &[("dismissAccountabilityCase", json!({ "reason": "no fault" }))],
    ];
    for stage in stages {
        let build = async || {
            let input = json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE"],
                                "description": "slow work", "issueIds": [] });
            let opened = app.mutate(&bureau, "openAccountabilityCase", input, "accountabilityCase { id }").await.ok();
            let case = opened.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
            for (mutation, extra) in stage {
                let token = if *mutation == "fileCaseStatement" { &water } else { &bureau };
                let mut input = json!({ "caseId": case });
                input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
                app.mutate(token, mutation, input, "__typename").await.ok();
            }
            case
        };
        for (field, n) in check_record(&app, "AccountabilityCase", build, &case_actions, "caseId").await {
            *allowed.entry(field).or_insert(0) += n;
        }
    }
    let period_actions = [
        ("updateScoringRules", "updateScoringRules", json!({ "expectedVersion": 1, "rules": {} })),
        ("vetoDepartment", "vetoDepartment", json!({ "departmentId": county.agri, "reason": "falsified data" })),
        ("compute", "computeAssessment", json!({})),
        ("finalize", "finalizeAssessmentPeriod", json!({})),
    ];
    // Running, over, and finalized.
    for (starts, ends, finalized) in [
        (county_date(-30), county_date(30), false),
        ("2025-01-01".to_owned(), "2025-12-31".to_owned(), false),
        ("2025-01-01".to_owned(), "2025-12-31".to_owned(), true),
    ] {
        let build = async || {
            let input = json!({ "name": "a year", "startsOn": starts, "endsOn": ends });
            let created = app.mutate(&bureau, "createAssessmentPeriod", input, "assessmentPeriod { id }").await.ok();
            let period = created.data("createAssessmentPeriod.assessmentPeriod.id").as_str().unwrap().to_owned();
            if finalized {
                app.mutate(&bureau, "finalizeAssessmentPeriod", json!({ "periodId": period }), "__typename").await.ok();
            }
            period
        };
        for (field, n) in check_record(&app, "AssessmentPeriod", build, &period_actions, "periodId").await {
            *allowed.entry(field).or_insert(0) += n;
        }
    }
    for (field, _, _) in case_actions.iter().chain(&period_actions) {
        assert!(allowed.get(*field).is_some_and(|n| *n > 0), "{field} was never allowed");
    }
}

#[tokio::test]
async fn viewer_can_on_a_list_reads_each_relation_once_per_page() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    for n in 0..6 {
        let issue = app.register(&county, &format!("PAGE-{n}")).await;
        app.assign(&county, &issue, &county_date(30)).await.ok();
    }
    let fields: Vec<&str> = ACTIONS.iter().map(|(field, _)| *field).collect();
    let query =
        format!("query($n: Int!) {{ issues(first: $n) {{ nodes {{ viewerCan {{ {} }} }} }} }}", fields.join(" "));
    let water = app.department("WATER");
    let mut costs = Vec::new();
    for n in [2, 6] {
        let before = app.statements();
        let reply = app.gql(Some(&water), &query, json!({ "n": n })).await.ok();
        costs.push(app.statements() - before);
        assert_eq!(reply.data("issues.nodes").as_array().unwrap().len(), n as usize);
        assert_eq!(reply.data("issues.nodes.0.viewerCan.reportProgress"), true);
    }
    assert_eq!(costs[0], costs[1], "statements for 2 issues and for 6: {costs:?}");
}

/// Each kind of to-do item with the `viewerCan` field of the step it asks for.
const TODO_STEPS: [(&str, &str); 9] = [
    ("ASSIGN_ISSUE", "assign"),
    ("START_RECTIFICATION", "start"),
    ("DECIDE_ACCEPTANCE", "accept"),
    ("CLOSE_ISSUE", "close"),
    ("DECIDE_EXTENSION", "decideExtension"),
    ("ANSWER_SLIP", "replyToReminder"),
    ("ANSWER_INSTRUCTION", "replyToInstruction"),
    ("RULE_ON_DISPUTE", "ruleOnDispute"),
    ("RESOLVE_OBJECTION", "resolveNoticeObjection"),
];

const TODO: &str = "query($after: String) { viewer { todoCounts { kind count } todo(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { kind subjectId dueOn since issue { id viewerCan { assign start accept close decideExtension replyToReminder replyToInstruction ruleOnDispute resolveNoticeObjection } } accountabilityCase { viewerCan { fileStatement } } } } } }";

/// The whole to-do list, walked three at a time, and the counts.
async fn todo_of(app: &TestApp, token: &str) -> (Vec<Value>, HashMap<String, u64>) {
    let (mut items, mut after, mut counts) = (Vec::new(), Value::Null, HashMap::new());
    loop {
        let reply = app.gql(Some(token), TODO, json!({ "after": after })).await.ok();
        for count in reply.data("viewer.todoCounts").as_array().unwrap() {
            counts.insert(count["kind"].as_str().unwrap().to_owned(), count["count"].as_u64().unwrap());
        }
        items.extend(reply.data("viewer.todo.nodes").as_array().unwrap().iter().cloned());
        assert_eq!(reply.data("viewer.todo.totalCount"), counts.values().sum::<u64>());
        if reply.data("viewer.todo.pageInfo.hasNextPage") != true {
            return (items, counts);
        }
        after = reply.data("viewer.todo.pageInfo.endCursor").clone();
    }
}

/// Who asks, with what token, and how many items of each kind they should find.
type Expected<'a> = (&'a str, String, &'a [(&'a str, u64)]);

#[tokio::test]
async fn the_to_do_list_holds_what_waits_on_the_viewer_and_nothing_it_may_not_do() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let leader = leader_in_charge(&app).await;
    for (code, status, busy) in [
        ("TD-1", "REPORTED", false),
        ("TD-2", "ASSIGNED", true),
        ("TD-3", "AWAITING_ACCEPTANCE", false),
        ("TD-4", "ACCEPTED", false),
        ("TD-5", "ACCEPTED", true),
        ("TD-6", "CLOSED", false),
    ] {
        world(&app, &county, &leader, code, status, busy).await;
    }
    let bureau = app.bureau();
    let case = json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE"],
                       "description": "slow work", "issueIds": [] });
    let case = app.mutate(&bureau, "openAccountabilityCase", case, "accountabilityCase { id }").await.ok();
    let case = case.data("openAccountabilityCase.accountabilityCase.id").as_str().unwrap().to_owned();
    app.mutate(&bureau, "startCaseInvestigation", json!({ "caseId": case }), "__typename").await.ok();

    let expected: [Expected; 7] = [
        // The busy accepted issue is on notice and holds an objection: not to close yet; its
        // extension request is moot once the work is accepted (only the assigned one's waits).
        (
            "bureau",
            bureau.clone(),
            &[
                ("ASSIGN_ISSUE", 1),
                ("DECIDE_ACCEPTANCE", 1),
                ("CLOSE_ISSUE", 1),
                ("DECIDE_EXTENSION", 1),
                ("RESOLVE_OBJECTION", 1),
            ],
        ),
        ("leader", app.token(Role::Leader, "lin", None), &[("DECIDE_EXTENSION", 1), ("RULE_ON_DISPUTE", 2)]),
        (
            "WATER",
            app.department("WATER"),
            &[("START_RECTIFICATION", 1), ("ANSWER_SLIP", 2), ("ANSWER_INSTRUCTION", 2), ("FILE_STATEMENT", 1)],
        ),
        ("HOUSING", app.department("HOUSING"), &[("ANSWER_SLIP", 2)]),
        ("AGRI", app.department("AGRI"), &[]),
        ("inspector", app.token(Role::Inspector, "inspector", None), &[]),
        ("superior", app.token(Role::Superior, "superior", None), &[]),
    ];
    for (who, token, kinds) in &expected {
        let (items, counts) = todo_of(&app, token).await;
        let listed: u64 = counts.values().sum();
        assert_eq!(counts.len(), 10, "{who}: every kind is counted");
        for (kind, count) in counts.iter().filter(|(_, n)| **n > 0) {
            assert!(kinds.contains(&(kind.as_str(), *count)), "{who}: {count} × {kind}, expected {kinds:?}");
        }
        assert_eq!(listed, kinds.iter().map(|(_, n)| n).sum::<u64>(), "{who}: {counts:?}");
        assert_eq!(items.len() as u64, listed, "{who}: the pages hold every item once");
        // Every item is a step `viewerCan` allows the viewer.
        for item in &items {
            let kind = item["kind"].as_str().unwrap();
            if kind == "FILE_STATEMENT" {
                assert_eq!(item["accountabilityCase"]["viewerCan"]["fileStatement"], true, "{who}: {item}");
                continue;
            }
            let field = TODO_STEPS.iter().find(|(k, _)| *k == kind).unwrap().1;
            assert_eq!(item["issue"]["viewerCan"][field], true, "{who}: {kind} listed but not allowed: {item}");
        }
        // The most pressing first: by due day, undated last, then the longest waiting.
        let keys: Vec<(String, String)> = items
            .iter()
            .map(|i| (i["dueOn"].as_str().unwrap_or("9999-12-31").to_owned(), i["since"].as_str().unwrap().to_owned()))
            .collect();
        assert!(keys.windows(2).all(|pair| pair[0].0 <= pair[1].0), "{who}: {keys:?}");
    }

    // Once done, an item leaves the list.
    let water = app.department("WATER");
    let (items, _) = todo_of(&app, &water).await;
    let slip = items.iter().find(|i| i["kind"] == "ANSWER_SLIP").unwrap()["subjectId"].clone();
    app.mutate(&water, "replyToReminder", json!({ "reminderId": slip, "reply": "on it" }), "__typename").await.ok();
    let (_, counts) = todo_of(&app, &water).await;
    assert_eq!(counts["ANSWER_SLIP"], 1);
    let garbage = app.gql(Some(&water), TODO, json!({ "after": "bm90IGEgY3Vyc29y" })).await;
    assert_eq!((garbage.code(), garbage.field()), ("BAD_USER_INPUT", "after"));
}
