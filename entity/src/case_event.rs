//! One append-only entry in a case's history.

use sea_orm::entity::prelude::*;

use crate::enums::{CaseAction, CaseStatus, Role};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub action: CaseAction,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub actor_sub: String,
    pub actor_role: Role,
    pub note: Option<String>,
    pub at: DateTimeUtc,
    /// The link of the case's hash chain (`chain`): 64 hexadecimal digits.
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
