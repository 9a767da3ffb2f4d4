//! Reading rows decoded by position, with only the columns a caller needs: pages of issues,
//! and the events of the issues an answer shows.
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
//!
//! The statements run straight through sqlx (`Database::fetch_all`), on the pool of the thread
//! that asks, rather than through SeaORM's connection. The same reader serves the events of
//! issues and their cooperating units (`read_rows_of`).

use chrono::{DateTime, NaiveDate, Utc};
use entity::issue;
use sea_orm::IdenStatic;
use sea_orm::sea_query::SelectStatement;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::sqlx::{ColumnIndex, Decode, Row, Type};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, DbBackend, DbErr, EntityTrait, Iterable, ModelTrait, Statement,
    TryIntoModel, Value,
};

use crate::db::{Database, Rows};
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

    /// The columns of both sets.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    fn contains(self, column: issue::Column) -> bool {
        self.0 & bit(column) != 0
    }

    /// The columns in the set, in the table's order.
    fn list(self) -> Vec<issue::Column> {
        issue::Column::iter().filter(|column| self.contains(*column)).collect()
    }
}

/// Runs `statement` (a query from `issue` with its conditions and order, and no columns:
/// `Query::select()` rather than `issue::Entity::find()`, which lists all 33 columns with
/// their definitions only to have them dropped), at most `limit` rows, for the columns in
/// `columns` only.
pub async fn read_issue_rows(
    db: &Database,
    statement: SelectStatement,
    columns: IssueColumns,
    limit: u64,
) -> AppResult<Vec<issue::Model>> {
    let rows = read_rows(db, statement, &columns.list(), Some(limit)).await?;
    rows.iter()
        .map(|(row, cells, check)| {
            let mut model = issue::Model::default();
            fill(row, cells, check, |column, value| model.try_set(column, value))?;
            Ok(model)
        })
        .collect()
}

/// The rows `statement` finds (a query from `A`'s table with its conditions and order, and no
/// columns), with the columns `read` decoded by position and every other column, which must
/// be nullable, NULL. `A` is the table's active model: each column is set in it before it
/// becomes the model, so no placeholder model is needed.
pub async fn read_rows_of<A>(
    db: &Database,
    statement: SelectStatement,
    read: &[<A::Entity as EntityTrait>::Column],
) -> AppResult<Vec<<A::Entity as EntityTrait>::Model>>
where
    A: ActiveModelTrait + TryIntoModel<<A::Entity as EntityTrait>::Model>,
{
    let mut unread = Vec::new();
    for column in
        <A::Entity as EntityTrait>::Column::iter().filter(|column| !read.iter().any(|r| r.as_str() == column.as_str()))
    {
        if !column.def().is_null() {
            return Err(AppError::internal(anyhow::anyhow!(
                "the column {} must be read: it cannot be NULL",
                column.as_str()
            )));
        }
        unread.push((column, Cell::of(column)?.null()));
    }
    let rows = read_rows(db, statement, read, None).await?;
    rows.iter()
        .map(|(row, cells, check)| {
            let mut active = <A as ActiveModelTrait>::default();
            fill(row, cells, check, |column, value| active.try_set(column, value))?;
            for (column, null) in &unread {
                active.try_set(*column, null.clone())?;
            }
            Ok(active.try_into_model()?)
        })
        .collect()
}

/// The rows of `statement` for the columns `read` only, at most `limit`, each with how its
/// columns are read.
async fn read_rows<C: ColumnTrait>(
    db: &Database,
    mut statement: SelectStatement,
    read: &[C],
    limit: Option<u64>,
) -> AppResult<RowsToDecode<C>> {
    let backend = db.here().get_database_backend();
    for column in read {
        statement.column((column.entity_name(), *column));
    }
    let statement = match limit {
        Some(limit) => limited(backend, statement, limit),
        None => backend.build(&statement),
    };
    let rows = db.fetch_all(&statement).await?;
    let columns = match &rows {
        Rows::Sqlite(rows) => rows.first().map(|row| row.columns().len()),
        Rows::Postgres(rows) => rows.first().map(|row| row.columns().len()),
    };
    if columns.is_some_and(|columns| columns != read.len()) {
        return Err(AppError::internal(anyhow::anyhow!(
            "a row of {columns:?} columns where {} were selected: the columns would be read out of place",
            read.len()
        )));
    }
    Ok(RowsToDecode { rows, cells: cells(read)? })
}

