//! One step of an issue's lifecycle applied to its row: the `Change` a use case builds,
//! checked against the issue's status and version, written under a version guard with its
//! cooperating units, and recorded as an event, all in the caller's transaction. Issue
//! lifecycle, field work and evidence each take steps through here, so none of them needs
//! another to change an issue.

use entity::enums::IssueStatus;
use entity::{issue, issue_cooperator, issue_event};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};

use super::Services;
use crate::auth::Principal;
use crate::domain::history::format_ids;
use crate::domain::lifecycle::{Outcome, Step};
use crate::error::{AppError, AppResult};

/// One change to apply to a loaded issue.
pub(crate) struct Change {
    pub(crate) step: Step,
    pub(crate) columns: issue::ActiveModel,
    pub(crate) note: Option<String>,
    pub(crate) cooperators: Option<Vec<i64>>,
    pub(crate) expected_version: Option<i32>,
}

impl Change {
    pub(crate) fn new(step: Step, expected_version: Option<i32>) -> Self {
        Self {
            step,
            columns: issue::ActiveModel { ..Default::default() },
            note: None,
            cooperators: None,
            expected_version,
        }
    }

    /// Reopening an accepted or closed issue: the problem is back (a relapse once it was
    /// closed), whoever finds it (`reopenIssue`, a look-back check).
    pub(crate) fn reopening(current: &issue::Model, reason: String, expected_version: Option<i32>) -> Self {
        let mut change = Self::new(Step::Reopen, expected_version);
        change.columns.reopen_count = Set(current.reopen_count + 1);
        change.columns.accepted_at = Set(None);
        change.columns.notice_ends_on = Set(None);
        change.columns.closed_at = Set(None);
        change.note = Some(reason);
        change
    }
}

impl Services {
    /// The issue for a change: NOT_FOUND when it does not exist or the actor cannot see it.
    pub(crate) async fn issue_for_change(&self, actor: &Principal, id: i64) -> AppResult<issue::Model> {
        self.issue(actor, id).await?.ok_or_else(|| AppError::not_found("issue"))
    }

