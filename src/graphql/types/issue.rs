//! Issues, their supervision listing and their events.

use async_graphql::{Context, ID, Object, SelectionField, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{issue, issue_event};
use rectify_macros::{connections, fast_fields};

use super::catalog::{Category, InspectionRound};
use super::connection::{TotalCount, connection, list_cost, priced_list};
use super::department::Department;
use super::enums::{DeadlineKind, IssueAction, IssueStatus, Role, Severity, SupervisionLevel, WarningLight};
use super::scalars::Date;
use crate::domain::clock::{is_overdue, overdue_deadlines};
use crate::domain::distance::Point;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::fast_object::fast_object;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{CooperatorsLoader, IssueEventsLoader, listed_cooperators, reference_held};
use crate::service::evidence::Citer;
use crate::service::issue_rows::IssueColumns;
use crate::service::pagination::page_in_memory;

/// One problem to rectify, from registration to closure.
#[derive(Clone)]
pub struct Issue(pub issue::Model);

async fn department(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<Department>> {
    Ok(ctx.reference()?.department(id).await?.map(Department))
}

fn missing(what: &str, issue: i64) -> AppError {
    AppError::internal(anyhow::anyhow!("issue {issue} refers to a missing {what}"))
}

fast_object!(Issue, IssueFields);

/// An issue's fields as the schema shows them (see `graphql::fast_object`).
pub struct IssueFields<'a>(&'a issue::Model);

/// One problem to rectify, from registration to closure.
#[connections]
#[fast_fields(columns = issue::Column)]
#[Object(name = "Issue")]
impl IssueFields<'_> {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Issue, self.0.id)
    }
    /// The feedback number the inspection team gave the problem; unique.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// A one-line title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The problem as the inspection team described it.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Where the issue stands in its lifecycle.
    async fn status(&self) -> IssueStatus {
        self.0.status.into()
    }
    /// General or major.
    async fn severity(&self) -> Severity {
        self.0.severity.into()
    }
    /// The inspection round that found the problem.
    #[finishes_at_once_if(reference_held(ctx))]
    async fn round(&self, ctx: &Context<'_>) -> async_graphql::Result<InspectionRound> {
        let found = ctx.reference()?.round(self.0.round_id).await?;
        Ok(InspectionRound(found.ok_or_else(|| missing("round", self.0.id))?))
    }
    /// The problem's category (and through it, its aspect).
    #[finishes_at_once_if(reference_held(ctx))]
    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        let found = ctx.reference()?.category(self.0.category_id).await?;
        Ok(Category(found.ok_or_else(|| missing("category", self.0.id))?))
    }
    /// Where the problem is, in words.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// The township the problem lies in.
    #[finishes_at_once_if(reference_held(ctx))]
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        match self.0.township_id {
            Some(id) => department(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Latitude (WGS 84) of the problem's place.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS 84) of the problem's place.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// Metres from a point to the problem's place, as `IssueFilter.near` measures them (on the
    /// flat map around the point: within 0.2% of the great-circle distance inside 10 km);
    /// null when no place is recorded.
    async fn distance_from(
        &self,
        #[graphql(desc = "Latitude (WGS 84) of the point.")] latitude: f64,
        #[graphql(desc = "Longitude (WGS 84) of the point.")] longitude: f64,
    ) -> Option<f64> {
        let place = Point { latitude: self.0.latitude?, longitude: self.0.longitude? };
        Some(Point { latitude, longitude }.distance_to(place))
    }
    /// Whether fixing the problem needs engineering works.
    async fn requires_engineering(&self) -> bool {
        self.0.requires_engineering
    }
    /// The responsible lead unit (牵头单位); none before assignment.
    #[finishes_at_once_if(reference_held(ctx))]
    async fn lead_department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        match self.0.lead_department_id {
            Some(id) => department(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The cooperating units (配合单位).
    #[graphql(complexity = "list_cost(child_complexity)")]
    #[finishes_at_once_if(reference_held(ctx) && listed_cooperators(ctx, self.0.id).is_some())]
    async fn cooperating_departments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Department>> {
        let loaded;
        let ids = match listed_cooperators(ctx, self.0.id) {
            Some(ids) => ids,
            None => {
                loaded = ctx.loader::<CooperatorsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
                &loaded
            }
        };
        Ok(priced_list(ctx, ctx.reference()?.departments_in_order(ids).await?.into_iter().map(Department).collect()))
    }
    /// The enterprise responsible for the problem, if any.
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<super::enterprise::Enterprise>> {
        match self.0.enterprise_id {
            Some(id) => Ok(ctx
                .loader::<crate::graphql::loaders::EnterpriseLoader>()?
                .load_one(id)
                .await?
                .map(super::enterprise::Enterprise)),
            None => Ok(None),
        }
    }
    /// What the viewer may do to this issue now, one boolean per mutation, decided by the
    /// checks the mutations run.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<super::viewer_can::IssueActions> {
        Ok(super::viewer_can::IssueActions::of(ctx, self.0).await?)
    }
    /// The county leader in charge (包案领导), by name: as written at the assignment, or the
    /// name of `leaderInCharge` when the assignment linked a user.
    async fn leader_name(&self) -> Option<&str> {
        self.0.leader_name.as_deref()
    }
    /// The LEADER user in charge, where the assignment linked one (issues assigned before
    /// leaders were linked have only `leaderName`). That leader may post instructions on it.
    async fn leader_in_charge(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<super::user::LeaderInCharge>> {
        let Some(id) = self.0.leader_user_id else { return Ok(None) };
        Ok(ctx.loader::<crate::graphql::loaders::LeaderLoader>()?.load_one(id).await?.map(Into::into))
    }
    /// The rectification deadline: the last day, in the county's calendar.
    async fn deadline(&self) -> Option<Date> {
        self.0.deadline.map(Date)
    }
    /// Past the deadline or the supervision deadline (from the day after the first of them,
    /// county time) and not yet accepted; `overdueDeadlines` says which.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(is_overdue(self.0.deadline, self.0.supervision_deadline, self.0.status, ctx.services()?.clock.today()))
    }
    /// The deadlines the issue is overdue on, `DEADLINE` before `SUPERVISION_DEADLINE`: why
    /// `overdue` is true. Empty when it is not overdue.
    async fn overdue_deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DeadlineKind>> {
        let today = ctx.services()?.clock.today();
        Ok(overdue_deadlines(self.0.deadline, self.0.supervision_deadline, self.0.status, today)
            .map(Into::into)
            .collect())
    }
    /// The warning light (预警) as of today in the county: RED overdue, YELLOW behind its plan,
    /// BLUE a deadline near, GREEN on track or completed. The filter (`IssueFilter.warningLight`),
    /// the statistics (`WARNING_LIGHT`), the ledger export and the battle map follow the same
    /// rule; `warningReasons` says why.
    async fn warning_light(&self, ctx: &Context<'_>) -> async_graphql::Result<WarningLight> {
        Ok(ctx.services()?.warning_today(self.0).light.into())
    }
    /// Why the issue has its warning light, most serious first, in words (for example
    /// "a milestone due 2026-06-01 is not done"); empty when it is GREEN.
    async fn warning_reasons(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(ctx.services()?.warning_today(self.0).reasons.iter().map(ToString::to_string).collect())
    }
    /// The special-supervision listing (挂牌督办), if the issue is listed.
    async fn supervision(&self) -> Option<Supervision> {
        Some(Supervision {
            level: self.0.supervision_level?.into(),
            deadline: self.0.supervision_deadline.map(Date),
            note: self.0.supervision_note.clone(),
            listed_at: self.0.supervision_listed_at,
            listed_by: self.0.supervision_listed_by.clone(),
        })
    }
    /// The lead department's rectification plan, once work has started.
    async fn plan_summary(&self) -> Option<&str> {
        self.0.plan_summary.as_deref()
    }
    /// The rectification plan with its timetable, once work has started.
    // Its milestones come from a loader.
    #[finishes_at_once_if(false)]
    async fn plan(&self) -> Option<super::field_work::Plan> {
        let completed = crate::domain::clock::is_completed(self.0.status);
        self.0.plan_summary.clone().map(|summary| super::field_work::Plan { issue_id: self.0.id, summary, completed })
    }
    /// Progress reports, newest first.
    #[paged(page_args)]
    async fn progress_reports(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::field_work::ProgressReportConnection> {
        let reports = ctx
            .loader::<crate::graphql::loaders::ProgressReportsLoader>()?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let total = TotalCount::Known(reports.len() as u64);
        let page = page_in_memory(reports, "report", &page_args, true)?;
        Ok(super::field_work::ProgressReportConnection { page: page.map(super::field_work::ProgressReport), total })
    }
    /// Site inspections of this issue, oldest first.
    #[paged(page_args)]
    async fn site_inspections(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::field_work::SiteInspectionConnection> {
        let found = ctx
            .loader::<crate::graphql::loaders::SiteInspectionsLoader>()?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let total = TotalCount::Known(found.len() as u64);
        let page = page_in_memory(found, "inspection", &page_args, false)?;
        Ok(super::field_work::SiteInspectionConnection { page: page.map(super::field_work::SiteInspection), total })
    }
    /// Photos and documents uploaded for this issue, newest first.
    #[paged(page_args)]
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<super::evidence::EvidenceConnection> {
        let found =
            ctx.loader::<crate::graphql::loaders::EvidenceLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        let total = TotalCount::Known(found.len() as u64);
        let page = page_in_memory(found, "evidence", &page_args, true)?;
        Ok(super::evidence::EvidenceConnection { page: page.map(super::evidence::Evidence), total })
    }
    /// Deadline extension requests, oldest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn deadline_extensions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::field_work::DeadlineExtension>> {
        let found =
            ctx.loader::<crate::graphql::loaders::ExtensionsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, found.into_iter().map(super::field_work::DeadlineExtension).collect()))
    }
    /// The reminder and supervision slips sent about this issue, newest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn reminders(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::supervision::Reminder>> {
        let found =
            ctx.loader::<crate::graphql::loaders::RemindersLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, found.into_iter().map(super::supervision::Reminder).collect()))
    }
    /// The leaders' written instructions on this issue, newest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn instructions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::instruction::Instruction>> {
        let found =
            ctx.loader::<crate::graphql::loaders::InstructionsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, found.into_iter().map(super::instruction::Instruction).collect()))
    }
    /// The lead departments' disputes of this issue's assignments, newest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn disputes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::dispute::AssignmentDispute>> {
        let found =
            ctx.loader::<crate::graphql::loaders::DisputesLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, found.into_iter().map(super::dispute::AssignmentDispute).collect()))
    }
    /// The objections raised while its closure was on public notice, newest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn notice_objections(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::objection::NoticeObjection>> {
        let found = ctx
            .loader::<crate::graphql::loaders::NoticeObjectionsLoader>()?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(priced_list(ctx, found.into_iter().map(super::objection::NoticeObjection).collect()))
    }
    /// The site inspection of the suspected problem this issue was registered from.
    async fn origin_inspection(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::field_work::SiteInspection>> {
        let Some(id) = self.0.site_inspection_id else { return Ok(None) };
        let found = ctx.loader::<crate::graphql::loaders::OriginInspectionLoader>()?.load_one(id).await?;
        Ok(found.map(super::field_work::SiteInspection))
    }
    /// What the lead department reported when it asked for acceptance.
    async fn acceptance_summary(&self) -> Option<&str> {
        self.0.acceptance_summary.as_deref()
    }
    /// When the lead department last asked for acceptance; kept after the bureau decides, so
    /// that it shows how long an open request has waited (compare `status`).
    async fn acceptance_requested_at(&self) -> Option<DateTime<Utc>> {
        self.0.acceptance_requested_at
    }
    /// How many times the issue was reopened (relapses).
    async fn reopen_count(&self) -> i32 {
        self.0.reopen_count
    }
    /// When the bureau accepted the rectification.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }
    /// The first day on which the issue may be closed, once the public notice has run.
    async fn notice_ends_on(&self) -> Option<Date> {
        self.0.notice_ends_on.map(Date)
    }
    /// Increases with every change; pass it as `expectedVersion` when editing.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the issue was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the issue last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When the issue was closed (销号), if it is.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// The issue's history, oldest first: one event per change, never edited.
    #[paged(page_args)]
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<IssueEventConnection> {
        let events = ctx.loader::<IssueEventsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        let total = TotalCount::Known(events.len() as u64);
        let page = page_in_memory(events, "event", &page_args, false)?;
        Ok(IssueEventConnection { page: page.map(IssueEvent), total })
    }
    /// The head of the issue's hash chain: the `hash` of its newest event, which covers every
    /// event before it (the encoding is in the docs); null before any event.
    async fn history_digest(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let events = ctx.loader::<IssueEventsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(events.last().and_then(|event| event.hash.clone()))
    }
}

