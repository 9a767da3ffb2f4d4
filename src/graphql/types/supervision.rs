//! Supervision that pushes: reminder and supervision slips, and the viewer's notifications.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{notification, reminder};

use super::connection::{connection, list_cost, priced_list};
use super::department::Department;
use super::enums::{NotificationKind, ReminderKind, Role};
use super::issue::Issue;
use super::scalars::Date;
use crate::domain::slips::slip_status;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::VisibleIssueLoader;
use crate::service::evidence::Citer;

/// Where a slip stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::slips::SlipStatus")]
pub enum ReminderStatus {
    /// Waiting for the department's reply, within its reply date.
    Open,
    /// Answered by the department.
    Answered,
    /// Unanswered past its reply date (from the day after it, county time); it counts against
    /// the department in the scoreboard and the assessment.
    Overdue,
}

/// A reminder slip (催办单) or supervision slip (督办单) to one department, answered once.
#[derive(Clone)]
pub struct Reminder(pub reminder::Model);

/// A reminder slip (催办单) or supervision slip (督办单) to one department, answered once.
#[Object]
impl Reminder {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Reminder, self.0.id)
    }
    /// The slip's number: `CB-YYYY-NNNN` for a reminder, `DB-YYYY-NNNN` for a supervision slip,
    /// counted per kind and year.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// A reminder or a supervision slip.
    async fn kind(&self) -> ReminderKind {
        self.0.kind.into()
    }
    /// The issue chased.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(self.0.issue_id).await?.map(Issue))
    }
    /// The department addressed, which answers.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.department_id).await?.map(Department))
    }
    /// What the slip says.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// The last day to answer, in the county's calendar.
    async fn reply_by(&self) -> Date {
        self.0.reply_by.into()
    }
    /// Open, answered, or overdue (unanswered past `replyBy`), as of today in the county.
    async fn status(&self, ctx: &Context<'_>) -> async_graphql::Result<ReminderStatus> {
        let today = ctx.services()?.clock.today();
        Ok(slip_status(self.0.replied_at.is_some(), self.0.reply_by, today).into())
    }
    /// Written by the deadline sweep when the issue turned RED, rather than by a person.
    async fn automatic(&self) -> bool {
        self.0.automatic
    }
    /// The subject of the token that issued it (`rectify-sweep` for an automatic slip).
    async fn issued_by(&self) -> &str {
        &self.0.issued_by
    }
    /// The role it was issued in.
    async fn issued_role(&self) -> Role {
        self.0.issued_role.into()
    }
    /// When it was issued.
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
    /// The evidence the answer cites.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn reply_evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::evidence::Evidence>> {
        let Some(event) = self.0.reply_event_id else { return Ok(Vec::new()) };
        Ok(priced_list(ctx, super::evidence::cited(ctx, Citer::Event(event)).await?))
    }
    /// When the sweep escalated it to the leaders, unanswered past `replyBy`.
    async fn escalated_at(&self) -> Option<DateTime<Utc>> {
        self.0.escalated_at
    }
}

connection!(
    ReminderConnection,
    ReminderEdge,
    Reminder,
    "A page of slips, newest first.",
    "A slip in a page, with its cursor."
);

/// A notice in one of the viewer's inboxes: their own, their role's, or their department's.
#[derive(Clone)]
pub struct Notification(pub notification::Model, pub bool);

/// A notice in one of the viewer's inboxes: their own, their role's, or their department's.
#[Object]
impl Notification {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Notification, self.0.id)
    }
    /// What it tells.
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    /// The notice in words.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// The issue it is about.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        let Some(id) = self.0.issue_id else { return Ok(None) };
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(id).await?.map(Issue))
    }
    /// The id of the slip it is about, if any (fetch it with `node`).
    async fn reminder_id(&self) -> Option<ID> {
        self.0.reminder_id.map(|id| encode(NodeKind::Reminder, id))
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Whether the viewer has read it (each reader of a shared inbox reads for themselves).
    async fn read(&self) -> bool {
        self.1
    }
}

connection!(
    NotificationConnection,
    NotificationEdge,
    Notification,
    "A page of the viewer's notifications, newest first.",
    "A notification in a page, with its cursor."
);
