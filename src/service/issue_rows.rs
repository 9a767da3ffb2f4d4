//! Reading pages of issues with only the columns a caller needs, decoded by position.
//!
//! A list page of 50 issues is the busiest read of the API, and most answers ask for a third
//! of the 33 columns of `issue`. Every column read costs SQLite a copy of the value (one
//! allocation each) and costs the decoder a look-up by name; SeaORM's derived decoder also
//! formats an error message for every NULL column of an `Option` field before discarding it.
//! Here the statement names only the wanted columns, and the decoder reads them by position.
//!
//! A column that was not read holds a placeholder (empty text, zero, `false`, `None`, the Unix
//! epoch) in the returned `issue::Model`. Callers must only read the columns they asked for;
//! `graphql::types::issue::issue_columns` derives them from the fields a query selects, and
//! the tests compare every field of a narrowed list with the same field read in full.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{IssueStatus, Severity, SupervisionLevel};
use entity::issue;
use sea_orm::sea_query::SelectStatement;
use sea_orm::sqlx::Row;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable, QueryResult, QuerySelect, QueryTrait, Select,
    Statement,
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
    let rows = conn.query_all_raw(limited(backend, statement, limit)).await?;
    rows.iter().map(|row| decode(row, &read)).collect()
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

fn decode(row: &QueryResult, read: &[issue::Column]) -> AppResult<issue::Model> {
    if let Some(row) = row.try_as_sqlite_row() {
        decode_row(row, read)
    } else if let Some(row) = row.try_as_pg_row() {
        decode_row(row, read)
    } else {
        Err(AppError::internal(anyhow::anyhow!("an issue row from a database this service does not use")))
    }
}

/// Positional access to one row of either database, with the types of `issue`'s columns.
trait IssueRow {
    fn value<T: Decoded>(&self, index: usize) -> Result<T, DbErr>;
}

/// A Rust type that both databases decode from a column of `issue`.
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

decoded!(
    i32,
    i64,
    bool,
    String,
    DateTime<Utc>,
    Option<i64>,
    Option<f64>,
    Option<String>,
    Option<NaiveDate>,
    Option<DateTime<Utc>>
);

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

fn enum_value<E: ActiveEnum<Value = String>>(text: String) -> Result<E, DbErr> {
    E::try_from_value(&text)
}

/// The placeholder row: what a column that was not read holds.
fn placeholder() -> issue::Model {
    issue::Model {
        id: 0,
        code: String::new(),
        title: String::new(),
        description: String::new(),
        status: IssueStatus::Reported,
        severity: Severity::General,
        round_id: 0,
        category_id: 0,
        location: None,
        township_id: None,
        latitude: None,
        longitude: None,
        requires_engineering: false,
        lead_department_id: None,
        leader_name: None,
        deadline: None,
        supervision_level: None,
        supervision_deadline: None,
        supervision_note: None,
        supervision_listed_at: None,
        supervision_listed_by: None,
        plan_summary: None,
        acceptance_summary: None,
        reopen_count: 0,
        accepted_at: None,
        notice_ends_on: None,
        closed_at: None,
        enterprise_id: None,
        site_inspection_id: None,
        version: 0,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

fn decode_row(row: &impl IssueRow, read: &[issue::Column]) -> AppResult<issue::Model> {
    use issue::Column as C;
    let mut model = placeholder();
    for (index, column) in read.iter().enumerate() {
        match column {
            C::Id => model.id = row.value(index)?,
            C::Code => model.code = row.value(index)?,
            C::Title => model.title = row.value(index)?,
            C::Description => model.description = row.value(index)?,
            C::Status => model.status = enum_value(row.value(index)?)?,
            C::Severity => model.severity = enum_value(row.value(index)?)?,
            C::RoundId => model.round_id = row.value(index)?,
            C::CategoryId => model.category_id = row.value(index)?,
            C::Location => model.location = row.value(index)?,
            C::TownshipId => model.township_id = row.value(index)?,
            C::Latitude => model.latitude = row.value(index)?,
            C::Longitude => model.longitude = row.value(index)?,
            C::RequiresEngineering => model.requires_engineering = row.value(index)?,
            C::LeadDepartmentId => model.lead_department_id = row.value(index)?,
            C::LeaderName => model.leader_name = row.value(index)?,
            C::Deadline => model.deadline = row.value(index)?,
            C::SupervisionLevel => {
                let text: Option<String> = row.value(index)?;
                model.supervision_level = text.map(enum_value::<SupervisionLevel>).transpose()?;
            }
            C::SupervisionDeadline => model.supervision_deadline = row.value(index)?,
            C::SupervisionNote => model.supervision_note = row.value(index)?,
            C::SupervisionListedAt => model.supervision_listed_at = row.value(index)?,
            C::SupervisionListedBy => model.supervision_listed_by = row.value(index)?,
            C::PlanSummary => model.plan_summary = row.value(index)?,
            C::AcceptanceSummary => model.acceptance_summary = row.value(index)?,
            C::ReopenCount => model.reopen_count = row.value(index)?,
            C::AcceptedAt => model.accepted_at = row.value(index)?,
            C::NoticeEndsOn => model.notice_ends_on = row.value(index)?,
            C::ClosedAt => model.closed_at = row.value(index)?,
            C::EnterpriseId => model.enterprise_id = row.value(index)?,
            C::SiteInspectionId => model.site_inspection_id = row.value(index)?,
            C::Version => model.version = row.value(index)?,
            C::CreatedAt => model.created_at = row.value(index)?,
            C::UpdatedAt => model.updated_at = row.value(index)?,
        }
    }
    Ok(model)
}
