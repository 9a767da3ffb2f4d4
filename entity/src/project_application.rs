//! An application to approve a new project (严防增量), registered by the bureau on behalf of the
//! approving office and decided after the gate has been read from the ledger.

use sea_orm::entity::prelude::*;

use crate::enums::ProjectApplicationStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_application")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub enterprise_id: i64,
    pub township_id: i64,
    pub industry: String,
    /// The planned investment, in fen (0.01 yuan).
    pub investment_fen: i64,
    pub description: String,
    pub status: ProjectApplicationStatus,
    pub registered_by: String,
    pub registered_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    /// Whether the gate was blocked when the decision was made.
    pub blocked_at_decision: Option<bool>,
    /// The gate as it read when the decision was made (JSON of `domain::gate::Finding`s).
    pub gate_at_decision: Option<String>,
    /// The leader's instruction cited to approve a blocked application.
    pub instruction_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
