//! The deadline sweep: what `domain::sweep` says each issue is owed today (a notice 7, 3 and 1
//! days before a deadline, an overdue notice, an automatic reminder slip when it turns RED),
//! and the escalation to the leaders of slips unanswered past their reply date. It runs in the
//! server on a schedule and as `rectify sweep`.
//!
//! Exactly once: every notice is written in the transaction that inserts its mark into
//! `sweep_mark` (primary key: issue and mark), and only the marks that insert returns as new
//! get their notices. A second sweep, at the same time on another server or later the same
//! day, finds the marks taken and writes nothing. Issues are read in pages of `SWEEP_BATCH`,
//! each page in one transaction of a fixed number of statements.

use chrono::{Duration, NaiveDate};
use entity::enums::{IssueAction, IssueStatus, NotificationKind, ReminderKind, Role};
use entity::{issue, reminder, sweep_mark};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::Services;
use super::notice::{Notice, Recipient};
use super::reminders::SlipDraft;
use crate::auth::Principal;
use crate::domain::clock::DeadlineKind;
use crate::domain::sweep::{AUTOMATIC_REPLY_DAYS, FURTHEST_THRESHOLD, Notice as Due, escalation_mark, notices_due};
use crate::error::{AppError, AppResult};

/// Issues (or slips) per transaction.
pub const SWEEP_BATCH: u64 = 500;

/// Who the sweep's slips and events name.
pub const SWEEP_SUBJECT: &str = "rectify-sweep";

/// What one sweep wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// The county's day swept.
    pub day: Option<NaiveDate>,
    /// Open issues with a deadline within reach that were looked at.
    pub issues_examined: u64,
    /// Notices written (one per notice, whatever the number of inboxes).
    pub notices: u64,
    /// Automatic reminder slips written.
    pub automatic_reminders: u64,
    /// Slips escalated to the leaders.
    pub escalations: u64,
    /// Transactions used.
    pub batches: u64,
}

fn sweeper() -> Principal {
    Principal {
        sub: SWEEP_SUBJECT.into(),
        name: Some("Deadline sweep".into()),
        role: Role::Bureau,
        department_id: None,
    }
}

fn deadline_words(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::Deadline => "deadline",
        DeadlineKind::SupervisionDeadline => "supervision deadline",
    }
}

impl Services {
    /// Sweeps the county's today.
    pub async fn sweep(&self) -> AppResult<SweepReport> {
        self.sweep_on(self.clock.today()).await
    }

    /// Sweeps as on `today` (the tests move the calendar).
    pub async fn sweep_on(&self, today: NaiveDate) -> AppResult<SweepReport> {
        let mut report = SweepReport { day: Some(today), ..SweepReport::default() };
        let within = today + Duration::days(FURTHEST_THRESHOLD);
        let completed = [IssueStatus::Accepted, IssueStatus::Closed];
        let mut after = 0;
        loop {
            let batch = issue::Entity::find()
                .filter(issue::Column::Id.gt(after))
                .filter(issue::Column::Status.is_not_in(completed))
                // Notices go to the lead department: an issue without one owes none yet, and
                // takes no mark that would keep its notices from being written once assigned.
                .filter(issue::Column::LeadDepartmentId.is_not_null())
                .filter(
                    Condition::any()
                        .add(issue::Column::Deadline.lte(within))
                        .add(issue::Column::SupervisionDeadline.lte(within)),
                )
                .order_by_asc(issue::Column::Id)
                .limit(SWEEP_BATCH)
                .all(self.conn())
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let full = batch.len() as u64 == SWEEP_BATCH;
            report.issues_examined += batch.len() as u64;
            report.batches += 1;
            self.sweep_issues(today, batch, &mut report).await?;
            if !full {
                break;
            }
        }
        let mut after = 0;
        loop {
            let batch = reminder::Entity::find()
                .filter(reminder::Column::Id.gt(after))
                .filter(reminder::Column::RepliedAt.is_null())
                .filter(reminder::Column::EscalatedAt.is_null())
                .filter(reminder::Column::ReplyBy.lt(today))
                .order_by_asc(reminder::Column::Id)
                .limit(SWEEP_BATCH)
                .all(self.conn())
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let full = batch.len() as u64 == SWEEP_BATCH;
            report.batches += 1;
            self.escalate(batch, &mut report).await?;
            if !full {
                break;
            }
        }
        Ok(report)
    }

