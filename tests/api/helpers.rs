//! `spawn_app()`: the real server on a free port over a fresh database, plus helpers to talk
//! to it. SQLite files by default; a new PostgreSQL database per test when
//! `RECTIFY_TEST_POSTGRES_URL` names a server (and then a server that cannot be reached fails
//! the test rather than skipping it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use entity::enums::{DepartmentKind, InspectionKind, InspectionLevel, Role};
use rectify::auth::{Principal, TokenService};
use rectify::config::{
    AuthSettings, CountySettings, DatabaseSettings, DevToolSettings, EvidenceSettings, LimitSettings, Secret, Settings,
};
use rectify::db::Database;
use rectify::evidence_store::EvidenceStore;
use rectify::service::Services;
use rectify::service::catalog::{NewCategory, NewRound};
use rectify::service::departments::NewDepartment;
use rectify::startup::Application;
use sea_orm::{ConnectionTrait, Database as SeaDatabase};
use serde_json::{Value, json};

/// A small real PNG (the demo's photo).
pub const PROOF_PNG: &[u8] = include_bytes!("../../assets/demo-photo-after.png");

/// What tests read back of an upload.
pub const EVIDENCE: &str = "evidence { id kind fileName contentType byteSize sha256 capturedAt latitude longitude note uploadedBy url issue { code } }";

pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Database,
    pub services: Services,
    pub tokens: Arc<TokenService>,
    /// Where uploaded evidence is stored for this test.
    pub evidence_dir: std::path::PathBuf,
    /// The settings the server runs with, for a second server on the same database.
    pub settings: Settings,
    _store: Store,
    _evidence: tempfile::TempDir,
}

/// Where the test's database lives, dropped with the test.
enum Store {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Store::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async code; a small runtime of its own removes the database.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let admin = SeaDatabase::connect(admin_url).await.ok()?;
                    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok()
                })
            })
            .join();
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Connections of a test server's PostgreSQL pool: enough for the racing tests to race on
/// each HTTP worker (3 each on two cores, see `db::Database`).
const TEST_POSTGRES_POOL: u32 = 8;

async fn fresh_database() -> (String, Store) {
    match std::env::var("RECTIFY_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("rectify_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
            let admin = SeaDatabase::connect(admin_url.clone())
                .await
                .unwrap_or_else(|e| panic!("RECTIFY_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached: {e}"));
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("creating the test database");
            let base = admin_url.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or(admin_url.clone());
            (format!("{base}/{name}"), Store::Postgres { admin_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("rectify.db").display());
            (url, Store::Sqlite(dir))
        }
    }
}

