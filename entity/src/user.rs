//! A local user, for counties without an identity provider of their own.

use sea_orm::entity::prelude::*;

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    /// Argon2id hash in PHC string format; never leaves the service layer.
    pub password_hash: String,
    pub role: Role,
    pub department_id: Option<i64>,
    pub display_name: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// Tokens issued before this instant are refused (set when the user is deactivated).
    pub tokens_valid_from: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