connection!(IssueConnection, IssueEdge, Issue, "A page of issues.", "An issue in a page, with its cursor.");

/// The columns a list of issues (a connection field) must read for the fields its query
/// selects on each issue, through `nodes` or `edges { node }`, fragments included.
pub fn issue_columns(ctx: &Context<'_>) -> IssueColumns {
    let mut columns = IssueColumns::of(&[]);
    for part in ctx.field().selection_set() {
        let issue_fields: Vec<SelectionField<'_>> = match part.name() {
            "nodes" => part.selection_set().collect(),
            "edges" => part
                .selection_set()
                .filter(|edge_field| edge_field.name() == "node")
                .flat_map(|node| node.selection_set().collect::<Vec<_>>())
                .collect(),
            _ => continue,
        };
        let read = issue_fields_columns(issue_fields);
        if read == IssueColumns::all() {
            return read;
        }
        columns = columns.union(read);
    }
    columns
}

/// The columns that these fields of an issue read (a field that uses the row whole: all).
pub fn issue_fields_columns<'a>(fields: impl IntoIterator<Item = SelectionField<'a>>) -> IssueColumns {
    let mut columns = IssueColumns::of(&[]);
    for field in fields {
        match IssueFields::columns_of_field(field.name()) {
            Some(read) => columns = columns.with(read),
            None => return IssueColumns::all(),
        }
    }
    columns
}

