//! A notice in one inbox: a department's, a role's or a user's (exactly one is set).

use sea_orm::entity::prelude::*;

use crate::enums::{NotificationKind, Role};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: NotificationKind,
    pub issue_id: Option<i64>,
    pub reminder_id: Option<i64>,
    pub recipient_department_id: Option<i64>,
    pub recipient_role: Option<Role>,
    pub recipient_user: Option<String>,
    pub message: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
