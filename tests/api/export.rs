//! Superior agencies' downloads: the ledger as CSV and XLSX, and the battle map as GeoJSON,
//! each checked against what the `issues` query answers for the same filter and viewer.

use std::io::{Cursor, Read};

use entity::enums::{IssueStatus, Role, Severity};
use serde_json::{Value, json};

use crate::helpers::*;

/// The headers offices expect, in their order.
pub(crate) const HEADERS: [&str; 16] = [
    "序号",
    "问题编号",
    "问题",
    "领域",
    "类别",
    "乡镇",
    "牵头单位",
    "配合单位",
    "责任领导",
    "整改时限",
    "整改状态",
    "是否逾期",
    "预警",
    "最新进展",
    "销号日期",
    "督办级别",
];

/// What the ledger says for each status.
fn status_label(status: &str) -> &'static str {
    match status {
        "REPORTED" => "待交办",
        "ASSIGNED" => "已交办",
        "IN_PROGRESS" => "整改中",
        "AWAITING_ACCEPTANCE" => "待验收",
        "ACCEPTED" => "已验收",
        "CLOSED" => "已销号",
        other => panic!("unknown status {other}"),
    }
}

const ISSUES: &str = "query($filter: IssueFilter) {
  issues(first: 100, filter: $filter, orderBy: {field: CODE, direction: ASC}) { nodes {
    id code title status deadline overdue warningLight leaderName latitude longitude severity
    leadDepartment { name } cooperatingDepartments { name } township { name }
    category { name aspect { name } } supervision { level }
    progressReports(first: 1) { nodes { content } }
  } }
}";

/// A download: status, headers and body.
pub(crate) struct Download {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Download {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The CSV records after the byte-order mark, header first.
    pub(crate) fn csv(&self) -> Vec<Vec<String>> {
        assert_eq!(self.status, 200, "{}", self.text());
        assert!(self.body.starts_with("\u{feff}".as_bytes()), "the CSV starts with a UTF-8 byte-order mark");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&self.body[3..]);
        reader.records().map(|r| r.expect("an RFC 4180 record").iter().map(str::to_owned).collect()).collect()
    }

    /// The first sheet's cells as text (dates as YYYY-MM-DD, numbers as integers).
    pub(crate) fn xlsx(&self) -> Vec<Vec<String>> {
        use calamine::{Data, Reader, Xlsx};
        assert_eq!(self.status, 200, "{}", self.text());
        let mut workbook: Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(self.body.clone())).expect("an XLSX file");
        let sheet = workbook.worksheet_range_at(0).expect("a sheet").expect("a readable sheet");
        let (_, width) = sheet.get_size();
        assert_eq!(width, HEADERS.len(), "one column per header");
        sheet
            .rows()
            .map(|row| {
                row.iter()
                    .map(|cell| match cell {
                        Data::Empty => String::new(),
                        Data::String(text) => text.clone(),
                        Data::Float(number) => format!("{number}"),
                        Data::Int(number) => number.to_string(),
                        Data::DateTime(at) => at.as_datetime().expect("a date").date().to_string(),
                        other => panic!("unexpected cell {other:?}"),
                    })
                    .collect()
            })
            .collect()
    }

    /// A part of the XLSX archive, such as the worksheet's XML.
    fn xlsx_part(&self, name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(self.body.clone())).expect("a zip archive");
        let mut text = String::new();
        archive.by_name(name).expect("the part").read_to_string(&mut text).expect("UTF-8 XML");
        text
    }
}

impl TestApp {
    pub(crate) async fn download(&self, path: &str, token: Option<&str>, query: &[(&str, String)]) -> Download {
        let mut request = self.client.get(format!("{}{path}", self.address)).query(query);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the request is sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("the whole body").to_vec();
        Download { status, headers, body }
    }

    async fn issues(&self, token: &str, filter: Value) -> Vec<Value> {
        let reply = self.gql(Some(token), ISSUES, json!({ "filter": filter })).await.ok();
        reply.data("issues.nodes").as_array().unwrap().clone()
    }
}

