//! No N+1: a page of issues with every relation costs the same statements at any page size.

use entity::enums::Role;
use serde_json::json;

use crate::helpers::*;

const EVERYTHING: &str = "query($first: Int!) { issues(first: $first) { totalCount nodes {
  code status overdue deadline
  leadDepartment { code name } cooperatingDepartments { code } township { code }
  category { code aspect { code name } dutyDepartment { code } }
  round { name level }
  events(first: 5) { totalCount nodes { action actor at } }
} } }";

#[tokio::test]
async fn a_page_of_100_issues_with_every_relation_costs_as_many_statements_as_a_page_of_10() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    // 120 assigned issues, written through the services to keep the set-up quick.
    for n in 0..120 {
        let issue = app.register(&county, &format!("NP-{n:03}")).await;
        if n % 2 == 0 {
            app.assign(&county, &issue, &county_date(n % 9 - 4)).await.ok();
        }
    }
    let token = app.token(Role::Superior, "city", None);
    let mut counts = Vec::new();
    for first in [10, 100] {
        // Warm-up so both runs see the same pool state.
        app.gql(Some(&token), EVERYTHING, json!({ "first": first })).await.ok();
        let before = app.statements();
        let reply = app.gql(Some(&token), EVERYTHING, json!({ "first": first })).await.ok();
        counts.push(app.statements() - before);
        assert_eq!(reply.data("issues.nodes").as_array().unwrap().len(), first as usize);
    }
    println!("statements for issues(first: 10) = {}, issues(first: 100) = {}", counts[0], counts[1]);
    assert_eq!(counts[0], counts[1], "statements grow with the page size: {counts:?}");
    // The issues, totalCount, the cooperating units and the events; departments, categories,
    // aspects and rounds come from the process's copy of the reference tables.
    assert_eq!(counts[0], 4, "{counts:?}");
}

/// `issueStatistics` with two dimensions is one grouped query, however many issues there are.
#[tokio::test]
async fn statistics_with_two_dimensions_cost_the_same_statements_for_120_issues_as_for_12() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let token = app.token(Role::Superior, "city", None);
    let query = "{ issueStatistics(groupBy: [LEAD_DEPARTMENT, STATUS]) { total groups { key labels total } } }";
    let mut counts = Vec::new();
    for (from, to) in [(0, 12), (12, 120)] {
        for n in from..to {
            let issue = app.register(&county, &format!("ST-{n:03}")).await;
            if n % 2 == 0 {
                app.assign(&county, &issue, &county_date(n % 9 - 4)).await.ok();
            }
        }
        // Warm-up, so that the reference tables are in the process's copy.
        app.gql(Some(&token), query, json!({})).await.ok();
        let before = app.statements();
        let reply = app.gql(Some(&token), query, json!({})).await.ok();
        counts.push(app.statements() - before);
        assert_eq!(reply.data("issueStatistics.total"), to);
    }
    println!("statements for issueStatistics with two dimensions: {counts:?}");
    assert_eq!(counts[0], counts[1]);
    // The grouped query; the department names come from the process's copy.
    assert_eq!(counts[0], 1, "{counts:?}");
}

/// One issue with its events, and one lifecycle step, cost the same statements beside 10
/// issues as beside 110.
#[tokio::test]
async fn an_issue_with_its_events_and_a_lifecycle_step_cost_the_same_statements_as_data_grows() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let water = app.department("WATER");
    let token = app.token(Role::Superior, "city", None);
    let read = "query($id: ID!) { issue(id: $id) { code status leadDepartment { code } cooperatingDepartments { code } category { code } events(first: 20) { totalCount nodes { action actor at } } } }";
    let mut reads = Vec::new();
    let mut steps = Vec::new();
    for (from, to) in [(0, 10), (10, 110)] {
        let mut last = String::new();
        for n in from..to {
            last = app.register(&county, &format!("SE-{n:03}")).await;
            app.assign(&county, &last, &county_date(30)).await.ok();
        }
        app.gql(Some(&token), read, json!({ "id": last })).await.ok();
        let before = app.statements();
        app.gql(Some(&token), read, json!({ "id": last })).await.ok();
        reads.push(app.statements() - before);
        let before = app.statements();
        app.mutate(&water, "startRectification", json!({ "issueId": last, "plan": "p" }), "issue { status }")
            .await
            .ok();
        steps.push(app.statements() - before);
    }
    println!("statements for issue(id) with events: {reads:?}; for startRectification: {steps:?}");
    assert_eq!(reads[0], reads[1], "{reads:?}");
    assert_eq!(steps[0], steps[1], "{steps:?}");
}
