//! Whether an actor may take a step on an issue now: the role and relation of `policy`, the
//! status of the state machine, and the state the step needs (a running public notice, a
//! request awaiting a decision, …), in one function. The mutations call it before they
//! write and `Issue.viewerCan` asks it for every step, so that the buttons a client shows
//! and the mutations it sends cannot disagree.
//!
//! What a check needs beyond the issue's row comes through `IssueFacts`: the services read it
//! from the database, GraphQL through the request's loaders (one statement per page).

use std::collections::HashMap;
use std::future::Future;

use entity::enums::{ExtensionStatus, MilestoneStatus};
use entity::{
    assignment_dispute, deadline_extension, instruction, issue, issue_event, milestone, notice_objection, reminder,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Services;
use super::policy::{
    Action, authorize, authorize_evidence_upload, authorize_lead_work, authorize_responsible_work, may_instruct,
};
use crate::auth::Principal;
use crate::domain::disputes::may_dispute;
use crate::domain::lifecycle::{ASSIGNMENTS, Step};
use crate::error::{AppError, AppResult};

/// What the checks read about an issue beyond its row, each part only when a check needs it.
pub trait IssueFacts: Sync {
    fn cooperating(&self) -> impl Future<Output = AppResult<Vec<i64>>> + Send;
    /// The username of the LEADER user in charge, if one is linked.
    fn leader_in_charge(&self) -> impl Future<Output = AppResult<Option<String>>> + Send;
    /// The id of the event of the issue's current assignment.
    fn last_assignment_event(&self) -> impl Future<Output = AppResult<Option<i64>>> + Send;
    fn disputes(&self) -> impl Future<Output = AppResult<Vec<assignment_dispute::Model>>> + Send;
    fn extensions(&self) -> impl Future<Output = AppResult<Vec<deadline_extension::Model>>> + Send;
    fn objections(&self) -> impl Future<Output = AppResult<Vec<notice_objection::Model>>> + Send;
    fn slips(&self) -> impl Future<Output = AppResult<Vec<reminder::Model>>> + Send;
    fn instructions(&self) -> impl Future<Output = AppResult<Vec<instruction::Model>>> + Send;
    fn milestones(&self) -> impl Future<Output = AppResult<Vec<milestone::Model>>> + Send;
}

/// The facts of one issue as stored, read one query at a time (a mutation needs one or two).
pub struct StoredFacts<'a> {
    services: &'a Services,
    issue: &'a issue::Model,
}

impl<'a> StoredFacts<'a> {
    pub fn new(services: &'a Services, issue: &'a issue::Model) -> Self {
        Self { services, issue }
    }
}

