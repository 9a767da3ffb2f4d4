//! One problem to rectify, with its assignment, supervision and lifecycle state.

use sea_orm::entity::prelude::*;

use crate::enums::{IssueStatus, Severity, SupervisionLevel};

// `Default` is the placeholder a list page's partial read starts from (`service::issue_rows`).
#[derive(Clone, Debug, PartialEq, Default, DeriveEntityModel)]
#[sea_orm(table_name = "issue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub title: String,
    pub description: String,
    pub status: IssueStatus,
    pub severity: Severity,
    pub round_id: i64,
    pub category_id: i64,
    pub location: Option<String>,
    pub township_id: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub requires_engineering: bool,
    pub lead_department_id: Option<i64>,
    pub leader_name: Option<String>,
    /// The local LEADER user in charge, where the assignment named one (`leader_name` is then
    /// that user's name at the time).
    pub leader_user_id: Option<i64>,
    pub deadline: Option<Date>,
    pub supervision_level: Option<SupervisionLevel>,
    pub supervision_deadline: Option<Date>,
    pub supervision_note: Option<String>,
    pub supervision_listed_at: Option<DateTimeUtc>,
    pub supervision_listed_by: Option<String>,
    pub plan_summary: Option<String>,
    pub acceptance_summary: Option<String>,
    pub acceptance_requested_at: Option<DateTimeUtc>,
    /// The county's date of the last assignment (the warning light's start of the plan).
    pub assigned_on: Option<Date>,
    /// The date of the earliest milestone not yet done.
    pub next_milestone_due: Option<Date>,
    /// The percentage of the newest progress report.
    pub progress_percent: Option<i32>,
    pub reopen_count: i32,
    pub accepted_at: Option<DateTimeUtc>,
    pub notice_ends_on: Option<Date>,
    pub closed_at: Option<DateTimeUtc>,
    pub enterprise_id: Option<i64>,
    pub site_inspection_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
