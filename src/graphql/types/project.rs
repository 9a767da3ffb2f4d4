//! The new-project gate (严防增量, 区域限批): project applications, the gate read from the
//! ledger, leaders' instructions on applications, their history, and their statistics.

use async_graphql::{ComplexObject, Context, Enum, ID, InputType, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{project_application, project_application_event, project_instruction};

use super::case::AccountabilityCase;
use super::connection::connection;
use super::department::Department;
use super::enterprise::Enterprise;
use super::enums::{ProjectApplicationAction, ProjectApplicationStatus};
use super::issue::Issue;
use super::labels::{Locale, language, schema_names};
use super::scalars::Decimal;
use crate::domain::cents::Cents;
use crate::domain::gate::Finding;
use crate::domain::labels;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{
    EnterpriseLoader, ProjectEventsLoader, ProjectGateLoader, ProjectInstructionsLoader, VisibleCaseLoader,
    VisibleIssueLoader,
};
use crate::service::project_statistics::{ProjectCounts, ProjectDimension as Dimension, ProjectStatistics};

/// A rule of the new-project gate; the county chooses those in force (`RECTIFY_GATE_RULES`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::gate::GateRule")]
pub enum GateRule {
    /// The enterprise is a repeat offender (屡查屡犯): enough decided cases inside the window.
    RepeatOffender,
    /// An accountability case against the enterprise is OPEN or INVESTIGATING.
    OpenCase,
    /// An issue naming the enterprise is not yet CLOSED (an accepted one on public notice too).
    OpenIssue,
    /// Regional restriction (区域限批): a MAJOR or supervised issue in the project's township is
    /// overdue today.
    RegionalRestriction,
}

/// The bureau's decision on a project application.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::project_gate::ProjectDecision")]
pub enum ProjectDecision {
    /// Approve: over a blocked gate only with a leader's instruction cited.
    Approve,
    /// Refuse.
    Refuse,
}

/// One reason the gate is blocked: a rule and the records behind it.
#[derive(Clone)]
pub struct GateFinding(pub Finding);

/// One reason the gate is blocked: a rule and the records behind it.
#[Object]
impl GateFinding {
    /// The rule that found it.
    async fn rule(&self) -> GateRule {
        self.0.rule.into()
    }
    /// What the rule means, for people.
    async fn description(&self) -> &'static str {
        self.0.rule.describe()
    }
    /// The ids of the issues behind it (REGIONAL_RESTRICTION, OPEN_ISSUE), ascending.
    async fn issue_ids(&self) -> Vec<ID> {
        self.0.issue_ids.iter().map(|id| encode(NodeKind::Issue, *id)).collect()
    }
    /// The ids of the accountability cases behind it (REPEAT_OFFENDER, OPEN_CASE), ascending.
    async fn case_ids(&self) -> Vec<ID> {
        self.0.case_ids.iter().map(|id| encode(NodeKind::AccountabilityCase, *id)).collect()
    }
    /// The issues behind it.
    async fn issues(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Issue>> {
        let found = ctx.loader::<VisibleIssueLoader>()?.load_many(self.0.issue_ids.iter().copied()).await?;
        Ok(self.0.issue_ids.iter().filter_map(|id| found.get(id).cloned().map(Issue)).collect())
    }
    /// The accountability cases behind it.
    async fn cases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AccountabilityCase>> {
        let found = ctx.loader::<VisibleCaseLoader>()?.load_many(self.0.case_ids.iter().copied()).await?;
        Ok(self.0.case_ids.iter().filter_map(|id| found.get(id).cloned().map(AccountabilityCase)).collect())
    }
}

/// What the gate reads from the ledger for an application.
#[derive(SimpleObject, Clone)]
pub struct ProjectGate {
    /// Whether any rule in force has a finding: approving then needs a leader's instruction.
    pub blocked: bool,
    /// The findings, in the order REPEAT_OFFENDER, OPEN_CASE, OPEN_ISSUE,
    /// REGIONAL_RESTRICTION; empty when the gate is open.
    pub findings: Vec<GateFinding>,
}

impl From<Vec<Finding>> for ProjectGate {
    fn from(findings: Vec<Finding>) -> Self {
        ProjectGate { blocked: !findings.is_empty(), findings: findings.into_iter().map(GateFinding).collect() }
    }
}

/// An application to approve a new project (严防增量), registered by the bureau on behalf of the
/// approving office, with the gate read from the ledger and the bureau's decision.
#[derive(Clone)]
pub struct ProjectApplication(pub project_application::Model);

/// An application to approve a new project (严防增量), registered by the bureau on behalf of the
/// approving office, with the gate read from the ledger and the bureau's decision.
#[Object]
impl ProjectApplication {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::ProjectApplication, self.0.id)
    }
    /// The project's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The enterprise that applies.
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        Ok(ctx.loader::<EnterpriseLoader>()?.load_one(self.0.enterprise_id).await?.map(Enterprise))
    }
    /// The township where the project would be built.
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.township_id).await?.map(Department))
    }
    /// The industry, as the approving office records it.
    async fn industry(&self) -> &str {
        &self.0.industry
    }
    /// The planned investment, in yuan.
    async fn investment(&self) -> Decimal {
        Decimal(Cents(self.0.investment_fen))
    }
    /// What the project is.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Pending, approved or refused.
    async fn status(&self) -> ProjectApplicationStatus {
        self.0.status.into()
    }
    /// The gate as the ledger reads now (it changes as issues and cases move).
    async fn gate(&self, ctx: &Context<'_>) -> async_graphql::Result<ProjectGate> {
        Ok(ctx.loader::<ProjectGateLoader>()?.load_one(self.0.id).await?.unwrap_or_default().into())
    }
    /// The gate as it read when the decision was made; null while pending.
    async fn gate_at_decision(&self) -> async_graphql::Result<Option<ProjectGate>> {
        let Some(stored) = &self.0.gate_at_decision else { return Ok(None) };
        let findings: Vec<Finding> = serde_json::from_str(stored).map_err(crate::error::AppError::internal)?;
        Ok(Some(findings.into()))
    }
    /// The subject of the token that registered it.
    async fn registered_by(&self) -> &str {
        &self.0.registered_by
    }
    /// When it was registered.
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// The subject of the token that decided it.
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }
    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// What the bureau wrote with its decision.
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
    /// The leader's instruction the decision cited (required to approve over a blocked gate).
    async fn cited_instruction(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProjectInstruction>> {
        let Some(id) = self.0.instruction_id else { return Ok(None) };
        let all = ctx.loader::<ProjectInstructionsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(all.into_iter().find(|instruction| instruction.id == id).map(ProjectInstruction))
    }
    /// Leaders' instructions on the application, oldest first.
    async fn instructions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProjectInstruction>> {
        let all = ctx.loader::<ProjectInstructionsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(all.into_iter().map(ProjectInstruction).collect())
    }
    /// Its history, oldest first: registered, instructed, decided.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProjectApplicationEvent>> {
        let all = ctx.loader::<ProjectEventsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(all.into_iter().map(ProjectApplicationEvent).collect())
    }
}