/// Registers an issue at a place (or none) and returns its id.
async fn register_at(app: &TestApp, county: &County, code: &str, title: &str, place: Option<(f64, f64)>) -> String {
    let mut input = json!({
        "code": code, "title": title, "description": "Found by the provincial team.",
        "roundId": county.round, "categoryId": county.category, "severity": "GENERAL", "townshipId": county.township,
    });
    if let Some((latitude, longitude)) = place {
        input["latitude"] = json!(latitude);
        input["longitude"] = json!(longitude);
    }
    let reply = app.mutate(&app.bureau(), "registerIssue", input, "issue { id }").await.ok();
    reply.data("registerIssue.issue.id").as_str().unwrap().to_owned()
}

async fn assign_to(app: &TestApp, issue: &str, lead: &str, cooperating: &[&str], deadline: &str) {
    app.mutate(
        &app.bureau(),
        "assignIssue",
        json!({ "issueId": issue, "leadDepartmentId": lead, "cooperatingDepartmentIds": cooperating,
                "deadline": deadline, "leaderName": "副县长 马骏" }),
        "issue { id }",
    )
    .await
    .ok();
}

/// Takes an issue WATER leads through to acceptance (and closure when `close`).
async fn complete(app: &TestApp, issue: &str, close: bool) {
    let water = app.department("WATER");
    let proof = app.proof(&water, issue).await;
    let steps = [
        (&water, "startRectification", json!({ "issueId": issue, "plan": "Build an interceptor" })),
        (&water, "requestAcceptance", json!({ "issueId": issue, "summary": "Done", "evidenceIds": [proof] })),
        (&app.bureau(), "acceptRectification", json!({ "issueId": issue, "opinion": "Checked", "noticeDays": 0 })),
    ];
    for (token, name, input) in steps {
        app.mutate(token, name, input, "issue { id }").await.ok();
    }
    if close {
        app.mutate(&app.bureau(), "closeIssue", json!({ "issueId": issue, "note": "Notice ran" }), "issue { id }")
            .await
            .ok();
    }
}

/// Where each seeded issue lies, as (latitude, longitude).
const PLACES: [(&str, (f64, f64)); 6] = [
    ("SD-01", (30.6021, 104.1523)),
    ("SD-02", (30.5512, 104.0101)),
    ("SD-03", (30.7003, 103.9004)),
    ("SD-04", (30.4105, 104.2207)),
    ("SD-05", (30.6508, 104.0609)),
    ("SD-06", (30.5001, 104.3002)),
];

fn place(code: &str) -> Option<(f64, f64)> {
    PLACES.iter().find(|(c, _)| *c == code).map(|(_, place)| *place)
}