/// Rows as the database gave them, and how to read their columns.
struct RowsToDecode<C> {
    rows: Rows,
    cells: Vec<(C, Cell)>,
}

/// One row of either database.
#[derive(Clone, Copy)]
enum RowRef<'a> {
    Sqlite(&'a SqliteRow),
    Postgres(&'a PgRow),
}

/// How a row's cells are decoded: the first row of each answer with sqlx's check that each
/// column's database type suits the Rust type read from it, the others without (see `decoded!`).
#[derive(Clone, Copy)]
enum Check {
    Types,
    Skip,
}

impl<C> RowsToDecode<C> {
    fn iter(&self) -> impl Iterator<Item = (RowRef<'_>, &[(C, Cell)], Check)> {
        let count = match &self.rows {
            Rows::Sqlite(rows) => rows.len(),
            Rows::Postgres(rows) => rows.len(),
        };
        (0..count).map(|index| {
            let row = match &self.rows {
                Rows::Sqlite(rows) => RowRef::Sqlite(&rows[index]),
                Rows::Postgres(rows) => RowRef::Postgres(&rows[index]),
            };
            (row, self.cells.as_slice(), if index == 0 { Check::Types } else { Check::Skip })
        })
    }
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

/// Reads the row's columns by position and hands each to `set`.
fn fill<C: Copy>(
    row: RowRef<'_>,
    cells: &[(C, Cell)],
    check: Check,
    set: impl FnMut(C, Value) -> Result<(), DbErr>,
) -> AppResult<()> {
    match row {
        RowRef::Sqlite(row) => fill_from(row, cells, check, set),
        RowRef::Postgres(row) => fill_from(row, cells, check, set),
    }
}

fn fill_from<C: Copy>(
    row: &impl PositionalRow,
    cells: &[(C, Cell)],
    check: Check,
    mut set: impl FnMut(C, Value) -> Result<(), DbErr>,
) -> AppResult<()> {
    for (index, (column, cell)) in cells.iter().enumerate() {
        set(*column, cell.read(row, index, check)?)?;
    }
    Ok(())
}

/// Positional access to one row of either database.
trait PositionalRow {
    fn value<T: Decoded>(&self, index: usize, check: Check) -> Result<T, DbErr>;
}

/// A Rust type that both databases decode from a column.
trait Decoded: Sized {
    fn from_sqlite(row: &SqliteRow, index: usize, check: Check) -> Result<Self, sea_orm::sqlx::Error>;
    fn from_postgres(row: &PgRow, index: usize, check: Check) -> Result<Self, sea_orm::sqlx::Error>;
}

// sqlx's check that a column's database type suits the Rust type compared type descriptions
// for every cell on PostgreSQL: 3% of a list page's instructions. A statement's columns have
// the same types in every row, so only its first row is checked (`Check`); the others are
// decoded unchecked, which would read a mismatched value as something else (a text as 0 on
// SQLite, a date as an integer on PostgreSQL) rather than fail.
macro_rules! decoded {
    ($($ty:ty),*) => {$(
        impl Decoded for $ty {
            fn from_sqlite(row: &SqliteRow, index: usize, check: Check) -> Result<Self, sea_orm::sqlx::Error> {
                get(row, index, check)
            }
            fn from_postgres(row: &PgRow, index: usize, check: Check) -> Result<Self, sea_orm::sqlx::Error> {
                get(row, index, check)
            }
        }
    )*};
}

fn get<'r, R, T>(row: &'r R, index: usize, check: Check) -> Result<T, sea_orm::sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    match check {
        Check::Types => row.try_get(index),
        Check::Skip => row.try_get_unchecked(index),
    }
}

decoded!(Option<i32>, Option<i64>, Option<f64>, Option<bool>, Option<String>, Option<NaiveDate>, Option<DateTime<Utc>>);

