//! The raw baseline: the questions of the GraphQL workloads answered with hand-written SQL
//! through sqlx and serde, with nothing in between (no GraphQL parsing or validation, no
//! token, no DataLoader). It reads the same database as the product, with the same pool
//! settings (SQLite in WAL mode with 16 connections, PostgreSQL with 20; no ping before a
//! connection is used, unless it has been idle for a second on PostgreSQL).
//!
//! - `GET /healthz`: `ok`, the HTTP floor.
//! - `GET /issues?first=50`: the first page of issues, newest first (`created_at DESC, id
//!   DESC`, as `issues(first: 50)`), each with its lead department, cooperating departments
//!   (in id order), category with its aspect, and round: two statements (the page joined
//!   with its reference rows, then the page's cooperating units).
//! - `GET /issue/{id}`: one issue with its lead and cooperating departments and its first 50
//!   events with their total: three statements.
//!
//! Answers are compressed when `Accept-Encoding` asks for zstd or gzip (zstd first), whole and
//! on the spot, at the product's levels (zstd 1, gzip 1), and sent with their length: the
//! plainest way to compress a JSON answer of a few kilobytes, with no middleware.
//!
//! `BASELINE_DATABASE_URL` (or `RECTIFY_DATABASE_URL`) names the database, `BASELINE_BIND`
//! the address (default `127.0.0.1:18899`).

use std::collections::HashMap;