/// A small ledger with every light and every kind of cell, registered out of code order:
///
/// | code  | lead | cooperating | deadline | status      | light |
/// |-------|------|-------------|----------|-------------|-------|
/// | SD-01 | WATER | HOUSING, T-EAST | -3 | ASSIGNED, supervised, 2 reports | RED |
/// | SD-02 | AGRI  | T-EAST      | +3       | IN_PROGRESS | BLUE  |
/// | SD-03 | WATER | HOUSING     | -1       | CLOSED      | GREEN |
/// | SD-04 | –     | –           | –        | REPORTED    | GREEN |
/// | SD-05 | WATER | HOUSING     | +30      | ASSIGNED    | GREEN |
/// | SD-06 | WATER | HOUSING     | -5       | ACCEPTED    | GREEN |
/// | SD-07 | WATER | –           | +2       | ASSIGNED, no place | (not on the map) |
async fn seed_ledger(app: &TestApp) -> County {
    let county = seed_county(app).await;
    let mut ids = std::collections::HashMap::new();
    for code in ["SD-05", "SD-02", "SD-07", "SD-01", "SD-04", "SD-06", "SD-03"] {
        let title = if code == "SD-01" {
            "Sewage, \"black\" water\nnear the bridge".to_owned()
        } else {
            format!("县城南门污水管网问题整改（{code}）")
        };
        ids.insert(code, register_at(app, &county, code, &title, place(code)).await);
    }
    let (water, housing, agri, township) = (&county.water, &county.housing, &county.agri, &county.township);
    assign_to(app, &ids["SD-01"], water, &[housing, township], &county_date(-3)).await;
    assign_to(app, &ids["SD-02"], agri, &[township], &county_date(3)).await;
    assign_to(app, &ids["SD-03"], water, &[housing], &county_date(-1)).await;
    assign_to(app, &ids["SD-05"], water, &[housing], &county_date(30)).await;
    assign_to(app, &ids["SD-06"], water, &[housing], &county_date(-5)).await;
    assign_to(app, &ids["SD-07"], water, &[], &county_date(2)).await;
    app.mutate(
        &app.department("AGRI"),
        "startRectification",
        json!({ "issueId": ids["SD-02"], "plan": "p" }),
        "issue { id }",
    )
    .await
    .ok();
    app.mutate(
        &app.bureau(),
        "superviseIssue",
        json!({ "issueId": ids["SD-01"], "level": "PROVINCIAL", "deadline": county_date(60) }),
        "issue { id }",
    )
    .await
    .ok();
    for content in ["First report: survey done", "Second report: pipe laid, 1.2 km"] {
        app.mutate(
            &app.department("WATER"),
            "submitProgressReport",
            json!({ "issueId": ids["SD-01"], "content": content, "percentComplete": 40 }),
            "progressReport { id }",
        )
        .await
        .ok();
    }
    complete(app, &ids["SD-03"], true).await;
    complete(app, &ids["SD-06"], false).await;
    county
}

/// What the ledger says for each warning light.
pub(crate) fn light_label(light: &str) -> &'static str {
    match light {
        "GREEN" => "绿灯",
        "BLUE" => "蓝灯",
        "YELLOW" => "黄灯",
        "RED" => "红灯",
        other => panic!("unknown light {other}"),
    }
}

/// The ledger row the `issues` query implies for an issue, in the columns' order.
fn expected_row(serial: usize, issue: &Value) -> Vec<String> {
    let text = |value: &Value| value.as_str().unwrap_or("").to_owned();
    let names = issue["cooperatingDepartments"].as_array().unwrap().iter().map(|d| text(&d["name"]));
    let supervision = match issue["supervision"]["level"].as_str() {
        Some("COUNTY") => "县级",
        Some("MUNICIPAL") => "市级",
        Some("PROVINCIAL") => "省级",
        _ => "",
    };
    let status = text(&issue["status"]);
    let closed_on = if status == "CLOSED" { county_date(0) } else { String::new() };
    vec![
        serial.to_string(),
        text(&issue["code"]),
        text(&issue["title"]),
        text(&issue["category"]["aspect"]["name"]),
        text(&issue["category"]["name"]),
        text(&issue["township"]["name"]),
        text(&issue["leadDepartment"]["name"]),
        names.collect::<Vec<_>>().join("、"),
        text(&issue["leaderName"]),
        text(&issue["deadline"]),
        status_label(&status).to_owned(),
        if issue["overdue"] == true { "是" } else { "否" }.to_owned(),
        light_label(issue["warningLight"].as_str().unwrap()).to_owned(),
        text(&issue["progressReports"]["nodes"][0]["content"]),
        closed_on,
        supervision.to_owned(),
    ]
}

fn expected_rows(issues: &[Value]) -> Vec<Vec<String>> {
    issues.iter().enumerate().map(|(n, issue)| expected_row(n + 1, issue)).collect()
}

