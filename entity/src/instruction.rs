//! A leader's written instruction (批示) on an issue, addressed to its lead department and
//! answered once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instruction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: i64,
    /// The lead department when it was posted, which answers it.
    pub department_id: i64,
    pub text: String,
    pub reply_by: Date,
    /// The subject of the LEADER token that posted it.
    pub issued_by: String,
    pub issued_at: DateTimeUtc,
    pub reply: Option<String>,
    pub replied_by: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
