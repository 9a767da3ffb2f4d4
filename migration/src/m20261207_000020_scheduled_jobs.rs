//! Periodic jobs taken in turn by the instances that share the database.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("scheduled_job")
                    .col(string_len("name", 64).primary_key())
                    .col(timestamp_with_time_zone("next_run_at"))
                    .col(timestamp_with_time_zone_null("leased_until"))
                    .col(string_len_null("leased_by", 128))
                    .col(timestamp_with_time_zone_null("last_finished_at"))
                    .col(text_null("last_outcome"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("scheduled_job").to_owned()).await
    }
}
