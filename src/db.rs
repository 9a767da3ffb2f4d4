//! Opening the database: SQLite tuned for a server, or PostgreSQL with a pool for each HTTP
//! worker, plus a statement counter; and the hottest reads run straight through sqlx.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgRow, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteJournalMode, SqliteRow, SqliteSynchronous};
use sea_orm::sqlx::{self, AssertSqlSafe, Executor, IntoArguments, Pool};
use sea_orm::{
    ConnectOptions, Database as SeaDatabase, DatabaseConnection, DbBackend, DbErr, RuntimeErr, Statement, Values,
};
use sea_query_sqlx::SqlxValues;

/// Connections for SQLite. WAL lets readers run beside the one writer; SeaORM would otherwise
/// open a pool of exactly one connection, serialising every request. The HTTP workers keep up
/// to half of them between their reads (see `Kept`); with 8, the pool ran out under full load
/// so often that the kept ones went back to it, pinged, and the issue page ran 10-25% slower.
const SQLITE_POOL: u32 = 16;
/// Connections to PostgreSQL.
const POSTGRES_POOL: u32 = 20;
/// Of the PostgreSQL connections, those kept for work outside the HTTP workers (the live
/// feed's listener, the sweep, webhook deliveries, commands): a fifth, and at least this many.
const POSTGRES_SHARED_AT_LEAST: u32 = 2;
/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// A PostgreSQL connection idle this long is pinged before it is used (see `pool_options`).
const POSTGRES_PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);
/// A connection a worker keeps (see `Kept`) idle this long goes back to its pool, at the
/// worker's next read: on PostgreSQL the pool then tests it before its next use, the rule it
/// applies to its own (`POSTGRES_PING_IF_IDLE_FOR`); on SQLite it bounds how long a quiet
/// worker holds connections that others could use.
const KEPT_IDLE_AT_MOST: Duration = POSTGRES_PING_IF_IDLE_FOR;

thread_local! {
    /// Which HTTP worker this thread is, if it is one (`Database::enter_worker`).
    static HTTP_WORKER: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The connection pools and a count of the SQL statements they have run.
///
/// On PostgreSQL each HTTP worker has a pool of its own, whose connections it opens itself
/// when it first needs them. A connection's replies are noticed by the thread that opened it:
/// a worker using a connection opened elsewhere waits for that thread to notice the reply and
/// wake it, two more switches between threads per statement, and, when that thread is a
/// worker busy computing an answer, until it is done. With one pool opened on the main
/// runtime the server switched threads 8.5 times per `issue(id)` answer (three statements);
/// with a pool per worker, 5.1 (the raw baseline: 3.5-4.5), and the page's throughput went
/// from 0.8-1.1x the baseline's to 1.2-1.3x (see `docs/performance.md`). SQLite has one pool:
/// each of its connections runs on a thread of its own, whoever uses it.
#[derive(Clone)]
pub struct Database {
    /// The pool for everything that is not an HTTP worker: background jobs, commands, tests.
    pub conn: DatabaseConnection,
    /// The same pool with its statements left uncounted, for work in the background (the
    /// webhook sender, the live feed's reader), which would otherwise land in whatever a test
    /// or a benchmark is counting.
    pub background: DatabaseConnection,
    /// One pool per HTTP worker (PostgreSQL only; none when the pool is too small to share out).
    workers: Arc<[DatabaseConnection]>,
    /// The number `enter_worker` gives the next worker.
    next_worker: Arc<AtomicUsize>,
    /// For each HTTP worker, connections it keeps between its reads through `fetch_all`.
    kept: Arc<[KeptConnections]>,
    ledger: Arc<StatementLedger>,
}

/// Connections an HTTP worker keeps out of its pool between the reads it runs through
/// `Database::fetch_all`.
///
/// sqlx tests every connection that goes back to its pool with a ping, unconditionally (in
/// `PoolConnection`'s return path): on PostgreSQL a round trip to the server, on SQLite one to
/// the connection's own thread, after every statement. A connection kept here goes back to
/// work without one. It stays the pool's, counted in its size: the workers keep at most half
/// of it (`kept_at_most`), and a connection is given back (and so tested) when its statement
/// failed or was abandoned, when `most` are idle here already, when the pool has run out
/// just as it finished, and at the worker's next read once it has been idle too long.
/// Nothing gives connections back on its own between reads, so `Pool::close` (never called
/// while serving) would wait for them.
struct Kept<DB: sqlx::Database> {
    idle: Mutex<Vec<(PoolConnection<DB>, Instant)>>,
    /// Idle connections kept at most (may be none).
    most: usize,
    /// The runtime the database was opened on, to give connections back on when the last copy
    /// of the database is dropped outside any runtime.
    runtime: Option<tokio::runtime::Handle>,
}

/// A worker's kept connections, of the database's kind.
enum KeptConnections {
    Sqlite(Kept<Sqlite>),
    Postgres(Kept<Postgres>),
}

impl<DB: sqlx::Database> Kept<DB> {
    fn new(most: usize) -> Self {
        Self { idle: Mutex::new(Vec::with_capacity(most)), most, runtime: tokio::runtime::Handle::try_current().ok() }
    }

    /// The connection used last. Those idle too long go back to the pool first.
    fn take(&self) -> Option<PoolConnection<DB>> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        give_back_stale(&mut idle);
        idle.pop().map(|(connection, _)| connection)
    }

    /// Keeps a connection that has just answered, or gives it back to `pool`.
    fn put(&self, connection: PoolConnection<DB>, pool: &Pool<DB>) {
        let pool_is_out = pool.num_idle() == 0 && pool.size() >= pool.options().get_max_connections();
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        give_back_stale(&mut idle);
        if idle.len() < self.most && !pool_is_out {
            idle.push((connection, Instant::now()));
        }
    }

    /// Runs a query on a kept connection, or on one from `pool`, kept afterwards if it answered.
    async fn fetch_all(&self, pool: &Pool<DB>, sql: &str, values: SqlxValues) -> Result<Vec<DB::Row>, sqlx::Error>
    where
        SqlxValues: IntoArguments<DB>,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    {
        let mut connection = match self.take() {
            Some(connection) => connection,
            None => pool.acquire().await?,
        };
        let rows = sqlx::query_with(AssertSqlSafe(sql), values).fetch_all(&mut *connection).await?;
        self.put(connection, pool);
        Ok(rows)
    }
}

