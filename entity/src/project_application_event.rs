//! One entry in a project application's history: registered, instructed, approved or refused.
//! Append-only.

use sea_orm::entity::prelude::*;

use crate::enums::ProjectApplicationAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_application_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub action: ProjectApplicationAction,
    /// The subject of the token that acted.
    pub actor: String,
    pub at: DateTimeUtc,
    pub note: Option<String>,
    /// Whether the gate was blocked at that moment.
    pub gate_blocked: bool,
    /// The instruction posted (INSTRUCTED) or cited (APPROVED).
    pub instruction_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
