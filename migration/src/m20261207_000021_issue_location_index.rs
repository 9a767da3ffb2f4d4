//! An index on where issues are, for `issues(filter: {near: …})`: the nearby issues are those
//! in a box of latitudes and longitudes around the point, which this index reads as one range
//! of latitudes, checking the longitudes in the index itself.

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 2] = ["latitude", "longitude"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("issue", &COLUMNS)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(format!("ix_issue_{}", COLUMNS.join("_"))).table("issue").to_owned())
            .await
    }
}