/// A leader's written instruction (批示) on a project application.
#[derive(Clone)]
pub struct ProjectInstruction(pub project_instruction::Model);

/// A leader's written instruction (批示) on a project application.
#[Object]
impl ProjectInstruction {
    /// The global id (cited by `decideProjectApplication`).
    pub async fn id(&self) -> ID {
        encode(NodeKind::ProjectInstruction, self.0.id)
    }
    /// The id of the application it is about.
    async fn application_id(&self) -> ID {
        encode(NodeKind::ProjectApplication, self.0.application_id)
    }
    /// What the leader wrote.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The subject of the LEADER token that posted it.
    async fn issued_by(&self) -> &str {
        &self.0.issued_by
    }
    /// When it was posted.
    async fn issued_at(&self) -> DateTime<Utc> {
        self.0.issued_at
    }
}

/// One entry of a project application's history (append-only).
#[derive(Clone)]
pub struct ProjectApplicationEvent(pub project_application_event::Model);

/// One entry of a project application's history (append-only).
#[Object]
impl ProjectApplicationEvent {
    /// What happened.
    async fn action(&self) -> ProjectApplicationAction {
        self.0.action.into()
    }
    /// The subject of the token that acted.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The instruction's text, or the decision's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Whether the gate was blocked at that moment.
    async fn gate_blocked(&self) -> bool {
        self.0.gate_blocked
    }
    /// The instruction posted (INSTRUCTED) or cited (APPROVED, REFUSED).
    async fn instruction_id(&self) -> Option<ID> {
        self.0.instruction_id.map(|id| encode(NodeKind::ProjectInstruction, id))
    }
}

