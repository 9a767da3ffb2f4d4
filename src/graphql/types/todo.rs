//! The viewer's to-do list (`Viewer.todo`) and its counts per kind.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::case::AccountabilityCase;
use super::connection::connection;
use super::issue::Issue;
use super::scalars::Date;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{VisibleCaseLoader, VisibleIssueLoader};
use crate::service::todo::{self, TodoSubject};

/// What a to-do item asks of the viewer: each kind is one mutation's step.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::todo::TodoKind")]
pub enum TodoKind {
    /// Assign a registered issue (`assignIssue`).
    AssignIssue,
    /// Start the rectification of an issue the viewer's department leads (`startRectification`).
    StartRectification,
    /// Accept or reject a rectification awaiting acceptance (`acceptRectification`,
    /// `rejectRectification`).
    DecideAcceptance,
    /// Close an accepted issue whose public notice is over, with no objection unresolved
    /// (`closeIssue`).
    CloseIssue,
    /// Approve or reject a pending deadline extension request (`decideDeadlineExtension`).
    DecideExtension,
    /// Answer a slip addressed to the viewer's department (`replyToReminder`).
    AnswerSlip,
    /// Answer an instruction on an issue the viewer's department leads (`replyToInstruction`).
    AnswerInstruction,
    /// Rule on an open assignment dispute (`ruleOnDispute`).
    RuleOnDispute,
    /// Resolve an objection to a public notice (`resolveNoticeObjection`).
    ResolveObjection,
    /// File the statement on a case about the viewer's department, under investigation
    /// (`fileCaseStatement`).
    FileStatement,
}

/// One thing waiting on the viewer or the viewer's department.
#[derive(Clone)]
pub struct TodoItem(pub todo::TodoItem);

/// One thing waiting on the viewer or the viewer's department.
#[Object]
impl TodoItem {
    /// What it asks.
    async fn kind(&self) -> TodoKind {
        self.0.kind.into()
    }
    /// The global id of the record the mutation of `kind` names (an issue, a slip, an
    /// instruction, a deadline extension, a dispute, an objection or a case).
    async fn subject_id(&self) -> ID {
        let (kind, id) = match self.0.subject {
            TodoSubject::Issue(id) => (NodeKind::Issue, id),
            TodoSubject::Reminder(id) => (NodeKind::Reminder, id),
            TodoSubject::Instruction(id) => (NodeKind::Instruction, id),
            TodoSubject::Extension(id) => (NodeKind::DeadlineExtension, id),
            TodoSubject::Dispute(id) => (NodeKind::AssignmentDispute, id),
            TodoSubject::Objection(id) => (NodeKind::NoticeObjection, id),
            TodoSubject::Case(id) => (NodeKind::AccountabilityCase, id),
        };
        encode(kind, id)
    }
    /// By when it is due, where something sets a day: the issue's deadline, a slip's or an
    /// instruction's reply-by day, the deadline an extension would move, the end of the
    /// public notice. Null when nothing does (registered issues, disputes, objections,
    /// statements).
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }
    /// Since when it has waited.
    async fn since(&self) -> DateTime<Utc> {
        self.0.since
    }
    /// The issue concerned; null for a case.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        let Some(id) = self.0.issue_id else { return Ok(None) };
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(id).await?.map(Issue))
    }
    /// The case concerned, for `FILE_STATEMENT`.
    async fn accountability_case(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AccountabilityCase>> {
        let TodoSubject::Case(id) = self.0.subject else { return Ok(None) };
        Ok(ctx.loader::<VisibleCaseLoader>()?.load_one(id).await?.map(AccountabilityCase))
    }
}

connection!(
    TodoConnection,
    TodoEdge,
    TodoItem,
    "A page of the viewer's to-do list.",
    "A to-do item in a page, with its cursor."
);

/// How many items of one kind wait on the viewer: a badge.
#[derive(SimpleObject, Debug, Clone)]
pub struct TodoCount {
    /// The kind.
    pub kind: TodoKind,
    /// How many items of it wait.
    pub count: u64,
}
