//! Reminder and supervision slips (催办单, 督办单): issued by the bureau or a leader (or by the
//! deadline sweep) to the lead department, and to the cooperating ones if asked; numbered per
//! kind and year; answered once by the department addressed. Each slip and each reply is an
//! event in the issue's history and a notification.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::enums::{NotificationKind, ReminderKind, Role};
use entity::{reminder, slip_series};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::MAX_TEXT;
use super::evidence::Citer;
use super::idempotency::RequestKey;
use super::issue_step::Change;
use super::notice::{Notice, Recipient};
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{Action, IssueScope, authorize, issue_scope};
use super::{Services, group_by, required_text};
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::domain::slips::{SlipStatus, number, series};
use crate::error::{AppError, AppResult};

/// A slip to issue.
pub struct NewReminder {
    pub issue_id: i64,
    pub kind: ReminderKind,
    pub message: String,
    pub reply_by: NaiveDate,
    /// Also address each cooperating department, with a slip of its own.
    pub include_cooperating: bool,
}

/// A department's answer to a slip.
#[derive(serde::Serialize)]
pub struct ReminderReply {
    pub reminder_id: i64,
    pub reply: String,
    pub evidence_ids: Vec<i64>,
}

/// Which slips to list.
#[derive(Debug, Clone, Default)]
pub struct ReminderFilter {
    pub status: Option<SlipStatus>,
    pub department_id: Option<i64>,
    pub issue_id: Option<i64>,
}

/// The columns of a record addressed to a department and answered by a date.
pub(crate) struct AddressedColumns<C> {
    pub issue: C,
    pub department: C,
    pub replied_at: C,
    pub reply_by: C,
}

const SLIP_COLUMNS: AddressedColumns<reminder::Column> = AddressedColumns {
    issue: reminder::Column::IssueId,
    department: reminder::Column::DepartmentId,
    replied_at: reminder::Column::RepliedAt,
    reply_by: reminder::Column::ReplyBy,
};

/// Slips written together in one transaction, before their numbers are known.
pub(crate) struct SlipDraft {
    pub issue_id: i64,
    pub department_id: i64,
    pub kind: ReminderKind,
    pub message: String,
    pub reply_by: NaiveDate,
    pub automatic: bool,
}

