//! Opening the database: SQLite tuned for a server, or PostgreSQL, plus a statement counter.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database as SeaDatabase, DatabaseConnection, Statement};

/// Connections for SQLite. WAL lets readers run beside the one writer; SeaORM would otherwise
/// open a pool of exactly one connection, serialising every request.
const SQLITE_POOL: u32 = 8;
/// Connections to PostgreSQL, all kept open.
const POSTGRES_POOL: u32 = 20;
/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// A PostgreSQL connection idle this long is pinged before it is used (see `connect`).
const POSTGRES_PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// The connection pool and a count of the SQL statements it has run.
#[derive(Clone)]
pub struct Database {
    pub conn: DatabaseConnection,
    /// The same pool with its statements left uncounted, for work in the background (the
    /// webhook sender, the live feed's reader), which would otherwise land in whatever a test
    /// or a benchmark is counting.
    pub background: DatabaseConnection,
    statements: Arc<AtomicU64>,
    recorder: Arc<Recorder>,
}

/// Keeps the statements run while switched on, so that tests can read their query plans.
#[derive(Default)]
struct Recorder {
    on: AtomicBool,
    kept: Mutex<Vec<Statement>>,
}

impl Database {
    /// Opens `url` with the default pool, creating the SQLite file (and its folder) on first
    /// start.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_pooled(url, None).await
    }

    /// Opens `url` with `pool` connections (`RECTIFY_DATABASE_POOL`), or the default.
    pub async fn connect_pooled(url: &str, pool: Option<u32>) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false).acquire_timeout(Duration::from_secs(15));
        if is_sqlite(url) {
            create_sqlite_folder(url)?;
            // sqlx pings a connection before every use by default: for SQLite, a round trip to
            // the connection's worker thread. Nothing outside this process can break an idle
            // SQLite connection, so the ping finds nothing.
            options.test_before_acquire(false);
            options.max_connections(pool.unwrap_or(SQLITE_POOL)).min_connections(1).map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
            });
        } else {
            // Every connection is opened up front, by the pool's own task on the main runtime,
            // whose reactor is otherwise idle. A connection opened on demand would belong to
            // the reactor of the HTTP worker that asked first, and its replies would wait
            // whenever that worker was busy computing another answer: under load, the list's
            // p99 at the same offered rate fell from about 17-22 ms to 7-10 ms this way.
            let pool = pool.unwrap_or(POSTGRES_POOL);
            options.max_connections(pool).min_connections(pool);
            // sqlx pings a connection before every use by default, a round trip to PostgreSQL
            // ahead of every statement, and it pings it again each time it goes back to the
            // pool. A connection back for less than a second has just answered that second
            // ping, so only one idle for longer (where a restart, a proxy or a firewall may
            // have dropped it) is pinged before use.
            options.test_before_acquire_if_idle_for(POSTGRES_PING_IF_IDLE_FOR);
        }
        let mut conn = SeaDatabase::connect(options)
            .await
            .with_context(|| format!("cannot open the database at {}", redact_url(url)))?;
        let mut background = conn.clone();
        background.set_metric_callback(|_| {});
        let statements = Arc::new(AtomicU64::new(0));
        let recorder = Arc::new(Recorder::default());
        let (counter, kept) = (statements.clone(), recorder.clone());
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if kept.on.load(Ordering::Relaxed)
                && let Ok(mut kept) = kept.kept.lock()
            {
                kept.push(info.statement.clone());
            }
        });
        Ok(Self { conn, background, statements, recorder })
    }

    /// Starts (forgetting what was kept before) or stops keeping every statement run, for
    /// tests of query plans; `recorded` returns them.
    pub fn record_statements(&self, on: bool) {
        if on && let Ok(mut kept) = self.recorder.kept.lock() {
            kept.clear();
        }
        self.recorder.on.store(on, Ordering::Relaxed);
    }

    /// The statements kept since `record_statements(true)`.
    pub fn recorded(&self) -> Vec<Statement> {
        self.recorder.kept.lock().map(|kept| kept.clone()).unwrap_or_default()
    }

    /// Runs the migrations that have not run yet. When none is pending it changes nothing, not
    /// even the bookkeeping table, so a server running as a role without DDL rights starts on a
    /// database its owner has migrated.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let pending = Migrator::get_pending_migrations_read_only(&self.conn).await;
        if pending.is_ok_and(|pending| pending.is_empty()) {
            return Ok(());
        }
        Migrator::up(&self.conn, None).await.context("running database migrations")
    }

    /// SQL statements run through this pool since it opened (for tests and benchmarks).
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// `sqlite://data/rectify.db?mode=rwc` needs `./data` to exist before SQLite can create the file.
fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the database folder {}", parent.display()))?;
    }
    Ok(())
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
