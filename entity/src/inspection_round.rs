//! One inspection that handed the county a list of problems.

use sea_orm::entity::prelude::*;

use crate::enums::{InspectionKind, InspectionLevel};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_round")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub level: InspectionLevel,
    pub kind: InspectionKind,
    pub started_on: Date,
    pub feedback_on: Option<Date>,
    pub document_number: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