/// The settings of a test server. Introspection and GraphiQL are on, as in `serve --demo`: tests
/// read the schema through `__type` (`TYPE_FIELDS`) and load the page; a test of either turned
/// off says so with `spawn_app_with`.
pub fn settings(database_url: String, timezone: &str) -> Settings {
    Settings {
        // The server's 20 PostgreSQL connections, opened up front, cost ~2 s of CPU per test.
        database: DatabaseSettings {
            pool: database_url.starts_with("postgres").then_some(TEST_POSTGRES_POOL),
            url: database_url,
        },
        bind: "127.0.0.1:0".into(),
        trusted_proxies: Vec::new(),
        auth: AuthSettings { jwt_secret: Some(Secret::new(SECRET)), ..AuthSettings::defaults() },
        county: CountySettings {
            timezone: timezone.parse().expect("a time zone"),
            repeat_offender_violations: 2,
            repeat_offender_days: 365,
            warning_days: rectify::domain::warning::DEFAULT_WARNING_DAYS,
            instructions_by_any_leader: false,
            dispute_days: rectify::domain::disputes::DEFAULT_DISPUTE_DAYS,
            gate_rules: rectify::domain::gate::GateRules::default(),
            evidence_far_meters: rectify::domain::site_proof::DEFAULT_FAR_FROM_SITE_METERS,
            evidence_stale_days: rectify::domain::site_proof::DEFAULT_STALE_PHOTO_DAYS,
            signing_key: Some(rectify::config::Secret::new(SIGNING_KEY)),
        },
        limits: LimitSettings::default(),
        evidence: EvidenceSettings { store: String::new() },
        dev_tools: DevToolSettings { introspection: Some(true), graphiql: Some(true) },
        reference_cache_secs: rectify::service::DEFAULT_REFERENCE_TIME_TO_LIVE.as_secs(),
        // The tests sweep when they mean to, on the day they choose.
        sweep_every: rectify::config::Schedule(None),
        redis_url: None,
        shutdown_secs: 5,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_in(timezone: &str) -> TestApp {
    let timezone = timezone.to_owned();
    spawn_app_with(move |s| s.county.timezone = timezone.parse().expect("a time zone")).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, store) = fresh_database().await;
    let evidence = tempfile::tempdir().expect("an evidence directory");
    let mut settings = settings(url, "Asia/Shanghai");
    settings.evidence.store = format!("file://{}", evidence.path().display());
    adjust(&mut settings);
    let db = Database::connect_pooled(&settings.database.url, settings.database.pool)
        .await
        .expect("opening the test database");
    db.migrate().await.expect("migrations");
    let tokens = Arc::new(TokenService::new(&settings.auth, SECRET).expect("token service"));
    let evidence_store = EvidenceStore::open(&settings.evidence.store).expect("the evidence store");
    let services = Services::from_settings(db.clone(), &settings.services(), tokens.clone(), evidence_store);
    let app = Application::build(&settings, services.clone()).expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("an HTTP client");
    let evidence_dir = evidence.path().to_path_buf();
    TestApp { address, client, db, services, tokens, evidence_dir, settings, _store: store, _evidence: evidence }
}

impl TestApp {
    /// Starts another server on the same database, as a second instance behind a load
    /// balancer would be, and answers its address and services.
    pub async fn second_server(&self) -> (String, Services) {
        let db = Database::connect_pooled(&self.settings.database.url, self.settings.database.pool)
            .await
            .expect("opening the database again");
        let store = EvidenceStore::open(&self.settings.evidence.store).expect("the evidence store");
        let services = Services::from_settings(db, &self.settings.services(), self.tokens.clone(), store);
        let app = Application::build(&self.settings, services.clone()).expect("building the second app");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        (address, services)
    }
}

/// A GraphQL answer: the HTTP status and the body.
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// `data` at a dotted path, e.g. `issue.status`.
    pub fn data(&self, path: &str) -> &Value {
        path.split('.').fold(&self.body["data"], |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[key],
        })
    }

    /// The first error's `extensions.code`, or "" when there is none.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
    }

    pub fn field(&self) -> &str {
        self.body["errors"][0]["extensions"]["field"].as_str().unwrap_or("")
    }

    /// Panics with the body when the reply carries errors.
    pub fn ok(self) -> Self {
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
        self
    }
}

impl TestApp {
    pub fn token(&self, role: Role, sub: &str, dept: Option<&str>) -> String {
        self.tokens.issue(sub, role, dept, None, Duration::from_secs(600)).expect("a token").token
    }

    pub fn bureau(&self) -> String {
        self.token(Role::Bureau, "bureau-officer", None)
    }

    pub fn department(&self, code: &str) -> String {
        self.token(Role::Department, &format!("{}-officer", code.to_lowercase()), Some(code))
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Reply {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the request is sent");
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        Reply { status, body }
    }

    /// Runs a mutation `name(input: $input)` and returns the reply.
    pub async fn mutate(&self, token: &str, name: &str, input: Value, selection: &str) -> Reply {
        let query =
            format!("mutation($input: {}Input!) {{ {name}(input: $input) {{ {selection} }} }}", upper_first(name));
        self.gql(Some(token), &query, json!({ "input": input })).await
    }

    /// Uploads a file with `uploadEvidence` as a multipart request; `input` is everything but
    /// the file.
    pub async fn upload(&self, token: &str, input: Value, file_name: &str, bytes: Vec<u8>) -> Reply {
        let mut input = input;
        input["file"] = Value::Null;
        let operations = json!({
            "query": format!("mutation($input: UploadEvidenceInput!) {{ uploadEvidence(input: $input) {{ {EVIDENCE} }} }}"),
            "variables": { "input": input },
        });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{ "0": ["variables.input.file"] }"#)
            .part("0", reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()));
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .header("GraphQL-Require-Preflight", "1")
            .multipart(form)
            .send()
            .await
            .expect("the upload is sent");
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        Reply { status, body }
    }

