//! An objection raised while an accepted issue's closure is on public notice (公示异议),
//! recorded and resolved by the bureau.

use sea_orm::entity::prelude::*;

use crate::enums::ObjectionOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_objection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: i64,
    /// Who objected, as the bureau records it (a resident, a hotline ticket, a deputy).
    pub source: String,
    pub content: String,
    /// The issue event that recorded it, which cites its evidence.
    pub recorded_event_id: i64,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
    pub outcome: Option<ObjectionOutcome>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