use std::io::Write;

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Serialize)]
struct Named {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Category {
    code: String,
    name: String,
    aspect: Named,
}

#[derive(Serialize)]
struct Round {
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssueNode {
    id: String,
    code: String,
    title: String,
    status: String,
    severity: String,
    deadline: Option<NaiveDate>,
    lead_department: Option<Named>,
    cooperating_departments: Vec<Named>,
    category: Category,
    round: Round,
    #[serde(skip)]
    row_id: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    action: String,
    from_status: Option<String>,
    to_status: String,
    actor: String,
    actor_role: String,
    note: Option<String>,
    at: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Events {
    total_count: i64,
    nodes: Vec<Event>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssueDetail {
    id: String,
    code: String,
    title: String,
    status: String,
    lead_department: Option<Named>,
    cooperating_departments: Vec<Named>,
    events: Events,
}

/// The product's global id: `Issue:<id>` in unpadded URL-safe base64.
fn global_id(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("Issue:{id}"))
}

const PAGE_SQL: &str = "SELECT i.id, i.code, i.title, i.status, i.severity, i.deadline, \
       l.code AS lead_code, l.name AS lead_name, c.code AS category_code, c.name AS category_name, \
       a.code AS aspect_code, a.name AS aspect_name, r.name AS round_name \
     FROM issue i \
     LEFT JOIN department l ON l.id = i.lead_department_id \
     JOIN category c ON c.id = i.category_id \
     JOIN aspect a ON a.id = c.aspect_id \
     JOIN inspection_round r ON r.id = i.round_id \
     ORDER BY i.created_at DESC, i.id DESC LIMIT ";

const COOPERATORS_SQL: &str = "SELECT ic.issue_id, d.code, d.name FROM issue_cooperator ic \
     JOIN department d ON d.id = ic.department_id WHERE ic.issue_id IN ";

const ISSUE_SQL: &str = "SELECT i.id, i.code, i.title, i.status, l.code AS lead_code, l.name AS lead_name \
     FROM issue i LEFT JOIN department l ON l.id = i.lead_department_id WHERE i.id = ";

const EVENTS_SQL: &str = "SELECT action, from_status, to_status, actor_sub, actor_role, note, at, \
       COUNT(*) OVER () AS total FROM issue_event WHERE issue_id = ";

macro_rules! node_from_row {
    ($row:expr) => {{
        let row = $row;
        let lead_code: Option<String> = row.try_get("lead_code")?;
        let lead_name: Option<String> = row.try_get("lead_name")?;
        let id: i64 = row.try_get("id")?;
        IssueNode {
            id: global_id(id),
            row_id: id,
            code: row.try_get("code")?,
            title: row.try_get("title")?,
            status: row.try_get("status")?,
            severity: row.try_get("severity")?,
            deadline: row.try_get("deadline")?,
            lead_department: lead_code.zip(lead_name).map(|(code, name)| Named { code, name }),
            cooperating_departments: Vec::new(),
            category: Category {
                code: row.try_get("category_code")?,
                name: row.try_get("category_name")?,
                aspect: Named { code: row.try_get("aspect_code")?, name: row.try_get("aspect_name")? },
            },
            round: Round { name: row.try_get("round_name")? },
        }
    }};
}

fn placeholders(n: usize, postgres: bool) -> String {
    let list: Vec<String> = (1..=n).map(|i| if postgres { format!("${i}") } else { "?".to_owned() }).collect();
    format!("({})", list.join(","))
}

fn cooperators_from<R: Row>(rows: Vec<R>) -> Result<HashMap<i64, Vec<Named>>, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let mut found: HashMap<i64, Vec<Named>> = HashMap::new();
    for row in rows {
        let issue: i64 = row.try_get("issue_id")?;
        found.entry(issue).or_default().push(Named { code: row.try_get("code")?, name: row.try_get("name")? });
    }
    Ok(found)
}

impl Db {
    async fn page(&self, first: i64) -> Result<Vec<IssueNode>, sqlx::Error> {
        let page_sql = format!("{PAGE_SQL}{first}");
        let mut nodes = Vec::with_capacity(first as usize);
        let mut cooperators = match self {
            Db::Sqlite(pool) => {
                for row in sqlx::query(AssertSqlSafe(page_sql.clone())).fetch_all(pool).await? {
                    let row: SqliteRow = row;
                    nodes.push(node_from_row!(&row));
                }
                if nodes.is_empty() {
                    return Ok(nodes);
                }
                let sql = format!(
                    "{COOPERATORS_SQL}{} ORDER BY ic.issue_id, ic.department_id",
                    placeholders(nodes.len(), false)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
                for node in &nodes {
                    query = query.bind(node.row_id);
                }
                cooperators_from(query.fetch_all(pool).await?)?
            }
            Db::Postgres(pool) => {
                for row in sqlx::query(AssertSqlSafe(page_sql.clone())).fetch_all(pool).await? {
                    let row: PgRow = row;
                    nodes.push(node_from_row!(&row));
                }
                if nodes.is_empty() {
                    return Ok(nodes);
                }
                let sql = format!(
                    "{COOPERATORS_SQL}{} ORDER BY ic.issue_id, ic.department_id",
                    placeholders(nodes.len(), true)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
                for node in &nodes {
                    query = query.bind(node.row_id);
                }
                cooperators_from(query.fetch_all(pool).await?)?
            }
        };
        for node in &mut nodes {
            node.cooperating_departments = cooperators.remove(&node.row_id).unwrap_or_default();
        }
        Ok(nodes)
    }

    async fn issue(&self, id: i64) -> Result<Option<IssueDetail>, sqlx::Error> {
        macro_rules! detail {
            ($pool:expr, $p1:literal) => {{
                let pool = $pool;
                let Some(row) =
                    sqlx::query(AssertSqlSafe(format!("{ISSUE_SQL}{}", $p1))).bind(id).fetch_optional(pool).await?
                else {
                    return Ok(None);
                };
                let lead_code: Option<String> = row.try_get("lead_code")?;
                let lead_name: Option<String> = row.try_get("lead_name")?;
                let coop_sql = format!("{COOPERATORS_SQL}({}) ORDER BY ic.issue_id, ic.department_id", $p1);
                let cooperating =
                    cooperators_from(sqlx::query(AssertSqlSafe(coop_sql)).bind(id).fetch_all(pool).await?)?
                        .remove(&id)
                        .unwrap_or_default();
                let events_sql = format!("{EVENTS_SQL}{} ORDER BY id LIMIT 50", $p1);
                let mut total = 0;
                let mut nodes = Vec::new();
                for event in sqlx::query(AssertSqlSafe(events_sql)).bind(id).fetch_all(pool).await? {
                    total = event.try_get("total")?;
                    nodes.push(Event {
                        action: event.try_get("action")?,
                        from_status: event.try_get("from_status")?,
                        to_status: event.try_get("to_status")?,
                        actor: event.try_get("actor_sub")?,
                        actor_role: event.try_get("actor_role")?,
                        note: event.try_get("note")?,
                        at: event.try_get("at")?,
                    });
                }
                Ok(Some(IssueDetail {
                    id: global_id(id),
                    code: row.try_get("code")?,
                    title: row.try_get("title")?,
                    status: row.try_get("status")?,
                    lead_department: lead_code.zip(lead_name).map(|(code, name)| Named { code, name }),
                    cooperating_departments: cooperating,
                    events: Events { total_count: total, nodes },
                }))
            }};
        }
        match self {
            Db::Sqlite(pool) => detail!(pool, "?"),
            Db::Postgres(pool) => detail!(pool, "$1"),
        }
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

#[derive(serde::Deserialize)]
struct PageQuery {
    first: Option<i64>,
}

fn failure(error: sqlx::Error) -> HttpResponse {
    eprintln!("baseline: {error}");
    HttpResponse::InternalServerError().json(serde_json::json!({"errors": [{"message": "database failure"}]}))
}

/// The GraphQL response envelopes, serialized straight from the rows: a `json!` envelope
/// would first copy every row into a tree of `serde_json::Value`, which cost the baseline
/// some 40% of its instructions per page (callgrind).
#[derive(Serialize)]
struct Data<T> {
    data: T,
}

#[derive(Serialize)]
struct IssuesField<T> {
    issues: T,
}

#[derive(Serialize)]
struct NodesField<T> {
    nodes: T,
}

#[derive(Serialize)]
struct IssueField<T> {
    issue: T,
}

/// The JSON of `answer`, compressed as the request's `Accept-Encoding` allows.
fn answer<T: Serialize>(request: &HttpRequest, answer: &T) -> HttpResponse {
    let json = match serde_json::to_vec(answer) {
        Ok(json) => json,
        Err(error) => return HttpResponse::InternalServerError().body(error.to_string()),
    };
    let accepts = request.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    let offered = |name: &str| accepts.split(',').any(|part| part.trim().split(';').next() == Some(name));
    let mut response = HttpResponse::Ok();
    response.content_type("application/json");
    let body = if offered("zstd") {
        response.insert_header((header::CONTENT_ENCODING, "zstd"));
        zstd::bulk::compress(&json, 1).expect("zstd")
    } else if offered("gzip") {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 4), flate2::Compression::fast());
        encoder.write_all(&json).expect("gzip");
        encoder.finish().expect("gzip")
    } else {
        json
    };
    response.body(body)
}

async fn issues(request: HttpRequest, db: web::Data<Db>, query: web::Query<PageQuery>) -> HttpResponse {
    let first = query.first.unwrap_or(50).clamp(0, 100);
    match db.page(first).await {
        Ok(nodes) => answer(&request, &Data { data: IssuesField { issues: NodesField { nodes } } }),
        Err(error) => failure(error),
    }
}

async fn issue(request: HttpRequest, db: web::Data<Db>, id: web::Path<i64>) -> HttpResponse {
    match db.issue(id.into_inner()).await {
        Ok(found) => answer(&request, &Data { data: IssueField { issue: found } }),
        Err(error) => failure(error),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("BASELINE_DATABASE_URL")
        .or_else(|_| std::env::var("RECTIFY_DATABASE_URL"))
        .map_err(|_| anyhow::anyhow!("set BASELINE_DATABASE_URL (sqlite://FILE or postgres://…)"))?;
    let bind = std::env::var("BASELINE_BIND").unwrap_or_else(|_| "127.0.0.1:18899".to_owned());
    let db = if url.starts_with("sqlite:") {
        let options: SqliteConnectOptions = url.parse()?;
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        Db::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(16)
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(options)
                .await?,
        )
    } else {
        Db::Postgres(
            PgPoolOptions::new()
                .max_connections(20)
                .min_connections(1)
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= std::time::Duration::from_secs(1) {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect(&url)
                .await?,
        )
    };
    eprintln!("baseline listening on http://{bind}");
    let data = web::Data::new(db);
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/issues", web::get().to(issues))
            .route("/issue/{id}", web::get().to(issue))
    })
    .bind(&bind)?
    .run()
    .await?;
    Ok(())
}
