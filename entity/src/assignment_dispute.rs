//! A lead department's dispute of its assignment (交办争议), ruled on by a leader.

use sea_orm::entity::prelude::*;

use crate::enums::DisputeDecision;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment_dispute")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: i64,
    /// The lead department that disputes.
    pub department_id: i64,
    /// The event of the assignment disputed: one dispute per assignment (a unique key).
    pub assignment_event_id: i64,
    pub reason: String,
    pub proposed_department_id: Option<i64>,
    pub raised_by: String,
    pub raised_at: DateTimeUtc,
    pub decision: Option<DisputeDecision>,
    /// The lead department the ruling made, for `REASSIGN`.
    pub new_lead_department_id: Option<i64>,
    pub ruling_note: Option<String>,
    pub ruled_by: Option<String>,
    pub ruled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
