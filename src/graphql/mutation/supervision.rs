//! Supervision that pushes: slips issued and answered, notifications marked read.

use async_graphql::{Context, ID, InputObject, Object};

use super::field_work::{evidence_ids, request_key};
use super::in_input;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::enums::ReminderKind;
use crate::graphql::types::scalars::Date;
use crate::graphql::types::supervision::Reminder;
use crate::service::notifications::MarkRead;
use crate::service::reminders::{NewReminder, ReminderReply};

/// A reminder or supervision slip to the lead department of an issue.
#[derive(InputObject)]
pub struct IssueReminderInput {
    /// The issue, assigned and not yet accepted.
    pub issue_id: ID,
    /// A reminder slip (催办单) or a supervision slip (督办单).
    pub kind: ReminderKind,
    /// What the slip says: what is late, what is expected.
    pub message: String,
    /// The last day to answer (today or later).
    pub reply_by: Date,
    /// Also send a slip of its own to each cooperating department.
    #[graphql(default)]
    pub include_cooperating: bool,
}

/// The addressed department's answer to a slip.
#[derive(InputObject)]
pub struct ReplyToReminderInput {
    /// The slip.
    pub reminder_id: ID,
    /// The answer: what was done, what will be done by when.
    pub reply: String,
    /// Evidence of the issue that the answer cites (uploaded with `uploadEvidence` first).
    #[graphql(default)]
    pub evidence_ids: Vec<ID>,
    /// Any string of 1–255 characters unique to this request; a retry with it answers once.
    pub idempotency_key: Option<String>,
}

/// Which notifications to mark read: give `ids`, or `all: true` for every one in the viewer's
/// inboxes.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// These notifications (at most 500), each in one of the viewer's inboxes.
    pub ids: Option<Vec<ID>>,
    /// Every notification of the viewer's inboxes.
    #[graphql(default)]
    pub all: bool,
}

/// The slips issued: one to the lead department, and one to each cooperating department if asked.
#[derive(async_graphql::SimpleObject)]
pub struct IssueReminderPayload {
    /// The slips, the lead department's first.
    pub reminders: Vec<Reminder>,
}

super::payload!(ReplyToReminderPayload, reminder, Reminder, "The slip, now answered.");

/// What is left unread.
#[derive(async_graphql::SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// The viewer's unread notifications after marking.
    pub unread_notification_count: u64,
}

#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// Issues a reminder slip (催办单, numbered `CB-YYYY-NNNN`) or a supervision slip (督办单,
    /// `DB-YYYY-NNNN`) to the issue's lead department (BUREAU or LEADER). The slip lands in the
    /// department's inbox and in the issue's history.
    async fn issue_reminder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: IssueReminderInput,
    ) -> async_graphql::Result<IssueReminderPayload> {
        let new = NewReminder {
            issue_id: in_input(ids::expect(&input.issue_id, NodeKind::Issue, "issueId"))?,
            kind: input.kind.into(),
            message: input.message,
            reply_by: input.reply_by.0,
            include_cooperating: input.include_cooperating,
        };
        let written = in_input(ctx.services()?.issue_reminder(ctx.principal()?, new).await)?;
        Ok(IssueReminderPayload { reminders: written.into_iter().map(Reminder).collect() })
    }

    /// Answers a slip, once (the DEPARTMENT it is addressed to). The answer is an event in the
    /// issue's history and lands in the issuer's inbox.
    async fn reply_to_reminder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: ReplyToReminderInput,
    ) -> async_graphql::Result<ReplyToReminderPayload> {
        let reply = ReminderReply {
            reminder_id: in_input(ids::expect(&input.reminder_id, NodeKind::Reminder, "reminderId"))?,
            reply: input.reply,
            evidence_ids: evidence_ids(&input.evidence_ids)?,
        };
        let key = request_key(input.idempotency_key.as_deref(), "replyToReminder", &reply)?;
        let answered = in_input(ctx.services()?.reply_to_reminder(ctx.principal()?, reply, key).await)?;
        Ok(ReplyToReminderPayload { reminder: Reminder(answered) })
    }

    /// Marks notifications read for the viewer (any role).
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let which = match (input.ids, input.all) {
            (Some(_), true) => {
                return Err(AppError::bad_input("all", "give `ids` or `all: true`, not both").within("input").into());
            }
            (Some(ids), false) => MarkRead::Ids(in_input(ids::expect_many(&ids, NodeKind::Notification, "ids"))?),
            (None, true) => MarkRead::All,
            (None, false) => {
                return Err(AppError::bad_input("ids", "give `ids` or `all: true`").within("input").into());
            }
        };
        let unread = in_input(ctx.services()?.mark_notifications_read(ctx.principal()?, which).await)?;
        Ok(MarkNotificationsReadPayload { unread_notification_count: unread })
    }
}
