//! Webhooks for the county's gateways (SMS, messaging): the endpoints, and the outbox of
//! deliveries written in the transaction of the notice they carry.

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
                    .table("webhook")
                    .col(big_pk_auto("id"))
                    .col(string_len("url", 2048))
                    .col(text("events"))
                    .col(string_len("secret", 255))
                    .col(boolean("active"))
                    .col(string_len("created_by", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_delivery")
                    .col(big_pk_auto("id"))
                    .col(big_integer("webhook_id"))
                    .col(string_len("event", 32))
                    .col(text("body"))
                    .col(string_len("status", 16))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(integer_null("last_status_code"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .foreign_key(&mut fk("webhook_delivery", "webhook_id", "webhook"))
                    .take(),
            )
            .await?;
        manager.create_index(index("webhook_delivery", &["status", "next_attempt_at"])).await?;
        manager.create_index(index("webhook_delivery", &["webhook_id", "id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_delivery", "webhook"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
