//! Writing generated rows: multi-row INSERTs with bound values on SQLite (encoded by the same
//! sqlx as the product's, so timestamps and dates are stored exactly as the product stores
//! them), `COPY … FROM STDIN (FORMAT csv)` on PostgreSQL. Every batch is one transaction.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, Executor};

/// One column value.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    F(f64),
    T(String),
    S(&'static str),
    B(bool),
    D(NaiveDate),
    Ts(DateTime<Utc>),
    Null,
}

impl From<i64> for V {
    fn from(v: i64) -> Self {
        V::I(v)
    }
}
impl From<i32> for V {
    fn from(v: i32) -> Self {
        V::I(v.into())
    }
}
impl From<f64> for V {
    fn from(v: f64) -> Self {
        V::F(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> Self {
        V::T(v)
    }
}
impl From<&'static str> for V {
    fn from(v: &'static str) -> Self {
        V::S(v)
    }
}
impl From<bool> for V {
    fn from(v: bool) -> Self {
        V::B(v)
    }
}
impl From<NaiveDate> for V {
    fn from(v: NaiveDate) -> Self {
        V::D(v)
    }
}
impl From<DateTime<Utc>> for V {
    fn from(v: DateTime<Utc>) -> Self {
        V::Ts(v)
    }
}
impl<T: Into<V>> From<Option<T>> for V {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(V::Null)
    }
}

/// The rows of one table in a batch, flattened column by column.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub values: Vec<V>,
}

impl Table {
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Self { name, columns, values: Vec::new() }
    }

    /// Appends one row; its length must match the columns.
    pub fn push(&mut self, row: Vec<V>) {
        debug_assert_eq!(row.len(), self.columns.len(), "a row of {}", self.name);
        self.values.extend(row);
    }

    pub fn rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }
}

pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// SQLite allows 32,766 bound values per statement.
const SQLITE_MAX_VALUES: usize = 32_000;

impl Db {
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            // The load is one writer: no fsync per transaction while the file is being filled
            // (the server opens the file with its own settings afterwards).
            let options: SqliteConnectOptions = url.parse().context("the SQLite URL")?;
            let options = options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Off)
                .foreign_keys(true)
                .pragma("cache_size", "-262144");
            Ok(Db::Sqlite(SqlitePoolOptions::new().max_connections(1).connect_with(options).await?))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options: PgConnectOptions = url.parse().context("the PostgreSQL URL")?;
            let options = options.options([("synchronous_commit", "off")]);
            Ok(Db::Postgres(PgPoolOptions::new().max_connections(1).connect_with(options).await?))
        } else {
            bail!("the database URL must start with sqlite: or postgres:")
        }
    }

    pub async fn scalar(&self, sql: &str) -> Result<i64> {
        Ok(match self {
            Db::Sqlite(pool) => sqlx::query_scalar(AssertSqlSafe(sql.to_owned())).fetch_one(pool).await?,
            Db::Postgres(pool) => sqlx::query_scalar(AssertSqlSafe(sql.to_owned())).fetch_one(pool).await?,
        })
    }

    pub async fn execute(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(pool) => {
                pool.execute(AssertSqlSafe(sql.to_owned())).await?;
            }
            Db::Postgres(pool) => {
                pool.execute(AssertSqlSafe(sql.to_owned())).await?;
            }
        }
        Ok(())
    }

    /// Writes the tables, in the order given (parents before children), in one transaction.
    pub async fn write(&self, tables: &[Table]) -> Result<()> {
        match self {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                for table in tables.iter().filter(|t| !t.values.is_empty()) {
                    let width = table.columns.len();
                    let per_statement = (SQLITE_MAX_VALUES / width).max(1);
                    for chunk in table.values.chunks(per_statement * width) {
                        let sql = insert_sql(table, chunk.len() / width);
                        let mut query = sqlx::query(AssertSqlSafe(sql));
                        for value in chunk {
                            query = match value {
                                V::I(v) => query.bind(*v),
                                V::F(v) => query.bind(*v),
                                V::T(v) => query.bind(v.as_str()),
                                V::S(v) => query.bind(*v),
                                V::B(v) => query.bind(*v),
                                V::D(v) => query.bind(*v),
                                V::Ts(v) => query.bind(*v),
                                V::Null => query.bind(None::<i64>),
                            };
                        }
                        query.execute(&mut *tx).await.with_context(|| format!("inserting into {}", table.name))?;
                    }
                }
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                for table in tables.iter().filter(|t| !t.values.is_empty()) {
                    let statement =
                        format!("COPY {} ({}) FROM STDIN (FORMAT csv)", table.name, table.columns.join(", "));
                    let mut copy = tx.copy_in_raw(&statement).await?;
                    let width = table.columns.len();
                    // Send in pieces of a few MB so memory stays flat however large the batch.
                    for chunk in table.values.chunks(width * 4096) {
                        let text = csv_rows(chunk, width);
                        copy.send(text.into_bytes()).await?;
                    }
                    copy.finish().await.with_context(|| format!("copying into {}", table.name))?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

fn insert_sql(table: &Table, rows: usize) -> String {
    let width = table.columns.len();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name, table.columns.join(", "));
    let one = format!("({})", vec!["?"; width].join(","));
    for n in 0..rows {
        if n > 0 {
            sql.push(',');
        }
        sql.push_str(&one);
    }
    sql
}

/// Rows as PostgreSQL CSV: an unquoted empty field is NULL, every text is quoted.
fn csv_rows(values: &[V], width: usize) -> String {
    let mut out = String::with_capacity(values.len() * 16);
    for row in values.chunks(width) {
        for (n, value) in row.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            match value {
                V::I(v) => {
                    let _ = write!(out, "{v}");
                }
                V::F(v) => {
                    let _ = write!(out, "{v}");
                }
                V::T(v) => quote(&mut out, v),
                V::S(v) => quote(&mut out, v),
                V::B(v) => out.push(if *v { 't' } else { 'f' }),
                V::D(v) => {
                    let _ = write!(out, "{}", v.format("%Y-%m-%d"));
                }
                V::Ts(v) => {
                    let _ = write!(out, "{}", v.format("%Y-%m-%d %H:%M:%S%.6f+00"));
                }
                V::Null => {}
            }
        }
        out.push('\n');
    }
    out
}

fn quote(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}