impl Services {
    /// Issues a slip to the lead department (and, if asked, one to each cooperating department).
    pub async fn issue_reminder(&self, actor: &Principal, input: NewReminder) -> AppResult<Vec<reminder::Model>> {
        authorize(actor, Action::IssueReminders)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::IssueReminder).await?;
        let message = required_text("message", &input.message, MAX_TEXT)?;
        if input.reply_by < self.clock.today() {
            return Err(AppError::bad_input("replyBy", "`replyBy` cannot be before today"));
        }
        let mut addressed: Vec<i64> = current.lead_department_id.into_iter().collect();
        if input.include_cooperating {
            let cooperating = self.cooperators_of(&[current.id]).await?.remove(&current.id).unwrap_or_default();
            addressed.extend(cooperating);
        }
        let drafts: Vec<SlipDraft> = addressed
            .into_iter()
            .map(|department_id| SlipDraft {
                issue_id: current.id,
                department_id,
                kind: input.kind,
                message: message.clone(),
                reply_by: input.reply_by,
                automatic: false,
            })
            .collect();
        let txn = self.conn().begin().await?;
        let written = self.write_slips(&txn, actor, drafts).await?;
        // The step checks the status (an unassigned or completed issue is not chased); if it
        // refuses, the numbers taken above are given back with the rest of the transaction.
        let numbers: Vec<&str> = written.iter().map(|slip| slip.number.as_str()).collect();
        let mut change = Change::new(Step::IssueReminder, None);
        change.note = Some(format!("{}: {message}", numbers.join(", ")));
        self.apply_in(&txn, actor, current, change).await?;
        txn.commit().await?;
        Ok(written)
    }

    /// Numbers and inserts slips, and puts each in its department's inbox. The issue's event
    /// is the caller's.
    pub(crate) async fn write_slips(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        drafts: Vec<SlipDraft>,
    ) -> AppResult<Vec<reminder::Model>> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let year = self.clock.date_at(now).year();
        let mut places: HashMap<ReminderKind, std::vec::IntoIter<i64>> = HashMap::new();
        for kind in [ReminderKind::Reminder, ReminderKind::SupervisionNotice] {
            let count = drafts.iter().filter(|draft| draft.kind == kind).count() as i64;
            if count > 0 {
                let last = self.take_numbers(txn, &series(kind, year), count).await?;
                places.insert(kind, (last - count + 1..=last).collect::<Vec<_>>().into_iter());
            }
        }
        let mut rows = Vec::with_capacity(drafts.len());
        for draft in &drafts {
            let place = places.get_mut(&draft.kind).and_then(Iterator::next).unwrap_or_default();
            rows.push(reminder::ActiveModel {
                number: Set(number(&series(draft.kind, year), place)),
                kind: Set(draft.kind),
                issue_id: Set(draft.issue_id),
                department_id: Set(draft.department_id),
                message: Set(draft.message.clone()),
                reply_by: Set(draft.reply_by),
                automatic: Set(draft.automatic),
                issued_by: Set(actor.sub.clone()),
                issued_role: Set(actor.role),
                issued_at: Set(now),
                ..Default::default()
            });
        }
        let numbers: Vec<String> = rows.iter().map(|row| row.number.clone().unwrap()).collect();
        reminder::Entity::insert_many(rows).exec(txn).await?;
        let written = reminder::Entity::find()
            .filter(reminder::Column::Number.is_in(numbers))
            .order_by_asc(reminder::Column::Id)
            .all(txn)
            .await?;
        let codes = self.issue_codes(txn, written.iter().map(|slip| slip.issue_id)).await?;
        let notices = written
            .iter()
            .map(|slip| Notice {
                kind: NotificationKind::ReminderIssued,
                issue_id: Some(slip.issue_id),
                reminder_id: Some(slip.id),
                message: format!(
                    "{} {} about {}: {} (reply by {})",
                    slip_name(slip.kind),
                    slip.number,
                    codes.get(&slip.issue_id).map(String::as_str).unwrap_or_default(),
                    slip.message,
                    slip.reply_by
                ),
                recipients: vec![Recipient::Department(slip.department_id)],
            })
            .collect();
        self.notify(txn, notices).await?;
        Ok(written)
    }

    /// Takes `count` numbers of `series`, answering the last; the row's lock holds other
    /// writers of the series until this transaction ends, so numbers never repeat.
    async fn take_numbers(&self, txn: &DatabaseTransaction, series: &str, count: i64) -> AppResult<i64> {
        let statement = Query::insert()
            .into_table(slip_series::Entity)
            .columns([slip_series::Column::Series, slip_series::Column::LastNumber])
            .values_panic([series.into(), count.into()])
            .on_conflict(
                OnConflict::column(slip_series::Column::Series)
                    .value(
                        slip_series::Column::LastNumber,
                        Expr::col((slip_series::Entity, slip_series::Column::LastNumber)).add(count),
                    )
                    .to_owned(),
            )
            .returning_col(slip_series::Column::LastNumber)
            .to_owned();
        let row = txn
            .query_one(&statement)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no number was taken for {series}")))?;
        Ok(row.try_get("", "last_number")?)
    }

    /// The addressed department answers a slip, once, citing evidence of the issue if it has
    /// any. Its issuer is told.
    pub async fn reply_to_reminder(
        &self,
        actor: &Principal,
        input: ReminderReply,
        key: Option<RequestKey>,
    ) -> AppResult<reminder::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.reminder_row(id).await;
        }
        let found = self.visible_reminder(actor, input.reminder_id).await?;
        authorize(actor, Action::AnswerReminders)?;
        if actor.department_id != Some(found.department_id) {
            return Err(AppError::forbidden("only the department the slip is addressed to may answer it"));
        }
        let reply = required_text("reply", &input.reply, MAX_TEXT)?;
        if found.replied_at.is_some() {
            return Err(AppError::invalid_transition(format!("slip {} is already answered", found.number)));
        }
        let current = self.issue_for_change(actor, found.issue_id).await?;
        self.check_step(actor, Step::AnswerReminder, &current).await?;
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.reminder_row(id).await,
        };
        let mut change = Change::new(Step::AnswerReminder, None);
        change.note = Some(format!("{}: {reply}", found.number));
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let event = self.last_event_in(&txn, saved.id).await?;
        self.cite_evidence(&txn, &input.evidence_ids, Some(saved.id), Citer::Event(event)).await?;
        let answered = reminder::Entity::update_many()
            .set(reminder::ActiveModel {
                reply: Set(Some(reply.clone())),
                replied_by: Set(Some(actor.sub.clone())),
                replied_at: Set(Some(self.clock.now())),
                reply_event_id: Set(Some(event)),
                ..Default::default()
            })
            .filter(reminder::Column::Id.eq(found.id))
            .filter(reminder::Column::RepliedAt.is_null())
            .exec(&txn)
            .await?;
        if answered.rows_affected == 0 {
            return Err(AppError::conflict(format!("slip {} was answered meanwhile", found.number)));
        }
        let issuer = match found.automatic {
            true => Recipient::Role(Role::Bureau),
            false => Recipient::User(found.issued_by.clone()),
        };
        let notice = Notice {
            kind: NotificationKind::ReminderAnswered,
            issue_id: Some(saved.id),
            reminder_id: Some(found.id),
            message: format!("{} {} about {} answered: {reply}", slip_name(found.kind), found.number, saved.code),
            recipients: vec![issuer],
        };
        self.notify(&txn, vec![notice]).await?;
        let id = self.finish_create(txn, claimed, found.id).await?;
        self.reminder_row(id).await
    }

    async fn reminder_row(&self, id: i64) -> AppResult<reminder::Model> {
        reminder::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("reminder"))
    }

    /// A slip, if the actor may see its issue; NOT_FOUND otherwise.
    async fn visible_reminder(&self, actor: &Principal, id: i64) -> AppResult<reminder::Model> {
        reminder::Entity::find_by_id(id)
            .filter(self.reminder_condition(actor, &ReminderFilter::default())?)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("reminder"))
    }

    /// Slips of issues the actor may see, narrowed by `filter`.
    fn reminder_condition(&self, actor: &Principal, filter: &ReminderFilter) -> AppResult<Condition> {
        self.addressed_condition(actor, filter, &SLIP_COLUMNS)
    }

    /// Records addressed to a department about issues the actor may see (a slip, an
    /// instruction), narrowed by `filter`.
    pub(crate) fn addressed_condition<C: ColumnTrait>(
        &self,
        actor: &Principal,
        filter: &ReminderFilter,
        columns: &AddressedColumns<C>,
    ) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let IssueScope::Department(_) = issue_scope(actor) {
            condition = condition.add(columns.issue.in_subquery(self.visible_issue_ids(actor)?));
        }
        if let Some(department) = filter.department_id {
            condition = condition.add(columns.department.eq(department));
        }
        if let Some(issue) = filter.issue_id {
            condition = condition.add(columns.issue.eq(issue));
        }
        if let Some(status) = filter.status {
            condition = condition.add(self.answer_condition(status, columns));
        }
        Ok(condition)
    }

    /// The records in `status` today, the rule of `domain::slips::slip_status` as SQL.
    fn answer_condition<C: ColumnTrait>(&self, status: SlipStatus, columns: &AddressedColumns<C>) -> Condition {
        let today = self.clock.today();
        match status {
            SlipStatus::Answered => Condition::all().add(columns.replied_at.is_not_null()),
            SlipStatus::Open => Condition::all().add(columns.replied_at.is_null()).add(columns.reply_by.gte(today)),
            SlipStatus::Overdue => Condition::all().add(columns.replied_at.is_null()).add(columns.reply_by.lt(today)),
        }
    }

    /// Slips the actor may see, newest first.
    pub async fn reminders(
        &self,
        actor: &Principal,
        filter: &ReminderFilter,
        args: &PageArgs,
    ) -> AppResult<Page<reminder::Model>> {
        let select = reminder::Entity::find().filter(self.reminder_condition(actor, filter)?);
        page_by_id_in(self.conn(), select, reminder::Column::Id, "reminder", args, true).await
    }

    pub async fn count_reminders(&self, actor: &Principal, filter: &ReminderFilter) -> AppResult<u64> {
        Ok(reminder::Entity::find().filter(self.reminder_condition(actor, filter)?).count(self.conn()).await?)
    }

    /// The slips of each issue, newest first (for the loader; the issues are already visible).
    pub async fn reminders_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<reminder::Model>>> {
        let rows = reminder::Entity::find()
            .filter(reminder::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_desc(reminder::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.issue_id, row))))
    }

    /// Slips by id that the actor may see (for `node`).
    pub async fn reminders_by_ids(&self, actor: &Principal, ids: &[i64]) -> AppResult<HashMap<i64, reminder::Model>> {
        let rows = reminder::Entity::find()
            .filter(reminder::Column::Id.is_in(ids.iter().copied()))
            .filter(self.reminder_condition(actor, &ReminderFilter::default())?)
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// Per department, its slips about the issues `visible` selects that are unanswered past
    /// their reply date today (the scoreboard's `overdueReminders`).
    pub(crate) async fn overdue_reminders_by_department(
        &self,
        visible: sea_orm::sea_query::SelectStatement,
    ) -> AppResult<HashMap<i64, u64>> {
        let rows: Vec<(i64, i64)> = reminder::Entity::find()
            .select_only()
            .column(reminder::Column::DepartmentId)
            .column_as(Expr::col(reminder::Column::Id).count(), "overdue")
            .filter(reminder::Column::IssueId.in_subquery(visible))
            .filter(self.answer_condition(SlipStatus::Overdue, &SLIP_COLUMNS))
            .group_by(reminder::Column::DepartmentId)
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|(department, count)| (department, u64::try_from(count).unwrap_or_default())).collect())
    }
}

/// How notices name a slip.
pub fn slip_name(kind: ReminderKind) -> &'static str {
    match kind {
        ReminderKind::Reminder => "Reminder slip",
        ReminderKind::SupervisionNotice => "Supervision slip",
    }
}
