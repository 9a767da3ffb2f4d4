//! The words people read for enumeration values: `enumLabels` in Chinese and English, the
//! language `Accept-Language` picks, and the same words in the ledger export, on the map and in
//! the statistics, sealed monthly reports included.

use std::collections::{BTreeMap, BTreeSet};

use entity::enums::{IssueAction as A, IssueStatus as S, Role, Severity};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::written_history::{Step, row_id, write_issue};

const LABELS: &str = "query($locale: Locale, $enums: [String!]) { enumLabels(locale: $locale, enums: $enums) { name values { value label } } }";

impl TestApp {
    /// A GraphQL request sent with `Accept-Language: language`.
    async fn gql_in(&self, language: &str, token: &str, query: &str, variables: Value) -> Reply {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("accept-language", language)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        Reply { status, body: response.json().await.expect("a JSON body") }
    }

    /// A download's body, sent with `Accept-Language: language`.
    async fn download_in(&self, language: &str, token: &str, path: &str) -> Vec<u8> {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .header("accept-language", language)
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is sent");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        response.bytes().await.expect("the whole body").to_vec()
    }

    /// Every label in one locale, by enumeration and value.
    async fn label_table(&self, locale: &str) -> BTreeMap<(String, String), String> {
        let reply = self.gql(Some(&self.bureau()), LABELS, json!({ "locale": locale })).await.ok();
        let mut table = BTreeMap::new();
        for labels in reply.data("enumLabels").as_array().unwrap() {
            for value in labels["values"].as_array().unwrap() {
                let key = (labels["name"].as_str().unwrap().to_owned(), value["value"].as_str().unwrap().to_owned());
                table.insert(key, value["label"].as_str().unwrap().to_owned());
            }
        }
        table
    }
}

fn label<'a>(table: &'a BTreeMap<(String, String), String>, enum_name: &str, value: &str) -> &'a str {
    table.get(&(enum_name.to_owned(), value.to_owned())).unwrap_or_else(|| panic!("no label for {enum_name}.{value}"))
}

#[tokio::test]
async fn every_enum_value_of_the_schema_is_labelled_in_chinese_and_in_english() {
    let app = spawn_app().await;
    let zh = app.label_table("ZH").await;
    let en = app.label_table("EN").await;
    assert_eq!(label(&zh, "IssueStatus", "IN_PROGRESS"), "整改中");
    assert_eq!(label(&en, "IssueStatus", "IN_PROGRESS"), "In progress");
    assert_eq!(label(&zh, "WarningLight", "RED"), "红灯");
    assert_eq!(label(&en, "SupervisionLevel", "PROVINCIAL"), "Provincial");

    // What introspection lists is what is labelled, no more and no less.
    let schema =
        app.gql(Some(&app.bureau()), "{ __schema { types { name kind enumValues { name } } } }", json!({})).await.ok();
    let mut values = BTreeSet::new();
    for ty in schema.data("__schema.types").as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if ty["kind"] == "ENUM" && !name.starts_with("__") {
            for value in ty["enumValues"].as_array().unwrap() {
                values.insert((name.to_owned(), value["name"].as_str().unwrap().to_owned()));
            }
        }
    }
    assert!(values.len() > 200, "{} values", values.len());
    assert_eq!(zh.keys().cloned().collect::<BTreeSet<_>>(), values);
    assert_eq!(en.keys().cloned().collect::<BTreeSet<_>>(), values);

    // Some only, in the order asked; a name the schema lacks is refused by name.
    let some = app.gql(Some(&app.bureau()), LABELS, json!({ "enums": ["WarningLight", "Severity"] })).await.ok();
    assert_eq!(
        some.data("enumLabels"),
        &json!([
            { "name": "WarningLight", "values": [
                { "value": "GREEN", "label": "绿灯" }, { "value": "BLUE", "label": "蓝灯" },
                { "value": "YELLOW", "label": "黄灯" }, { "value": "RED", "label": "红灯" } ] },
            { "name": "Severity", "values": [ { "value": "GENERAL", "label": "一般" }, { "value": "MAJOR", "label": "重大" } ] }
        ])
    );
    let unknown = app.gql(Some(&app.bureau()), LABELS, json!({ "enums": ["IssueStatus", "Colour"] })).await;
    assert_eq!(unknown.code(), "BAD_USER_INPUT");
    assert!(unknown.body.to_string().contains("Colour"), "{}", unknown.body);
}

