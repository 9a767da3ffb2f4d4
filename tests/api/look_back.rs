//! Look-back campaigns (回头看): a seeded, stratified sample of closed issues, answered on site
//! by inspectors; a relapse found reopens the issue through the lifecycle's rules.

use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// An issue led by `lead` (a department code), taken through to CLOSED.
async fn closed_issue(app: &TestApp, county: &County, code: &str, lead: &str, lead_id: &str) -> String {
    let issue = app.register(county, code).await;
    let assignment =
        json!({ "issueId": issue, "leadDepartmentId": lead_id, "deadline": county_date(30), "leaderName": "L" });
    app.mutate(&app.bureau(), "assignIssue", assignment, "issue { id }").await.ok();
    let department = app.department(lead);
    app.mutate(&department, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let proof = app.proof(&department, &issue).await;
    let request = json!({ "issueId": issue, "summary": "done", "evidenceIds": [proof] });
    app.mutate(&department, "requestAcceptance", request, "issue { id }").await.ok();
    let acceptance = json!({ "issueId": issue, "opinion": "ok", "noticeDays": 0 });
    app.mutate(&app.bureau(), "acceptRectification", acceptance, "issue { id }").await.ok();
    app.mutate(&app.bureau(), "closeIssue", json!({ "issueId": issue }), "issue { status }").await.ok();
    issue
}

const CAMPAIGN: &str = "campaign { id population taskCount answered holds relapsed relapseRate }";

async fn campaign(app: &TestApp, token: &str, size: i32, seed: i64) -> Reply {
    let input = json!({ "name": "Q4 look-back", "closedFrom": county_date(-1), "closedTo": county_date(0),
                        "sampleSize": size, "seed": seed });
    app.mutate(token, "createLookBackCampaign", input, CAMPAIGN).await
}

async fn sampled(app: &TestApp, campaign: &Value) -> Vec<String> {
    let query = "query($c: ID) { lookBackTasks(first: 50, filter: {campaignId: $c}) { nodes { issue { id } } } }";
    let reply = app.gql(Some(&app.bureau()), query, json!({ "c": campaign })).await.ok();
    let mut ids: Vec<String> = reply
        .data("lookBackTasks.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["issue"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn inspect(app: &TestApp, issue: &str, outcome: &str) -> Reply {
    let inspector = app.token(Role::Inspector, "field-inspector", None);
    let input = json!({ "issueId": issue, "latitude": 30.5, "longitude": 104.1, "observedAt": chrono::Utc::now().to_rfc3339(),
                        "findings": "Checked at dusk.", "result": "COMPLIANT", "lookBack": outcome });
    app.mutate(&inspector, "recordSiteInspection", input, "siteInspection { id }").await
}

#[tokio::test]
async fn a_campaign_samples_by_seed_and_inspectors_find_holds_and_relapses() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let mut closed = Vec::new();
    for n in 0..3 {
        closed.push(closed_issue(&app, &county, &format!("LB-W{n}"), "WATER", &county.water).await);
    }
    closed.push(closed_issue(&app, &county, "LB-A0", "AGRI", &county.agri).await);

    // Only the bureau draws; the same seed draws the same sample.
    let inspector = app.token(Role::Inspector, "field-inspector", None);
    assert_eq!(campaign(&app, &inspector, 2, 7).await.code(), "FORBIDDEN");
    let first = campaign(&app, &app.bureau(), 2, 7).await.ok();
    let first = first.data("createLookBackCampaign.campaign").clone();
    assert_eq!((first["population"].clone(), first["taskCount"].clone()), (json!(4), json!(2)));
    let again = campaign(&app, &app.bureau(), 2, 7).await.ok();
    let drawn = sampled(&app, &first["id"]).await;
    assert_eq!(drawn, sampled(&app, again.data("createLookBackCampaign.campaign.id")).await);
    // 2 of 4 by department: WATER's share is 1.5, AGRI's 0.5; the remainders tie at one half,
    // and the tie goes to the smaller department id (WATER was created first).
    assert!(drawn.iter().all(|id| closed[..3].contains(id)), "{drawn:?}");

    // The sampled issues carry the event; an inspector answers from the pending list.
    let history = "query($id: ID!) { node(id: $id) { ... on Issue { status reopenCount events(last: 3) { nodes { action } } } } }";
    let read = app.gql(Some(&app.bureau()), history, json!({ "id": drawn[0] })).await.ok();
    let actions: Vec<&str> =
        read.data("node.events.nodes").as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"LOOK_BACK_SAMPLED"), "{actions:?}");
    let pending =
        app.gql(Some(&inspector), "{ lookBackTasks(filter: {status: PENDING}) { totalCount } }", json!({})).await.ok();
    assert_eq!(pending.data("lookBackTasks.totalCount"), 4, "two campaigns of two");

    inspect(&app, &drawn[0], "HOLDS").await.ok();
    inspect(&app, &drawn[1], "RELAPSED").await.ok();
    let relapsed = app.gql(Some(&app.bureau()), history, json!({ "id": drawn[1] })).await.ok();
    assert_eq!(relapsed.data("node.status"), "IN_PROGRESS");
    assert_eq!(relapsed.data("node.reopenCount"), 1);
    let progress = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on LookBackCampaign { answered holds relapsed relapseRate } } }",
            json!({ "id": first["id"] }),
        )
        .await
        .ok();
    assert_eq!(progress.data("node"), &json!({ "answered": 2, "holds": 1, "relapsed": 1, "relapseRate": 0.5 }));

    // A look-back answer needs a pending task; a department reads no campaigns.
    let unsampled = closed.iter().find(|id| !drawn.contains(id)).unwrap();
    let stray = inspect(&app, unsampled, "HOLDS").await;
    assert_eq!((stray.code(), stray.field()), ("BAD_USER_INPUT", "input.lookBack"));
    let department = app.gql(Some(&app.department("WATER")), "{ lookBackCampaigns { totalCount } }", json!({})).await;
    assert_eq!(department.code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_bad_campaign_is_refused_and_nothing_is_drawn() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    closed_issue(&app, &county, "LB-X0", "WATER", &county.water).await;
    let backwards =
        json!({ "name": "n", "closedFrom": county_date(0), "closedTo": county_date(-1), "sampleSize": 1, "seed": 1 });
    let refused = app.mutate(&app.bureau(), "createLookBackCampaign", backwards, CAMPAIGN).await;
    assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", "input.closedTo"));
    assert_eq!(campaign(&app, &app.bureau(), 0, 1).await.field(), "input.sampleSize");
    let empty =
        json!({ "name": "n", "closedFrom": "2020-01-01", "closedTo": "2020-12-31", "sampleSize": 5, "seed": 1 });
    let nothing = app.mutate(&app.bureau(), "createLookBackCampaign", empty, CAMPAIGN).await;
    assert_eq!((nothing.code(), nothing.field()), ("BAD_USER_INPUT", "input.closedFrom"));
    let listed = app.gql(Some(&app.bureau()), "{ lookBackCampaigns { totalCount } }", json!({})).await.ok();
    assert_eq!(listed.data("lookBackCampaigns.totalCount"), 0);
}
