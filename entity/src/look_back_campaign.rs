//! A look-back campaign (回头看): a seeded, stratified sample of the issues closed in a date
//! range, each checked again on site.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "look_back_campaign")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub closed_from: Date,
    pub closed_to: Date,
    pub sample_size: i32,
    pub seed: i64,
    /// The issues closed in the range when the campaign was drawn.
    pub population: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