#[tokio::test]
async fn every_role_reads_the_labels_and_an_anonymous_caller_only_logs_in() {
    let app = spawn_app().await;
    seed_county(&app).await;
    for token in [
        app.token(Role::Admin, "admin", None),
        app.bureau(),
        app.token(Role::Leader, "leader", None),
        app.department("WATER"),
        app.token(Role::Inspector, "inspector", None),
        app.token(Role::Superior, "city-office", None),
    ] {
        let reply = app.gql(Some(&token), LABELS, json!({ "enums": ["Role"] })).await.ok();
        assert_eq!(reply.data("enumLabels.0.values.0.label"), "系统管理员");
    }
    let anonymous = app.gql(None, LABELS, json!({})).await;
    assert_eq!((anonymous.status, anonymous.code()), (401, "UNAUTHENTICATED"));
}

#[tokio::test]
async fn accept_language_picks_the_language_unless_the_query_names_one() {
    let app = spawn_app().await;
    let token = app.bureau();
    let variables = json!({ "enums": ["IssueStatus"] });
    let in_progress = |reply: Reply| reply.ok().data("enumLabels.0.values.2.label").as_str().unwrap().to_owned();
    for (language, expected) in [
        ("en-US,en;q=0.9,zh-CN;q=0.8", "In progress"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "整改中"),
        ("fr-FR, zh;q=0.5, en;q=0.7", "In progress"),
        ("en;q=0, zh;q=0.1", "整改中"),
        ("de-DE", "整改中"),
    ] {
        assert_eq!(in_progress(app.gql_in(language, &token, LABELS, variables.clone()).await), expected, "{language}");
    }
    assert_eq!(in_progress(app.gql(Some(&token), LABELS, variables.clone()).await), "整改中", "without the header");
    let named = json!({ "enums": ["IssueStatus"], "locale": "ZH" });
    assert_eq!(in_progress(app.gql_in("en", &token, LABELS, named).await), "整改中", "the argument wins");
}

/// Registers an issue in no township, and returns its id.
async fn register_without_township(app: &TestApp, county: &County, code: &str) -> String {
    let reply = app
        .mutate(
            &app.bureau(),
            "registerIssue",
            json!({
                "code": code, "title": format!("Problem {code}"), "description": "Dust from a yard.",
                "roundId": county.round, "categoryId": county.category, "severity": "MAJOR", "location": "Yard"
            }),
            "issue { id }",
        )
        .await
        .ok();
    reply.data("registerIssue.issue.id").as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_ledger_is_in_the_chinese_labels_and_the_map_in_the_requests_language() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "LB-01").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let zh = app.label_table("ZH").await;
    let en = app.label_table("EN").await;
    let superior = app.token(Role::Superior, "city-office", None);

    // The ledger stays Chinese whatever the reader's language: the offices' format.
    let csv = app.download_in("en", &superior, "/export/issues.csv").await;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&csv[3..]);
    let records: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let (header, row) = (&records[0], &records[1]);
    let column = |name: &str| row[header.iter().position(|h| h == name).unwrap()].as_str();
    assert_eq!(column("整改状态"), label(&zh, "IssueStatus", "ASSIGNED"));
    assert_eq!(column("整改状态"), "已交办");
    assert_eq!(column("预警"), label(&zh, "WarningLight", "GREEN"));
    assert_eq!(column("是否逾期"), "否");

    // The map keeps its values and adds their labels in the request's language.
    for (language, table, overdue) in [("en-GB", &en, "No"), ("zh-CN", &zh, "否")] {
        let map: Value = serde_json::from_slice(&app.download_in(language, &superior, "/map/issues.geojson").await)
            .expect("GeoJSON");
        let properties = &map["features"][0]["properties"];
        assert_eq!(properties["status"], "ASSIGNED");
        assert_eq!(properties["statusLabel"], label(table, "IssueStatus", "ASSIGNED"), "{language}");
        assert_eq!(properties["severityLabel"], label(table, "Severity", "GENERAL"), "{language}");
        assert_eq!(properties["warningLight"], "GREEN");
        assert_eq!(properties["warningLightLabel"], label(table, "WarningLight", "GREEN"), "{language}");
        assert_eq!(properties["overdueLabel"], overdue, "{language}");
    }
}

const BY_TOWNSHIP: &str = "query($locale: Locale) { issueStatistics(groupBy: [TOWNSHIP, STATUS]) { groups { key labels(locale: $locale) total } } }";

