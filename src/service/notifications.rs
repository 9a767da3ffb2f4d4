//! Notifications: every notice lands in inboxes (a department's, a role's, a user's), written
//! in the transaction of the change that causes it. Each reader of a shared inbox reads for
//! themselves, and a department reads only the notices about issues it can still see.

use entity::enums::Role;
use entity::{notification, notification_read};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::Services;
use super::notice::{Notice, Recipient};
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{IssueScope, issue_scope};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// At most this many ids in one `markNotificationsRead`.
pub const MAX_MARKED: usize = 500;

/// Which notifications to read.
pub enum MarkRead {
    Ids(Vec<i64>),
    All,
}

impl Services {
    /// Writes `notices`, one row per inbox, in one statement inside the caller's transaction.
    pub(crate) async fn notify(&self, txn: &impl ConnectionTrait, notices: Vec<Notice>) -> AppResult<()> {
        if notices.is_empty() {
            return Ok(());
        }
        self.queue_webhooks(txn, &notices).await?;
        let now = self.clock.now();
        let rows: Vec<notification::ActiveModel> = notices
            .into_iter()
            .flat_map(|notice| {
                notice.recipients.clone().into_iter().map(move |recipient| {
                    let (department, role, user) = match recipient {
                        Recipient::Department(id) => (Some(id), None, None),
                        Recipient::Role(role) => (None, Some(role), None),
                        Recipient::User(sub) => (None, None, Some(sub)),
                    };
                    notification::ActiveModel {
                        kind: Set(notice.kind),
                        issue_id: Set(notice.issue_id),
                        reminder_id: Set(notice.reminder_id),
                        recipient_department_id: Set(department),
                        recipient_role: Set(role),
                        recipient_user: Set(user),
                        message: Set(notice.message.clone()),
                        created_at: Set(now),
                        ..Default::default()
                    }
                })
            })
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let written = notification::Entity::insert_many(rows).exec_with_returning_keys(txn).await?;
        self.announce(txn, &[], &written).await
    }

    /// The viewer's inboxes: their own, their role's and (a department) their department's,
    /// without notices about issues they can no longer see.
    fn inbox_condition(&self, actor: &Principal) -> AppResult<Condition> {
        let mut inboxes = Condition::any()
            .add(notification::Column::RecipientUser.eq(actor.sub.as_str()))
            .add(notification::Column::RecipientRole.eq(actor.role));
        if let (Role::Department, Some(department)) = (actor.role, actor.department_id) {
            inboxes = inboxes.add(notification::Column::RecipientDepartmentId.eq(department));
        }
        let mut condition = Condition::all().add(inboxes);
        if let IssueScope::Department(_) = issue_scope(actor) {
            let visible = self.visible_issue_ids(actor)?;
            condition = condition.add(
                Condition::any()
                    .add(notification::Column::IssueId.is_null())
                    .add(notification::Column::IssueId.in_subquery(visible)),
            );
        }
        Ok(condition)
    }

    /// Whether a notification just written belongs to one of the viewer's inboxes and is about
    /// nothing they cannot see (for the live feed: the rule of `inbox_condition`, on one row).
    pub async fn notification_for(&self, actor: &Principal, note: &notification::Model) -> AppResult<bool> {
        let mine = note.recipient_user.as_deref() == Some(actor.sub.as_str())
            || note.recipient_role == Some(actor.role)
            || (actor.role == Role::Department
                && note.recipient_department_id.is_some()
                && note.recipient_department_id == actor.department_id);
        if !mine {
            return Ok(false);
        }
        match (issue_scope(actor), note.issue_id) {
            (IssueScope::Department(_), Some(issue)) => Ok(self.issue(actor, issue).await?.is_some()),
            _ => Ok(true),
        }
    }

    fn unread_condition(actor: &Principal) -> Condition {
        let read = Query::select()
            .column(notification_read::Column::NotificationId)
            .from(notification_read::Entity)
            .and_where(notification_read::Column::Reader.eq(actor.sub.as_str()))
            .to_owned();
        Condition::all().add(notification::Column::Id.not_in_subquery(read))
    }

    /// The viewer's notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Principal,
        unread_only: bool,
        args: &PageArgs,
    ) -> AppResult<Page<(notification::Model, bool)>> {
        let mut condition = self.inbox_condition(actor)?;
        if unread_only {
            condition = condition.add(Self::unread_condition(actor));
        }
        let select = notification::Entity::find().filter(condition);
        let page = page_by_id_in(self.conn(), select, notification::Column::Id, "notification", args, true).await?;
        let ids: Vec<i64> = page.items.iter().map(|(_, row)| row.id).collect();
        let read: std::collections::HashSet<i64> = notification_read::Entity::find()
            .filter(notification_read::Column::Reader.eq(actor.sub.as_str()))
            .filter(notification_read::Column::NotificationId.is_in(ids))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|row| row.notification_id)
            .collect();
        Ok(page.map(|row| {
            let seen = read.contains(&row.id);
            (row, seen)
        }))
    }

    /// How many notifications the viewer has (not yet read, if `unread_only`).
    pub async fn count_notifications(&self, actor: &Principal, unread_only: bool) -> AppResult<u64> {
        let mut condition = self.inbox_condition(actor)?;
        if unread_only {
            condition = condition.add(Self::unread_condition(actor));
        }
        Ok(notification::Entity::find().filter(condition).count(self.conn()).await?)
    }

    /// How many of the viewer's notifications they have not read.
    pub async fn unread_notification_count(&self, actor: &Principal) -> AppResult<u64> {
        self.count_notifications(actor, true).await
    }

    /// Marks notifications of the viewer's inboxes read for the viewer; ids outside them are
    /// refused, and reading one twice changes nothing. Answers the unread count after.
    pub async fn mark_notifications_read(&self, actor: &Principal, which: MarkRead) -> AppResult<u64> {
        let mut condition = self.inbox_condition(actor)?.add(Self::unread_condition(actor));
        if let MarkRead::Ids(ids) = &which {
            if ids.is_empty() || ids.len() > MAX_MARKED {
                return Err(AppError::bad_input("ids", format!("give 1 to {MAX_MARKED} ids, or `all: true`")));
            }
            let mine: Vec<i64> = notification::Entity::find()
                .select_only()
                .column(notification::Column::Id)
                .filter(self.inbox_condition(actor)?)
                .filter(notification::Column::Id.is_in(ids.iter().copied()))
                .into_tuple()
                .all(self.conn())
                .await?;
            if let Some((n, _)) = ids.iter().enumerate().find(|(_, id)| !mine.contains(id)) {
                return Err(AppError::bad_input(format!("ids.{n}"), "no notification of yours has this id"));
            }
            condition = condition.add(notification::Column::Id.is_in(ids.iter().copied()));
        }
        let unread = Query::select()
            .column(notification::Column::Id)
            .expr(Expr::val(actor.sub.as_str()))
            .expr(Expr::val(self.clock.now()))
            .from(notification::Entity)
            .cond_where(condition)
            .to_owned();
        let insert = Query::insert()
            .into_table(notification_read::Entity)
            .columns([
                notification_read::Column::NotificationId,
                notification_read::Column::Reader,
                notification_read::Column::ReadAt,
            ])
            .select_from(unread)
            .map_err(|error| AppError::internal(anyhow::anyhow!("{error}")))?
            .on_conflict(
                OnConflict::columns([notification_read::Column::NotificationId, notification_read::Column::Reader])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        let txn = self.conn().begin().await?;
        txn.execute(&insert).await?;
        txn.commit().await?;
        self.unread_notification_count(actor).await
    }
}