impl IssueFacts for StoredFacts<'_> {
    async fn cooperating(&self) -> AppResult<Vec<i64>> {
        Ok(self.services.cooperators_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }

    async fn leader_in_charge(&self) -> AppResult<Option<String>> {
        Ok(self.services.leader_in_charge(self.issue.leader_user_id).await?.map(|user| user.username))
    }

    async fn last_assignment_event(&self) -> AppResult<Option<i64>> {
        self.services.last_assignment_event(self.issue.id).await
    }

    async fn disputes(&self) -> AppResult<Vec<assignment_dispute::Model>> {
        Ok(self.services.disputes_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }

    async fn extensions(&self) -> AppResult<Vec<deadline_extension::Model>> {
        Ok(self.services.extensions_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }

    async fn objections(&self) -> AppResult<Vec<notice_objection::Model>> {
        Ok(self.services.notice_objections_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }

    async fn slips(&self) -> AppResult<Vec<reminder::Model>> {
        Ok(self.services.reminders_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }

    async fn instructions(&self) -> AppResult<Vec<instruction::Model>> {
        Ok(self.services.instructions_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }

    async fn milestones(&self) -> AppResult<Vec<milestone::Model>> {
        Ok(self.services.milestones_of(&[self.issue.id]).await?.remove(&self.issue.id).unwrap_or_default())
    }
}

/// The facts of many issues, read in one statement per relation (the to-do list checks a few
/// hundred issues at once).
pub struct PreloadedFacts {
    cooperating: HashMap<i64, Vec<i64>>,
    leaders: HashMap<i64, String>,
    assignments: HashMap<i64, i64>,
    disputes: HashMap<i64, Vec<assignment_dispute::Model>>,
    extensions: HashMap<i64, Vec<deadline_extension::Model>>,
    objections: HashMap<i64, Vec<notice_objection::Model>>,
    slips: HashMap<i64, Vec<reminder::Model>>,
    instructions: HashMap<i64, Vec<instruction::Model>>,
    milestones: HashMap<i64, Vec<milestone::Model>>,
}

impl PreloadedFacts {
    pub async fn load(services: &Services, issues: &[issue::Model]) -> AppResult<Self> {
        let ids: Vec<i64> = issues.iter().map(|issue| issue.id).collect();
        let leader_ids: Vec<i64> = issues.iter().filter_map(|issue| issue.leader_user_id).collect();
        let events = issue_event::Entity::find()
            .filter(issue_event::Column::IssueId.is_in(ids.iter().copied()))
            .filter(issue_event::Column::Action.is_in(ASSIGNMENTS))
            .all(services.conn())
            .await?;
        let mut assignments = HashMap::new();
        for event in events {
            let last = assignments.entry(event.issue_id).or_insert(event.id);
            *last = (*last).max(event.id);
        }
        Ok(Self {
            cooperating: services.cooperators_of(&ids).await?,
            leaders: services
                .leaders_by_ids(&leader_ids)
                .await?
                .into_iter()
                .map(|(id, user)| (id, user.username))
                .collect(),
            assignments,
            disputes: services.disputes_of(&ids).await?,
            extensions: services.extensions_of(&ids).await?,
            objections: services.notice_objections_of(&ids).await?,
            slips: services.reminders_of(&ids).await?,
            instructions: services.instructions_of(&ids).await?,
            milestones: services.milestones_of(&ids).await?,
        })
    }

    /// The facts of one of the issues loaded.
    pub fn of<'a>(&'a self, issue: &'a issue::Model) -> FactsOf<'a> {
        FactsOf { all: self, issue }
    }
}

/// One issue's share of `PreloadedFacts`.
pub struct FactsOf<'a> {
    all: &'a PreloadedFacts,
    issue: &'a issue::Model,
}

fn rows_of<V: Clone>(map: &HashMap<i64, Vec<V>>, id: i64) -> Vec<V> {
    map.get(&id).cloned().unwrap_or_default()
}

impl IssueFacts for FactsOf<'_> {
    async fn cooperating(&self) -> AppResult<Vec<i64>> {
        Ok(rows_of(&self.all.cooperating, self.issue.id))
    }

    async fn leader_in_charge(&self) -> AppResult<Option<String>> {
        Ok(self.issue.leader_user_id.and_then(|id| self.all.leaders.get(&id).cloned()))
    }

    async fn last_assignment_event(&self) -> AppResult<Option<i64>> {
        Ok(self.all.assignments.get(&self.issue.id).copied())
    }

    async fn disputes(&self) -> AppResult<Vec<assignment_dispute::Model>> {
        Ok(rows_of(&self.all.disputes, self.issue.id))
    }

    async fn extensions(&self) -> AppResult<Vec<deadline_extension::Model>> {
        Ok(rows_of(&self.all.extensions, self.issue.id))
    }

    async fn objections(&self) -> AppResult<Vec<notice_objection::Model>> {
        Ok(rows_of(&self.all.objections, self.issue.id))
    }

    async fn slips(&self) -> AppResult<Vec<reminder::Model>> {
        Ok(rows_of(&self.all.slips, self.issue.id))
    }

    async fn instructions(&self) -> AppResult<Vec<instruction::Model>> {
        Ok(rows_of(&self.all.instructions, self.issue.id))
    }

    async fn milestones(&self) -> AppResult<Vec<milestone::Model>> {
        Ok(rows_of(&self.all.milestones, self.issue.id))
    }
}

/// Whether an objection is to the issue's current acceptance (one to an acceptance since
/// undone can only be dismissed, and does not hold up the closing).
pub(crate) fn concerns_current_acceptance(objection: &notice_objection::Model, issue: &issue::Model) -> bool {
    issue.accepted_at.is_some_and(|accepted_at| objection.recorded_at >= accepted_at)
}

/// Whether a slip still waits for the answer of `department`.
pub(crate) fn slip_awaits(slip: &reminder::Model, department: Option<i64>) -> bool {
    slip.replied_at.is_none() && department == Some(slip.department_id)
}

impl Services {
    /// The issue for a change by `step`: NOT_FOUND when the actor cannot see it, else checked
    /// by `check_issue_step`.
    pub(crate) async fn issue_for_step(&self, actor: &Principal, id: i64, step: Step) -> AppResult<issue::Model> {
        let current = self.issue_for_change(actor, id).await?;
        self.check_step(actor, step, &current).await?;
        Ok(current)
    }

    /// `check_issue_step` with the facts read from the database.
    pub(crate) async fn check_step(&self, actor: &Principal, step: Step, issue: &issue::Model) -> AppResult<()> {
        self.check_issue_step(actor, step, issue, &StoredFacts::new(self, issue)).await
    }

    /// OK when `actor` may take `step` on `issue` now, else the error its mutation answers:
    /// FORBIDDEN for the role or relation, INVALID_TRANSITION for the status or state. The
    /// issue must be one the actor sees (callers load it through the visibility rule).
    /// Checks of a step's input and of the one item it acts on stay with the mutation.
    pub async fn check_issue_step(
        &self,
        actor: &Principal,
        step: Step,
        issue: &issue::Model,
        facts: &impl IssueFacts,
    ) -> AppResult<()> {
        self.check_party(actor, step, issue, facts).await?;
        super::issue_step::outcome(step, issue.status)?;
        self.check_state(actor, step, issue, facts).await
    }

    /// Who may take the step: the role, and for some steps the actor's relation to the issue.
    async fn check_party(
        &self,
        actor: &Principal,
        step: Step,
        issue: &issue::Model,
        facts: &impl IssueFacts,
    ) -> AppResult<()> {
        let lead = issue.lead_department_id;
        match step {
            Step::Assign | Step::Update | Step::Supervise | Step::LiftSupervision => {
                authorize(actor, Action::ManageIssues)
            }
            Step::StartRectification
            | Step::RequestAcceptance
            | Step::AddMilestone
            | Step::CompleteMilestone
            | Step::RequestExtension => authorize_lead_work(actor, lead),
            Step::DisputeAssignment => {
                authorize(actor, Action::DisputeAssignments)?;
                authorize_lead_work(actor, lead)
            }
            Step::ReportProgress => authorize_responsible_work(actor, lead, &facts.cooperating().await?),
            Step::AddEvidence => authorize_evidence_upload(actor, Some((lead, &facts.cooperating().await?))),
            Step::Accept | Step::Reject | Step::Close | Step::Reopen => authorize(actor, Action::DecideIssues),
            Step::RecordSiteInspection => authorize(actor, Action::InspectSites),
            Step::DecideExtension => authorize(actor, Action::DecideExtensions),
            Step::IssueReminder => authorize(actor, Action::IssueReminders),
            Step::AnswerReminder => authorize(actor, Action::AnswerReminders),
            Step::EscalateReminder => Err(AppError::forbidden("slips are escalated by the service, not by people")),
            Step::PostInstruction => {
                authorize(actor, Action::PostInstructions)?;
                may_instruct(actor, facts.leader_in_charge().await?.as_deref(), self.instructions_by_any_leader)
            }
            // Addressed to the lead department: after a reassignment the new lead answers what
            // the old one left open (the old one no longer sees the issue).
            Step::AnswerInstruction => {
                authorize(actor, Action::AnswerInstructions)?;
                match actor.department_id {
                    Some(own) if lead == Some(own) => Ok(()),
                    _ => Err(AppError::forbidden("only the issue's lead department may answer an instruction on it")),
                }
            }
            Step::RuleOnDispute => authorize(actor, Action::RuleOnDisputes),
            Step::RecordNoticeObjection | Step::DismissObjection | Step::UpholdObjection => {
                authorize(actor, Action::HandleNoticeObjections)
            }
        }
    }

    /// What the step needs of the issue beyond its status.
    async fn check_state(
        &self,
        actor: &Principal,
        step: Step,
        issue: &issue::Model,
        facts: &impl IssueFacts,
    ) -> AppResult<()> {
        let refuse = |reason: &str| Err(AppError::invalid_transition(reason.to_owned()));
        let today = self.clock.today();
        match step {
            Step::LiftSupervision if issue.supervision_level.is_none() => {
                refuse("the issue is not listed for supervision")
            }
            Step::Close => {
                if let Some(ends) = issue.notice_ends_on
                    && today < ends
                {
                    return refuse(&format!("the public notice runs until {ends}; close the issue from that day on"));
                }
                let objections = facts.objections().await?;
                if objections.iter().any(|o| o.outcome.is_none() && concerns_current_acceptance(o, issue)) {
                    return refuse("an objection to the public notice is unresolved; resolve it before closing");
                }
                Ok(())
            }
            Step::RecordNoticeObjection => match issue.notice_ends_on {
                Some(ends) if today < ends => Ok(()),
                _ => refuse("no public notice is running for this issue (it ended, or there was none)"),
            },
            Step::RequestExtension => {
                if issue.deadline.is_none() {
                    return refuse("the issue has no deadline to extend");
                }
                if facts.extensions().await?.iter().any(|e| e.status == ExtensionStatus::Pending) {
                    return refuse("an extension request is already pending for this issue");
                }
                Ok(())
            }
            Step::PostInstruction if issue.lead_department_id.is_none() => {
                refuse("the issue has no lead department to instruct yet")
            }
            Step::DisputeAssignment => {
                let assigned_on = issue.assigned_on.unwrap_or(today);
                if !may_dispute(assigned_on, today, self.dispute_days) {
                    return refuse(&format!(
                        "an assignment may be disputed within {} days of it; this one was made on {assigned_on}",
                        self.dispute_days
                    ));
                }
                let Some(assignment) = facts.last_assignment_event().await? else {
                    return refuse("the issue has no assignment to dispute");
                };
                if facts.disputes().await?.iter().any(|d| d.assignment_event_id == assignment) {
                    return refuse("this assignment was disputed already; an assignment is disputed once");
                }
                Ok(())
            }
            Step::DecideExtension
                if !facts.extensions().await?.iter().any(|e| e.status == ExtensionStatus::Pending) =>
            {
                refuse("no extension request of this issue awaits a decision")
            }
            Step::RuleOnDispute if !facts.disputes().await?.iter().any(|d| d.decision.is_none()) => {
                refuse("no dispute about this issue awaits a ruling")
            }
            Step::DismissObjection if !facts.objections().await?.iter().any(|o| o.outcome.is_none()) => {
                refuse("no objection to this issue's public notice is unresolved")
            }
            Step::UpholdObjection
                if !facts
                    .objections()
                    .await?
                    .iter()
                    .any(|o| o.outcome.is_none() && concerns_current_acceptance(o, issue)) =>
            {
                refuse("no objection to the current acceptance is unresolved")
            }
            Step::AnswerReminder if !facts.slips().await?.iter().any(|s| slip_awaits(s, actor.department_id)) => {
                refuse("no slip about this issue awaits your department's answer")
            }
            Step::AnswerInstruction if !facts.instructions().await?.iter().any(|i| i.replied_at.is_none()) => {
                refuse("no instruction on this issue awaits an answer")
            }
            Step::CompleteMilestone
                if !facts.milestones().await?.iter().any(|m| m.status == MilestoneStatus::Pending) =>
            {
                refuse("no milestone of this issue is pending")
            }
            _ => Ok(()),
        }
    }
}
