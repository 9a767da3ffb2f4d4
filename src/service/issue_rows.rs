//! Reading pages of issues with only the columns a caller needs, decoded by position.
//!
//! A list page of 50 issues is the busiest read of the API, and most answers ask for a third
//! of the 33 columns of `issue`. Every column read costs SQLite a copy of the value (one
//! allocation each) and costs the decoder a look-up by name; SeaORM's derived decoder also
//! formats an error message for every NULL column of an `Option` field before discarding it.
//! Here the statement names only the wanted columns, and the decoder reads them by position.
//!
//! A column that was not read holds a placeholder (`issue::Model::default()`: empty text, zero,
//! `false`, `None`, the Unix epoch, an enum's first item) in the returned `issue::Model`. Callers must only read the columns they asked for;
//! `graphql::types::issue::issue_columns` derives them from the fields a query selects, and
//! the tests compare every field of a narrowed list with the same field read in full.

use chrono::{DateTime, NaiveDate, Utc};
use entity::issue;
use sea_orm::sea_query::SelectStatement;
use sea_orm::sqlx::Row;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable, ModelTrait, QueryResult,
    QuerySelect, QueryTrait, Select, Statement, Value,
};

use crate::error::{AppError, AppResult};

/// A set of `issue` columns. `id` is always in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueColumns(u64);

fn bit(column: issue::Column) -> u64 {
    1 << (column as u32)
}

impl IssueColumns {
    /// Every column: a whole row.
    pub fn all() -> Self {
        Self(issue::Column::iter().fold(0, |set, column| set | bit(column)))
    }

    /// `id` and these.
    pub fn of(columns: &[issue::Column]) -> Self {
        Self(bit(issue::Column::Id)).with(columns)
    }

    /// This set and these.
    #[must_use]
    pub fn with(self, columns: &[issue::Column]) -> Self {
        Self(columns.iter().fold(self.0, |set, column| set | bit(*column)))
    }

    fn contains(self, column: issue::Column) -> bool {
        self.0 & bit(column) != 0
    }

    /// The columns in the set, in the table's order.
    fn list(self) -> Vec<issue::Column> {
        issue::Column::iter().filter(|column| self.contains(*column)).collect()
    }
}

/// Runs `select` (a query over `issue` with its conditions and order), at most `limit` rows,
/// for the columns in `columns` only.
pub async fn read_issue_rows<C: ConnectionTrait>(
    conn: &C,
    select: Select<issue::Entity>,
    columns: IssueColumns,
    limit: u64,
) -> AppResult<Vec<issue::Model>> {
    let backend = conn.get_database_backend();
    if columns == IssueColumns::all() {
        let statement = limited(backend, select.into_query(), limit);
        return Ok(issue::Entity::find().from_raw_sql(statement).all(conn).await?);
    }
    let read = columns.list();
    let mut statement: SelectStatement = select.select_only().into_query();
    for column in &read {
        statement.column((issue::Entity, *column));
    }
    let cells = cells(&read)?;
    let rows = conn.query_all_raw(limited(backend, statement, limit)).await?;
    rows.iter().map(|row| decode(row, &cells)).collect()
}

/// The statement with its LIMIT. On SQLite the limit is written into the text rather than
/// bound: SQLite (3.51) reads a bound LIMIT's value when it plans a statement, so binding it,
/// as every run does, expires the prepared statement, and every list page was prepared anew
/// (about 4% of the server's instructions per page, under callgrind). The limit is our own
/// number, never the client's text.
fn limited(backend: DbBackend, mut statement: SelectStatement, limit: u64) -> Statement {
    match backend {
        DbBackend::Sqlite => {
            let mut built = backend.build(&statement);
            built.sql.push_str(&format!(" LIMIT {limit}"));
            built
        }
        _ => backend.build(statement.limit(limit)),
    }
}

fn decode(row: &QueryResult, cells: &[(issue::Column, Cell)]) -> AppResult<issue::Model> {
    if let Some(row) = row.try_as_sqlite_row() {
        decode_row(row, cells)
    } else if let Some(row) = row.try_as_pg_row() {
        decode_row(row, cells)
    } else {
        Err(AppError::internal(anyhow::anyhow!("an issue row from a database this service does not use")))
    }
}