#[tokio::test]
async fn a_statistics_group_without_a_township_is_named_in_the_readers_language() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    app.register(&county, "LB-01").await;
    register_without_township(&app, &county, "LB-02").await;
    let superior = app.token(Role::Superior, "city-office", None);
    let groups = |reply: Reply| {
        let reply = reply.ok();
        let groups = reply.data("issueStatistics.groups").as_array().unwrap().clone();
        groups.into_iter().map(|g| (g["key"][0].as_str().unwrap().is_empty(), g["labels"].clone())).collect::<Vec<_>>()
    };
    let english = groups(app.gql_in("en-US,en;q=0.9", &superior, BY_TOWNSHIP, json!({})).await);
    assert_eq!(english, [(true, json!(["No township", "Reported"])), (false, json!(["T-EAST office", "Reported"]))]);
    let chinese = groups(app.gql_in("zh-CN", &superior, BY_TOWNSHIP, json!({})).await);
    assert_eq!(chinese, [(true, json!(["未指定乡镇", "待交办"])), (false, json!(["T-EAST office", "待交办"]))]);
    let named = groups(app.gql_in("zh-CN", &superior, BY_TOWNSHIP, json!({ "locale": "EN" })).await);
    assert_eq!(named, english, "the argument wins over the header");

    let generic = app
        .gql_in(
            "en",
            &superior,
            "{ issueStatistics(groupBy: [SUPERVISION_LEVEL, LEAD_DEPARTMENT]) { groups { labels } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(generic.data("issueStatistics.groups"), &json!([{ "labels": ["Not supervised", "Not assigned"] }]));
}

const REPORT: &str = "{ monthlyReports { nodes { statistics { groups { key labels total } } byDepartment { groups { key labels total } } } } }";

/// A report keeps what it froze: counts, keys and the names of rows as they were. Its enum
/// values and empty groups are labelled when read, in the reader's language; what is stored
/// holds no words of any language, so a report sealed before labels existed reads the same
/// way, and its seal (over the history chains, not the figures) still verifies.
#[tokio::test]
async fn a_sealed_report_keeps_its_figures_and_is_labelled_when_read() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let water = row_id(&county.water);
    let s = |action, to, on, lead: bool| Step { action, to, on, lead: lead.then_some(water), cooperating: "" };
    let steps = [
        s(A::Registered, S::Reported, "2025-03-02", false),
        s(A::Assigned, S::Assigned, "2025-03-03", true),
        s(A::RectificationStarted, S::InProgress, "2025-03-10", true),
    ];
    write_issue(&app, &county, "LB-1", Severity::General, "2025-06-30", &steps).await;
    write_issue(&app, &county, "LB-2", Severity::General, "2025-06-30", &steps[..1]).await;
    let bureau = app.bureau();
    app.mutate(&bureau, "submitMonthlyReport", json!({ "month": "2025-03" }), "monthlyReport { id }").await.ok();

    let stored = entity::monthly_report::Entity::find().one(&app.db.conn).await.unwrap().expect("the report");
    let stored: Value = serde_json::from_str(&stored.figures).unwrap();
    let stored_labels = |part: &str| -> Vec<Value> {
        stored[part]["groups"].as_array().unwrap().iter().map(|g| g["labels"][0].clone()).collect()
    };
    assert_eq!(stored_labels("overall"), [json!("IN_PROGRESS"), json!("REPORTED")], "values, not words");
    assert_eq!(stored_labels("by_department"), [json!("none"), json!("WATER office")], "as before labels");

    let english = app.gql_in("en", &bureau, REPORT, json!({})).await.ok();
    let chinese = app.gql_in("zh", &bureau, REPORT, json!({})).await.ok();
    let report = |reply: &Reply, part: &str| reply.data(&format!("monthlyReports.nodes.0.{part}.groups")).clone();
    assert_eq!(
        report(&english, "statistics"),
        json!([{ "key": ["IN_PROGRESS"], "labels": ["In progress"], "total": 1 }, { "key": ["REPORTED"], "labels": ["Reported"], "total": 1 }])
    );
    assert_eq!(
        report(&chinese, "statistics"),
        json!([{ "key": ["IN_PROGRESS"], "labels": ["整改中"], "total": 1 }, { "key": ["REPORTED"], "labels": ["待交办"], "total": 1 }])
    );
    assert_eq!(report(&english, "byDepartment")[0]["labels"], json!(["Not assigned"]));
    assert_eq!(report(&chinese, "byDepartment")[0]["labels"], json!(["未交办"]));
    assert_eq!(report(&chinese, "byDepartment")[1]["labels"], json!(["WATER office"]));

    let verified = app.gql(Some(&bureau), "{ verifyHistory { holds brokenSeal { month } } }", json!({})).await.ok();
    assert_eq!(verified.data("verifyHistory"), &json!({ "holds": true, "brokenSeal": null }));
}
