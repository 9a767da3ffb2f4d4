//! The new-project gate (严防增量): project applications, leaders' instructions on them, and
//! their append-only history.

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
                    .table("project_application")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 200))
                    .col(big_integer("enterprise_id"))
                    .col(big_integer("township_id"))
                    .col(string_len("industry", 100))
                    .col(big_integer("investment_fen"))
                    .col(text("description"))
                    .col(string_len("status", 16))
                    .col(string_len("registered_by", 255))
                    .col(timestamp_with_time_zone("registered_at"))
                    .col(string_len_null("decided_by", 255))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("decision_note"))
                    .col(boolean_null("blocked_at_decision"))
                    .col(text_null("gate_at_decision"))
                    .col(big_integer_null("instruction_id"))
                    .foreign_key(&mut fk("project_application", "enterprise_id", "enterprise"))
                    .foreign_key(&mut fk("project_application", "township_id", "department"))
                    .take(),
            )
            .await?;
        manager.create_index(index("project_application", &["status", "id"])).await?;
        manager.create_index(index("project_application", &["township_id", "id"])).await?;
        manager.create_index(index("project_application", &["enterprise_id", "id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("project_instruction")
                    .col(big_pk_auto("id"))
                    .col(big_integer("application_id"))
                    .col(text("text"))
                    .col(string_len("issued_by", 255))
                    .col(timestamp_with_time_zone("issued_at"))
                    .foreign_key(&mut fk("project_instruction", "application_id", "project_application"))
                    .take(),
            )
            .await?;
        manager.create_index(index("project_instruction", &["application_id", "id"])).await?;
        append_only(manager, "project_instruction").await?;
        manager
            .create_table(
                Table::create()
                    .table("project_application_event")
                    .col(big_pk_auto("id"))
                    .col(big_integer("application_id"))
                    .col(string_len("action", 16))
                    .col(string_len("actor", 255))
                    .col(timestamp_with_time_zone("at"))
                    .col(text_null("note"))
                    .col(boolean("gate_blocked"))
                    .col(big_integer_null("instruction_id"))
                    .foreign_key(&mut fk("project_application_event", "application_id", "project_application"))
                    .foreign_key(&mut fk("project_application_event", "instruction_id", "project_instruction"))
                    .take(),
            )
            .await?;
        manager.create_index(index("project_application_event", &["application_id", "id"])).await?;
        append_only(manager, "project_application_event").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("project_application_event").to_owned()).await?;
        manager.drop_table(Table::drop().table("project_instruction").to_owned()).await?;
        manager.drop_table(Table::drop().table("project_application").to_owned()).await
    }
}