/// Positional access to one row of either database.
trait IssueRow {
    fn value<T: Decoded>(&self, index: usize) -> Result<T, DbErr>;
}

/// A Rust type that both databases decode from a column.
trait Decoded: Sized {
    fn from_sqlite(row: &SqliteRow, index: usize) -> Result<Self, sea_orm::sqlx::Error>;
    fn from_postgres(row: &PgRow, index: usize) -> Result<Self, sea_orm::sqlx::Error>;
}

macro_rules! decoded {
    ($($ty:ty),*) => {$(
        impl Decoded for $ty {
            fn from_sqlite(row: &SqliteRow, index: usize) -> Result<Self, sea_orm::sqlx::Error> {
                row.try_get(index)
            }
            fn from_postgres(row: &PgRow, index: usize) -> Result<Self, sea_orm::sqlx::Error> {
                row.try_get(index)
            }
        }
    )*};
}

decoded!(Option<i32>, Option<i64>, Option<f64>, Option<bool>, Option<String>, Option<NaiveDate>, Option<DateTime<Utc>>);

impl IssueRow for SqliteRow {
    fn value<T: Decoded>(&self, index: usize) -> Result<T, DbErr> {
        T::from_sqlite(self, index).map_err(|error| DbErr::Type(error.to_string()))
    }
}

impl IssueRow for PgRow {
    fn value<T: Decoded>(&self, index: usize) -> Result<T, DbErr> {
        T::from_postgres(self, index).map_err(|error| DbErr::Type(error.to_string()))
    }
}

/// How a column is read, from the type the entity declares for it: a column added to
/// `issue::Model` is read here without a line of its own.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Int,
    BigInt,
    Double,
    Bool,
    /// Text, and the enums, which are stored as text.
    Text,
    Date,
    Instant,
}

impl Cell {
    fn of(column: issue::Column) -> AppResult<Self> {
        Ok(match column.def().get_column_type() {
            ColumnType::Integer => Cell::Int,
            ColumnType::BigInteger => Cell::BigInt,
            ColumnType::Double => Cell::Double,
            ColumnType::Boolean => Cell::Bool,
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Cell::Text,
            ColumnType::Date => Cell::Date,
            ColumnType::TimestampWithTimeZone => Cell::Instant,
            other => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "the issue column {column:?} has a type the list reader does not decode: {other:?}"
                )));
            }
        })
    }

    fn read(self, row: &impl IssueRow, index: usize) -> Result<Value, DbErr> {
        Ok(match self {
            Cell::Int => Value::Int(row.value(index)?),
            Cell::BigInt => Value::BigInt(row.value(index)?),
            Cell::Double => Value::Double(row.value(index)?),
            Cell::Bool => Value::Bool(row.value(index)?),
            Cell::Text => Value::String(row.value(index)?),
            Cell::Date => Value::ChronoDate(row.value(index)?),
            Cell::Instant => Value::ChronoDateTimeUtc(row.value(index)?),
        })
    }
}

/// The columns read, in the statement's order, with how each is read.
fn cells(read: &[issue::Column]) -> AppResult<Vec<(issue::Column, Cell)>> {
    read.iter().map(|column| Ok((*column, Cell::of(*column)?))).collect()
}

/// The row's columns set into the placeholder row (`issue::Model::default()`: empty text,
/// zero, `false`, `None`, the Unix epoch, an enum's first item) by the entity's own setter.
fn decode_row(row: &impl IssueRow, cells: &[(issue::Column, Cell)]) -> AppResult<issue::Model> {
    let mut model = issue::Model::default();
    for (index, (column, cell)) in cells.iter().enumerate() {
        model.try_set(*column, cell.read(row, index)?)?;
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of `issue` has a type the reader decodes: a column of a new type fails here,
    /// not on a list page.
    #[test]
    fn every_issue_column_is_read_by_its_declared_type() {
        for column in issue::Column::iter() {
            Cell::of(column).unwrap_or_else(|error| panic!("{column:?}: {error:?}"));
        }
        assert_eq!(Cell::of(issue::Column::Status).unwrap(), Cell::Text);
        assert_eq!(Cell::of(issue::Column::Deadline).unwrap(), Cell::Date);
    }
}
