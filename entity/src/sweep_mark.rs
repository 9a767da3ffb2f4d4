//! A notice the deadline sweep has written for an issue, under a key that makes it unique
//! (`NEAR:DEADLINE:2026-12-10:3`, `OVERDUE:DEADLINE:2026-12-10`, `ESCALATED:42`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sweep_mark")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub issue_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub mark: String,
    pub written_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
