//! The warning light: kept up by the steps that feed it (assignment, milestones, progress), and
//! read alike by everything that shows it: the field, the filter (SQL), the statistics
//! (SQL), the CSV ledger and the battle map, on a grid of issues covering every rule.

use std::collections::BTreeMap;

use chrono::Duration;
use entity::enums::{IssueStatus, Role, Severity};
use entity::issue;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

use crate::export::{HEADERS, light_label};
use crate::helpers::*;
use crate::written_history::{at, date, row_id};

const LIGHT: &str = "query($id: ID!) { node(id: $id) { ... on Issue { warningLight warningReasons } } }";

async fn light_of(app: &TestApp, token: &str, issue: &str) -> (String, Vec<String>) {
    let reply = app.gql(Some(token), LIGHT, json!({ "id": issue })).await.ok();
    let node = reply.data("node");
    let reasons = node["warningReasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
    (node["warningLight"].as_str().unwrap().to_owned(), reasons)
}

#[tokio::test]
async fn the_light_follows_the_deadline_the_milestones_and_the_progress_reported() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let water = app.department("WATER");
    let issue = app.register(&county, "WL-01").await;
    assert_eq!(light_of(&app, &bureau, &issue).await, ("GREEN".into(), vec![]), "no deadline yet");

    app.assign(&county, &issue, &county_date(5)).await.ok();
    let (light, reasons) = light_of(&app, &bureau, &issue).await;
    assert_eq!(light, "BLUE");
    assert_eq!(reasons, [format!("the deadline is in 5 days ({})", county_date(5))]);

    // Reassigned with a far deadline, a plan whose first milestone was yesterday is behind.
    app.assign(&county, &issue, &county_date(60)).await.ok();
    assert_eq!(light_of(&app, &bureau, &issue).await.0, "GREEN");
    let plan = json!({ "issueId": issue, "plan": "Lay the pipe",
                       "milestones": [{ "title": "Survey", "dueOn": county_date(-1) }, { "title": "Pipe", "dueOn": county_date(30) }] });
    let started = app.mutate(&water, "startRectification", plan, "issue { plan { milestones { id } } }").await.ok();
    let (light, reasons) = light_of(&app, &bureau, &issue).await;
    assert_eq!(light, "YELLOW");
    assert_eq!(reasons, [format!("a milestone due {} is not done", county_date(-1))]);

    let survey = started.data("startRectification.issue.plan.milestones")[0]["id"].clone();
    app.mutate(&water, "completeMilestone", json!({ "milestoneId": survey }), "milestone { id }").await.ok();
    assert_eq!(light_of(&app, &bureau, &issue).await.0, "GREEN", "the late milestone is done");

    let listing = json!({ "issueId": issue, "level": "COUNTY", "deadline": county_date(-1) });
    app.mutate(&bureau, "superviseIssue", listing, "issue { id }").await.ok();
    let (light, reasons) = light_of(&app, &bureau, &issue).await;
    assert_eq!(light, "RED");
    assert_eq!(reasons, [format!("overdue: the supervision deadline was {}", county_date(-1))]);
}

/// Every combination of status, deadline, supervision deadline and plan state that the rule
/// tells apart, written straight into the database with places on the map.
async fn write_grid(app: &TestApp, county: &County) -> usize {
    let today = date(&county_date(0));
    let day = |offset: i64| today + Duration::days(offset);
    let statuses = [
        IssueStatus::Reported,
        IssueStatus::Assigned,
        IssueStatus::InProgress,
        IssueStatus::AwaitingAcceptance,
        IssueStatus::Accepted,
        IssueStatus::Closed,
    ];
    let deadlines = [None, Some(-1), Some(0), Some(7), Some(8), Some(60)];
    let supervision = [None, Some(3)];
    // (assigned, next milestone, progress): on track; lagging progress; a late milestone; unknown.
    let plans =
        [(Some(-10), Some(5), Some(50)), (Some(-40), None, None), (Some(-2), Some(-1), Some(90)), (None, None, None)];
    let mut rows = Vec::new();
    for status in statuses {
        for deadline in deadlines {
            for supervised in supervision {
                for (assigned, milestone, percent) in plans {
                    let n = rows.len();
                    rows.push(issue::ActiveModel {
                        code: Set(format!("WL-{n:03}")),
                        title: Set(format!("Grid issue {n}")),
                        description: Set("d".into()),
                        status: Set(status),
                        severity: Set(Severity::General),
                        round_id: Set(row_id(&county.round)),
                        category_id: Set(row_id(&county.category)),
                        latitude: Set(Some(30.0 + n as f64 / 1000.0)),
                        longitude: Set(Some(104.0)),
                        lead_department_id: Set(Some(row_id(&county.water))),
                        deadline: Set(deadline.map(day)),
                        supervision_level: Set(supervised.map(|_| entity::enums::SupervisionLevel::County)),
                        supervision_deadline: Set(supervised.map(day)),
                        assigned_on: Set(assigned.map(day)),
                        next_milestone_due: Set(milestone.map(day)),
                        progress_percent: Set(percent),
                        requires_engineering: Set(false),
                        reopen_count: Set(0),
                        version: Set(1),
                        created_at: Set(at("2026-01-01")),
                        updated_at: Set(at("2026-01-01")),
                        ..Default::default()
                    });
                }
            }
        }
    }
    let count = rows.len();
    issue::Entity::insert_many(rows).exec(&app.db.conn).await.unwrap();
    count
}

