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
    /// The Merkle root over the history chains' heads at the month's end (64 hex digits).
    pub history_root: Option<String>,
    /// How many chains (leaves) the root covers.
    pub history_leaves: Option<i64>,
    /// The Ed25519 signature of the sealed statement (128 hex digits); none without a key.
    pub signature: Option<String>,
    /// The public key that signed it (64 hex digits).
    pub signing_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
