//! Objections raised while a closure is on public notice (公示异议).

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::notice_objection;

use super::connection::{connection, list_cost, priced_list};
use super::enums::ObjectionOutcome;
use super::issue::Issue;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::VisibleIssueLoader;
use crate::service::evidence::Citer;
use crate::service::objections::objection_status;

/// Where an objection stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::objections::ObjectionStatus")]
pub enum ObjectionStatus {
    /// Not yet resolved: the issue cannot be closed.
    Open,
    /// Found unfounded.
    Dismissed,
    /// Found right: the issue went back to work.
    Upheld,
}

/// An objection raised while an accepted issue's closure was on public notice (公示异议),
/// recorded and resolved by the bureau.
#[derive(Clone)]
pub struct NoticeObjection(pub notice_objection::Model);

/// An objection raised while an accepted issue's closure was on public notice (公示异议),
/// recorded and resolved by the bureau.
#[Object]
impl NoticeObjection {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::NoticeObjection, self.0.id)
    }
    /// The issue objected to.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(self.0.issue_id).await?.map(Issue))
    }
    /// Who objected, as the bureau recorded it (a resident, a hotline ticket, a deputy).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// What the objection says.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The evidence recorded with it.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::evidence::Evidence>> {
        Ok(priced_list(ctx, super::evidence::cited(ctx, Citer::Event(self.0.recorded_event_id)).await?))
    }
    /// Open, dismissed or upheld.
    async fn status(&self) -> ObjectionStatus {
        objection_status(self.0.outcome).into()
    }
    /// The subject of the token that recorded it.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    /// How it was resolved; `null` while open.
    async fn outcome(&self) -> Option<ObjectionOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// What the bureau wrote with the resolution.
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
    /// The subject of the token that resolved it.
    async fn resolved_by(&self) -> Option<&str> {
        self.0.resolved_by.as_deref()
    }
    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
}

connection!(
    NoticeObjectionConnection,
    NoticeObjectionEdge,
    NoticeObjection,
    "A page of objections to public notices, newest first.",
    "An objection in a page, with its cursor."
);
