//! Changing issues: registration and every step of the lifecycle.
//!
//! Each change is checked in the same order: the issue must be visible (else NOT_FOUND), the
//! role and department allowed (FORBIDDEN), the status must allow the step
//! (INVALID_TRANSITION), the version must match (CONFLICT). The row is then updated under a
//! version guard and its event written in the same transaction, so a lost race writes nothing.

use chrono::{Duration, NaiveDate};
use entity::enums::{DepartmentKind, IssueStatus, Severity, SupervisionLevel};
use entity::{category, department, inspection_round, issue};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};

use super::evidence::Citer;
use super::field_work::{MilestonePlan, check_milestones};
use super::idempotency::RequestKey;
use super::issue_step::Change;
use super::policy::{Action, authorize};
use super::{Services, check_coordinates, code_text, optional_text, required_text};
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};

const MAX_NOTE: usize = 4000;
const MAX_NOTICE_DAYS: i32 = 90;
const MAX_COOPERATING: usize = 50;

/// A problem to register.
#[derive(serde::Serialize)]
pub struct NewIssue {
    pub code: String,
    pub title: String,
    pub description: String,
    pub round_id: i64,
    pub category_id: i64,
    pub severity: Severity,
    pub location: Option<String>,
    pub township_id: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub requires_engineering: bool,
    pub enterprise_id: Option<i64>,
    /// The site inspection of a suspected problem that this issue is registered from.
    pub site_inspection_id: Option<i64>,
}

/// The lead department starts work with its plan and timetable.
pub struct StartInput {
    pub issue_id: i64,
    pub plan: String,
    pub milestones: Vec<MilestonePlan>,
    pub expected_version: Option<i32>,
}

pub struct Assignment {
    pub issue_id: i64,
    pub lead_department_id: i64,
    pub cooperating_department_ids: Vec<i64>,
    pub deadline: NaiveDate,
    /// The leader in charge by name; may be left out when `leader_user_id` is given.
    pub leader_name: Option<String>,
    /// The local LEADER user in charge.
    pub leader_user_id: Option<i64>,
    pub expected_version: Option<i32>,
}

/// Who leads and cooperates, by when: what every assignment sets.
pub(crate) struct AssignmentTarget {
    pub lead_department_id: i64,
    pub cooperating_department_ids: Vec<i64>,
    pub deadline: NaiveDate,
}

#[derive(Default)]
pub struct IssueChanges {
    pub issue_id: i64,
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub severity: Option<Severity>,
    pub category_id: Option<i64>,
    pub requires_engineering: Option<bool>,
    pub enterprise_id: Option<i64>,
}

pub struct Supervision {
    pub issue_id: i64,
    pub level: SupervisionLevel,
    pub deadline: NaiveDate,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

/// A lifecycle step that carries only a text (a plan, a summary, a reason, a note).
pub struct StepInput {
    pub issue_id: i64,
    pub text: Option<String>,
    pub expected_version: Option<i32>,
}

pub struct Acceptance {
    pub issue_id: i64,
    pub opinion: String,
    pub notice_days: i32,
    /// The site inspection that checked the fix, if one is cited.
    pub site_inspection_id: Option<i64>,
    pub expected_version: Option<i32>,
}

impl Services {
    pub(crate) async fn active_department(&self, id: i64, field: &str) -> AppResult<department::Model> {
        match department::Entity::find_by_id(id).one(self.conn()).await? {
            Some(department) if department.active => Ok(department),
            _ => Err(AppError::bad_input(field, format!("no active department has the id given in `{field}`"))),
        }
    }

    pub(crate) async fn township(&self, id: i64) -> AppResult<i64> {
        let township = self.active_department(id, "townshipId").await?;
        if township.kind != DepartmentKind::Township {
            return Err(AppError::bad_input("townshipId", "`townshipId` must name a township"));
        }
        Ok(township.id)
    }

    async fn existing_category(&self, id: i64, field: &str) -> AppResult<category::Model> {
        category::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::bad_input(field, "no category has this id"))
    }

