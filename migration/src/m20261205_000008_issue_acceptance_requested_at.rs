//! When the lead department last asked for acceptance, kept on the issue so that the bureau's
//! list can show how long a request has waited without reading every issue's history. Issues
//! that asked before this migration take the time of their latest request from their events.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("issue")
                    .add_column(timestamp_with_time_zone_null("acceptance_requested_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE issue SET acceptance_requested_at = (SELECT MAX(e.at) FROM issue_event e \
                 WHERE e.issue_id = issue.id AND e.action = 'ACCEPTANCE_REQUESTED')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("issue").drop_column("acceptance_requested_at").to_owned()).await
    }
}
