//! Accountability cases, their measures and events.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{accountability_case, case_event, case_measure};

use super::connection::{connection, list_cost, priced_list};
use super::department::Department;
use super::enterprise::Enterprise;
use super::enums::{
    AccountabilityGround, AccountabilityMeasure, AccountabilitySubjectType, CaseAction, CaseStatus, Role,
};
use super::issue::Issue;
use super::scalars::{Date, Decimal};
use crate::domain::cents::Cents;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{
    CaseEventsLoader, CaseIssuesLoader, CaseMeasuresLoader, EnterpriseLoader, VisibleIssueLoader,
};
use crate::service::cases::parse_grounds;

/// An accountability case (问责案件) against a department, an official or an enterprise.
#[derive(Clone)]
pub struct AccountabilityCase(pub accountability_case::Model);

/// An accountability case (问责案件) against a department, an official or an enterprise.
#[Object]
impl AccountabilityCase {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::AccountabilityCase, self.0.id)
    }
    /// What the viewer may do to this case now, one boolean per mutation, decided by the
    /// checks the mutations run.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<super::viewer_can::CaseActions> {
        Ok(super::viewer_can::CaseActions::of(ctx, &self.0).await?)
    }
    /// The readable code, e.g. `ACC-2026-0007`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Department, official or enterprise.
    async fn subject_type(&self) -> AccountabilitySubjectType {
        self.0.subject_type.into()
    }
    /// The department the case is about (for an official: the official's department).
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        match self.0.department_id {
            Some(id) => Ok(ctx.reference()?.department(id).await?.map(Department)),
            None => Ok(None),
        }
    }
    /// The official's name (OFFICIAL cases).
    async fn official_name(&self) -> Option<&str> {
        self.0.official_name.as_deref()
    }
    /// The official's position (OFFICIAL cases).
    async fn official_position(&self) -> Option<&str> {
        self.0.official_position.as_deref()
    }
    /// The enterprise (ENTERPRISE cases).
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        match self.0.enterprise_id {
            Some(id) => Ok(ctx.loader::<EnterpriseLoader>()?.load_one(id).await?.map(Enterprise)),
            None => Ok(None),
        }
    }
    /// Why the case was opened.
    async fn grounds(&self) -> Vec<AccountabilityGround> {
        parse_grounds(&self.0.grounds).into_iter().map(Into::into).collect()
    }
    /// What happened.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The linked issues the viewer may see.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn issues(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Issue>> {
        let ids = ctx.loader::<CaseIssuesLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        let visible = ctx.loader::<VisibleIssueLoader>()?.load_many(ids.iter().copied()).await?;
        Ok(priced_list(ctx, ids.iter().filter_map(|id| visible.get(id).cloned().map(Issue)).collect()))
    }
    /// Where the case stands.
    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }
    /// The measures imposed by the decision.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn measures(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CaseMeasure>> {
        let measures = ctx.loader::<CaseMeasuresLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, measures.into_iter().map(CaseMeasure).collect()))
    }
    /// The decision's text.
    async fn decision(&self) -> Option<&str> {
        self.0.decision.as_deref()
    }
    /// The subject department's written statement (申辩), if it filed one.
    async fn statement(&self) -> Option<&str> {
        self.0.statement.as_deref()
    }
    /// The case's history, oldest first; never edited.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CaseEvent>> {
        let events = ctx.loader::<CaseEventsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, events.into_iter().map(CaseEvent).collect()))
    }
    /// The head of the case's hash chain: the `hash` of its newest event, which covers every
    /// event before it (the encoding is in the docs).
    async fn history_digest(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let events = ctx.loader::<CaseEventsLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(events.last().and_then(|event| event.hash.clone()))
    }
    /// When the case was opened.
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }
    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// When it was closed or dismissed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Increases with every change; pass it as `expectedVersion` to guard a step.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

connection!(
    AccountabilityCaseConnection,
    AccountabilityCaseEdge,
    AccountabilityCase,
    "A page of accountability cases.",
    "An accountability case in a page, with its cursor."
);

/// A measure imposed by a decided case.
#[derive(Clone)]
pub struct CaseMeasure(pub case_measure::Model);

/// A measure imposed by a decided case.
#[Object]
impl CaseMeasure {
    /// The measure.
    async fn measure(&self) -> AccountabilityMeasure {
        self.0.measure.into()
    }
    /// The fine in yuan (FINE).
    async fn amount(&self) -> Option<Decimal> {
        self.0.amount_fen.map(|fen| Decimal(Cents(fen)))
    }
    /// The fine per day in yuan (DAILY_FINE).
    async fn daily_amount(&self) -> Option<Decimal> {
        self.0.daily_amount_fen.map(|fen| Decimal(Cents(fen)))
    }
    /// The first day of a daily fine.
    async fn starts_on(&self) -> Option<Date> {
        self.0.starts_on.map(Date)
    }
    /// A note on the measure.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// One entry in a case's history.
#[derive(Clone)]
pub struct CaseEvent(pub case_event::Model);

/// One entry in a case's history.
#[Object]
impl CaseEvent {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::CaseEvent, self.0.id)
    }
    /// What happened.
    async fn action(&self) -> CaseAction {
        self.0.action.into()
    }
    /// The status before (none when opened).
    async fn from_status(&self) -> Option<CaseStatus> {
        self.0.from_status.map(Into::into)
    }
    /// The status after.
    async fn to_status(&self) -> CaseStatus {
        self.0.to_status.into()
    }
    /// The subject (`sub`) of the token that acted.
    async fn actor(&self) -> &str {
        &self.0.actor_sub
    }
    /// The role the actor acted in.
    async fn actor_role(&self) -> Role {
        self.0.actor_role.into()
    }
    /// The note, statement, decision or reason given.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Its link in the case's hash chain: SHA-256 of the previous event's hash and this
    /// event's canonical bytes, as 64 hexadecimal digits (the encoding is in the docs).
    async fn hash(&self) -> Option<&str> {
        self.0.hash.as_deref()
    }
}