    /// Registers a problem in status REPORTED. A retry with the first request's `key` answers
    /// the issue that request registered, before anything else is checked: the code it took
    /// is then no error.
    pub async fn register_issue(
        &self,
        actor: &Principal,
        input: NewIssue,
        key: Option<RequestKey>,
    ) -> AppResult<issue::Model> {
        authorize(actor, Action::ManageIssues)?;
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.registered_issue(id).await;
        }
        let code = code_text("code", &input.code, 64)?;
        let title = required_text("title", &input.title, 300)?;
        let description = required_text("description", &input.description, 20_000)?;
        let location = optional_text("location", input.location.as_deref(), 300)?;
        check_coordinates(input.latitude, input.longitude)?;
        if inspection_round::Entity::find_by_id(input.round_id).one(self.conn()).await?.is_none() {
            return Err(AppError::bad_input("roundId", "no inspection round has this id"));
        }
        self.existing_category(input.category_id, "categoryId").await?;
        let township_id = match input.township_id {
            Some(id) => Some(self.township(id).await?),
            None => None,
        };
        if let Some(enterprise) = input.enterprise_id {
            self.existing_enterprise(enterprise, "enterpriseId").await?;
        }
        let inspection = match input.site_inspection_id {
            Some(id) => Some(self.suspected_problem(id).await?),
            None => None,
        };
        if issue::Entity::find().filter(issue::Column::Code.eq(&code)).one(self.conn()).await?.is_some() {
            // The first request with this key may have landed since the check above.
            if let Some(id) = self.replayed(actor, key.as_ref()).await? {
                return self.registered_issue(id).await;
            }
            return Err(AppError::bad_input("code", format!("an issue with code {code} is already registered")));
        }
        let now = self.clock.now();
        let row = issue::ActiveModel {
            code: Set(code),
            title: Set(title),
            description: Set(description),
            status: Set(IssueStatus::Reported),
            severity: Set(input.severity),
            round_id: Set(input.round_id),
            category_id: Set(input.category_id),
            location: Set(location),
            township_id: Set(township_id),
            latitude: Set(input.latitude),
            longitude: Set(input.longitude),
            requires_engineering: Set(input.requires_engineering),
            lead_department_id: Set(None),
            leader_name: Set(None),
            deadline: Set(None),
            supervision_level: Set(None),
            supervision_deadline: Set(None),
            supervision_note: Set(None),
            supervision_listed_at: Set(None),
            supervision_listed_by: Set(None),
            plan_summary: Set(None),
            acceptance_summary: Set(None),
            acceptance_requested_at: Set(None),
            reopen_count: Set(0),
            accepted_at: Set(None),
            notice_ends_on: Set(None),
            closed_at: Set(None),
            enterprise_id: Set(input.enterprise_id),
            site_inspection_id: Set(input.site_inspection_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.registered_issue(id).await,
        };
        let created = row.insert(&txn).await?;
        let note = match &inspection {
            Some(found) => {
                self.link_inspection(&txn, found.id, created.id).await?;
                self.adopt_inspection_evidence(&txn, found.id, created.id).await?;
                Some(format!(
                    "registered from the site inspection of {} by {}",
                    self.clock.date_at(found.observed_at),
                    found.inspector
                ))
            }
            None => None,
        };
        self.record_event(&txn, actor, &created, &[], None, entity::enums::IssueAction::Registered, note).await?;
        self.finish_create(txn, claimed, created.id).await?;
        Ok(created)
    }

