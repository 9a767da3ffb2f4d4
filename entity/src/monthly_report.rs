//! A month's statistics, frozen as the bureau submitted them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monthly_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub month: String,
    pub note: Option<String>,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
    /// JSON of the service's `MonthlyFigures`.
    pub figures: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
