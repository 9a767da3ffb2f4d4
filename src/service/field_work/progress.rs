//! Progress reports: what the responsible department has done so far, with evidence cited.

use std::collections::HashMap;

use entity::progress_report;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::MAX_TEXT;
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};
use crate::service::evidence::Citer;
use crate::service::idempotency::RequestKey;
use crate::service::issue_step::Change;
use crate::service::{Services, group_by, required_text};

#[derive(Serialize)]
pub struct NewProgressReport {
    pub issue_id: i64,
    pub content: String,
    pub percent_complete: i32,
    pub evidence_ids: Vec<i64>,
}

impl Services {
    pub async fn submit_progress_report(
        &self,
        actor: &Principal,
        input: NewProgressReport,
        key: Option<RequestKey>,
    ) -> AppResult<progress_report::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.progress_report(id).await;
        }
        let current = self.issue_for_step(actor, input.issue_id, Step::ReportProgress).await?;
        let content = required_text("content", &input.content, MAX_TEXT)?;
        if !(0..=100).contains(&input.percent_complete) {
            return Err(AppError::bad_input("percentComplete", "`percentComplete` is between 0 and 100"));
        }
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.progress_report(id).await,
        };
        let mut change = Change::new(Step::ReportProgress, None);
        change.columns.progress_percent = Set(Some(input.percent_complete));
        change.note = Some(format!("{}% — {content}", input.percent_complete));
        self.apply_in(&txn, actor, current, change).await?;
        let created = progress_report::ActiveModel {
            issue_id: Set(input.issue_id),
            department_id: Set(actor.department_id.unwrap_or_default()),
            content: Set(content),
            percent_complete: Set(input.percent_complete),
            reported_by: Set(actor.sub.clone()),
            reported_at: Set(self.clock.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.cite_evidence(&txn, &input.evidence_ids, Some(input.issue_id), Citer::ProgressReport(created.id)).await?;
        let id = self.finish_create(txn, claimed, created.id).await?;
        self.progress_report(id).await
    }

    async fn progress_report(&self, id: i64) -> AppResult<progress_report::Model> {
        progress_report::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("progress report"))
    }

    /// Progress reports of each issue, newest first.
    pub async fn progress_reports_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<progress_report::Model>>> {
        let rows = progress_report::Entity::find()
            .filter(progress_report::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_desc(progress_report::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |r| Some((r.issue_id, r))))
    }

    pub async fn progress_reports_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, progress_report::Model>> {
        let rows = progress_report::Entity::find()
            .filter(progress_report::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        self.visible_by_issue(actor, rows, |r| r.issue_id, |r| r.id).await
    }
}
