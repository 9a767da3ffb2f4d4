//! Assignment disputes (交办争议) and the leaders' rulings on them.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::assignment_dispute;

use super::connection::connection;
use super::department::Department;
use super::enums::DisputeDecision;
use super::issue::Issue;
use crate::domain::disputes::dispute_status;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::VisibleIssueLoader;

/// Where a dispute stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::disputes::DisputeStatus")]
pub enum DisputeStatus {
    /// Waiting for a leader's ruling.
    Open,
    /// Ruled: the assignment stands.
    Upheld,
    /// Ruled: another department was made lead.
    Reassigned,
}

/// A lead department's dispute of its assignment to an issue (交办争议), and the leader's
/// ruling on it.
#[derive(Clone)]
pub struct AssignmentDispute(pub assignment_dispute::Model);

/// A lead department's dispute of its assignment to an issue (交办争议), and the leader's
/// ruling on it.
#[Object]
impl AssignmentDispute {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::AssignmentDispute, self.0.id)
    }
    /// The issue whose assignment is disputed.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(self.0.issue_id).await?.map(Issue))
    }
    /// The lead department that disputes.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.department_id).await?.map(Department))
    }
    /// Why the department believes it was wrongly made lead.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The department it proposes as lead instead, if any.
    async fn proposed_lead_department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        let Some(id) = self.0.proposed_department_id else { return Ok(None) };
        Ok(ctx.reference()?.department(id).await?.map(Department))
    }
    /// Open, upheld or reassigned.
    async fn status(&self) -> DisputeStatus {
        dispute_status(self.0.decision).into()
    }
    /// The subject of the token that raised it.
    async fn raised_by(&self) -> &str {
        &self.0.raised_by
    }
    /// When it was raised.
    async fn raised_at(&self) -> DateTime<Utc> {
        self.0.raised_at
    }
    /// The leader's ruling; `null` while open.
    async fn decision(&self) -> Option<DisputeDecision> {
        self.0.decision.map(Into::into)
    }
    /// The lead department the ruling made, for `REASSIGN`.
    async fn new_lead_department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        let Some(id) = self.0.new_lead_department_id else { return Ok(None) };
        Ok(ctx.reference()?.department(id).await?.map(Department))
    }
    /// What the leader wrote with the ruling.
    async fn ruling_note(&self) -> Option<&str> {
        self.0.ruling_note.as_deref()
    }
    /// The subject of the LEADER token that ruled.
    async fn ruled_by(&self) -> Option<&str> {
        self.0.ruled_by.as_deref()
    }
    /// When it was ruled on.
    async fn ruled_at(&self) -> Option<DateTime<Utc>> {
        self.0.ruled_at
    }
}

connection!(
    AssignmentDisputeConnection,
    AssignmentDisputeEdge,
    AssignmentDispute,
    "A page of assignment disputes, newest first.",
    "A dispute in a page, with its cursor."
);