/// Gives the connections idle too long back to their pool (the newest are last).
fn give_back_stale<DB: sqlx::Database>(idle: &mut Vec<(PoolConnection<DB>, Instant)>) {
    let fresh = idle.partition_point(|(_, since)| since.elapsed() >= KEPT_IDLE_AT_MOST);
    idle.drain(..fresh);
}

impl<DB: sqlx::Database> Drop for Kept<DB> {
    fn drop(&mut self) {
        // A connection goes back to its pool in a task (sqlx spawns it), which needs a runtime;
        // the last copy of the database may be dropped where there is none (a worker's thread,
        // as it ends). Then the runtime the database was opened on takes them (a runtime shut
        // down by then drops the tasks); without one, they are left to the process's end.
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(PoisonError::into_inner));
        match (tokio::runtime::Handle::try_current(), &self.runtime) {
            (Ok(_), _) => drop(idle),
            (Err(_), Some(runtime)) => {
                let _entered = runtime.enter();
                drop(idle);
            }
            (Err(_), None) => std::mem::forget(idle),
        }
    }
}

/// Counts the statements run and, while switched on, keeps them, so that tests can count
/// statements and read their query plans.
#[derive(Default)]
struct StatementLedger {
    count: AtomicU64,
    keeping: AtomicBool,
    kept: Mutex<Vec<Statement>>,
}

impl StatementLedger {
    fn note(&self, statement: &Statement) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if self.keeping.load(Ordering::Relaxed)
            && let Ok(mut kept) = self.kept.lock()
        {
            kept.push(statement.clone());
        }
    }
}

/// The rows of a statement read straight through sqlx (`Database::fetch_all`).
pub enum Rows {
    Sqlite(Vec<SqliteRow>),
    Postgres(Vec<PgRow>),
}

