//! Objections during the public notice (公示异议): while an accepted issue's closure is on
//! notice, the bureau records the objections it receives, with evidence, and resolves each:
//! dismissed, or upheld, which sends the issue back to work as a failed acceptance. An issue
//! with an unresolved objection cannot be closed.

use std::collections::HashMap;

use entity::enums::{NotificationKind, ObjectionOutcome};
use entity::{issue, notice_objection};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use super::MAX_TEXT;
use super::evidence::Citer;
use super::issue_checks::concerns_current_acceptance;
use super::issue_step::Change;
use super::notice::{Notice, Recipient};
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{Action, IssueScope, authorize, issue_scope};
use super::{Services, group_by, optional_text, required_text};
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};

/// An objection to record.
pub struct NewObjection {
    pub issue_id: i64,
    pub source: String,
    pub content: String,
    pub evidence_ids: Vec<i64>,
}

/// The bureau's resolution of an objection.
pub struct Resolution {
    pub objection_id: i64,
    pub outcome: ObjectionOutcome,
    pub note: Option<String>,
}

/// Where an objection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectionStatus {
    Open,
    Dismissed,
    Upheld,
}

pub fn objection_status(outcome: Option<ObjectionOutcome>) -> ObjectionStatus {
    match outcome {
        None => ObjectionStatus::Open,
        Some(ObjectionOutcome::Dismissed) => ObjectionStatus::Dismissed,
        Some(ObjectionOutcome::Upheld) => ObjectionStatus::Upheld,
    }
}

/// Which objections to list.
#[derive(Debug, Clone, Default)]
pub struct ObjectionFilter {
    pub status: Option<ObjectionStatus>,
    pub issue_id: Option<i64>,
}

impl Services {
    /// The bureau records an objection received while the issue's closure is on notice.
    pub async fn record_notice_objection(
        &self,
        actor: &Principal,
        input: NewObjection,
    ) -> AppResult<notice_objection::Model> {
        authorize(actor, Action::HandleNoticeObjections)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::RecordNoticeObjection).await?;
        let source = required_text("source", &input.source, 200)?;
        let content = required_text("content", &input.content, MAX_TEXT)?;
        let txn = self.conn().begin().await?;
        let mut change = Change::new(Step::RecordNoticeObjection, None);
        change.note = Some(format!("{source}: {content}"));
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let event = self.last_event_in(&txn, saved.id).await?;
        self.cite_evidence(&txn, &input.evidence_ids, Some(saved.id), Citer::Event(event)).await?;
        let recorded = notice_objection::Entity::insert(notice_objection::ActiveModel {
            issue_id: Set(saved.id),
            source: Set(source),
            content: Set(content.clone()),
            recorded_event_id: Set(event),
            recorded_by: Set(actor.sub.clone()),
            recorded_at: Set(self.clock.now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        self.notify_lead(
            &txn,
            &saved,
            NotificationKind::NoticeObjectionRecorded,
            format!("{}: an objection to the public notice: {content}", saved.code),
        )
        .await?;
        txn.commit().await?;
        Ok(recorded)
    }

    /// The bureau resolves an open objection.
    pub async fn resolve_notice_objection(
        &self,
        actor: &Principal,
        input: Resolution,
    ) -> AppResult<notice_objection::Model> {
        authorize(actor, Action::HandleNoticeObjections)?;
        let found = self.visible_objection(actor, input.objection_id).await?;
        if found.outcome.is_some() {
            return Err(AppError::invalid_transition("the objection is resolved already"));
        }
        let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
        let current = self.issue_for_change(actor, found.issue_id).await?;
        if input.outcome == ObjectionOutcome::Upheld && !concerns_current_acceptance(&found, &current) {
            return Err(AppError::invalid_transition(
                "the objection was to an earlier acceptance, since undone; dismiss it",
            ));
        }
        let step = match input.outcome {
            ObjectionOutcome::Dismissed => Step::DismissObjection,
            ObjectionOutcome::Upheld => Step::UpholdObjection,
        };
        self.check_step(actor, step, &current).await?;
        let mut change = match input.outcome {
            ObjectionOutcome::Dismissed => Change::new(Step::DismissObjection, None),
            ObjectionOutcome::Upheld => {
                let mut change = Change::new(Step::UpholdObjection, None);
                change.columns.accepted_at = Set(None);
                change.columns.notice_ends_on = Set(None);
                change
            }
        };
        change.note = note.clone().or_else(|| Some(found.content.clone()));
        let txn = self.conn().begin().await?;
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let resolved = notice_objection::Entity::update_many()
            .set(notice_objection::ActiveModel {
                outcome: Set(Some(input.outcome)),
                resolution_note: Set(note),
                resolved_by: Set(Some(actor.sub.clone())),
                resolved_at: Set(Some(self.clock.now())),
                ..Default::default()
            })
            .filter(notice_objection::Column::Id.eq(found.id))
            .filter(notice_objection::Column::Outcome.is_null())
            .exec(&txn)
            .await?;
        if resolved.rows_affected == 0 {
            return Err(AppError::conflict("the objection was resolved meanwhile"));
        }
        let message = match input.outcome {
            ObjectionOutcome::Dismissed => format!("{}: an objection to the public notice was dismissed", saved.code),
            ObjectionOutcome::Upheld => {
                format!("{}: an objection to the public notice was upheld; the issue is back in progress", saved.code)
            }
        };
        self.notify_lead(&txn, &saved, NotificationKind::ObjectionResolved, message).await?;
        txn.commit().await?;
        self.objection_row(found.id).await
    }

    /// A notice to the issue's lead department, if it has one.
    async fn notify_lead(
        &self,
        txn: &impl ConnectionTrait,
        issue: &issue::Model,
        kind: NotificationKind,
        message: String,
    ) -> AppResult<()> {
        let Some(lead) = issue.lead_department_id else { return Ok(()) };
        let notice = Notice {
            kind,
            issue_id: Some(issue.id),
            reminder_id: None,
            message,
            recipients: vec![Recipient::Department(lead)],
        };
        self.notify(txn, vec![notice]).await
    }

    async fn objection_row(&self, id: i64) -> AppResult<notice_objection::Model> {
        notice_objection::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("objection"))
    }

    async fn visible_objection(&self, actor: &Principal, id: i64) -> AppResult<notice_objection::Model> {
        notice_objection::Entity::find_by_id(id)
            .filter(self.objection_condition(actor, &ObjectionFilter::default())?)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("objection"))
    }

