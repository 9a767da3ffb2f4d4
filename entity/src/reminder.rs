//! A reminder slip (催办单) or supervision slip (督办单) addressed to one department, answered
//! once.

use sea_orm::entity::prelude::*;

use crate::enums::{ReminderKind, Role};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub number: String,
    pub kind: ReminderKind,
    pub issue_id: i64,
    pub department_id: i64,
    pub message: String,
    pub reply_by: Date,
    /// Written by the deadline sweep rather than by a person.
    pub automatic: bool,
    pub issued_by: String,
    pub issued_role: Role,
    pub issued_at: DateTimeUtc,
    pub reply: Option<String>,
    pub replied_by: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
    /// The issue event of the reply, which cites the reply's evidence.
    pub reply_event_id: Option<i64>,
    /// When the sweep escalated it to the leaders, unanswered past `reply_by`.
    pub escalated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