impl Database {
    /// Opens `url` with the default pool, creating the SQLite file (and its folder) on first
    /// start.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_pooled(url, None).await
    }

    /// Opens `url` with `pool` connections (`RECTIFY_DATABASE_POOL`), or the default. On
    /// PostgreSQL a fifth of them (at least 2) are opened now for work outside the HTTP
    /// workers; the rest are shared out evenly as the workers' own pools, each opened by its
    /// worker as it needs them. With too few to share out, every thread uses one pool.
    pub async fn connect_pooled(url: &str, pool: Option<u32>) -> anyhow::Result<Self> {
        let mut workers = Vec::new();
        let mut shared = pool;
        let worker_count = crate::startup::http_workers() as u32;
        let mut kept = Vec::new();
        if is_sqlite(url) {
            // One pool for every thread.
            let most = kept_at_most(pool.unwrap_or(SQLITE_POOL), worker_count);
            kept.extend((0..worker_count).map(|_| KeptConnections::Sqlite(Kept::new(most))));
        } else {
            let (shared_size, each) = share_out(pool.unwrap_or(POSTGRES_POOL), worker_count);
            if each > 0 {
                // Each worker's own pool.
                let most = kept_at_most(each, 1);
                kept.extend((0..worker_count).map(|_| KeptConnections::Postgres(Kept::new(most))));
                shared = Some(shared_size);
                for _ in 0..worker_count {
                    let mut options = pool_options(url, Some(each))?;
                    // Opened by the worker that uses it (see `Database`), none in advance.
                    options.min_connections(0).connect_lazy(true);
                    workers.push(open(options, url).await?);
                }
            }
        }
        let mut conn = open(pool_options(url, shared)?, url).await?;
        let background = conn.clone();
        let ledger = Arc::new(StatementLedger::default());
        for pool in workers.iter_mut().chain(std::iter::once(&mut conn)) {
            let ledger = ledger.clone();
            pool.set_metric_callback(move |info| ledger.note(info.statement));
        }
        let workers = workers.into();
        Ok(Self { conn, background, workers, next_worker: Arc::new(AtomicUsize::new(0)), kept: kept.into(), ledger })
    }

    /// Makes this thread an HTTP worker with a pool of its own (see `Database`): called on each
    /// worker's thread as it starts.
    pub fn enter_worker(&self) {
        HTTP_WORKER.set(Some(self.next_worker.fetch_add(1, Ordering::Relaxed)));
    }

    /// The pool for statements run on this thread: an HTTP worker's own, else the shared one.
    pub fn here(&self) -> &DatabaseConnection {
        match HTTP_WORKER.get() {
            Some(worker) if !self.workers.is_empty() => &self.workers[worker % self.workers.len()],
            _ => &self.conn,
        }
    }

    /// Runs a query on this thread's pool (`here`) straight through sqlx, counted and kept like
    /// every other statement, for the reads of the busiest pages (`service::issue_rows`).
    /// SeaORM's own path moves each statement's future through several boxed layers: on the
    /// `issue(id)` page, copying them cost 56,000 of its 766,000 instructions per answer
    /// (SQLite, `bench/run`'s count under callgrind; see `docs/performance.md`). On an HTTP
    /// worker it runs on a connection the worker keeps between such reads (see `Kept`).
    pub async fn fetch_all(&self, statement: &Statement) -> Result<Rows, DbErr> {
        self.ledger.note(statement);
        let pool = self.here();
        let values = SqlxValues(statement.values.clone().unwrap_or(Values(Vec::new())));
        let sql = statement.sql.as_str();
        let kept = HTTP_WORKER.get().and_then(|worker| self.kept.get(worker % self.kept.len().max(1)));
        let rows = match (pool.get_database_backend(), kept) {
            (DbBackend::Sqlite, Some(KeptConnections::Sqlite(kept))) => {
                kept.fetch_all(pool.get_sqlite_connection_pool(), sql, values).await.map(Rows::Sqlite)
            }
            (DbBackend::Postgres, Some(KeptConnections::Postgres(kept))) => {
                kept.fetch_all(pool.get_postgres_connection_pool(), sql, values).await.map(Rows::Postgres)
            }
            (DbBackend::Sqlite, _) => sqlx::query_with(AssertSqlSafe(sql), values)
                .fetch_all(pool.get_sqlite_connection_pool())
                .await
                .map(Rows::Sqlite),
            (DbBackend::Postgres, _) => sqlx::query_with(AssertSqlSafe(sql), values)
                .fetch_all(pool.get_postgres_connection_pool())
                .await
                .map(Rows::Postgres),
            (other, _) => return Err(DbErr::BackendNotSupported { db: other.as_str(), ctx: "Database::fetch_all" }),
        };
        rows.map_err(|error| DbErr::Query(RuntimeErr::SqlxError(Arc::new(error))))
    }

    /// Starts (forgetting what was kept before) or stops keeping every statement run, for
    /// tests of query plans; `recorded` returns them.
    pub fn record_statements(&self, on: bool) {
        if on && let Ok(mut kept) = self.ledger.kept.lock() {
            kept.clear();
        }
        self.ledger.keeping.store(on, Ordering::Relaxed);
    }

    /// The statements kept since `record_statements(true)`.
    pub fn recorded(&self) -> Vec<Statement> {
        self.ledger.kept.lock().map(|kept| kept.clone()).unwrap_or_default()
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
        self.ledger.count.load(Ordering::Relaxed)
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Shares `total` PostgreSQL connections out: (the shared pool's, each worker's own). The
/// shared pool keeps a fifth, at least `POSTGRES_SHARED_AT_LEAST`, and whatever does not
/// divide evenly; with too few for the workers, it keeps them all.
fn share_out(total: u32, workers: u32) -> (u32, u32) {
    let kept = (total / 5).max(POSTGRES_SHARED_AT_LEAST).min(total);
    let each = (total - kept) / workers.max(1);
    (total - each * workers, each)
}

/// The idle connections each of `workers` keeps (see `Kept`) out of a pool of `size` shared
/// among them: at most half the pool in all, so none when there are too many workers for it.
fn kept_at_most(size: u32, workers: u32) -> usize {
    (size / 2 / workers.max(1)) as usize
}

/// How a pool of `size` connections (or the default) to `url` is opened.
fn pool_options(url: &str, size: Option<u32>) -> anyhow::Result<ConnectOptions> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(15));
    if is_sqlite(url) {
        create_sqlite_folder(url)?;
        // sqlx pings a connection before every use by default: for SQLite, a round trip to
        // the connection's worker thread. Nothing outside this process can break an idle
        // SQLite connection, so the ping finds nothing.
        options.test_before_acquire(false);
        options.max_connections(size.unwrap_or(SQLITE_POOL)).min_connections(1).map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    } else {
        // Every connection is opened up front unless the caller says otherwise (the workers'
        // pools, see `Database`).
        let size = size.unwrap_or(POSTGRES_POOL);
        options.max_connections(size).min_connections(size);
        // sqlx pings a connection before every use by default, a round trip to PostgreSQL
        // ahead of every statement, and it pings it again each time it goes back to the
        // pool. A connection back for less than a second has just answered that second
        // ping, so only one idle for longer (where a restart, a proxy or a firewall may
        // have dropped it) is pinged before use.
        options.test_before_acquire_if_idle_for(POSTGRES_PING_IF_IDLE_FOR);
    }
    Ok(options)
}