    fn objection_condition(&self, actor: &Principal, filter: &ObjectionFilter) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let IssueScope::Department(_) = issue_scope(actor) {
            condition = condition.add(notice_objection::Column::IssueId.in_subquery(self.visible_issue_ids(actor)?));
        }
        if let Some(issue) = filter.issue_id {
            condition = condition.add(notice_objection::Column::IssueId.eq(issue));
        }
        condition = match filter.status {
            None => condition,
            Some(ObjectionStatus::Open) => condition.add(notice_objection::Column::Outcome.is_null()),
            Some(ObjectionStatus::Dismissed) => {
                condition.add(notice_objection::Column::Outcome.eq(ObjectionOutcome::Dismissed))
            }
            Some(ObjectionStatus::Upheld) => {
                condition.add(notice_objection::Column::Outcome.eq(ObjectionOutcome::Upheld))
            }
        };
        Ok(condition)
    }

    /// Objections the actor may see, newest first.
    pub async fn notice_objections(
        &self,
        actor: &Principal,
        filter: &ObjectionFilter,
        args: &PageArgs,
    ) -> AppResult<Page<notice_objection::Model>> {
        let select = notice_objection::Entity::find().filter(self.objection_condition(actor, filter)?);
        page_by_id_in(self.conn(), select, notice_objection::Column::Id, "objection", args, true).await
    }

    pub async fn count_notice_objections(&self, actor: &Principal, filter: &ObjectionFilter) -> AppResult<u64> {
        let select = notice_objection::Entity::find().filter(self.objection_condition(actor, filter)?);
        Ok(select.count(self.conn()).await?)
    }

    /// The objections of each issue, newest first (for the loader; the issues are visible).
    pub async fn notice_objections_of(
        &self,
        issue_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<notice_objection::Model>>> {
        let rows = notice_objection::Entity::find()
            .filter(notice_objection::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_desc(notice_objection::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.issue_id, row))))
    }

    /// Objections by id that the actor may see (for `node`).
    pub async fn notice_objections_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, notice_objection::Model>> {
        let rows = notice_objection::Entity::find()
            .filter(notice_objection::Column::Id.is_in(ids.iter().copied()))
            .filter(self.objection_condition(actor, &ObjectionFilter::default())?)
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
