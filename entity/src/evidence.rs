//! A photo or document uploaded as evidence; its bytes are in the object store under `sha256`.

use sea_orm::entity::prelude::*;

use crate::enums::{EvidenceKind, Role};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// None while it documents a suspected new problem not yet registered as an issue.
    pub issue_id: Option<i64>,
    pub kind: EvidenceKind,
    pub file_name: String,
    /// Sniffed from the bytes, never taken from the client.
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
    pub captured_at: Option<DateTimeUtc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub note: Option<String>,
    pub uploaded_by: String,
    pub uploaded_role: Role,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
