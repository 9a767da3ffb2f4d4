//! The plan's milestones: set with the plan (`insert_milestones`), added one by one and
//! completed, each an issue step.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::MilestoneStatus;
use entity::{issue, milestone};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;

use super::MAX_TEXT;
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};
use crate::service::idempotency::RequestKey;
use crate::service::issue_step::Change;
use crate::service::{Services, group_by, optional_text, required_text};

const MAX_MILESTONES: usize = 50;

/// A milestone of the plan's timetable.
#[derive(Debug, Clone, Serialize)]
pub struct MilestonePlan {
    pub title: String,
    pub due_on: NaiveDate,
}

#[derive(Serialize)]
pub struct NewMilestone {
    pub issue_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
}

/// A milestone is overdue from the day after its date, until done.
pub fn milestone_overdue(milestone: &milestone::Model, today: NaiveDate) -> bool {
    milestone.status == MilestoneStatus::Pending && today > milestone.due_on
}

pub(crate) fn check_milestones(milestones: &[MilestonePlan], field: &str) -> AppResult<Vec<MilestonePlan>> {
    if milestones.len() > MAX_MILESTONES {
        return Err(AppError::bad_input(field, format!("a plan has at most {MAX_MILESTONES} milestones")));
    }
    milestones
        .iter()
        .enumerate()
        .map(|(n, m)| {
            Ok(MilestonePlan { title: required_text(&format!("{field}.{n}.title"), &m.title, 300)?, due_on: m.due_on })
        })
        .collect()
}

impl Services {
    /// Inserts plan milestones inside a change's transaction.
    pub(crate) async fn insert_milestones(
        &self,
        txn: &DatabaseTransaction,
        issue_id: i64,
        milestones: &[MilestonePlan],
    ) -> AppResult<()> {
        if milestones.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let rows = milestones.iter().map(|m| milestone::ActiveModel {
            issue_id: Set(issue_id),
            title: Set(m.title.clone()),
            due_on: Set(m.due_on),
            status: Set(MilestoneStatus::Pending),
            note: Set(None),
            completed_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
        milestone::Entity::insert_many(rows).exec(txn).await?;
        self.refresh_next_milestone_due(txn, issue_id).await
    }

    /// Keeps `issue.next_milestone_due`, which the warning light reads, in step with the
    /// milestones, inside the transaction that changed them. The issue's row is already locked
    /// by the step applied in it, so concurrent changes of one plan take turns here.
    async fn refresh_next_milestone_due(&self, txn: &DatabaseTransaction, issue_id: i64) -> AppResult<()> {
        let earliest = Query::select()
            .expr(Func::min(Expr::col(milestone::Column::DueOn)))
            .from(milestone::Entity)
            .and_where(milestone::Column::IssueId.eq(issue_id))
            .and_where(milestone::Column::Status.eq(MilestoneStatus::Pending))
            .to_owned();
        issue::Entity::update_many()
            .col_expr(issue::Column::NextMilestoneDue, Expr::SubQuery(None, Box::new(earliest.into())))
            .filter(issue::Column::Id.eq(issue_id))
            .exec(txn)
            .await?;
        Ok(())
    }

    pub async fn add_milestone(
        &self,
        actor: &Principal,
        input: NewMilestone,
        key: Option<RequestKey>,
    ) -> AppResult<milestone::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.milestone(id).await;
        }
        let current = self.issue_for_step(actor, input.issue_id, Step::AddMilestone).await?;
        let title = required_text("title", &input.title, 300)?;
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.milestone(id).await,
        };
        let mut change = Change::new(Step::AddMilestone, None);
        change.note = Some(format!("{title} (due {})", input.due_on));
        self.apply_in(&txn, actor, current, change).await?;
        let created = milestone::ActiveModel {
            issue_id: Set(input.issue_id),
            title: Set(title),
            due_on: Set(input.due_on),
            status: Set(MilestoneStatus::Pending),
            note: Set(None),
            completed_at: Set(None),
            created_at: Set(self.clock.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.refresh_next_milestone_due(&txn, input.issue_id).await?;
        let id = self.finish_create(txn, claimed, created.id).await?;
        self.milestone(id).await
    }

    async fn milestone(&self, id: i64) -> AppResult<milestone::Model> {
        milestone::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("milestone"))
    }

    pub async fn complete_milestone(
        &self,
        actor: &Principal,
        milestone_id: i64,
        note: Option<&str>,
    ) -> AppResult<milestone::Model> {
        let found = milestone::Entity::find_by_id(milestone_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("milestone"))?;
        let current = self.issue(actor, found.issue_id).await?.ok_or_else(|| AppError::not_found("milestone"))?;
        self.check_step(actor, Step::CompleteMilestone, &current).await?;
        let note = optional_text("note", note, MAX_TEXT)?;
        if found.status == MilestoneStatus::Done {
            return Err(AppError::invalid_transition("the milestone is already done"));
        }
        let txn = self.conn().begin().await?;
        let mut change = Change::new(Step::CompleteMilestone, None);
        change.note = Some(match &note {
            Some(note) => format!("{}: {note}", found.title),
            None => found.title.clone(),
        });
        self.apply_in(&txn, actor, current, change).await?;
        let done = milestone::Entity::update_many()
            .set(milestone::ActiveModel {
                status: Set(MilestoneStatus::Done),
                note: Set(note),
                completed_at: Set(Some(self.clock.now())),
                ..Default::default()
            })
            .filter(milestone::Column::Id.eq(found.id))
            .filter(milestone::Column::Status.eq(MilestoneStatus::Pending))
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(AppError::conflict("the milestone was completed meanwhile"));
        }
        self.refresh_next_milestone_due(&txn, found.issue_id).await?;
        txn.commit().await?;
        self.milestone(found.id).await
    }

    /// Milestones of each issue, by due date (for the loader; the issues are already visible).
    pub async fn milestones_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<milestone::Model>>> {
        let rows = milestone::Entity::find()
            .filter(milestone::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_asc(milestone::Column::DueOn)
            .order_by_asc(milestone::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |r| Some((r.issue_id, r))))
    }

    /// Milestones with these ids whose issue the actor may see, each with whether that issue's
    /// rectification is already accepted (then no milestone is overdue).
    pub async fn milestones_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, (milestone::Model, bool)>> {
        let rows =
            milestone::Entity::find().filter(milestone::Column::Id.is_in(ids.iter().copied())).all(self.conn()).await?;
        let issue_ids: Vec<i64> = rows.iter().map(|r| r.issue_id).collect();
        let visible = self.issues_by_ids(actor, &issue_ids).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let completed = crate::domain::clock::is_completed(visible.get(&r.issue_id)?.status);
                Some((r.id, (r, completed)))
            })
            .collect())
    }
}
