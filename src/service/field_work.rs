//! Field work: plan milestones, progress reports, site inspections and deadline extensions.
//! Every change is an issue step (checked, versioned, recorded as an event) written in one
//! transaction with its own row and, when the client gave one, its idempotency key.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{ExtensionStatus, MilestoneStatus, SiteInspectionResult};
use entity::{deadline_extension, milestone, progress_report, site_inspection};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Serialize;

use super::evidence::Citer;
use super::idempotency::{Claim, RequestKey};
use super::issue_lifecycle::Change;
use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, authorize, authorize_lead_work, authorize_responsible_work};
use super::{Services, check_coordinates, group_by, optional_text, required_text};
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};

const MAX_TEXT: usize = 20_000;
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

#[derive(Serialize)]
pub struct NewProgressReport {
    pub issue_id: i64,
    pub content: String,
    pub percent_complete: i32,
    pub evidence_ids: Vec<i64>,
}

#[derive(Serialize)]
pub struct NewSiteInspection {
    pub issue_id: Option<i64>,
    pub latitude: f64,
    pub longitude: f64,
    pub observed_at: DateTime<Utc>,
    pub findings: String,
    pub result: SiteInspectionResult,
    pub evidence_ids: Vec<i64>,
}

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
    /// Opens the transaction of a create, claiming the key first; `Err(id)` is a replay.
    pub(crate) async fn begin_create(
        &self,
        actor: &Principal,
        key: Option<&RequestKey>,
    ) -> AppResult<Result<(DatabaseTransaction, Option<i64>), i64>> {
        let txn = self.conn().begin().await?;
        match key {
            None => Ok(Ok((txn, None))),
            Some(key) => match self.claim_key(&txn, actor, key).await? {
                Claim::Fresh(claimed) => Ok(Ok((txn, Some(claimed)))),
                Claim::Taken => {
                    txn.rollback().await?;
                    Ok(Err(self.replay(actor, key).await?))
                }
            },
        }
    }

    pub(crate) async fn finish_create(
        &self,
        txn: DatabaseTransaction,
        claimed: Option<i64>,
        created: i64,
    ) -> AppResult<i64> {
        if let Some(claimed) = claimed {
            self.settle_key(&txn, claimed, created).await?;
        }
        txn.commit().await?;
        Ok(created)
    }

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
        let current = self.issue_for_change(actor, input.issue_id).await?;
        authorize_lead_work(actor, current.lead_department_id)?;
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
        authorize_lead_work(actor, current.lead_department_id)?;
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
        txn.commit().await?;
        self.milestone(found.id).await
    }

    pub async fn submit_progress_report(
        &self,
        actor: &Principal,
        input: NewProgressReport,
        key: Option<RequestKey>,
    ) -> AppResult<progress_report::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.progress_report(id).await;
        }
        let current = self.issue_for_change(actor, input.issue_id).await?;
        let cooperating = self.cooperators_of(&[current.id]).await?.remove(&current.id).unwrap_or_default();
        authorize_responsible_work(actor, current.lead_department_id, &cooperating)?;
        let content = required_text("content", &input.content, MAX_TEXT)?;
        if !(0..=100).contains(&input.percent_complete) {
            return Err(AppError::bad_input("percentComplete", "`percentComplete` is between 0 and 100"));
        }
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.progress_report(id).await,
        };
        let mut change = Change::new(Step::ReportProgress, None);
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
            Some(id) => Some(self.issue_for_change(actor, id).await?),
            None => None,
        };
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.site_inspection(id).await,
        };
        if let Some(current) = current {
            let mut change = Change::new(Step::RecordSiteInspection, None);
            change.note = Some(format!("{}: {findings}", crate::domain::api_name(&input.result)));
            self.apply_in(&txn, actor, current, change).await?;
        }
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

    /// Keeps the rows of issues the actor may see, and the rows of suspected problems (no issue
    /// yet) for the roles that read those.
    pub(crate) async fn visible_or_suspected<T>(
        &self,
        actor: &Principal,
        rows: Vec<T>,
        issue_of: impl Fn(&T) -> Option<i64>,
        id_of: impl Fn(&T) -> i64,
    ) -> AppResult<HashMap<i64, T>> {
        let issue_ids: Vec<i64> = rows.iter().filter_map(&issue_of).collect();
        let visible = self.issues_by_ids(actor, &issue_ids).await?;
        let suspected_ok = authorize(actor, Action::ReadSuspectedProblems).is_ok();
        Ok(rows
            .into_iter()
            .filter(|row| match issue_of(row) {
                Some(issue) => visible.contains_key(&issue),
                None => suspected_ok,
            })
            .map(|row| (id_of(&row), row))
            .collect())
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

    pub async fn request_deadline_extension(
        &self,
        actor: &Principal,
        input: NewExtension,
        key: Option<RequestKey>,
    ) -> AppResult<deadline_extension::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.extension(id).await;
        }
        let current = self.issue_for_change(actor, input.issue_id).await?;
        authorize_lead_work(actor, current.lead_department_id)?;
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

    /// Deadline extensions of each issue, oldest first.
    pub async fn extensions_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<deadline_extension::Model>>> {
        let rows = deadline_extension::Entity::find()
            .filter(deadline_extension::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_asc(deadline_extension::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |r| Some((r.issue_id, r))))
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

impl Services {
    /// Keeps the rows whose issue the actor may see.
    async fn visible_by_issue<T>(
        &self,
        actor: &Principal,
        rows: Vec<T>,
        issue_of: impl Fn(&T) -> i64,
        id_of: impl Fn(&T) -> i64,
    ) -> AppResult<HashMap<i64, T>> {
        let issue_ids: Vec<i64> = rows.iter().map(&issue_of).collect();
        let visible = self.issues_by_ids(actor, &issue_ids).await?;
        Ok(rows.into_iter().filter(|row| visible.contains_key(&issue_of(row))).map(|row| (id_of(&row), row)).collect())
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
