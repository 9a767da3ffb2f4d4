//! A periodic job (the deadline sweep, the purge of expired idempotency keys) and who runs it:
//! several instances on one database take turns through this row, so that a job runs on one
//! of them at a time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduled_job")]
pub struct Model {
    /// The job's name, e.g. `sweep`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// When the job is next due.
    pub next_run_at: DateTimeUtc,
    /// Until when the instance that claimed the job holds it; past it, another may take it
    /// (the holder died or hangs).
    pub leased_until: Option<DateTimeUtc>,
    /// The instance holding the lease.
    pub leased_by: Option<String>,
    /// When the job last finished, and what it said (or its error).
    pub last_finished_at: Option<DateTimeUtc>,
    pub last_outcome: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