    /// Uploads a small photo as proof for `issue` and returns the evidence id.
    pub async fn proof(&self, token: &str, issue: &str) -> String {
        let reply = self
            .upload(token, json!({ "issueId": issue, "kind": "PHOTO_AFTER" }), "after.png", PROOF_PNG.to_vec())
            .await
            .ok();
        reply.data("uploadEvidence.evidence.id").as_str().expect("an evidence id").to_owned()
    }

    /// Creates a BUREAU user through `admin` and signs it in: its id and its token.
    pub async fn signed_in_bureau_user(&self, admin: &str, username: &str, password: &str) -> (String, String) {
        let input = json!({ "username": username, "password": password, "role": "BUREAU" });
        let created = self.mutate(admin, "createUser", input, "user { id }").await.ok();
        let user_id = created.data("createUser.user.id").as_str().expect("a user id").to_owned();
        let login = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }";
        let signed_in = self.gql(None, login, json!({ "u": username, "p": password })).await.ok();
        (user_id, signed_in.data("login.token").as_str().expect("a token").to_owned())
    }

    /// SQL statements the server has run so far.
    pub fn statements(&self) -> u64 {
        self.db.statement_count()
    }
}

fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// The reference data most tests stand on, with their global ids.
pub struct County {
    pub bureau: String,
    pub water: String,
    pub housing: String,
    pub agri: String,
    pub township: String,
    pub round: String,
    pub aspect: String,
    /// Duty department WATER.
    pub category: String,
    /// Duty department: the bureau.
    pub bureau_category: String,
}

/// Runs the `rectify` program on the test server's database.
pub fn rectify_cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
        .env_remove("RECTIFY_JWT_SECRET")
        .env("RECTIFY_LOG", "warn")
        .env("RECTIFY_DATABASE_URL", &app.settings.database.url)
        .args(args)
        .output()
        .unwrap()
}

/// The county's signing key in tests: the secret of RFC 8032's first Ed25519 test vector (hex).
pub const SIGNING_KEY: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

pub fn node_id(kind: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

pub fn bureau_principal() -> Principal {
    Principal { sub: "setup".into(), name: None, role: Role::Bureau, department_id: None }
}

/// Creates departments, a round, an aspect and two categories through the services.
pub async fn seed_county(app: &TestApp) -> County {
    let admin = Principal { role: Role::Admin, ..bureau_principal() };
    let bureau = bureau_principal();
    let s = &app.services;
    let department = |code: &'static str, kind| {
        let admin = admin.clone();
        async move {
            s.create_department(
                &admin,
                NewDepartment { code: code.into(), name: format!("{code} office"), kind, head_name: None },
            )
            .await
            .expect("a department")
            .id
        }
    };
    let epb = department("EPB", DepartmentKind::Bureau).await;
    let water = department("WATER", DepartmentKind::Functional).await;
    let housing = department("HOUSING", DepartmentKind::Functional).await;
    let agri = department("AGRI", DepartmentKind::Functional).await;
    let township = department("T-EAST", DepartmentKind::Township).await;
    let round = s
        .create_round(
            &bureau,
            NewRound {
                name: "Provincial round".into(),
                level: InspectionLevel::Provincial,
                kind: InspectionKind::Routine,
                started_on: "2026-03-01".parse().unwrap(),
                feedback_on: None,
                document_number: None,
            },
        )
        .await
        .expect("a round")
        .id;
    let aspect = s.create_aspect(&bureau, "A1", "Water").await.expect("an aspect").id;
    let category = s
        .create_category(
            &bureau,
            NewCategory {
                aspect_id: aspect,
                code: "A1-1".into(),
                name: "Black water".into(),
                duty_department_id: water,
            },
        )
        .await
        .expect("a category")
        .id;
    let bureau_category = s
        .create_category(
            &bureau,
            NewCategory { aspect_id: aspect, code: "A1-2".into(), name: "Enforcement".into(), duty_department_id: epb },
        )
        .await
        .expect("a category")
        .id;
    County {
        bureau: node_id("Department", epb),
        water: node_id("Department", water),
        housing: node_id("Department", housing),
        agri: node_id("Department", agri),
        township: node_id("Department", township),
        round: node_id("InspectionRound", round),
        aspect: node_id("Aspect", aspect),
        category: node_id("Category", category),
        bureau_category: node_id("Category", bureau_category),
    }
}