/// What project applications can be grouped by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::project_statistics::ProjectDimension")]
pub enum ProjectApplicationDimension {
    /// The status (key: `PENDING`, `APPROVED` or `REFUSED`).
    Status,
    /// The township (key: its global id).
    Township,
    /// The industry (key: the text registered).
    Industry,
}

/// Counts of a set of project applications.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProjectApplicationCounts {
    /// Applications counted.
    pub total: i64,
    /// Not yet decided.
    pub pending: i64,
    /// Approved.
    pub approved: i64,
    /// Refused.
    pub refused: i64,
    /// Decided while the gate was blocked (refused, or approved on a leader's instruction).
    pub decided_while_blocked: i64,
    /// Approved over a blocked gate, on a leader's instruction.
    pub approved_over_block: i64,
    /// Refused of decided, from 0 to 1; null before any decision.
    pub refusal_rate: Option<f64>,
}

impl From<&ProjectCounts> for ProjectApplicationCounts {
    fn from(c: &ProjectCounts) -> Self {
        Self {
            total: c.total,
            pending: c.pending,
            approved: c.approved,
            refused: c.refused,
            decided_while_blocked: c.decided_while_blocked,
            approved_over_block: c.approved_over_block,
            refusal_rate: c.refusal_rate(),
        }
    }
}

/// The applications sharing one value of each dimension asked for.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct ProjectApplicationGroup {
    /// One key per dimension, in the order of `groupBy`.
    pub key: Vec<String>,
    /// Per dimension: the dimension and its raw key (a township's row id, not its global id).
    #[graphql(skip)]
    pub raw: Vec<(Dimension, String)>,
    #[graphql(flatten)]
    pub counts: ProjectApplicationCounts,
}

#[ComplexObject]
impl ProjectApplicationGroup {
    /// One label per dimension, for people, in the order of `groupBy`: the status's label (see
    /// `enumLabels`), the township's name or the industry; for an empty key, what the group
    /// lacks (e.g. "未指定乡镇" / "No township").
    async fn labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language; without it, the request's `Accept-Language` header picks, else Chinese.")]
        locale: Option<Locale>,
    ) -> async_graphql::Result<Vec<String>> {
        let language = language(ctx, locale);
        let mut labels = Vec::with_capacity(self.raw.len());
        for (dimension, key) in &self.raw {
            let label = if key.is_empty() {
                let (enum_name, value) = schema_names(&ProjectApplicationDimension::from(*dimension));
                labels::empty_group_label(&enum_name, &value, language).to_owned()
            } else {
                match (dimension, key.parse::<i64>()) {
                    (Dimension::Status, _) => {
                        let enumeration = <ProjectApplicationStatus as InputType>::type_name();
                        labels::label(&enumeration, key, language).unwrap_or(key).to_owned()
                    }
                    (Dimension::Township, Ok(id)) => {
                        ctx.reference()?.department(id).await?.map_or_else(|| key.clone(), |d| d.name.clone())
                    }
                    _ => key.clone(),
                }
            };
            labels.push(label);
        }
        Ok(labels)
    }
}

/// Counts of the project applications asked for, in total and by group.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProjectApplicationStatistics {
    #[graphql(flatten)]
    pub counts: ProjectApplicationCounts,
    /// One entry per combination of dimension values that has applications, ordered by key;
    /// empty without `groupBy`.
    pub groups: Vec<ProjectApplicationGroup>,
}

impl ProjectApplicationStatistics {
    pub fn build(dimensions: &[Dimension], raw: &ProjectStatistics) -> Self {
        let groups = raw
            .groups
            .iter()
            .map(|group| {
                let key = dimensions
                    .iter()
                    .zip(&group.key)
                    .map(|(dimension, value)| match (dimension, value.parse::<i64>()) {
                        (Dimension::Township, Ok(id)) => encode(NodeKind::Department, id).to_string(),
                        _ => value.clone(),
                    })
                    .collect();
                let raw = dimensions.iter().copied().zip(group.key.iter().cloned()).collect();
                ProjectApplicationGroup { key, raw, counts: (&group.counts).into() }
            })
            .collect();
        Self { counts: (&raw.counts).into(), groups }
    }
}

connection!(
    ProjectApplicationConnection,
    ProjectApplicationEdge,
    ProjectApplication,
    "A page of project applications, newest first.",
    "An application in a page, with its cursor."
);