    /// `apply` inside a transaction the caller owns, so that other rows of the same change
    /// (a milestone, a report) are written atomically with the issue and its event.
    pub(crate) async fn apply_in(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        current: issue::Model,
        change: Change,
    ) -> AppResult<issue::Model> {
        let outcome = outcome(change.step, current.status)?;
        if let Some(expected) = change.expected_version
            && expected != current.version
        {
            return Err(AppError::conflict(format!(
                "the issue was changed meanwhile (now at version {})",
                current.version
            )));
        }
        let mut columns = change.columns;
        columns.status = Set(outcome.to);
        columns.updated_at = Set(self.clock.now());

        // The guarded update is the transaction's first write, so on SQLite it takes the write
        // lock (waiting out the busy timeout) before anything is read. A client that sent
        // `expectedVersion` is guarded by it; otherwise only the status must still be the one
        // the step was checked against, so that two departments reporting at once both land.
        let mut update = issue::Entity::update_many()
            .set(columns)
            .col_expr(issue::Column::Version, Expr::col(issue::Column::Version).add(1))
            .filter(issue::Column::Id.eq(current.id));
        update = match change.expected_version {
            Some(_) => update.filter(issue::Column::Version.eq(current.version)),
            None => update.filter(issue::Column::Status.eq(current.status)),
        };
        if update.exec(txn).await?.rows_affected == 0 {
            return Err(AppError::conflict("the issue was changed meanwhile; reload it and try again"));
        }
        if let Some(cooperating) = change.cooperators {
            issue_cooperator::Entity::delete_many()
                .filter(issue_cooperator::Column::IssueId.eq(current.id))
                .exec(txn)
                .await?;
            if !cooperating.is_empty() {
                let rows = cooperating.into_iter().map(|department_id| issue_cooperator::ActiveModel {
                    issue_id: Set(current.id),
                    department_id: Set(department_id),
                });
                issue_cooperator::Entity::insert_many(rows).exec(txn).await?;
            }
        }
        let saved =
            issue::Entity::find_by_id(current.id).one(txn).await?.ok_or_else(|| AppError::not_found("issue"))?;
        let cooperating: Vec<i64> = issue_cooperator::Entity::find()
            .filter(issue_cooperator::Column::IssueId.eq(current.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|row| row.department_id)
            .collect();
        self.record_event(txn, actor, &saved, &cooperating, Some(current.status), outcome.action, change.note).await?;
        Ok(saved)
    }

    /// Records events that change nothing but the history (a slip written or escalated by the
    /// sweep) for many issues at once, one per `(issue, note)`: each issue's version moves on
    /// once and each event carries the issue's state, in three statements for the lot.
    pub(crate) async fn record_side_events(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        action: entity::enums::IssueAction,
        notes: &[(i64, String)],
    ) -> AppResult<()> {
        if notes.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut ids: Vec<i64> = notes.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        issue::Entity::update_many()
            .col_expr(issue::Column::Version, Expr::col(issue::Column::Version).add(1))
            .col_expr(issue::Column::UpdatedAt, Expr::val(now))
            .filter(issue::Column::Id.is_in(ids.iter().copied()))
            .exec(txn)
            .await?;
        let issues: std::collections::HashMap<i64, issue::Model> = issue::Entity::find()
            .filter(issue::Column::Id.is_in(ids.iter().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let cooperating = super::group_by(
            issue_cooperator::Entity::find()
                .filter(issue_cooperator::Column::IssueId.is_in(ids.iter().copied()))
                .all(txn)
                .await?,
            |row| Some((row.issue_id, row.department_id)),
        );
        let mut events: Vec<issue_event::Model> = notes
            .iter()
            .filter_map(|(id, note)| {
                let issue = issues.get(id)?;
                let cooperating = cooperating.get(id).map(Vec::as_slice).unwrap_or_default();
                Some(event_row(issue, cooperating, actor, (Some(issue.status), action), Some(note.clone()), now))
            })
            .collect();
        let mut heads = self.issue_chain_heads(txn, &ids).await?;
        super::history_chain::link_issue_events(&mut heads, &mut events);
        let events =
            events.into_iter().map(|event| issue_event::ActiveModel { id: NotSet, ..event.into_active_model() });
        let written = issue_event::Entity::insert_many(events).exec_with_returning_keys(txn).await?;
        self.announce(txn, &written, &[]).await
    }

    /// The id of the issue's newest event, in the transaction that has just applied a step to
    /// it (the step's own event, which evidence may cite).
    pub(crate) async fn last_event_in(&self, txn: &DatabaseTransaction, issue_id: i64) -> AppResult<i64> {
        use sea_orm::QueryOrder;
        let event = issue_event::Entity::find()
            .filter(issue_event::Column::IssueId.eq(issue_id))
            .order_by_desc(issue_event::Column::Id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("the event of the step just taken is missing")))?;
        Ok(event.id)
    }

    /// Appends the event, with the issue's state after it (see `domain::history`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_event(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        issue: &issue::Model,
        cooperating: &[i64],
        from: Option<IssueStatus>,
        action: entity::enums::IssueAction,
        note: Option<String>,
    ) -> AppResult<()> {
        let mut event = event_row(issue, cooperating, actor, (from, action), note, issue.updated_at);
        let mut heads = self.issue_chain_heads(txn, &[issue.id]).await?;
        super::history_chain::link_issue_events(&mut heads, std::slice::from_mut(&mut event));
        let written = issue_event::ActiveModel { id: NotSet, ..event.into_active_model() }.insert(txn).await?;
        self.announce(txn, &[written.id], &[]).await
    }
}

/// Where `step` leads from `from`, or INVALID_TRANSITION when the status forbids it.
pub(crate) fn outcome(step: Step, from: IssueStatus) -> AppResult<Outcome> {
    step.apply(from).ok_or_else(|| {
        AppError::invalid_transition(format!(
            "cannot {} an issue that is {}",
            step.describe(),
            crate::domain::api_name(&from)
        ))
    })
}

/// An issue's event, with the issue's state after it (see `domain::history`), not yet linked
/// to its chain nor written (its id is assigned on insert).
fn event_row(
    issue: &issue::Model,
    cooperating: &[i64],
    actor: &Principal,
    (from, action): (Option<IssueStatus>, entity::enums::IssueAction),
    note: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
) -> issue_event::Model {
    issue_event::Model {
        id: 0,
        issue_id: issue.id,
        action,
        from_status: from,
        to_status: issue.status,
        actor_sub: actor.sub.clone(),
        actor_role: actor.role,
        note,
        at,
        lead_department_id: issue.lead_department_id,
        cooperating_department_ids: Some(format_ids(cooperating)),
        deadline: issue.deadline,
        severity: Some(issue.severity),
        category_id: Some(issue.category_id),
        supervision_level: issue.supervision_level,
        hash: None,
    }
}
