//! One sampled issue of a look-back campaign, answered by an inspector's site inspection.

use sea_orm::entity::prelude::*;

use crate::enums::LookBackOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "look_back_task")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub issue_id: i64,
    pub outcome: Option<LookBackOutcome>,
    pub site_inspection_id: Option<i64>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
