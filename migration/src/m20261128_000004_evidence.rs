//! Evidence: uploaded photos and documents (the bytes live in the object store, addressed by
//! their SHA-256), and where each is cited: a progress report, a site inspection, or the
//! event of a request for acceptance.

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
                    .table("evidence")
                    .col(big_pk_auto("id"))
                    // None: evidence of a suspected new problem, linked when it is registered.
                    .col(big_integer_null("issue_id"))
                    .col(string_len("kind", 32))
                    .col(string_len("file_name", 255))
                    .col(string_len("content_type", 64))
                    .col(big_integer("byte_size"))
                    .col(string_len("sha256", 64))
                    .col(timestamp_with_time_zone_null("captured_at"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(text_null("note"))
                    .col(string_len("uploaded_by", 255))
                    .col(string_len("uploaded_role", 16))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .foreign_key(&mut fk("evidence", "issue_id", "issue"))
                    .take(),
            )
            .await?;
        manager.create_index(index("evidence", &["issue_id", "id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("evidence_citation")
                    .col(big_pk_auto("id"))
                    .col(big_integer("evidence_id"))
                    .col(big_integer_null("progress_report_id"))
                    .col(big_integer_null("site_inspection_id"))
                    .col(big_integer_null("issue_event_id"))
                    .check(Expr::cust(
                        "(CASE WHEN progress_report_id IS NULL THEN 0 ELSE 1 END) \
                         + (CASE WHEN site_inspection_id IS NULL THEN 0 ELSE 1 END) \
                         + (CASE WHEN issue_event_id IS NULL THEN 0 ELSE 1 END) = 1",
                    ))
                    .foreign_key(&mut fk("evidence_citation", "evidence_id", "evidence"))
                    .foreign_key(&mut fk("evidence_citation", "progress_report_id", "progress_report"))
                    .foreign_key(&mut fk("evidence_citation", "site_inspection_id", "site_inspection"))
                    .foreign_key(&mut fk("evidence_citation", "issue_event_id", "issue_event"))
                    .take(),
            )
            .await?;
        for column in ["progress_report_id", "site_inspection_id", "issue_event_id"] {
            manager.create_index(index("evidence_citation", &[column, "evidence_id"]).unique().take()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("evidence_citation").take()).await?;
        manager.drop_table(Table::drop().table("evidence").take()).await
    }
}
