//! An assessment period with its scoring rules.

use sea_orm::entity::prelude::*;

use crate::enums::AssessmentPeriodStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_period")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub status: AssessmentPeriodStatus,
    /// The scoring rules as JSON.
    pub rules: String,
    pub version: i32,
    pub computed_at: Option<DateTimeUtc>,
    pub finalized_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
