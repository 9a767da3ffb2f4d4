//! An accountability case against a department, an official or an enterprise.

use sea_orm::entity::prelude::*;

use crate::enums::{AccountabilitySubjectType, CaseStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accountability_case")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub subject_type: AccountabilitySubjectType,
    pub department_id: Option<i64>,
    pub official_name: Option<String>,
    pub official_position: Option<String>,
    pub enterprise_id: Option<i64>,
    /// Comma-separated `AccountabilityGround` names, in the order given.
    pub grounds: String,
    pub description: String,
    pub status: CaseStatus,
    pub decision: Option<String>,
    pub statement: Option<String>,
    pub statement_at: Option<DateTimeUtc>,
    pub opened_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
