//! Leaders' written instructions (批示) on issues.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::instruction;

use super::connection::connection;
use super::department::Department;
use super::issue::Issue;
use super::scalars::Date;
use crate::domain::slips::slip_status;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::VisibleIssueLoader;

/// Where an instruction stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::slips::SlipStatus")]
pub enum InstructionStatus {
    /// Waiting for the department's reply, within its reply date.
    Open,
    /// Answered by the department.
    Answered,
    /// Unanswered past its reply date (from the day after it, county time).
    Overdue,
}

/// A leader's written instruction (批示) on an issue, addressed to its lead department and
/// answered once.
#[derive(Clone)]
pub struct Instruction(pub instruction::Model);

/// A leader's written instruction (批示) on an issue, addressed to its lead department and
/// answered once.
#[Object]
impl Instruction {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Instruction, self.0.id)
    }
    /// The issue it steers.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(self.0.issue_id).await?.map(Issue))
    }
    /// The department addressed (the lead department when it was posted), which answers.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.department_id).await?.map(Department))
    }
    /// What the leader wrote.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The last day to answer, in the county's calendar.
    async fn reply_by(&self) -> Date {
        self.0.reply_by.into()
    }
    /// Open, answered, or overdue (unanswered past `replyBy`), as of today in the county.
    async fn status(&self, ctx: &Context<'_>) -> async_graphql::Result<InstructionStatus> {
        let today = ctx.services()?.clock.today();
        Ok(slip_status(self.0.replied_at.is_some(), self.0.reply_by, today).into())
    }
    /// The subject of the LEADER token that posted it.
    async fn issued_by(&self) -> &str {
        &self.0.issued_by
    }
    /// When it was posted.
    async fn issued_at(&self) -> DateTime<Utc> {
        self.0.issued_at
    }
    /// The department's answer; `null` until answered.
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }
    /// The subject of the token that answered.
    async fn replied_by(&self) -> Option<&str> {
        self.0.replied_by.as_deref()
    }
    /// When it was answered.
    async fn replied_at(&self) -> Option<DateTime<Utc>> {
        self.0.replied_at
    }
}

connection!(
    InstructionConnection,
    InstructionEdge,
    Instruction,
    "A page of instructions, newest first.",
    "An instruction in a page, with its cursor."
);
