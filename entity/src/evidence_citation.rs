//! Evidence cited by exactly one of: a progress report, a site inspection, or the event of a
//! request for acceptance.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence_citation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub evidence_id: i64,
    pub progress_report_id: Option<i64>,
    pub site_inspection_id: Option<i64>,
    pub issue_event_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