const PAGE: &str = "query($after: String, $filter: IssueFilter) {
  issues(first: 100, after: $after, filter: $filter, orderBy: {field: CODE, direction: ASC}) {
    nodes { code warningLight } pageInfo { hasNextPage endCursor } } }";

/// Code to light, for every issue `filter` selects.
async fn lights(app: &TestApp, token: &str, filter: Value) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let reply = app.gql(Some(token), PAGE, json!({ "after": after, "filter": filter })).await.ok();
        for node in reply.data("issues.nodes").as_array().unwrap() {
            found.insert(node["code"].as_str().unwrap().to_owned(), node["warningLight"].as_str().unwrap().to_owned());
        }
        if reply.data("issues.pageInfo.hasNextPage") != true {
            return found;
        }
        after = reply.data("issues.pageInfo.endCursor").clone();
    }
}

#[tokio::test]
async fn the_field_the_filter_the_statistics_the_ledger_and_the_map_agree_on_every_light() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let written = write_grid(&app, &county).await;
    let superior = app.token(Role::Superior, "city-office", None);

    let all = lights(&app, &superior, json!({})).await;
    assert_eq!(all.len(), written);
    let mut by_light: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (code, light) in &all {
        by_light.entry(light.as_str()).or_default().push(code.as_str());
    }
    assert_eq!(by_light.keys().copied().collect::<Vec<_>>(), ["BLUE", "GREEN", "RED", "YELLOW"], "every light occurs");

    // The filter, written as SQL, selects exactly the issues the field gives each light.
    for (light, codes) in &by_light {
        let filtered = lights(&app, &superior, json!({ "warningLight": [light] })).await;
        assert_eq!(filtered.keys().map(String::as_str).collect::<Vec<_>>(), *codes, "filter {light}");
    }
    let two = lights(&app, &superior, json!({ "warningLight": ["RED", "YELLOW"], "status": ["IN_PROGRESS"] })).await;
    assert!(two.values().all(|light| light == "RED" || light == "YELLOW") && !two.is_empty());

    // The statistics group by the same rule.
    let stats = app
        .gql(
            Some(&superior),
            "{ issueStatistics(groupBy: [WARNING_LIGHT]) { groups { key labels total } } }",
            json!({}),
        )
        .await
        .ok();
    let groups: BTreeMap<String, u64> = stats
        .data("issueStatistics.groups")
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"][0].as_str().unwrap().to_owned(), g["total"].as_u64().unwrap()))
        .collect();
    let expected: BTreeMap<String, u64> = by_light.iter().map(|(l, c)| (l.to_string(), c.len() as u64)).collect();
    assert_eq!(groups, expected);
    let as_of = app
        .gql(
            Some(&superior),
            "query($day: Date) { issueStatistics(groupBy: [WARNING_LIGHT], asOf: $day) { total } }",
            json!({ "day": county_date(-1) }),
        )
        .await;
    assert_eq!((as_of.code(), as_of.field()), ("BAD_USER_INPUT", "groupBy"), "only today's light can be grouped");

    // The CSV ledger and the battle map.
    let column = HEADERS.iter().position(|h| *h == "预警").unwrap();
    let csv = app.download("/export/issues.csv", Some(&superior), &[]).await.csv();
    let ledger: BTreeMap<String, String> = csv[1..].iter().map(|row| (row[1].clone(), row[column].clone())).collect();
    let labelled: BTreeMap<String, String> =
        all.iter().map(|(code, light)| (code.clone(), light_label(light).to_owned())).collect();
    assert_eq!(ledger, labelled);
    let map = app.download("/map/issues.geojson", Some(&superior), &[("warningLight", "YELLOW".into())]).await.json();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), by_light["YELLOW"].len());
    for feature in features {
        assert_eq!(feature["properties"]["warningLight"], "YELLOW");
        let reasons = feature["properties"]["warningReasons"].as_array().unwrap();
        assert!(!reasons.is_empty(), "a yellow issue says why");
    }
}

#[tokio::test]
async fn the_warning_days_are_a_setting() {
    let app = spawn_app_with(|settings| settings.county.warning_days = 2).await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let (near, far) = (app.register(&county, "WD-01").await, app.register(&county, "WD-02").await);
    app.assign(&county, &near, &county_date(2)).await.ok();
    app.assign(&county, &far, &county_date(3)).await.ok();
    assert_eq!(light_of(&app, &bureau, &near).await.0, "BLUE");
    assert_eq!(light_of(&app, &bureau, &far).await.0, "GREEN");
}
