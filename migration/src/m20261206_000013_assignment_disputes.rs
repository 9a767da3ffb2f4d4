//! Lead departments' disputes of their assignments (交办争议), one per assignment, with the
//! leader's ruling.

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
                    .table("assignment_dispute")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(big_integer("department_id"))
                    .col(big_integer_uniq("assignment_event_id"))
                    .col(text("reason"))
                    .col(big_integer_null("proposed_department_id"))
                    .col(string_len("raised_by", 255))
                    .col(timestamp_with_time_zone("raised_at"))
                    .col(string_len_null("decision", 16))
                    .col(big_integer_null("new_lead_department_id"))
                    .col(text_null("ruling_note"))
                    .col(string_len_null("ruled_by", 255))
                    .col(timestamp_with_time_zone_null("ruled_at"))
                    .foreign_key(&mut fk("assignment_dispute", "issue_id", "issue"))
                    .foreign_key(&mut fk("assignment_dispute", "department_id", "department"))
                    .foreign_key(&mut fk("assignment_dispute", "assignment_event_id", "issue_event"))
                    .foreign_key(&mut fk("assignment_dispute", "proposed_department_id", "department"))
                    .foreign_key(&mut fk("assignment_dispute", "new_lead_department_id", "department"))
                    .take(),
            )
            .await?;
        manager.create_index(index("assignment_dispute", &["issue_id", "id"])).await?;
        manager.create_index(index("assignment_dispute", &["department_id", "decision"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("assignment_dispute").to_owned()).await
    }
}