async fn open(options: ConnectOptions, url: &str) -> anyhow::Result<DatabaseConnection> {
    SeaDatabase::connect(options).await.with_context(|| format!("cannot open the database at {}", redact_url(url)))
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

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Statement};

    use super::*;

    /// A database in a file of its own (an in-memory SQLite pool holds a single connection).
    async fn sqlite_database(pool: u32) -> (Database, tempfile::TempDir) {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}?mode=rwc", folder.path().join("kept.db").display());
        (Database::connect_pooled(&url, Some(pool)).await.expect("the database opens"), folder)
    }

    /// Waits (up to five seconds) for the pool to hold `idle` idle connections: it takes one
    /// back in a task of its own, after testing it.
    async fn wait_for_idle(pool: &sqlx::SqlitePool, idle: usize) {
        for _ in 0..500 {
            if pool.num_idle() == idle {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the pool holds {} idle connections of {}, not {idle}", pool.num_idle(), pool.size());
    }

    #[tokio::test]
    async fn a_worker_keeps_the_connection_it_read_on_but_never_the_pool_s_last() {
        // A pool of which each worker may keep one idle connection.
        let workers = crate::startup::http_workers() as u32;
        let (db, _folder) = sqlite_database(2 * workers).await;
        let pool = db.conn.get_sqlite_connection_pool().clone();
        let read = Statement::from_string(DbBackend::Sqlite, "SELECT 1");
        // Anywhere but on an HTTP worker, the connection goes back to the pool.
        db.fetch_all(&read).await.expect("the read runs");
        wait_for_idle(&pool, pool.size() as usize).await;

        db.enter_worker();
        db.fetch_all(&read).await.expect("the read runs");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(pool.num_idle(), pool.size() as usize - 1, "the worker keeps the connection it read on");

        // Two reads at once: the worker keeps one connection, as many as it may.
        let (first, second) = tokio::join!(db.fetch_all(&read), db.fetch_all(&read));
        first.and(second).expect("the reads run");
        assert!(pool.size() >= 2, "the second read had a connection of its own");
        wait_for_idle(&pool, pool.size() as usize - 1).await;

        // Every other connection of the pool in use: the worker's next read gives its back.
        let mut others = Vec::new();
        while pool.num_idle() > 0 || pool.size() < 2 * workers {
            others.push(pool.acquire().await.expect("a connection"));
        }
        db.fetch_all(&read).await.expect("the read runs");
        wait_for_idle(&pool, 1).await;
        drop(others);
        wait_for_idle(&pool, pool.size() as usize).await;
    }

    #[tokio::test]
    async fn a_connection_kept_idle_too_long_goes_back_to_the_pool() {
        let (db, _folder) = sqlite_database(4).await;
        let pool = db.conn.get_sqlite_connection_pool().clone();
        let kept = Kept::<Sqlite>::new(2);
        let long_ago = Instant::now().checked_sub(KEPT_IDLE_AT_MOST).expect("a second ago");
        let (stale, fresh) = (pool.acquire().await.expect("a connection"), pool.acquire().await.expect("another"));
        kept.idle.lock().unwrap().extend([(stale, long_ago), (fresh, Instant::now())]);
        let opened = pool.size() as usize;
        assert_eq!(pool.num_idle(), opened - 2);
        // The fresh one is used; the stale one under it goes back.
        let taken = kept.take().expect("the fresh connection");
        wait_for_idle(&pool, opened - 1).await;
        drop(taken);
        wait_for_idle(&pool, opened).await;

        // Alone and idle too long, it is not used without a test.
        let connection = pool.acquire().await.expect("a connection");
        kept.idle.lock().unwrap().push((connection, long_ago));
        assert!(kept.take().is_none());
        wait_for_idle(&pool, opened).await;
        assert!(kept.idle.lock().unwrap().is_empty());
    }

    #[test]
    fn workers_keep_at_most_half_the_pool() {
        assert_eq!(kept_at_most(16, 2), 4);
        assert_eq!(kept_at_most(8, 1), 4);
        assert_eq!(kept_at_most(3, 1), 1);
        assert_eq!(kept_at_most(1, 2), 0);
        assert_eq!(kept_at_most(16, 32), 0);
        for size in 1..=64 {
            for workers in 1..=64 {
                assert!(kept_at_most(size, workers) * workers as usize <= size as usize / 2, "{size} over {workers}");
            }
        }
    }

    #[test]
    fn the_workers_share_the_pool_and_the_rest_stays_shared() {
        // The default pool on two cores: 4 shared, 8 for each worker.
        assert_eq!(share_out(20, 2), (4, 8));
        assert_eq!(share_out(20, 3), (5, 5));
        assert_eq!(share_out(8, 2), (2, 3));
        // Too few to share out: one pool for every thread.
        assert_eq!(share_out(2, 2), (2, 0));
        assert_eq!(share_out(3, 2), (3, 0));
        assert_eq!(share_out(1, 4), (1, 0));
        for total in 1..=100 {
            for workers in 1..=16 {
                let (shared, each) = share_out(total, workers);
                assert_eq!(shared + each * workers, total, "{total} over {workers} workers");
                assert!(shared >= 1);
            }
        }
    }
}
