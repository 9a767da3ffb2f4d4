//! Sealed monthly reports: the Merkle root over the history chains' heads at the month's end,
//! and the county's Ed25519 signature over it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null("history_root", 64),
            big_integer_null("history_leaves"),
            string_len_null("signature", 128),
            string_len_null("signing_key", 64),
        ] {
            manager.alter_table(Table::alter().table("monthly_report").add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["history_root", "history_leaves", "signature", "signing_key"] {
            manager.alter_table(Table::alter().table("monthly_report").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