/// The filters tried on every format: the query parameters, and the same as a GraphQL input.
fn filters(county: &County) -> Vec<(Vec<(&'static str, String)>, Value)> {
    vec![
        (vec![], json!({})),
        (vec![("status", "ASSIGNED,IN_PROGRESS".into())], json!({ "status": ["ASSIGNED", "IN_PROGRESS"] })),
        (vec![("status", "CLOSED".into()), ("status", "ACCEPTED".into())], json!({ "status": ["CLOSED", "ACCEPTED"] })),
        (vec![("overdue", "true".into())], json!({ "overdue": true })),
        (vec![("warningLight", "BLUE,green".into())], json!({ "warningLight": ["BLUE", "GREEN"] })),
        (vec![("supervised", "true".into())], json!({ "supervised": true })),
        (vec![("departmentId", county.township.clone())], json!({ "departmentId": county.township })),
        (vec![("leadDepartmentId", county.agri.clone())], json!({ "leadDepartmentId": county.agri })),
        (vec![("deadlineBefore", county_date(0))], json!({ "deadlineBefore": county_date(0) })),
        (vec![("search", "污水管网".into())], json!({ "search": "污水管网" })),
        (
            vec![("search", "black".into()), ("severity", "GENERAL".into())],
            json!({ "search": "black", "severity": "GENERAL" }),
        ),
        (
            vec![("roundId", county.round.clone()), ("aspectId", county.aspect.clone())],
            json!({ "roundId": county.round, "aspectId": county.aspect }),
        ),
        // Every field of the GraphQL filter is a parameter, the newer ones included.
        (vec![("townshipId", county.township.clone())], json!({ "townshipId": county.township })),
        (vec![("requiresEngineering", "false".into())], json!({ "requiresEngineering": false })),
        (vec![("supervisionLevel", "county".into())], json!({ "supervisionLevel": ["COUNTY"] })),
        (vec![("deadlineFrom", county_date(0))], json!({ "deadlineFrom": county_date(0) })),
        (vec![("disputed", "false".into())], json!({ "disputed": false })),
    ]
}

#[tokio::test]
async fn the_csv_ledger_holds_what_the_issues_query_shows_for_the_same_filter() {
    let app = spawn_app().await;
    let county = seed_ledger(&app).await;
    let superior = app.token(Role::Superior, "city-office", None);
    for (query, filter) in filters(&county) {
        let download = app.download("/export/issues.csv", Some(&superior), &query).await;
        let records = download.csv();
        assert_eq!(records[0], HEADERS, "the header row, for {filter}");
        let issues = app.issues(&superior, filter.clone()).await;
        assert_eq!(records[1..], expected_rows(&issues), "the rows, for {filter}");
    }
    let all = app.download("/export/issues.csv", Some(&superior), &[]).await;
    assert_eq!(all.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        all.header("content-disposition"),
        format!("attachment; filename=\"issues-{}.csv\"", county_date(0).replace('-', ""))
    );
    let records = all.csv();
    let codes: Vec<&str> = records[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(codes, ["SD-01", "SD-02", "SD-03", "SD-04", "SD-05", "SD-06", "SD-07"], "in code order");
    // Spot checks of what a reader of the sheet looks at, beyond agreeing with GraphQL.
    let first = &records[1];
    assert_eq!(first[2], "Sewage, \"black\" water\nnear the bridge", "a title with a comma, quotes and a line break");
    assert_eq!(first[6], "WATER office");
    assert_eq!(first[7], "HOUSING office、T-EAST office");
    assert_eq!((first[10].as_str(), first[11].as_str(), first[12].as_str()), ("已交办", "是", "红灯"));
    assert_eq!(first[13], "Second report: pipe laid, 1.2 km", "the newest progress report");
    assert_eq!(first[15], "省级");
    assert_eq!((records[3][10].as_str(), records[3][14].clone()), ("已销号", county_date(0)), "closed today");
    let text = all.text();
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\r'), "records end with CRLF");
}

#[tokio::test]
async fn the_xlsx_ledger_holds_what_the_issues_query_shows_under_a_frozen_header() {
    let app = spawn_app().await;
    let county = seed_ledger(&app).await;
    let superior = app.token(Role::Superior, "city-office", None);
    for (query, filter) in filters(&county) {
        let download = app.download("/export/issues.xlsx", Some(&superior), &query).await;
        let rows = download.xlsx();
        assert_eq!(rows[0], HEADERS, "the header row, for {filter}");
        let issues = app.issues(&superior, filter.clone()).await;
        assert_eq!(rows[1..], expected_rows(&issues), "the rows, for {filter}");
    }
    let all = app.download("/export/issues.xlsx", Some(&superior), &[]).await;
    assert_eq!(all.header("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(
        all.header("content-disposition"),
        format!("attachment; filename=\"issues-{}.xlsx\"", county_date(0).replace('-', ""))
    );
    assert_eq!(all.header("content-length"), all.body.len().to_string(), "the size is announced");
    assert_eq!(all.xlsx().len(), 8, "the header and 7 issues");
    let sheet = all.xlsx_part("xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"ySplit="1""#) && sheet.contains(r#"state="frozen""#), "the header row stays in view");
    assert!(sheet.contains(r#"<col min="3" max="3" width="44.7109375""#), "the title column is wide: {sheet:.600}");
}

#[tokio::test]
async fn a_department_downloads_only_its_own_issues() {
    let app = spawn_app().await;
    let county = seed_ledger(&app).await;
    let agri = app.department("AGRI");
    let codes = |rows: Vec<Vec<String>>| rows[1..].iter().map(|r| r[1].clone()).collect::<Vec<_>>();
    let csv = app.download("/export/issues.csv", Some(&agri), &[]).await.csv();
    assert_eq!(codes(csv), ["SD-02"]);
    let xlsx = app.download("/export/issues.xlsx", Some(&agri), &[]).await.xlsx();
    assert_eq!(codes(xlsx), ["SD-02"]);
    // Asking for another department's issues gives nothing rather than them.
    let theirs = app.download("/export/issues.csv", Some(&agri), &[("departmentId", county.water.clone())]).await;
    assert_eq!(theirs.csv().len(), 1, "the header alone");

    let water = app.department("WATER");
    let own: Vec<String> =
        app.issues(&water, json!({})).await.iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(own, ["SD-01", "SD-03", "SD-05", "SD-06", "SD-07"]);
    assert_eq!(codes(app.download("/export/issues.csv", Some(&water), &[]).await.csv()), own);
    assert_eq!(codes(app.download("/export/issues.xlsx", Some(&water), &[]).await.xlsx()), own);
    let map = app.download("/map/issues.geojson", Some(&water), &[]).await.json();
    let on_map: Vec<&str> =
        map["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    assert_eq!(on_map, ["SD-01", "SD-03", "SD-05", "SD-06"], "SD-07 has no place");
    let map = app.download("/map/issues.geojson", Some(&agri), &[]).await.json();
    assert_eq!(map["features"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_download_needs_a_valid_token_and_names_a_bad_parameter() {
    let app = spawn_app().await;
    let county = seed_ledger(&app).await;
    let superior = app.token(Role::Superior, "city-office", None);
    for path in ["/export/issues.csv", "/export/issues.xlsx", "/map/issues.geojson"] {
        for token in [None, Some("not-a-token")] {
            let refused = app.download(path, token, &[]).await;
            assert_eq!(refused.status, 401, "{path} with {token:?}");
            assert_eq!(refused.header("www-authenticate"), "Bearer");
            assert_eq!(refused.json()["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        }
        let unknown_department = app.token(Role::Department, "ghost", Some("NOWHERE"));
        assert_eq!(app.download(path, Some(&unknown_department), &[]).await.status, 401);

        let bad: [(&str, String); 7] = [
            ("status", "DONE".into()),
            ("roundId", county.water.clone()),
            ("deadlineBefore", "31.12.2026".into()),
            ("overdue", "yes".into()),
            ("stauts", "CLOSED".into()),
            ("updatedSince", "yesterday".into()),
            ("search", "x".repeat(201)),
        ];
        for (name, value) in bad {
            let refused = app.download(path, Some(&superior), &[(name, value.clone())]).await;
            assert_eq!(refused.status, 400, "{path}?{name}={value}");
            assert_eq!(refused.header("content-type"), "application/json; charset=utf-8");
            let body = refused.json();
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
            assert_eq!(body["errors"][0]["extensions"]["field"], name, "the error names the parameter");
            assert!(body["errors"][0]["message"].as_str().unwrap().contains(name), "{body}");
        }
        let twice =
            app.download(path, Some(&superior), &[("severity", "GENERAL".into()), ("severity", "MAJOR".into())]).await;
        assert_eq!((twice.status, twice.json()["errors"][0]["extensions"]["field"].clone()), (400, json!("severity")));
    }
}

#[tokio::test]
async fn an_export_longer_than_a_page_is_complete_and_in_code_order() {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let row_id = |global: &str| -> i64 {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global).unwrap();
        String::from_utf8(raw).unwrap().split_once(':').unwrap().1.parse().unwrap()
    };
    let (round, category) = (row_id(&county.round), row_id(&county.category));
    let (water, agri, township) = (row_id(&county.water), row_id(&county.agri), row_id(&county.township));
    // 1,200 issues written straight to the table, ids out of code order (7 is prime to 1,200).
    let now = chrono::Utc::now();
    let total: usize = 1_200;
    let models: Vec<entity::issue::ActiveModel> = (0..total)
        .map(|n| {
            let number = (n * 7) % total;
            entity::issue::ActiveModel {
                code: Set(format!("BULK-{number:04}")),
                title: Set(format!("Problem number {number}")),
                description: Set("Bulk".into()),
                status: Set(IssueStatus::Assigned),
                severity: Set(Severity::General),
                round_id: Set(round),
                category_id: Set(category),
                township_id: Set(Some(township)),
                latitude: Set(Some(30.0 + number as f64 / 10_000.0)),
                longitude: Set(Some(104.0)),
                requires_engineering: Set(false),
                lead_department_id: Set(Some(if number.is_multiple_of(2) { water } else { agri })),
                deadline: Set(Some(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap())),
                reopen_count: Set(0),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    for chunk in models.chunks(300) {
        entity::issue::Entity::insert_many(chunk.to_vec()).exec(&app.db.conn).await.unwrap();
    }
    let superior = app.token(Role::Superior, "city-office", None);
    let lead = |number: usize| if number.is_multiple_of(2) { "WATER office" } else { "AGRI office" };

    let before = app.statements();
    let csv = app.download("/export/issues.csv", Some(&superior), &[]).await.csv();
    let statements = app.statements() - before;
    println!("statements for a CSV export of {total} issues: {statements}");
    assert_eq!(csv.len(), total + 1, "every issue and the header");
    for (number, record) in csv[1..].iter().enumerate() {
        assert_eq!(record[0], (number + 1).to_string(), "numbered 1..n");
        assert_eq!(record[1], format!("BULK-{number:04}"), "in code order");
        assert_eq!(record[6], lead(number), "names resolved on every page");
    }
    // A page of 500 reads its issues, their cooperating units and their latest reports in a
    // statement each, plus names not seen before: a handful per page, never one per row.
    assert!(statements <= 15, "{statements} statements for {total} rows");

    let xlsx = app.download("/export/issues.xlsx", Some(&superior), &[]).await.xlsx();
    assert_eq!(xlsx.len(), total + 1);
    for (number, row) in xlsx[1..].iter().enumerate() {
        assert_eq!((row[0].clone(), row[1].clone()), ((number + 1).to_string(), format!("BULK-{number:04}")));
        assert_eq!(row[6], lead(number));
    }

    let map = app.download("/map/issues.geojson", Some(&superior), &[]).await.json();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), total);
    assert!(features.iter().enumerate().all(|(n, f)| f["properties"]["code"] == format!("BULK-{n:04}")));
}

#[tokio::test]
async fn the_battle_map_places_each_located_issue_with_its_warning_light() {
    let app = spawn_app().await;
    seed_ledger(&app).await;
    let superior = app.token(Role::Superior, "city-office", None);
    let download = app.download("/map/issues.geojson", Some(&superior), &[]).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), "application/geo+json");
    let map = download.json();
    assert_eq!(map["type"], "FeatureCollection");
    let issues = app.issues(&superior, json!({})).await;
    let features = map["features"].as_array().unwrap();
    let codes: Vec<&str> = features.iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SD-01", "SD-02", "SD-03", "SD-04", "SD-05", "SD-06"], "SD-07 has no place");
    for feature in features {
        let code = feature["properties"]["code"].as_str().unwrap();
        let issue = issues.iter().find(|i| i["code"] == code).unwrap();
        assert_eq!(feature["type"], "Feature");
        assert_eq!(feature["id"], issue["id"], "the GraphQL id");
        let (latitude, longitude) = place(code).unwrap();
        assert_eq!(feature["geometry"], json!({ "type": "Point", "coordinates": [longitude, latitude] }), "{code}");
        let properties = &feature["properties"];
        assert_eq!(properties["id"], issue["id"]);
        assert_eq!(properties["title"], issue["title"]);
        assert_eq!(properties["status"], issue["status"]);
        assert_eq!(properties["severity"], issue["severity"]);
        assert_eq!(properties["deadline"], issue["deadline"]);
        assert_eq!(properties["overdue"], issue["overdue"]);
        assert_eq!(properties["leadDepartment"], issue["leadDepartment"]["name"]);
    }
    let light = |code: &str| {
        features.iter().find(|f| f["properties"]["code"] == code).unwrap()["properties"]["warningLight"].clone()
    };
    assert_eq!(light("SD-01"), "RED", "three days overdue");
    assert_eq!(light("SD-02"), "BLUE", "three days left");
    assert_eq!(light("SD-03"), "GREEN", "closed");
    assert_eq!(light("SD-06"), "GREEN", "accepted after its deadline");
    assert_eq!(light("SD-04"), "GREEN", "no deadline yet");
    assert_eq!(light("SD-05"), "GREEN", "thirty days left, assigned today");

    let overdue = app.download("/map/issues.geojson", Some(&superior), &[("overdue", "true".into())]).await.json();
    assert_eq!(overdue["features"].as_array().unwrap().len(), 1, "filtered like the ledger");
    let none = app.download("/map/issues.geojson", Some(&superior), &[("status", "AWAITING_ACCEPTANCE".into())]).await;
    assert_eq!(none.json(), json!({ "type": "FeatureCollection", "features": [] }), "an empty map is still a map");
}

/// An issue past its supervision deadline (its own deadline a month away) is overdue in the
/// ledger and on the map too, where the overdue filter finds it and its light is red.
#[tokio::test]
async fn a_passed_supervision_deadline_is_overdue_in_the_ledger_and_on_the_map() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = register_at(&app, &county, "SUP-01", "Listed outfall", Some((30.12, 114.33))).await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let listing = json!({ "issueId": issue, "level": "MUNICIPAL", "deadline": county_date(-2) });
    app.mutate(&app.bureau(), "superviseIssue", listing, "issue { id }").await.ok();
    let superior = app.token(Role::Superior, "city-office", None);

    let overdue_column = HEADERS.iter().position(|h| *h == "是否逾期").unwrap();
    let csv = app.download("/export/issues.csv", Some(&superior), &[("overdue", "true".into())]).await.csv();
    assert_eq!(csv.len(), 2, "the header and the issue");
    assert_eq!((csv[1][1].as_str(), csv[1][overdue_column].as_str()), ("SUP-01", "是"));

    let map = app.download("/map/issues.geojson", Some(&superior), &[("overdue", "true".into())]).await.json();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    assert_eq!(features[0]["properties"]["overdue"], true);
    assert_eq!(features[0]["properties"]["warningLight"], "RED");
}
