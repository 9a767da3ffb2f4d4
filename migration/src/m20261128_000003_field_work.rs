//! Field work: plan milestones, progress reports, site inspections, deadline extensions, and
//! the idempotency keys that make the mobile app's retries safe.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Atomic on SQLite too (SeaORM runs SQLite migrations outside a transaction by default,
    /// statement by statement over the pool, so a failure would leave half a migration).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("milestone")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(string_len("title", 300))
                    .col(date("due_on"))
                    .col(string_len("status", 16))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("milestone", "issue_id", "issue"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("progress_report")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(big_integer("department_id"))
                    .col(text("content"))
                    .col(integer("percent_complete"))
                    .col(string_len("reported_by", 255))
                    .col(timestamp_with_time_zone("reported_at"))
                    .foreign_key(&mut fk("progress_report", "issue_id", "issue"))
                    .foreign_key(&mut fk("progress_report", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("site_inspection")
                    .col(big_pk_auto("id"))
                    .col(big_integer_null("issue_id"))
                    .col(double("latitude"))
                    .col(double("longitude"))
                    .col(timestamp_with_time_zone("observed_at"))
                    .col(text("findings"))
                    .col(string_len("result", 24))
                    .col(string_len("inspector", 255))
                    .col(string_len("inspector_role", 16))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(&mut fk("site_inspection", "issue_id", "issue"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("deadline_extension")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(date("current_deadline"))
                    .col(date("proposed_deadline"))
                    .col(text("reason"))
                    .col(string_len("status", 16))
                    .col(string_len("requested_by", 255))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(string_len_null("decided_by", 255))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("note"))
                    .foreign_key(&mut fk("deadline_extension", "issue_id", "issue"))
                    .take(),
            )
            .await?;
        // One answer per (subject, key): the first request's result is replayed to retries.
        manager
            .create_table(
                Table::create()
                    .table("idempotency_key")
                    .col(big_pk_auto("id"))
                    .col(string_len("subject", 255))
                    .col(string_len("key", 255))
                    .col(string_len("operation", 64))
                    .col(string_len("input_hash", 64))
                    .col(big_integer_null("result_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_key_subject_key")
                    .table("idempotency_key")
                    .col("subject")
                    .col("key")
                    .unique()
                    .take(),
            )
            .await?;
        // A suspected problem turned into an issue keeps its inspection.
        manager
            .alter_table(Table::alter().table("issue").add_column(big_integer_null("site_inspection_id")).take())
            .await?;
        for (table, columns) in [
            ("milestone", &["issue_id"][..]),
            ("progress_report", &["issue_id", "id"]),
            ("site_inspection", &["issue_id"]),
            ("deadline_extension", &["issue_id", "status"]),
            ("idempotency_key", &["created_at"]),
        ] {
            manager.create_index(index(table, columns)).await?;
        }
        Ok(())
    }
}
