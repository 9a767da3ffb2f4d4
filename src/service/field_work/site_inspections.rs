//! Site inspections: what an inspector found on site, for an issue (checking its fix) or
//! for a suspected new problem not yet registered, which an issue may later be registered
//! from (`suspected_problem`, `link_inspection`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::{LookBackOutcome, SiteInspectionResult};
use entity::site_inspection;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;

use super::MAX_TEXT;
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};
use crate::service::evidence::Citer;
use crate::service::idempotency::RequestKey;
use crate::service::issue_step::Change;
use crate::service::pagination::{Page, PageArgs, page_by_id};
use crate::service::policy::{Action, authorize};
use crate::service::{Services, check_coordinates, group_by, required_text};

#[derive(Serialize)]
pub struct NewSiteInspection {
    pub issue_id: Option<i64>,
    pub latitude: f64,
    pub longitude: f64,
    pub observed_at: DateTime<Utc>,
    pub findings: String,
    pub result: SiteInspectionResult,
    pub evidence_ids: Vec<i64>,
    /// Answers the issue's pending look-back task with this outcome.
    pub look_back: Option<LookBackOutcome>,
}

impl Services {
    pub async fn record_site_inspection(
        &self,
        actor: &Principal,
        input: NewSiteInspection,
        key: Option<RequestKey>,
    ) -> AppResult<site_inspection::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.site_inspection(id).await;
        }
        authorize(actor, Action::InspectSites)?;
        let findings = required_text("findings", &input.findings, MAX_TEXT)?;
        check_coordinates(Some(input.latitude), Some(input.longitude))?;
        if input.observed_at > self.clock.now() + chrono::Duration::minutes(5) {
            return Err(AppError::bad_input("observedAt", "`observedAt` cannot be in the future"));
        }
        let current = match input.issue_id {
            Some(id) => Some(self.issue_for_step(actor, id, Step::RecordSiteInspection).await?),
            None => None,
        };
        let look_back = match (input.look_back, &current) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(AppError::bad_input("lookBack", "a look-back answers a sampled issue: give `issueId`"));
            }
            (Some(outcome), Some(issue)) => match self.pending_look_back(issue.id).await? {
                Some(task) => Some((task, outcome)),
                None => return Err(AppError::bad_input("lookBack", "no look-back task of this issue is pending")),
            },
        };
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.site_inspection(id).await,
        };
        let inspected = match current {
            Some(current) => {
                let mut change = Change::new(Step::RecordSiteInspection, None);
                change.note = Some(match look_back {
                    Some((_, outcome)) => format!("look-back {}: {findings}", crate::domain::api_name(&outcome)),
                    None => format!("{}: {findings}", crate::domain::api_name(&input.result)),
                });
                Some(self.apply_in(&txn, actor, current, change).await?)
            }
            None => None,
        };
        let created = site_inspection::ActiveModel {
            issue_id: Set(input.issue_id),
            latitude: Set(input.latitude),
            longitude: Set(input.longitude),
            observed_at: Set(input.observed_at),
            findings: Set(findings),
            result: Set(input.result),
            inspector: Set(actor.sub.clone()),
            inspector_role: Set(actor.role),
            recorded_at: Set(self.clock.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.cite_evidence(&txn, &input.evidence_ids, input.issue_id, Citer::SiteInspection(created.id)).await?;
        if let (Some((task, outcome)), Some(issue)) = (look_back, inspected) {
            self.answer_look_back(&txn, actor, (&task, outcome), created.id, issue, &created.findings).await?;
        }
        let id = self.finish_create(txn, claimed, created.id).await?;
        self.site_inspection(id).await
    }

    async fn site_inspection(&self, id: i64) -> AppResult<site_inspection::Model> {
        site_inspection::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("site inspection"))
    }

    /// Site inspections the actor may see: those of visible issues, and suspected problems for
    /// the roles that handle them.
    pub async fn site_inspections_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, site_inspection::Model>> {
        let rows = site_inspection::Entity::find()
            .filter(site_inspection::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        self.visible_or_suspected(actor, rows, |r| r.issue_id, |r| r.id).await
    }

    /// Site inspections by id, for an issue's own inspection (visible with the issue).
    pub async fn site_inspections_of_issues_by_ids(
        &self,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, site_inspection::Model>> {
        let rows = site_inspection::Entity::find()
            .filter(site_inspection::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }

    /// Suspected new problems: site inspections not linked to any issue, oldest first.
    pub async fn suspected_problems(
        &self,
        actor: &Principal,
        args: &PageArgs,
    ) -> AppResult<Page<site_inspection::Model>> {
        authorize(actor, Action::ReadSuspectedProblems)?;
        let select = site_inspection::Entity::find().filter(site_inspection::Column::IssueId.is_null());
        page_by_id(self.conn(), select, site_inspection::Column::Id, "inspection", args).await
    }

    pub async fn count_suspected_problems(&self, actor: &Principal) -> AppResult<u64> {
        authorize(actor, Action::ReadSuspectedProblems)?;
        Ok(site_inspection::Entity::find()
            .filter(site_inspection::Column::IssueId.is_null())
            .count(self.conn())
            .await?)
    }

    /// Site inspections of each issue, oldest first.
    pub async fn site_inspections_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<site_inspection::Model>>> {
        let rows = site_inspection::Entity::find()
            .filter(Condition::all().add(site_inspection::Column::IssueId.is_in(issue_ids.iter().copied())))
            .order_by_asc(site_inspection::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |r| Some((r.issue_id?, r))))
    }

    /// An unlinked site inspection, checked for registration as an issue.
    pub(crate) async fn suspected_problem(&self, id: i64) -> AppResult<site_inspection::Model> {
        match site_inspection::Entity::find_by_id(id).one(self.conn()).await? {
            Some(found) if found.issue_id.is_none() => Ok(found),
            Some(_) => Err(AppError::bad_input("siteInspectionId", "this site inspection already belongs to an issue")),
            None => Err(AppError::bad_input("siteInspectionId", "no site inspection has this id")),
        }
    }

    /// Links a suspected problem's inspection to the issue registered from it.
    pub(crate) async fn link_inspection(
        &self,
        txn: &DatabaseTransaction,
        inspection_id: i64,
        issue_id: i64,
    ) -> AppResult<()> {
        let linked = site_inspection::Entity::update_many()
            .set(site_inspection::ActiveModel { issue_id: Set(Some(issue_id)), ..Default::default() })
            .filter(site_inspection::Column::Id.eq(inspection_id))
            .filter(site_inspection::Column::IssueId.is_null())
            .exec(txn)
            .await?;
        if linked.rows_affected == 0 {
            return Err(AppError::conflict("the site inspection was linked to another issue meanwhile"));
        }
        Ok(())
    }

    /// The inspection cited by an acceptance must be of that issue.
    pub(crate) async fn inspection_of_issue(
        &self,
        inspection_id: i64,
        issue_id: i64,
    ) -> AppResult<site_inspection::Model> {
        match site_inspection::Entity::find_by_id(inspection_id).one(self.conn()).await? {
            Some(found) if found.issue_id == Some(issue_id) => Ok(found),
            _ => Err(AppError::bad_input("siteInspectionId", "no site inspection of this issue has this id")),
        }
    }
}
