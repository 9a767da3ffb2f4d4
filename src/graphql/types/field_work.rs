//! Field work: plans and milestones, progress reports, site inspections, deadline extensions.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{deadline_extension, milestone, progress_report, site_inspection};

use super::connection::{connection, list_cost, priced_list};
use super::department::Department;
use super::enums::{ExtensionStatus, MilestoneStatus, Role, SiteInspectionResult};
use super::evidence::{Evidence, cited};
use super::issue::Issue;
use super::scalars::Date;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{MilestonesLoader, VisibleIssueLoader};
use crate::service::evidence::Citer;
use crate::service::field_work::milestone_overdue;

/// The lead department's rectification plan (整改方案): its summary and timetable.
pub struct Plan {
    pub issue_id: i64,
    pub summary: String,
    /// Once the rectification is accepted, no milestone is overdue any more.
    pub completed: bool,
}

/// The lead department's rectification plan (整改方案): its summary and timetable.
#[Object]
impl Plan {
    /// Measures and target, in the department's words.
    async fn summary(&self) -> &str {
        &self.summary
    }
    /// The timetable and roadmap (整改时间表和路线图), by due date.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn milestones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Milestone>> {
        let found = ctx.loader::<MilestonesLoader>()?.load_one(self.issue_id).await?.unwrap_or_default();
        Ok(priced_list(ctx, found.into_iter().map(|m| Milestone(m, self.completed)).collect()))
    }
}

/// A step of the plan's timetable.
/// A milestone, and whether its issue's rectification is already accepted.
#[derive(Clone)]
pub struct Milestone(pub milestone::Model, pub bool);

/// A step of the plan's timetable.
#[Object]
impl Milestone {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Milestone, self.0.id)
    }
    /// What is to be done.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// By when (county date).
    async fn due_on(&self) -> Date {
        self.0.due_on.into()
    }
    /// Pending or done.
    async fn status(&self) -> MilestoneStatus {
        self.0.status.into()
    }
    /// Past its date (from the day after, county time), not done, and the rectification not
    /// yet accepted.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(!self.1 && milestone_overdue(&self.0, ctx.services()?.clock.today()))
    }
    /// The note given on completion.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

/// A progress report (进展报告) by a responsible department.
#[derive(Clone)]
pub struct ProgressReport(pub progress_report::Model);

/// A progress report (进展报告) by a responsible department.
#[Object]
impl ProgressReport {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::ProgressReport, self.0.id)
    }
    /// The department that reported.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.department_id).await?.map(Department))
    }
    /// What was done.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// How far the rectification is, 0 to 100.
    async fn percent_complete(&self) -> i32 {
        self.0.percent_complete
    }
    /// The subject of the token that reported.
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    /// When it was reported.
    async fn reported_at(&self) -> DateTime<Utc> {
        self.0.reported_at
    }
    /// The photos and documents given with the report.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Evidence>> {
        Ok(priced_list(ctx, cited(ctx, Citer::ProgressReport(self.0.id)).await?))
    }
}

connection!(
    ProgressReportConnection,
    ProgressReportEdge,
    ProgressReport,
    "A page of progress reports.",
    "A progress report in a page, with its cursor."
);

/// An on-site inspection (现场核查) with GPS, of an issue or of a suspected new problem.
#[derive(Clone)]
pub struct SiteInspection(pub site_inspection::Model);

/// An on-site inspection (现场核查) with GPS, of an issue or of a suspected new problem.
#[Object]
impl SiteInspection {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::SiteInspection, self.0.id)
    }
    /// The issue inspected; none for a suspected new problem not yet registered.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        match self.0.issue_id {
            Some(id) => Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(id).await?.map(Issue)),
            None => Ok(None),
        }
    }
    /// Latitude (WGS 84) where it was observed.
    async fn latitude(&self) -> f64 {
        self.0.latitude
    }
    /// Longitude (WGS 84) where it was observed.
    async fn longitude(&self) -> f64 {
        self.0.longitude
    }
    /// When it was observed on site.
    async fn observed_at(&self) -> DateTime<Utc> {
        self.0.observed_at
    }
    /// What was found.
    async fn findings(&self) -> &str {
        &self.0.findings
    }
    /// Compliant, not compliant, or needing follow-up.
    async fn result(&self) -> SiteInspectionResult {
        self.0.result.into()
    }
    /// The subject of the token that recorded it.
    async fn inspector(&self) -> &str {
        &self.0.inspector
    }
    /// The role the inspector acted in.
    async fn inspector_role(&self) -> Role {
        self.0.inspector_role.into()
    }
    /// When it was recorded here.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// The photos and documents taken on site.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Evidence>> {
        Ok(priced_list(ctx, cited(ctx, Citer::SiteInspection(self.0.id)).await?))
    }
}

connection!(
    SiteInspectionConnection,
    SiteInspectionEdge,
    SiteInspection,
    "A page of site inspections.",
    "A site inspection in a page, with its cursor."
);

/// A request to move an issue's deadline (延期), and its decision.
#[derive(Clone)]
pub struct DeadlineExtension(pub deadline_extension::Model);

/// A request to move an issue's deadline (延期), and its decision.
#[Object]
impl DeadlineExtension {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::DeadlineExtension, self.0.id)
    }
    /// The issue.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(self.0.issue_id).await?.map(Issue))
    }
    /// The subject of the token that asked.
    async fn requested_by(&self) -> &str {
        &self.0.requested_by
    }
    /// The deadline when it was asked.
    async fn current_deadline(&self) -> Date {
        self.0.current_deadline.into()
    }
    /// The deadline asked for.
    async fn proposed_deadline(&self) -> Date {
        self.0.proposed_deadline.into()
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Pending, approved or rejected.
    async fn status(&self) -> ExtensionStatus {
        self.0.status.into()
    }
    /// The subject of the leader or bureau officer who decided.
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }
    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// The decision's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was asked.
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
}
