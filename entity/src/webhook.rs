//! An endpoint of the county's gateways that receives notices as signed JSON.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub url: String,
    /// The notification kinds it receives, comma-separated as the API names them.
    pub events: String,
    /// The key of each delivery's HMAC; never shown again after creation.
    pub secret: String,
    /// False once deleted: its pending deliveries are dropped, its history kept.
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
