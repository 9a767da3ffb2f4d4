//! Deadline extensions: requested by the responsible department, decided by the bureau, and
//! superseded when the issue is assigned anew.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::deadline_extension;
use entity::enums::ExtensionStatus;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::Serialize;

use super::MAX_TEXT;
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};
use crate::service::idempotency::RequestKey;
use crate::service::issue_step::Change;
use crate::service::policy::{Action, authorize};
use crate::service::{Services, group_by, optional_text, required_text};

#[derive(Serialize)]
pub struct NewExtension {
    pub issue_id: i64,
    pub proposed_deadline: NaiveDate,
    pub reason: String,
}

pub struct ExtensionDecision {
    pub extension_id: i64,
    pub approve: bool,
    pub note: Option<String>,
}

impl Services {
    pub async fn request_deadline_extension(
        &self,
        actor: &Principal,
        input: NewExtension,
        key: Option<RequestKey>,
    ) -> AppResult<deadline_extension::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.extension(id).await;
        }
        let current = self.issue_for_step(actor, input.issue_id, Step::RequestExtension).await?;
        let reason = required_text("reason", &input.reason, MAX_TEXT)?;
        let Some(deadline) = current.deadline else {
            return Err(AppError::invalid_transition("the issue has no deadline to extend"));
        };
        if input.proposed_deadline <= deadline {
            return Err(AppError::bad_input(
                "proposedDeadline",
                format!("the proposed deadline must be after the current one ({deadline})"),
            ));
        }
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.extension(id).await,
        };
        let mut change = Change::new(Step::RequestExtension, None);
        change.note = Some(format!("to {}: {reason}", input.proposed_deadline));
        // The issue row is now locked by this transaction: a second pending request cannot
        // slip in between this check and the insert.
        self.apply_in(&txn, actor, current, change).await?;
        let pending = deadline_extension::Entity::find()
            .filter(deadline_extension::Column::IssueId.eq(input.issue_id))
            .filter(deadline_extension::Column::Status.eq(ExtensionStatus::Pending))
            .count(&txn)
            .await?;
        if pending > 0 {
            return Err(AppError::invalid_transition("an extension request is already pending for this issue"));
        }
        let created = deadline_extension::ActiveModel {
            issue_id: Set(input.issue_id),
            current_deadline: Set(deadline),
            proposed_deadline: Set(input.proposed_deadline),
            reason: Set(reason),
            status: Set(ExtensionStatus::Pending),
            requested_by: Set(actor.sub.clone()),
            requested_at: Set(self.clock.now()),
            decided_by: Set(None),
            decided_at: Set(None),
            note: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let id = self.finish_create(txn, claimed, created.id).await?;
        self.extension(id).await
    }

    async fn extension(&self, id: i64) -> AppResult<deadline_extension::Model> {
        deadline_extension::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("deadline extension"))
    }

    /// Approving moves the issue's deadline (not its supervision deadline).
    pub async fn decide_deadline_extension(
        &self,
        actor: &Principal,
        input: ExtensionDecision,
    ) -> AppResult<deadline_extension::Model> {
        authorize(actor, Action::DecideExtensions)?;
        let found = deadline_extension::Entity::find_by_id(input.extension_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("deadline extension"))?;
        let current = self.issue_for_change(actor, found.issue_id).await?;
        let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
        if found.status != ExtensionStatus::Pending {
            return Err(AppError::invalid_transition("the extension request has already been decided"));
        }
        if current.deadline != Some(found.current_deadline) {
            return Err(AppError::invalid_transition(
                "the deadline has changed since this extension was requested; the lead department may ask again",
            ));
        }
        self.check_step(actor, Step::DecideExtension, &current).await?;
        let status = if input.approve { ExtensionStatus::Approved } else { ExtensionStatus::Rejected };
        let txn = self.conn().begin().await?;
        let mut change = Change::new(Step::DecideExtension, None);
        if input.approve {
            change.columns.deadline = Set(Some(found.proposed_deadline));
        }
        change.note = Some(format!(
            "{}: {} → {}{}",
            crate::domain::api_name(&status),
            found.current_deadline,
            found.proposed_deadline,
            note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        ));
        self.apply_in(&txn, actor, current, change).await?;
        let decided = deadline_extension::Entity::update_many()
            .set(deadline_extension::ActiveModel {
                status: Set(status),
                decided_by: Set(Some(actor.sub.clone())),
                decided_at: Set(Some(self.clock.now())),
                note: Set(note),
                ..Default::default()
            })
            .filter(deadline_extension::Column::Id.eq(found.id))
            .filter(deadline_extension::Column::Status.eq(ExtensionStatus::Pending))
            .exec(&txn)
            .await?;
        if decided.rows_affected == 0 {
            return Err(AppError::conflict("the extension was decided meanwhile"));
        }
        txn.commit().await?;
        self.extension(found.id).await
    }

    /// Rejects the pending extension request of an issue whose assignment changed.
    pub(crate) async fn supersede_extensions(
        &self,
        txn: &DatabaseTransaction,
        issue_id: i64,
        actor: &Principal,
    ) -> AppResult<()> {
        deadline_extension::Entity::update_many()
            .set(deadline_extension::ActiveModel {
                status: Set(ExtensionStatus::Rejected),
                decided_by: Set(Some(actor.sub.clone())),
                decided_at: Set(Some(self.clock.now())),
                note: Set(Some("superseded by a new assignment".into())),
                ..Default::default()
            })
            .filter(deadline_extension::Column::IssueId.eq(issue_id))
            .filter(deadline_extension::Column::Status.eq(ExtensionStatus::Pending))
            .exec(txn)
            .await?;
        Ok(())
    }

    /// Deadline extensions of each issue, oldest first.
    pub async fn extensions_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<deadline_extension::Model>>> {
        let rows = deadline_extension::Entity::find()
            .filter(deadline_extension::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_asc(deadline_extension::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |r| Some((r.issue_id, r))))
    }

    pub async fn extensions_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, deadline_extension::Model>> {
        let rows = deadline_extension::Entity::find()
            .filter(deadline_extension::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        self.visible_by_issue(actor, rows, |r| r.issue_id, |r| r.id).await
    }
}
