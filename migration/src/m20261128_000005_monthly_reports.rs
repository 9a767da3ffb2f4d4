//! Monthly reports: a month's statistics frozen as submitted to the superior agencies.

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
                    .table("monthly_report")
                    .col(big_pk_auto("id"))
                    // `2026-04`: one report per month, ever.
                    .col(string_len_uniq("month", 7))
                    .col(text_null("note"))
                    .col(string_len("submitted_by", 255))
                    .col(timestamp_with_time_zone("submitted_at"))
                    // The frozen figures as JSON text, identical on both databases.
                    .col(text("figures"))
                    .take(),
            )
            .await?;
        crate::helpers::append_only(manager, "monthly_report").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("monthly_report").take()).await
    }
}
