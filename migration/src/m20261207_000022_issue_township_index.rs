//! An ordered index for `issues(filter: {townshipId})`, the list behind a township's numbers on
//! a dashboard: a page of it, newest first, is a range of this index, as for a department's
//! or a status's (see `m20261128_000006_issue_list_indexes`). It replaces the one-column index
//! it starts with, which it serves just as well.

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 3] = ["township_id", "created_at", "id"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("issue", &COLUMNS)).await?;
        manager.drop_index(Index::drop().name(format!("ix_issue_{}", COLUMNS[0])).table("issue").to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("issue", &COLUMNS[..1])).await?;
        manager
            .drop_index(Index::drop().name(format!("ix_issue_{}", COLUMNS.join("_"))).table("issue").to_owned())
            .await
    }
}