/// A special-supervision listing (挂牌督办).
#[derive(SimpleObject, Clone)]
pub struct Supervision {
    /// Who listed the issue: county, city or province.
    pub level: SupervisionLevel,
    /// The supervision's own deadline; the issue is overdue from the day after it too.
    pub deadline: Option<Date>,
    /// Why the issue was listed.
    pub note: Option<String>,
    /// When the issue was listed.
    pub listed_at: Option<DateTime<Utc>>,
    /// The subject who listed it.
    pub listed_by: Option<String>,
}

/// One entry in an issue's history: who did what, from which status to which, and when.
#[derive(Clone)]
pub struct IssueEvent(pub issue_event::Model);

fast_object!(IssueEvent, IssueEventFields);

/// An issue event's fields as the schema shows them (see `graphql::fast_object`).
pub struct IssueEventFields<'a>(&'a issue_event::Model);

/// One entry in an issue's history: who did what, from which status to which, and when.
#[fast_fields(columns = issue_event::Column)]
#[Object(name = "IssueEvent")]
impl IssueEventFields<'_> {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::IssueEvent, self.0.id)
    }
    /// The global id of the issue whose history this is (for an `issueEvents` subscription
    /// that follows many issues).
    async fn issue_id(&self) -> ID {
        encode(NodeKind::Issue, self.0.issue_id)
    }
    /// What happened.
    async fn action(&self) -> IssueAction {
        self.0.action.into()
    }
    /// The status before the change (none for registration).
    async fn from_status(&self) -> Option<IssueStatus> {
        self.0.from_status.map(Into::into)
    }
    /// The status after the change.
    async fn to_status(&self) -> IssueStatus {
        self.0.to_status.into()
    }
    /// The subject (`sub`) of the token that made the change.
    async fn actor(&self) -> &str {
        &self.0.actor_sub
    }
    /// The role the actor acted in.
    async fn actor_role(&self) -> Role {
        self.0.actor_role.into()
    }
    /// The plan, opinion, reason or note given with the change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Its link in the issue's hash chain: SHA-256 of the previous event's hash and this
    /// event's canonical bytes, as 64 hexadecimal digits (the encoding is in the docs).
    async fn hash(&self) -> Option<&str> {
        self.0.hash.as_deref()
    }
    /// The evidence cited: the proof given with a request for acceptance; empty for other events.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::evidence::Evidence>> {
        Ok(priced_list(ctx, super::evidence::cited(ctx, Citer::Event(self.0.id)).await?))
    }
}

/// The columns an issue's events are read with: those some field of `IssueEvent` reads, and
/// the issue they belong to. The rest (the snapshot of the issue that the hash chain covers,
/// which no field shows) are left NULL: decoding them was a third of an event's cost.
pub fn event_columns() -> &'static [issue_event::Column] {
    static COLUMNS: std::sync::LazyLock<Vec<issue_event::Column>> = std::sync::LazyLock::new(|| {
        use sea_orm::{IdenStatic, Iterable};
        match IssueEventFields::EVERY_FIELD_READS {
            Some(read) => issue_event::Column::iter()
                .filter(|column| {
                    matches!(column, issue_event::Column::Id | issue_event::Column::IssueId)
                        || read.iter().any(|field_reads| field_reads.as_str() == column.as_str())
                })
                .collect(),
            None => issue_event::Column::iter().collect(),
        }
    });
    &COLUMNS
}

connection!(
    IssueEventConnection,
    IssueEventEdge,
    IssueEvent,
    "A page of an issue's events.",
    "An issue event in a page, with its cursor."
);
