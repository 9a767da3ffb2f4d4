//! Enterprises, accountability cases, the assessment, and a state snapshot on every issue
//! event so that the ledger can be read as it stood at any moment.

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
        let db = manager.get_connection();
        let backend = manager.get_database_backend();

        // The state of the issue after each event. Existing events take the current
        // state, the best knowledge there is; the append-only guard is lifted for this alone.
        match backend {
            DatabaseBackend::Sqlite => {
                db.execute_unprepared("DROP TRIGGER issue_event_no_update").await?;
                db.execute_unprepared("DROP TRIGGER issue_event_no_delete").await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER issue_event_append_only ON issue_event").await?;
            }
        }
        for column in [
            big_integer_null("lead_department_id"),
            text_null("cooperating_department_ids"),
            date_null("deadline"),
            string_len_null("severity", 16),
            big_integer_null("category_id"),
            string_len_null("supervision_level", 16),
        ] {
            manager.alter_table(Table::alter().table("issue_event").add_column(column).take()).await?;
        }
        let cooperating = match backend {
            DatabaseBackend::Postgres => "string_agg(department_id::text, ',' ORDER BY department_id)",
            _ => "group_concat(department_id, ',')",
        };
        db.execute_unprepared(&format!(
            "UPDATE issue_event SET \
               lead_department_id = (SELECT lead_department_id FROM issue WHERE issue.id = issue_event.issue_id), \
               deadline = (SELECT deadline FROM issue WHERE issue.id = issue_event.issue_id), \
               severity = (SELECT severity FROM issue WHERE issue.id = issue_event.issue_id), \
               category_id = (SELECT category_id FROM issue WHERE issue.id = issue_event.issue_id), \
               supervision_level = (SELECT supervision_level FROM issue WHERE issue.id = issue_event.issue_id), \
               cooperating_department_ids = COALESCE((SELECT {cooperating} FROM issue_cooperator \
                 WHERE issue_cooperator.issue_id = issue_event.issue_id), '')"
        ))
        .await?;
        append_only(manager, "issue_event").await?;
        manager.create_index(index("issue_event", &["at"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("enterprise")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 200))
                    .col(string_len_uniq("credit_code", 18))
                    .col(big_integer("township_id"))
                    .col(string_len_null("industry", 100))
                    .col(string_len_null("address", 300))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("enterprise", "township_id", "department"))
                    .take(),
            )
            .await?;
        // SQLite cannot add a foreign key to an existing table; the service checks the link.
        manager.alter_table(Table::alter().table("issue").add_column(big_integer_null("enterprise_id")).take()).await?;
        if backend == DatabaseBackend::Postgres {
            manager.create_foreign_key(fk("issue", "enterprise_id", "enterprise")).await?;
        }
        manager.create_index(index("issue", &["enterprise_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("accountability_case")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 32))
                    .col(string_len("subject_type", 16))
                    .col(big_integer_null("department_id"))
                    .col(string_len_null("official_name", 100))
                    .col(string_len_null("official_position", 100))
                    .col(big_integer_null("enterprise_id"))
                    .col(text("grounds"))
                    .col(text("description"))
                    .col(string_len("status", 16))
                    .col(text_null("decision"))
                    .col(text_null("statement"))
                    .col(timestamp_with_time_zone_null("statement_at"))
                    .col(timestamp_with_time_zone("opened_at"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("accountability_case", "department_id", "department"))
                    .foreign_key(&mut fk("accountability_case", "enterprise_id", "enterprise"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("case_issue")
                    .col(big_integer("case_id"))
                    .col(big_integer("issue_id"))
                    .primary_key(Index::create().col("case_id").col("issue_id"))
                    .foreign_key(&mut fk("case_issue", "case_id", "accountability_case"))
                    .foreign_key(&mut fk("case_issue", "issue_id", "issue"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("case_measure")
                    .col(big_pk_auto("id"))
                    .col(big_integer("case_id"))
                    .col(string_len("measure", 32))
                    .col(big_integer_null("amount_fen"))
                    .col(big_integer_null("daily_amount_fen"))
                    .col(date_null("starts_on"))
                    .col(text_null("note"))
                    .foreign_key(&mut fk("case_measure", "case_id", "accountability_case"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("case_event")
                    .col(big_pk_auto("id"))
                    .col(big_integer("case_id"))
                    .col(string_len("action", 32))
                    .col(string_len_null("from_status", 16))
                    .col(string_len("to_status", 16))
                    .col(string_len("actor_sub", 255))
                    .col(string_len("actor_role", 16))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("case_event", "case_id", "accountability_case"))
                    .take(),
            )
            .await?;
        for (table, columns) in [
            ("accountability_case", &["department_id"][..]),
            ("accountability_case", &["enterprise_id"]),
            ("accountability_case", &["status"]),
            ("accountability_case", &["decided_at"]),
            ("case_issue", &["issue_id"]),
            ("case_measure", &["case_id"]),
            ("case_event", &["case_id", "id"]),
        ] {
            manager.create_index(index(table, columns)).await?;
        }
        append_only(manager, "case_event").await?;

        manager
            .create_table(
                Table::create()
                    .table("assessment_period")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 200))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(string_len("status", 16))
                    .col(text("rules"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone_null("computed_at"))
                    .col(timestamp_with_time_zone_null("finalized_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("assessment_veto")
                    .col(big_pk_auto("id"))
                    .col(big_integer("period_id"))
                    .col(big_integer("department_id"))
                    .col(text("reason"))
                    .col(string_len("actor_sub", 255))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("assessment_veto", "period_id", "assessment_period"))
                    .foreign_key(&mut fk("assessment_veto", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("assessment_result")
                    .col(big_integer("period_id"))
                    .col(big_integer("department_id"))
                    .col(big_integer("score_centi"))
                    .col(boolean("vetoed"))
                    .col(string_len("grade", 16))
                    .col(integer("rank"))
                    .col(text("items"))
                    .primary_key(Index::create().col("period_id").col("department_id"))
                    .foreign_key(&mut fk("assessment_result", "period_id", "assessment_period"))
                    .foreign_key(&mut fk("assessment_result", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager.create_index(index("assessment_veto", &["period_id"])).await?;
        append_only(manager, "assessment_veto").await?;
        Ok(())
    }
}
