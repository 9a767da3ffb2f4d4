//! Objections raised while a closure is on public notice (公示异议), with their resolution.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

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
                    .table("notice_objection")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(string_len("source", 200))
                    .col(text("content"))
                    .col(big_integer("recorded_event_id"))
                    .col(string_len("recorded_by", 255))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(string_len_null("outcome", 16))
                    .col(text_null("resolution_note"))
                    .col(string_len_null("resolved_by", 255))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .foreign_key(&mut fk("notice_objection", "issue_id", "issue"))
                    .foreign_key(&mut fk("notice_objection", "recorded_event_id", "issue_event"))
                    .take(),
            )
            .await?;
        manager.create_index(index("notice_objection", &["issue_id", "outcome"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("notice_objection").to_owned()).await
    }
}
