//! An on-site inspection, of an issue or of a suspected new problem.

use sea_orm::entity::prelude::*;

use crate::enums::{Role, SiteInspectionResult};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "site_inspection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: Option<i64>,
    pub latitude: f64,
    pub longitude: f64,
    pub observed_at: DateTimeUtc,
    pub findings: String,
    pub result: SiteInspectionResult,
    pub inspector: String,
    pub inspector_role: Role,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
