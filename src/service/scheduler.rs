//! Periodic jobs that run on one instance at a time, whichever instances share the database.
//!
//! Every instance polls each job's row in `scheduled_job`. A poll that finds the job due and
//! not leased (or its lease run out) claims it with one conditional UPDATE: of instances
//! polling at once, one changes the row and the others change nothing. The holder runs the
//! job, then sets the next due time and gives the lease back. An instance that dies while
//! holding a job leaves its lease to run out (`LEASE`), and the next poll of another instance
//! takes the job. The same works on SQLite, where there is only ever one instance.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::scheduled_job;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::Services;
use crate::error::{AppError, AppResult};

/// How long a claimed job is held before another instance may take it: well past a sweep's
/// longest run, and short enough that a dead instance's job waits minutes, not hours.
pub const LEASE: Duration = Duration::from_secs(10 * 60);

/// How often an instance looks for due jobs, at most: a job runs within this of falling due.
pub const POLL_EVERY: Duration = Duration::from_secs(30);

/// A periodic job's schedule.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    /// How long after the job's row is made it first falls due.
    pub first_after: Duration,
}

fn later(at: DateTime<Utc>, by: Duration) -> AppResult<DateTime<Utc>> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| at.checked_add_signed(by))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a schedule of {by:?} does not fit a timestamp")))
}

impl Services {
    /// Claims `job` for `instance` when it is due and nobody holds it; `true` when this
    /// instance now holds it and should run it.
    pub async fn claim_job(&self, job: Job, instance: &str) -> AppResult<bool> {
        let now = self.clock.now();
        let row = scheduled_job::ActiveModel {
            name: Set(job.name.to_owned()),
            next_run_at: Set(later(now, job.first_after)?),
            ..Default::default()
        };
        // The first instance to see the job makes its row; the others find it made.
        let on_conflict = OnConflict::column(scheduled_job::Column::Name).do_nothing().to_owned();
        scheduled_job::Entity::insert(row).on_conflict(on_conflict).try_insert().exec(self.background_conn()).await?;
        let claimed = scheduled_job::Entity::update_many()
            .col_expr(scheduled_job::Column::LeasedUntil, Expr::value(later(now, LEASE)?))
            .col_expr(scheduled_job::Column::LeasedBy, Expr::value(instance))
            .filter(scheduled_job::Column::Name.eq(job.name))
            .filter(scheduled_job::Column::NextRunAt.lte(now))
            .filter(
                Condition::any()
                    .add(scheduled_job::Column::LeasedUntil.is_null())
                    .add(scheduled_job::Column::LeasedUntil.lt(now)),
            )
            .exec(self.background_conn())
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// Gives `job` back after a run, due again `job.every` from now, with what the run said.
    pub async fn finish_job(&self, job: Job, instance: &str, outcome: &str) -> AppResult<()> {
        let now = self.clock.now();
        scheduled_job::Entity::update_many()
            .col_expr(scheduled_job::Column::NextRunAt, Expr::value(later(now, job.every)?))
            .col_expr(scheduled_job::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(scheduled_job::Column::LeasedBy, Expr::value(Option::<String>::None))
            .col_expr(scheduled_job::Column::LastFinishedAt, Expr::value(now))
            .col_expr(scheduled_job::Column::LastOutcome, Expr::value(outcome))
            .filter(scheduled_job::Column::Name.eq(job.name))
            // A holder whose lease ran out and was taken over does not move the other's run.
            .filter(scheduled_job::Column::LeasedBy.eq(instance))
            .exec(self.background_conn())
            .await?;
        Ok(())
    }

    /// The jobs' rows, for tests and operators.
    pub async fn scheduled_jobs(&self) -> AppResult<Vec<scheduled_job::Model>> {
        Ok(scheduled_job::Entity::find().all(self.background_conn()).await?)
    }
}
