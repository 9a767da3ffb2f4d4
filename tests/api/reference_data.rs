//! The process keeps the reference tables in memory: a change made through the API shows in
//! the next answer, a change made behind its back (another server, hand-written SQL) once the
//! copy is older than `RECTIFY_REFERENCE_CACHE_SECS`, and a warm list reads none of them.

use std::time::Duration;

use entity::enums::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::*;

const LIST: &str =
    "{ issues(first: 5) { nodes { code leadDepartment { name } category { name aspect { name } } round { name } } } }";

/// Assigns one issue to WATER and returns a superior agency's token.
async fn one_assigned_issue(app: &TestApp, county: &County) -> String {
    let issue = app.register(county, "REF-1").await;
    app.assign(county, &issue, &county_date(10)).await.ok();
    app.token(Role::Superior, "city", None)
}

async fn lead_name(app: &TestApp, token: &str) -> String {
    let reply = app.gql(Some(token), LIST, json!({})).await.ok();
    reply.data("issues.nodes.0.leadDepartment.name").as_str().expect("a lead department").to_owned()
}

#[tokio::test]
async fn changes_made_through_the_api_show_in_the_very_next_answer() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let superior = one_assigned_issue(&app, &county).await;
    assert_eq!(lead_name(&app, &superior).await, "WATER office");

    let admin = app.token(Role::Admin, "admin", None);
    app.mutate(
        &admin,
        "updateDepartment",
        json!({ "id": county.water, "expectedVersion": 1, "name": "Water Resources Bureau" }),
        "department { name }",
    )
    .await
    .ok();
    assert_eq!(lead_name(&app, &superior).await, "Water Resources Bureau");

    let bureau = app.bureau();
    let created = app
        .mutate(
            &bureau,
            "createCategory",
            json!({ "aspectId": county.aspect, "code": "A1-3", "name": "Sewage outfall", "dutyDepartmentId": county.water }),
            "category { id }",
        )
        .await
        .ok();
    let aspects = app.gql(Some(&superior), "{ aspects { code categories { code } } }", json!({})).await.ok();
    let codes: Vec<&str> =
        aspects.data("aspects.0.categories").as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["A1-1", "A1-2", "A1-3"]);
    let category = created.data("createCategory.category.id").clone();
    let registered = app
        .mutate(
            &bureau,
            "registerIssue",
            json!({ "code": "REF-2", "title": "Outfall", "description": "d", "roundId": county.round, "categoryId": category, "severity": "GENERAL" }),
            "issue { category { name aspect { name } } }",
        )
        .await
        .ok();
    assert_eq!(registered.data("registerIssue.issue.category.name"), "Sewage outfall");
}

/// A server whose copy lives `secs` seconds, with WATER named "WATER office" in its copy and
/// then renamed by another server (or a hand-typed statement); returns a reader's token.
async fn renamed_behind_the_servers_back(secs: u64) -> (TestApp, String) {
    let app = spawn_app_with(move |settings| settings.reference_cache_secs = secs).await;
    let county = seed_county(&app).await;
    let superior = one_assigned_issue(&app, &county).await;
    assert_eq!(lead_name(&app, &superior).await, "WATER office");
    let rename = "UPDATE department SET name = 'Renamed elsewhere' WHERE code = 'WATER'";
    app.db.conn.execute_unprepared(rename).await.unwrap();
    (app, superior)
}

#[tokio::test]
async fn a_change_behind_the_servers_back_shows_once_the_copy_expires() {
    let (app, superior) = renamed_behind_the_servers_back(3).await;
    assert_eq!(lead_name(&app, &superior).await, "WATER office", "the copy is kept for its 3 seconds");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(lead_name(&app, &superior).await, "Renamed elsewhere");
}

#[tokio::test]
async fn with_no_time_to_live_every_request_reads_the_tables() {
    let (app, superior) = renamed_behind_the_servers_back(0).await;
    assert_eq!(lead_name(&app, &superior).await, "Renamed elsewhere");
}

#[tokio::test]
async fn a_warm_list_page_reads_no_reference_table() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let superior = one_assigned_issue(&app, &county).await;
    app.gql(Some(&superior), LIST, json!({})).await.ok();
    app.db.record_statements(true);
    app.gql(Some(&superior), LIST, json!({})).await.ok();
    app.db.record_statements(false);
    let tables = ["\"department\"", "\"inspection_round\"", "\"aspect\"", "\"category\""];
    let read: Vec<String> = app
        .db
        .recorded()
        .into_iter()
        .map(|statement| statement.sql)
        .filter(|sql| tables.iter().any(|table| sql.contains(&format!("FROM {table}"))))
        .collect();
    assert!(read.is_empty(), "a warm list read reference tables: {read:?}");
}
