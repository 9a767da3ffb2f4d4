//! One append-only entry in an issue's history.

use sea_orm::entity::prelude::*;

use crate::enums::{IssueAction, IssueStatus, Role, Severity, SupervisionLevel};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issue_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: i64,
    pub action: IssueAction,
    pub from_status: Option<IssueStatus>,
    pub to_status: IssueStatus,
    pub actor_sub: String,
    pub actor_role: Role,
    pub note: Option<String>,
    pub at: DateTimeUtc,
    // The issue's state after this event, so the ledger can be read as of any moment.
    pub lead_department_id: Option<i64>,
    /// Comma-separated ids of the cooperating departments.
    pub cooperating_department_ids: Option<String>,
    pub deadline: Option<Date>,
    pub severity: Option<Severity>,
    pub category_id: Option<i64>,
    pub supervision_level: Option<SupervisionLevel>,
    /// The link of the issue's hash chain (`chain`): 64 hexadecimal digits.
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
