//! Look-back campaigns (回头看) and their tasks: one per sampled closed issue.

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
                    .table("look_back_campaign")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 200))
                    .col(date("closed_from"))
                    .col(date("closed_to"))
                    .col(integer("sample_size"))
                    .col(big_integer("seed"))
                    .col(integer("population"))
                    .col(string_len("created_by", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("look_back_task")
                    .col(big_pk_auto("id"))
                    .col(big_integer("campaign_id"))
                    .col(big_integer("issue_id"))
                    .col(string_len_null("outcome", 16))
                    .col(big_integer_null("site_inspection_id"))
                    .col(string_len_null("answered_by", 255))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .foreign_key(&mut fk("look_back_task", "campaign_id", "look_back_campaign"))
                    .foreign_key(&mut fk("look_back_task", "issue_id", "issue"))
                    .foreign_key(&mut fk("look_back_task", "site_inspection_id", "site_inspection"))
                    .take(),
            )
            .await?;
        manager.create_index(index("look_back_task", &["campaign_id", "issue_id"]).unique().take()).await?;
        manager.create_index(index("look_back_task", &["issue_id", "outcome"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("look_back_task").to_owned()).await?;
        manager.drop_table(Table::drop().table("look_back_campaign").to_owned()).await
    }
}