pub const ISSUE_FIELDS: &str =
    "id code status version overdue reopenCount deadline leadDepartment { code } cooperatingDepartments { code }";

impl TestApp {
    /// Registers an issue through the API and returns its id.
    pub async fn register(&self, county: &County, code: &str) -> String {
        let reply = self
            .mutate(
                &self.bureau(),
                "registerIssue",
                json!({
                    "code": code, "title": format!("Problem {code}"), "description": "Sewage flows into the river.",
                    "roundId": county.round, "categoryId": county.category, "severity": "GENERAL",
                    "location": "East bridge", "townshipId": county.township, "latitude": 30.5, "longitude": 104.1
                }),
                "issue { id }",
            )
            .await
            .ok();
        reply.data("registerIssue.issue.id").as_str().expect("an id").to_owned()
    }

    /// Assigns an issue to WATER (lead) with HOUSING cooperating.
    pub async fn assign(&self, county: &County, issue: &str, deadline: &str) -> Reply {
        self.mutate(
            &self.bureau(),
            "assignIssue",
            json!({ "issueId": issue, "leadDepartmentId": county.water, "cooperatingDepartmentIds": [county.housing],
                    "deadline": deadline, "leaderName": "Deputy head Ma" }),
            &format!("issue {{ {ISSUE_FIELDS} }}"),
        )
        .await
    }
}

/// The county's date today, shifted by `days`, as `YYYY-MM-DD`.
pub fn county_date(days: i64) -> String {
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    (today + chrono::Duration::days(days)).to_string()
}

/// The named type under a field's wrappers (lists, non-null), from introspection.
pub fn named_type(field: &Value) -> (&str, &str) {
    let mut ty = &field["type"];
    while ty["name"].is_null() {
        ty = &ty["ofType"];
    }
    (ty["kind"].as_str().unwrap(), ty["name"].as_str().unwrap())
}

pub const TYPE_FIELDS: &str = "query($name: String!) { __type(name: $name) { fields { name
  args { name type { kind ofType { name } } }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";

/// How to select `field` of a type: a leaf by its name (with a made-up value for each
/// argument it requires), an object with all of its leaves that need no argument.
pub async fn selection_of(app: &TestApp, token: &str, field: &Value) -> String {
    let name = field["name"].as_str().unwrap();
    let (kind, type_name) = named_type(field);
    if kind == "SCALAR" || kind == "ENUM" {
        let required: Vec<String> = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|argument| argument["type"]["kind"] == "NON_NULL")
            .map(|argument| {
                let value = match argument["type"]["ofType"]["name"].as_str() {
                    Some("Float") => "30.5",
                    Some("Int") => "1",
                    Some("Boolean") => "true",
                    other => panic!("no made-up value for a required {other:?}"),
                };
                format!("{}: {value}", argument["name"].as_str().unwrap())
            })
            .collect();
        return if required.is_empty() { name.to_owned() } else { format!("{name}({})", required.join(", ")) };
    }
    let reply = app.gql(Some(token), TYPE_FIELDS, json!({ "name": type_name })).await.ok();
    let leaves: Vec<&str> = reply
        .data("__type.fields")
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["args"].as_array().unwrap().iter().all(|a| a["type"]["kind"] != "NON_NULL"))
        .filter(|f| matches!(named_type(f).0, "SCALAR" | "ENUM"))
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    format!("{name} {{ __typename {} }}", leaves.join(" "))
}