    async fn registered_issue(&self, id: i64) -> AppResult<issue::Model> {
        issue::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("issue"))
    }

    pub async fn assign_issue(&self, actor: &Principal, input: Assignment) -> AppResult<issue::Model> {
        authorize(actor, Action::ManageIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Assign).await?;
        let (leader_name, leader_user_id) = self.leader_of_assignment(&input).await?;
        let target = AssignmentTarget {
            lead_department_id: input.lead_department_id,
            cooperating_department_ids: input.cooperating_department_ids,
            deadline: input.deadline,
        };
        let mut change = self.assignment_change(&current, target, input.expected_version).await?;
        change.columns.leader_name = Set(Some(leader_name));
        change.columns.leader_user_id = Set(leader_user_id);
        let txn = self.conn().begin().await?;
        let saved = self.assign_in(&txn, actor, current, change).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// The change that makes `target` the issue's assignment, checked by the rules of every
    /// assignment: active departments, the bureau leads only where its duties say so, a
    /// lead that does not also cooperate, at most `MAX_COOPERATING` cooperating units.
    pub(crate) async fn assignment_change(
        &self,
        current: &issue::Model,
        target: AssignmentTarget,
        expected_version: Option<i32>,
    ) -> AppResult<Change> {
        let lead = self.active_department(target.lead_department_id, "leadDepartmentId").await?;
        if lead.kind == DepartmentKind::Bureau {
            let category = self.existing_category(current.category_id, "leadDepartmentId").await?;
            if category.duty_department_id != lead.id {
                return Err(AppError::bad_input(
                    "leadDepartmentId",
                    "the coordinating bureau can lead only problems whose category names it as duty department",
                ));
            }
        }
        if target.cooperating_department_ids.len() > MAX_COOPERATING {
            return Err(AppError::bad_input(
                "cooperatingDepartmentIds",
                format!("at most {MAX_COOPERATING} cooperating departments"),
            ));
        }
        let mut cooperating = target.cooperating_department_ids;
        cooperating.sort_unstable();
        cooperating.dedup();
        if cooperating.contains(&lead.id) {
            return Err(AppError::bad_input("cooperatingDepartmentIds", "the lead department cannot also cooperate"));
        }
        for id in &cooperating {
            self.active_department(*id, "cooperatingDepartmentIds").await?;
        }
        let mut change = Change::new(Step::Assign, expected_version);
        change.columns.lead_department_id = Set(Some(lead.id));
        change.columns.deadline = Set(Some(target.deadline));
        change.columns.assigned_on = Set(Some(self.clock.today()));
        change.note = Some(format!("lead {}, deadline {}", lead.code, target.deadline));
        change.cooperators = Some(cooperating);
        Ok(change)
    }

    /// Applies an assignment change in the caller's transaction.
    pub(crate) async fn assign_in(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        actor: &Principal,
        current: issue::Model,
        change: Change,
    ) -> AppResult<issue::Model> {
        let saved = self.apply_in(txn, actor, current, change).await?;
        // A new assignment answers any pending extension request of the old one.
        self.supersede_extensions(txn, saved.id, actor).await?;
        Ok(saved)
    }

    /// The leader an assignment names: a linked LEADER user (active), whose name is kept
    /// unless another is given, or a name alone.
    async fn leader_of_assignment(&self, input: &Assignment) -> AppResult<(String, Option<i64>)> {
        let Some(id) = input.leader_user_id else {
            let name = input.leader_name.as_deref().unwrap_or_default();
            return Ok((required_text("leaderName", name, 100)?, None));
        };
        let leader = self.leader_in_charge(Some(id)).await?.filter(|user| user.active).ok_or_else(|| {
            AppError::bad_input("leaderId", "`leaderId` must name an active user with the LEADER role")
        })?;
        let name = match input.leader_name.as_deref() {
            Some(name) => required_text("leaderName", name, 100)?,
            None => leader.display_name.clone().unwrap_or_else(|| leader.username.clone()),
        };
        Ok((name, Some(leader.id)))
    }

    pub async fn update_issue(&self, actor: &Principal, input: IssueChanges) -> AppResult<issue::Model> {
        authorize(actor, Action::ManageIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Update).await?;
        let mut change = Change::new(Step::Update, Some(input.expected_version));
        // Each field changed with its old and new value, so that the event keeps what it replaced.
        let mut changed: Vec<(&str, Value, Value)> = Vec::new();
        if let Some(title) = &input.title {
            let title = required_text("title", title, 300)?;
            changed.push(("title", json!(current.title), json!(title)));
            change.columns.title = Set(title);
        }
        if let Some(description) = &input.description {
            let description = required_text("description", description, 20_000)?;
            changed.push(("description", json!(current.description), json!(description)));
            change.columns.description = Set(description);
        }
        if let Some(location) = &input.location {
            let location = optional_text("location", Some(location), 300)?;
            changed.push(("location", json!(current.location), json!(location)));
            change.columns.location = Set(location);
        }
        if input.latitude.is_some() || input.longitude.is_some() {
            check_coordinates(input.latitude, input.longitude)?;
            change.columns.latitude = Set(input.latitude);
            change.columns.longitude = Set(input.longitude);
            let coordinates = |latitude, longitude| json!([latitude, longitude]);
            changed.push((
                "coordinates",
                coordinates(current.latitude, current.longitude),
                coordinates(input.latitude, input.longitude),
            ));
        }
        if let Some(severity) = input.severity {
            change.columns.severity = Set(severity);
            changed.push(("severity", json!(current.severity), json!(severity)));
        }
        if let Some(category_id) = input.category_id {
            let category = self.existing_category(category_id, "categoryId").await?;
            // The bureau leads only problems its duties name; a new category must keep it so.
            if let Some(lead) = current.lead_department_id
                && category.duty_department_id != lead
                && department::Entity::find_by_id(lead)
                    .one(self.conn())
                    .await?
                    .is_some_and(|d| d.kind == DepartmentKind::Bureau)
            {
                return Err(AppError::bad_input(
                    "categoryId",
                    "the bureau leads this issue, so its category must name the bureau as duty department; reassign it first",
                ));
            }
            change.columns.category_id = Set(category_id);
            changed.push(("category", json!(current.category_id), json!(category_id)));
        }
        if let Some(requires) = input.requires_engineering {
            change.columns.requires_engineering = Set(requires);
            changed.push(("requiresEngineering", json!(current.requires_engineering), json!(requires)));
        }
        if let Some(enterprise) = input.enterprise_id {
            self.existing_enterprise(enterprise, "enterpriseId").await?;
            change.columns.enterprise_id = Set(Some(enterprise));
            changed.push(("enterprise", json!(current.enterprise_id), json!(enterprise)));
        }
        if changed.is_empty() {
            return Err(AppError::bad_input("issueId", "give at least one field to change"));
        }
        // `changed title: "Old" → "New"; severity: "GENERAL" → "MAJOR"`: values as JSON, ids
        // as row ids, so that the old text can be read back exactly.
        let parts: Vec<String> = changed.iter().map(|(field, old, new)| format!("{field}: {old} → {new}")).collect();
        change.note = Some(format!("changed {}", parts.join("; ")));
        self.apply(actor, current, change).await
    }

    pub async fn supervise_issue(&self, actor: &Principal, input: Supervision) -> AppResult<issue::Model> {
        authorize(actor, Action::ManageIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Supervise).await?;
        let note = optional_text("note", input.note.as_deref(), MAX_NOTE)?;
        let mut change = Change::new(Step::Supervise, input.expected_version);
        change.columns.supervision_level = Set(Some(input.level));
        change.columns.supervision_deadline = Set(Some(input.deadline));
        change.columns.supervision_note = Set(note.clone());
        change.columns.supervision_listed_at = Set(Some(self.clock.now()));
        change.columns.supervision_listed_by = Set(Some(actor.sub.clone()));
        change.note = Some(match note {
            Some(note) => {
                format!("{} supervision until {}: {note}", crate::domain::api_name(&input.level), input.deadline)
            }
            None => format!("{} supervision until {}", crate::domain::api_name(&input.level), input.deadline),
        });
        self.apply(actor, current, change).await
    }

    pub async fn lift_supervision(&self, actor: &Principal, input: StepInput) -> AppResult<issue::Model> {
        authorize(actor, Action::ManageIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::LiftSupervision).await?;
        let mut change = Change::new(Step::LiftSupervision, input.expected_version);
        change.columns.supervision_level = Set(None);
        change.columns.supervision_deadline = Set(None);
        change.columns.supervision_note = Set(None);
        change.columns.supervision_listed_at = Set(None);
        change.columns.supervision_listed_by = Set(None);
        change.note = optional_text("note", input.text.as_deref(), MAX_NOTE)?;
        self.apply(actor, current, change).await
    }

    pub async fn start_rectification(&self, actor: &Principal, input: StartInput) -> AppResult<issue::Model> {
        let current = self.issue_for_step(actor, input.issue_id, Step::StartRectification).await?;
        let plan = required_text("plan", &input.plan, 20_000)?;
        let milestones = check_milestones(&input.milestones, "milestones")?;
        let mut change = Change::new(Step::StartRectification, input.expected_version);
        change.columns.plan_summary = Set(Some(plan.clone()));
        change.note = Some(plan);
        let txn = self.conn().begin().await?;
        let saved = self.apply_in(&txn, actor, current, change).await?;
        self.insert_milestones(&txn, saved.id, &milestones).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Acceptance needs proof: at least one evidence item of the issue, cited by the request's
    /// event.
    pub async fn request_acceptance(
        &self,
        actor: &Principal,
        input: StepInput,
        evidence_ids: &[i64],
    ) -> AppResult<issue::Model> {
        let current = self.issue_for_step(actor, input.issue_id, Step::RequestAcceptance).await?;
        let summary = required_text("summary", input.text.as_deref().unwrap_or_default(), 20_000)?;
        if evidence_ids.is_empty() {
            return Err(AppError::bad_input(
                "evidenceIds",
                "cite at least one evidence item of this issue (upload it with `uploadEvidence` first)",
            ));
        }
        let mut change = Change::new(Step::RequestAcceptance, input.expected_version);
        change.columns.acceptance_summary = Set(Some(summary.clone()));
        change.columns.acceptance_requested_at = Set(Some(self.clock.now()));
        change.note = Some(summary);
        let txn = self.conn().begin().await?;
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let event = self.last_event_in(&txn, saved.id).await?;
        self.cite_evidence(&txn, evidence_ids, Some(saved.id), Citer::Event(event)).await?;
        txn.commit().await?;
        Ok(saved)
    }

    pub async fn accept_rectification(&self, actor: &Principal, input: Acceptance) -> AppResult<issue::Model> {
        authorize(actor, Action::DecideIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Accept).await?;
        let opinion = required_text("opinion", &input.opinion, MAX_NOTE)?;
        if !(0..=MAX_NOTICE_DAYS).contains(&input.notice_days) {
            return Err(AppError::bad_input(
                "noticeDays",
                format!("`noticeDays` must be between 0 and {MAX_NOTICE_DAYS}"),
            ));
        }
        let now = self.clock.now();
        let checked_by = match input.site_inspection_id {
            Some(id) => Some(self.inspection_of_issue(id, current.id).await?),
            None => None,
        };
        let mut change = Change::new(Step::Accept, input.expected_version);
        change.columns.accepted_at = Set(Some(now));
        change.columns.notice_ends_on = Set(Some(self.clock.date_at(now) + Duration::days(input.notice_days.into())));
        change.note = Some(match checked_by {
            Some(inspection) => format!(
                "{opinion} (checked on site on {} by {})",
                self.clock.date_at(inspection.observed_at),
                inspection.inspector
            ),
            None => opinion,
        });
        self.apply(actor, current, change).await
    }

    pub async fn reject_rectification(&self, actor: &Principal, input: StepInput) -> AppResult<issue::Model> {
        authorize(actor, Action::DecideIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Reject).await?;
        let reason = required_text("reason", input.text.as_deref().unwrap_or_default(), MAX_NOTE)?;
        let mut change = Change::new(Step::Reject, input.expected_version);
        change.note = Some(reason);
        self.apply(actor, current, change).await
    }

    pub async fn close_issue(&self, actor: &Principal, input: StepInput) -> AppResult<issue::Model> {
        authorize(actor, Action::DecideIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Close).await?;
        let mut change = Change::new(Step::Close, input.expected_version);
        change.columns.closed_at = Set(Some(self.clock.now()));
        change.note = optional_text("note", input.text.as_deref(), MAX_NOTE)?;
        self.apply(actor, current, change).await
    }

    pub async fn reopen_issue(&self, actor: &Principal, input: StepInput) -> AppResult<issue::Model> {
        authorize(actor, Action::DecideIssues)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::Reopen).await?;
        let reason = required_text("reason", input.text.as_deref().unwrap_or_default(), MAX_NOTE)?;
        let change = Change::reopening(&current, reason, input.expected_version);
        self.apply(actor, current, change).await
    }

    /// Checks the step against the status and version, then writes the row, the cooperating
    /// units and the event in one transaction.
    async fn apply(&self, actor: &Principal, current: issue::Model, change: Change) -> AppResult<issue::Model> {
        let txn = self.conn().begin().await?;
        let saved = self.apply_in(&txn, actor, current, change).await?;
        txn.commit().await?;
        Ok(saved)
    }
}
