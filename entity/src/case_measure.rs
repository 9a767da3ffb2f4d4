//! A measure imposed by a decided case; money in fen (1/100 yuan).

use sea_orm::entity::prelude::*;

use crate::enums::AccountabilityMeasure;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_measure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub measure: AccountabilityMeasure,
    pub amount_fen: Option<i64>,
    pub daily_amount_fen: Option<i64>,
    pub starts_on: Option<Date>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