impl PositionalRow for SqliteRow {
    fn value<T: Decoded>(&self, index: usize, check: Check) -> Result<T, DbErr> {
        T::from_sqlite(self, index, check).map_err(|error| DbErr::Type(error.to_string()))
    }
}

impl PositionalRow for PgRow {
    fn value<T: Decoded>(&self, index: usize, check: Check) -> Result<T, DbErr> {
        T::from_postgres(self, index, check).map_err(|error| DbErr::Type(error.to_string()))
    }
}

/// How a column is read, from the type the entity declares for it: a column added to an
/// entity is read here without a line of its own.
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
    fn of<C: ColumnTrait>(column: C) -> AppResult<Self> {
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
                    "the column {}.{} has a type the row reader does not decode: {other:?}",
                    column.entity_name(),
                    column.as_str()
                )));
            }
        })
    }

    /// NULL, as a value of this kind.
    fn null(self) -> Value {
        match self {
            Cell::Int => Value::Int(None),
            Cell::BigInt => Value::BigInt(None),
            Cell::Double => Value::Double(None),
            Cell::Bool => Value::Bool(None),
            Cell::Text => Value::String(None),
            Cell::Date => Value::ChronoDate(None),
            Cell::Instant => Value::ChronoDateTimeUtc(None),
        }
    }

    fn read(self, row: &impl PositionalRow, index: usize, check: Check) -> Result<Value, DbErr> {
        Ok(match self {
            Cell::Int => Value::Int(row.value(index, check)?),
            Cell::BigInt => Value::BigInt(row.value(index, check)?),
            Cell::Double => Value::Double(row.value(index, check)?),
            Cell::Bool => Value::Bool(row.value(index, check)?),
            Cell::Text => Value::String(row.value(index, check)?),
            Cell::Date => Value::ChronoDate(row.value(index, check)?),
            Cell::Instant => Value::ChronoDateTimeUtc(row.value(index, check)?),
        })
    }
}

/// The columns read, in the statement's order, with how each is read.
fn cells<C: ColumnTrait>(read: &[C]) -> AppResult<Vec<(C, Cell)>> {
    read.iter().map(|column| Ok((*column, Cell::of(*column)?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of `issue` and `issue_event` has a type the reader decodes: a column of a
    /// new type fails here, not on a list page.
    #[test]
    fn every_issue_and_event_column_is_read_by_its_declared_type() {
        for column in issue::Column::iter() {
            Cell::of(column).unwrap_or_else(|error| panic!("{column:?}: {error:?}"));
        }
        for column in entity::issue_event::Column::iter() {
            Cell::of(column).unwrap_or_else(|error| panic!("{column:?}: {error:?}"));
        }
        assert_eq!(Cell::of(issue::Column::Status).unwrap(), Cell::Text);
        assert_eq!(Cell::of(issue::Column::Deadline).unwrap(), Cell::Date);
    }

    /// A statement that selects columns of its own would have every column read out of place:
    /// it is refused, not decoded.
    #[tokio::test]
    async fn a_statement_with_columns_of_its_own_is_refused() {
        use entity::department;
        use sea_orm::sea_query::Query;
        use sea_orm::{ActiveValue::Set, EntityTrait};
        let folder = tempfile::tempdir().unwrap();
        let db = Database::connect(&format!("sqlite://{}/rows.db?mode=rwc", folder.path().display())).await.unwrap();
        db.migrate().await.unwrap();
        let now = Utc::now();
        department::Entity::insert(department::ActiveModel {
            code: Set("D1".into()),
            name: Set("One".into()),
            kind: Set(entity::enums::DepartmentKind::iter().next().unwrap()),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&db.conn)
        .await
        .unwrap();
        let read: Vec<department::Column> = department::Column::iter().collect();
        let plain = Query::select().from(department::Entity).to_owned();
        let found = read_rows_of::<department::ActiveModel>(&db, plain, &read).await.unwrap();
        assert_eq!(found.iter().map(|row| row.code.as_str()).collect::<Vec<_>>(), ["D1"]);
        let with_own = Query::select().column(department::Column::Name).from(department::Entity).to_owned();
        assert!(read_rows_of::<department::ActiveModel>(&db, with_own, &read).await.is_err());
    }
}
