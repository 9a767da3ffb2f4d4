//! Supervision that pushes: reminder and supervision slips (催办单, 督办单) with their numbering,
//! the notifications of every inbox with who has read them, and the marks with which the
//! deadline sweep writes each notice once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{append_only, fk, index};

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
                    .table("reminder")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("number", 16))
                    .col(string_len("kind", 24))
                    .col(big_integer("issue_id"))
                    .col(big_integer("department_id"))
                    .col(text("message"))
                    .col(date("reply_by"))
                    .col(boolean("automatic"))
                    .col(string_len("issued_by", 255))
                    .col(string_len("issued_role", 16))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(text_null("reply"))
                    .col(string_len_null("replied_by", 255))
                    .col(timestamp_with_time_zone_null("replied_at"))
                    .col(big_integer_null("reply_event_id"))
                    .col(timestamp_with_time_zone_null("escalated_at"))
                    .foreign_key(&mut fk("reminder", "issue_id", "issue"))
                    .foreign_key(&mut fk("reminder", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager.create_index(index("reminder", &["issue_id", "id"])).await?;
        manager.create_index(index("reminder", &["department_id", "replied_at", "reply_by"])).await?;
        // The last number given in each series (`CB-2026`, `DB-2026`), taken and raised in the
        // transaction that writes the slip, so that numbers never repeat.
        manager
            .create_table(
                Table::create()
                    .table("slip_series")
                    .col(string_len("series", 16).primary_key())
                    .col(big_integer("last_number"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("notification")
                    .col(big_pk_auto("id"))
                    .col(string_len("kind", 32))
                    .col(big_integer_null("issue_id"))
                    .col(big_integer_null("reminder_id"))
                    .col(big_integer_null("recipient_department_id"))
                    .col(string_len_null("recipient_role", 16))
                    .col(string_len_null("recipient_user", 255))
                    .col(text("message"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("notification", "issue_id", "issue"))
                    .foreign_key(&mut fk("notification", "reminder_id", "reminder"))
                    .foreign_key(&mut fk("notification", "recipient_department_id", "department"))
                    .take(),
            )
            .await?;
        manager.create_index(index("notification", &["recipient_department_id", "id"])).await?;
        manager.create_index(index("notification", &["recipient_role", "id"])).await?;
        manager.create_index(index("notification", &["recipient_user", "id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("notification_read")
                    .col(big_integer("notification_id"))
                    .col(string_len("reader", 255))
                    .col(timestamp_with_time_zone("read_at"))
                    .primary_key(Index::create().col("notification_id").col("reader"))
                    .foreign_key(&mut fk("notification_read", "notification_id", "notification"))
                    .take(),
            )
            .await?;
        manager.create_index(index("notification_read", &["reader", "notification_id"])).await?;
        // One row per notice the sweep has written: its key is unique, so a notice is written
        // once however many sweeps run at the same time.
        manager
            .create_table(
                Table::create()
                    .table("sweep_mark")
                    .col(big_integer("issue_id"))
                    .col(string_len("mark", 64))
                    .col(timestamp_with_time_zone("written_at"))
                    .primary_key(Index::create().col("issue_id").col("mark"))
                    .foreign_key(&mut fk("sweep_mark", "issue_id", "issue"))
                    .take(),
            )
            .await?;
        append_only(manager, "notification").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["sweep_mark", "notification_read", "notification", "slip_series", "reminder"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