/// An issue led by WATER, accepted with a public notice of `notice_days`.
pub async fn accepted_issue(app: &TestApp, county: &County, code: &str, notice_days: u32) -> String {
    let issue = app.register(county, code).await;
    app.assign(county, &issue, &county_date(30)).await.ok();
    let water = app.department("WATER");
    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let proof = app.proof(&water, &issue).await;
    let request = json!({ "issueId": issue, "summary": "done", "evidenceIds": [proof] });
    app.mutate(&water, "requestAcceptance", request, "issue { id }").await.ok();
    let acceptance = json!({ "issueId": issue, "opinion": "ok", "noticeDays": notice_days });
    app.mutate(&app.bureau(), "acceptRectification", acceptance, "issue { id }").await.ok();
    issue
}

/// Lifts the database's guard against UPDATE on `table` (append-only or written-once), as an
/// insider with DDL rights could: for tests that backdate a record or tamper with one.
pub async fn lift_update_guard(app: &TestApp, table: &str) {
    use sea_orm::ConnectionTrait;
    let sql = match app.db.conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!(
            "DROP TRIGGER IF EXISTS {table}_append_only ON {table}; DROP TRIGGER IF EXISTS {table}_write_once ON {table}"
        ),
        _ => format!("DROP TRIGGER IF EXISTS {table}_no_update"),
    };
    app.db.conn.execute_unprepared(&sql).await.expect("the guard lifted");
}

/// The real server, as a process the test can kill.
pub struct Server {
    pub child: std::process::Child,
    pub address: String,
}

/// Starts `rectify serve` on `database` and `evidence` with the test secret, no sweep and
/// `extra` settings on top.
pub fn start_server(database: &str, evidence: &str, extra: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
        .env("RECTIFY_DATABASE_URL", database)
        .env("RECTIFY_EVIDENCE_STORE", evidence)
        .env("RECTIFY_JWT_SECRET", SECRET)
        .env("RECTIFY_BIND", format!("127.0.0.1:{port}"))
        .env("RECTIFY_SWEEP_EVERY", "off")
        .env("RECTIFY_LOG", "warn")
        .envs(database.starts_with("postgres").then(|| ("RECTIFY_DATABASE_POOL", TEST_POSTGRES_POOL.to_string())))
        .envs(extra.iter().copied())
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Server { child, address: format!("http://127.0.0.1:{port}") }
}

/// Waits until the server answers `/readyz` with 200.
pub async fn ready(client: &reqwest::Client, server: &Server) {
    for _ in 0..200 {
        if client.get(format!("{}/readyz", server.address)).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

/// The test Redis (`RECTIFY_TEST_REDIS_URL`); the tests that need it are ignored unless run
/// with `--include-ignored`, and then fail without it.
pub fn test_redis() -> rectify::config::Secret {
    let url = std::env::var("RECTIFY_TEST_REDIS_URL").expect("this test needs RECTIFY_TEST_REDIS_URL");
    rectify::config::Secret::new(url)
}

/// A name no earlier run used, so that what an earlier run left in the shared store (a
/// budget, login counters) does not count.
pub fn fresh_subject(name: &str) -> String {
    format!("{name}-{}-{}", std::process::id(), nanos_now())
}

/// An address of 127.0.0.0/8 (all of which reach the server's 127.0.0.1) that no earlier run
/// is likely to have used, for the login counters kept per address in the shared store.
pub fn fresh_loopback() -> String {
    static NEXT: std::sync::OnceLock<std::sync::atomic::AtomicU32> = std::sync::OnceLock::new();
    let next = NEXT.get_or_init(|| std::sync::atomic::AtomicU32::new(nanos_now() as u32 ^ std::process::id() << 12));
    // Consecutive in this run from a start of its own, each once; the last byte runs from 2 to
    // 255, so never 127.0.0.0 or 127.0.0.1.
    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % (254 * 65_536);
    let (c, b, a) = (2 + n % 254, (n / 254) % 256, n / (254 * 256));
    format!("127.{a}.{b}.{c}")
}

fn nanos_now() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}