    /// One page of issues, in one transaction.
    async fn sweep_issues(
        &self,
        today: NaiveDate,
        issues: Vec<issue::Model>,
        report: &mut SweepReport,
    ) -> AppResult<()> {
        let owed: Vec<(&issue::Model, Due)> = issues
            .iter()
            .flat_map(|row| {
                notices_due(row.deadline, row.supervision_deadline, row.status, today)
                    .into_iter()
                    .map(move |n| (row, n))
            })
            .collect();
        if owed.is_empty() {
            return Ok(());
        }
        let txn = self.conn().begin().await?;
        let marks: Vec<(i64, String)> = owed.iter().map(|(row, due)| (row.id, due.mark())).collect();
        let new = self.take_marks(&txn, &marks).await?;
        let mut notices = Vec::new();
        let mut drafts = Vec::new();
        for (row, due) in owed.iter().filter(|(row, due)| new.contains(&(row.id, due.mark()))) {
            let Some(lead) = row.lead_department_id else { continue };
            match *due {
                Due::Near { kind, due_on, .. } => {
                    let days = (due_on - today).num_days();
                    let when = match days {
                        0 => "today".to_owned(),
                        1 => "tomorrow".to_owned(),
                        n => format!("in {n} days"),
                    };
                    notices.push(Notice {
                        kind: NotificationKind::DeadlineNear,
                        issue_id: Some(row.id),
                        reminder_id: None,
                        message: format!("{}: the {} is {when} ({due_on})", row.code, deadline_words(kind)),
                        recipients: vec![Recipient::Department(lead)],
                    });
                }
                Due::Overdue { kind, due_on } => notices.push(Notice {
                    kind: NotificationKind::Overdue,
                    issue_id: Some(row.id),
                    reminder_id: None,
                    message: format!("{}: overdue, the {} was {due_on}", row.code, deadline_words(kind)),
                    recipients: vec![
                        Recipient::Department(lead),
                        Recipient::Role(Role::Bureau),
                        Recipient::Role(Role::Leader),
                    ],
                }),
                Due::TurnedRed { since } => drafts.push(SlipDraft {
                    issue_id: row.id,
                    department_id: lead,
                    kind: ReminderKind::Reminder,
                    message: format!(
                        "Overdue since {}: report what is late, why, and by when it will be done.",
                        since + Duration::days(1)
                    ),
                    reply_by: today + Duration::days(AUTOMATIC_REPLY_DAYS),
                    automatic: true,
                }),
            }
        }
        report.notices += notices.len() as u64;
        self.notify(&txn, notices).await?;
        let actor = sweeper();
        let slips = self.write_slips(&txn, &actor, drafts).await?;
        report.automatic_reminders += slips.len() as u64;
        let notes: Vec<(i64, String)> =
            slips.iter().map(|slip| (slip.issue_id, format!("{}: {}", slip.number, slip.message))).collect();
        self.record_side_events(&txn, &actor, IssueAction::ReminderIssued, &notes).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Escalates slips unanswered past their reply date to the leaders and the bureau.
    async fn escalate(&self, slips: Vec<reminder::Model>, report: &mut SweepReport) -> AppResult<()> {
        let txn = self.conn().begin().await?;
        let marks: Vec<(i64, String)> = slips.iter().map(|slip| (slip.issue_id, escalation_mark(slip.id))).collect();
        let new = self.take_marks(&txn, &marks).await?;
        let escalated: Vec<&reminder::Model> =
            slips.iter().filter(|slip| new.contains(&(slip.issue_id, escalation_mark(slip.id)))).collect();
        if escalated.is_empty() {
            return Ok(());
        }
        let codes = self.issue_codes(&txn, escalated.iter().map(|slip| slip.issue_id)).await?;
        let notices = escalated
            .iter()
            .map(|slip| Notice {
                kind: NotificationKind::ReminderEscalated,
                issue_id: Some(slip.issue_id),
                reminder_id: Some(slip.id),
                message: format!(
                    "{} about {} is unanswered since {}",
                    slip.number,
                    codes.get(&slip.issue_id).map(String::as_str).unwrap_or_default(),
                    slip.reply_by
                ),
                recipients: vec![Recipient::Role(Role::Leader), Recipient::Role(Role::Bureau)],
            })
            .collect();
        self.notify(&txn, notices).await?;
        reminder::Entity::update_many()
            .col_expr(reminder::Column::EscalatedAt, Expr::val(self.clock.now()))
            .filter(reminder::Column::Id.is_in(escalated.iter().map(|slip| slip.id)))
            .exec(&txn)
            .await?;
        let notes: Vec<(i64, String)> = escalated
            .iter()
            .map(|slip| {
                (slip.issue_id, format!("{} unanswered since {}: escalated to the leaders", slip.number, slip.reply_by))
            })
            .collect();
        self.record_side_events(&txn, &sweeper(), IssueAction::ReminderEscalated, &notes).await?;
        report.escalations += escalated.len() as u64;
        txn.commit().await?;
        Ok(())
    }

    /// Inserts the marks not taken yet and answers those, in one statement.
    async fn take_marks(
        &self,
        txn: &DatabaseTransaction,
        marks: &[(i64, String)],
    ) -> AppResult<std::collections::HashSet<(i64, String)>> {
        let now = self.clock.now();
        let mut insert = Query::insert();
        insert
            .into_table(sweep_mark::Entity)
            .columns([sweep_mark::Column::IssueId, sweep_mark::Column::Mark, sweep_mark::Column::WrittenAt])
            .on_conflict(
                OnConflict::columns([sweep_mark::Column::IssueId, sweep_mark::Column::Mark]).do_nothing().to_owned(),
            )
            .returning(Query::returning().columns([sweep_mark::Column::IssueId, sweep_mark::Column::Mark]));
        for (issue, mark) in marks {
            insert.values_panic([(*issue).into(), mark.as_str().into(), now.into()]);
        }
        let rows = txn.query_all(&insert).await?;
        rows.into_iter()
            .map(|row| Ok((row.try_get::<i64>("", "issue_id")?, row.try_get::<String>("", "mark")?)))
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(AppError::from)
    }
}
