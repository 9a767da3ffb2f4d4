//! One department's computed result in a period.

use sea_orm::entity::prelude::*;

use crate::enums::AssessmentGrade;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_result")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: i64,
    /// Hundredths of a point.
    pub score_centi: i64,
    pub vetoed: bool,
    pub grade: AssessmentGrade,
    pub rank: i32,
    /// The items as JSON.
    pub items: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
