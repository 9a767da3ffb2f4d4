//! The leader in charge as a link to a LEADER user (the name stays for issues assigned before,
//! and beside the link), and leaders' written instructions (批示) with their replies.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

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
            .alter_table(Table::alter().table("issue").add_column(big_integer_null("leader_user_id")).to_owned())
            .await?;
        // SQLite cannot add a foreign key to an existing table; there the service checks the
        // user (an active LEADER) before it links one.
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.create_foreign_key(fk("issue", "leader_user_id", "app_user")).await?;
        }
        manager.create_index(index("issue", &["leader_user_id", "id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("instruction")
                    .col(big_pk_auto("id"))
                    .col(big_integer("issue_id"))
                    .col(big_integer("department_id"))
                    .col(text("text"))
                    .col(date("reply_by"))
                    .col(string_len("issued_by", 255))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(text_null("reply"))
                    .col(string_len_null("replied_by", 255))
                    .col(timestamp_with_time_zone_null("replied_at"))
                    .foreign_key(&mut fk("instruction", "issue_id", "issue"))
                    .foreign_key(&mut fk("instruction", "department_id", "department"))
                    .take(),
            )
            .await?;
        manager.create_index(index("instruction", &["issue_id", "id"])).await?;
        manager.create_index(index("instruction", &["department_id", "replied_at", "reply_by"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("instruction").to_owned()).await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .drop_foreign_key(ForeignKey::drop().table("issue").name("fk_issue_leader_user_id").to_owned())
                .await?;
        }
        manager.drop_index(Index::drop().table("issue").name("ix_issue_leader_user_id_id").to_owned()).await?;
        manager.alter_table(Table::alter().table("issue").drop_column("leader_user_id").to_owned()).await?;
        Ok(())
    }
}
