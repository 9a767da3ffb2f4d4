//! What the warning light reads of an issue's plan, kept on the issue so that a filter or a
//! statistic can judge every issue's light from its row alone: the county's date of the last
//! assignment, the date of the earliest milestone not yet done, and the percentage of the
//! newest progress report. Existing issues take them from their events, milestones and
//! reports. The assignment's date is taken in UTC here (a migration does not know the county's
//! time zone), so an issue assigned in the county's first hours of a day may count from the
//! day before: at most one day earlier, never later.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{date_null, integer_null};
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for column in [date_null("assigned_on"), date_null("next_milestone_due"), integer_null("progress_percent")] {
            manager.alter_table(Table::alter().table("issue").add_column(column).to_owned()).await?;
        }
        let day_of = match manager.get_database_backend() {
            DatabaseBackend::Postgres => "CAST(MAX(e.at) AT TIME ZONE 'UTC' AS DATE)",
            _ => "substr(MAX(e.at), 1, 10)",
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE issue SET assigned_on = (SELECT {day_of} FROM issue_event e \
             WHERE e.issue_id = issue.id AND e.action IN ('ASSIGNED', 'REASSIGNED'))"
        ))
        .await?;
        db.execute_unprepared(
            "UPDATE issue SET next_milestone_due = (SELECT MIN(m.due_on) FROM milestone m \
             WHERE m.issue_id = issue.id AND m.status = 'PENDING')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE issue SET progress_percent = (SELECT p.percent_complete FROM progress_report p \
             WHERE p.issue_id = issue.id ORDER BY p.id DESC LIMIT 1)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["assigned_on", "next_milestone_due", "progress_percent"] {
            manager.alter_table(Table::alter().table("issue").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
