//! The core ledger: departments, users, rounds, the classification, issues and their events.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::helpers::{append_only, fk, index};

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
                    .table("department")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 32))
                    .col(string_len("name", 200))
                    .col(string_len("kind", 16))
                    .col(string_len_null("head_name", 100))
                    .col(boolean("active"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("app_user")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("username", 64))
                    .col(string_len("password_hash", 255))
                    .col(string_len("role", 16))
                    .col(big_integer_null("department_id"))
                    .col(string_len_null("display_name", 100))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("app_user", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("inspection_round")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 200))
                    .col(string_len("level", 16))
                    .col(string_len("kind", 16))
                    .col(date("started_on"))
                    .col(date_null("feedback_on"))
                    .col(string_len_null("document_number", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("aspect")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 32))
                    .col(string_len("name", 200))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("category")
                    .col(big_pk_auto("id"))
                    .col(big_integer("aspect_id"))
                    .col(string_len_uniq("code", 32))
                    .col(string_len("name", 200))
                    .col(big_integer("duty_department_id"))
                    .foreign_key(&mut fk("category", "aspect_id", "aspect"))
                    .foreign_key(&mut fk("category", "duty_department_id", "department"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("issue")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 64))
                    .col(string_len("title", 300))
                    .col(text("description"))
                    .col(string_len("status", 24))
                    .col(string_len("severity", 16))
                    .col(big_integer("round_id"))
                    .col(big_integer("category_id"))
                    .col(string_len_null("location", 300))
                    .col(big_integer_null("township_id"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(boolean("requires_engineering"))
                    .col(big_integer_null("lead_department_id"))
                    .col(string_len_null("leader_name", 100))
                    .col(date_null("deadline"))
                    .col(string_len_null("supervision_level", 16))
                    .col(date_null("supervision_deadline"))
                    .col(text_null("supervision_note"))
                    .col(timestamp_with_time_zone_null("supervision_listed_at"))
                    .col(string_len_null("supervision_listed_by", 255))
                    .col(text_null("plan_summary"))
                    .col(text_null("acceptance_summary"))
                    .col(integer("reopen_count"))
                    .col(timestamp_with_time_zone_null("accepted_at"))
                    .col(date_null("notice_ends_on"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("issue", "round_id", "inspection_round"))
                    .foreign_key(&mut fk("issue", "category_id", "category"))
                    .foreign_key(&mut fk("issue", "township_id", "department"))
                    .foreign_key(&mut fk("issue", "lead_department_id", "department"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("issue_cooperator")
                    .col(big_integer("issue_id"))
                    .col(big_integer("department_id"))
                    .primary_key(Index::create().col("issue_id").col("department_id"))
                    .foreign_key(&mut fk("issue_cooperator", "issue_id", "issue"))
                    .foreign_key(&mut fk("issue_cooperator", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("issue_event")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(string_len("action", 32))
                    .col(string_len_null("from_status", 24))
                    .col(string_len("to_status", 24))
                    .col(string_len("actor_sub", 255))
                    .col(string_len("actor_role", 16))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("issue_event", "issue_id", "issue"))
                    .take(),
            )
            .await?;

        // Keyset pagination walks (sort key, id); the filters of IssueFilter each get an index.
        for columns in [
            &["created_at", "id"][..],
            &["updated_at", "id"],
            &["deadline", "id"],
            &["status"],
            &["lead_department_id"],
            &["round_id"],
            &["category_id"],
            &["township_id"],
        ] {
            manager.create_index(index("issue", columns)).await?;
        }
        manager.create_index(index("issue_cooperator", &["department_id"])).await?;
        manager.create_index(index("issue_event", &["issue_id", "id"])).await?;
        manager.create_index(index("category", &["aspect_id"])).await?;

        // Events are the record an assessment is computed from: the database itself refuses to
        // change or remove one.
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE FUNCTION rectify_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
                )
                .await?;
        }
        append_only(manager, "issue_event").await?;
        Ok(())
    }
}
