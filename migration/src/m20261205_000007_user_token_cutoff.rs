//! A local user's token cut-off: tokens issued before it are refused. Deactivating a user sets
//! it, so that a user who is reactivated later does not bring old tokens back to life.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("app_user")
                    .add_column(timestamp_with_time_zone_null("tokens_valid_from"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("app_user").drop_column("tokens_valid_from").to_owned()).await
    }
}
