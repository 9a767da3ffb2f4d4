//! Assignment disputes (交办争议): the lead department disputes its assignment within
//! `RECTIFY_DISPUTE_DAYS` of it, once per assignment; a leader rules, upholding it or
//! reassigning the issue by the rules of every assignment. Each step is an event and a
//! notification; the scoreboard counts them.

use std::collections::HashMap;

use entity::enums::{DisputeDecision, NotificationKind, Role};
use entity::{assignment_dispute, issue_event};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::MAX_TEXT;
use super::issue_lifecycle::AssignmentTarget;
use super::issue_step::Change;
use super::notice::{Notice, Recipient};
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{Action, IssueScope, authorize, issue_scope};
use super::{Services, group_by, optional_text, required_text};
use crate::auth::Principal;
use crate::domain::disputes::{DisputeStatus, deadline_after_reassignment};
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};

/// A dispute to raise.
pub struct NewDispute {
    pub issue_id: i64,
    pub reason: String,
    pub proposed_lead_department_id: Option<i64>,
}

/// A leader's ruling.
pub struct Ruling {
    pub dispute_id: i64,
    pub decision: DisputeDecision,
    /// For `REASSIGN`: the new lead department (the one proposed if left out).
    pub lead_department_id: Option<i64>,
    pub note: Option<String>,
}

/// Which disputes to list.
#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    pub status: Option<DisputeStatus>,
    /// Raised by this department.
    pub department_id: Option<i64>,
    pub issue_id: Option<i64>,
}

/// A department's disputes in the scoreboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisputeCounts {
    pub raised: u64,
    pub upheld: u64,
    pub reassigned: u64,
}

impl Services {
    /// The issue's lead department disputes its assignment.
    pub async fn dispute_assignment(
        &self,
        actor: &Principal,
        input: NewDispute,
    ) -> AppResult<assignment_dispute::Model> {
        authorize(actor, Action::DisputeAssignments)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::DisputeAssignment).await?;
        let reason = required_text("reason", &input.reason, MAX_TEXT)?;
        let proposed = match input.proposed_lead_department_id {
            Some(id) if Some(id) == current.lead_department_id => {
                return Err(AppError::bad_input("proposedLeadDepartmentId", "propose another department than yours"));
            }
            Some(id) => Some(self.active_department(id, "proposedLeadDepartmentId").await?),
            None => None,
        };
        let assignment = self
            .last_assignment_event(current.id)
            .await?
            .ok_or_else(|| AppError::invalid_transition("the issue has no assignment to dispute"))?;
        let department_id = current.lead_department_id.unwrap_or_default();
        let txn = self.conn().begin().await?;
        // Guarded by the version read: a reassignment meanwhile makes this CONFLICT, so only
        // the lead of the assignment disputed can dispute it.
        let mut change = Change::new(Step::DisputeAssignment, Some(current.version));
        change.note = Some(match &proposed {
            Some(department) => format!("{reason} (proposes {})", department.code),
            None => reason.clone(),
        });
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let raised = assignment_dispute::Entity::insert(assignment_dispute::ActiveModel {
            issue_id: Set(saved.id),
            department_id: Set(department_id),
            assignment_event_id: Set(assignment),
            reason: Set(reason.clone()),
            proposed_department_id: Set(proposed.map(|department| department.id)),
            raised_by: Set(actor.sub.clone()),
            raised_at: Set(self.clock.now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await
        .map_err(|error| match AppError::from(error) {
            AppError::Conflict(_) => AppError::conflict("this assignment was disputed meanwhile"),
            other => other,
        })?;
        let notice = Notice {
            kind: NotificationKind::AssignmentDisputed,
            issue_id: Some(saved.id),
            reminder_id: None,
            message: format!("{}: the lead department disputes its assignment: {reason}", saved.code),
            recipients: vec![Recipient::Role(Role::Leader), Recipient::Role(Role::Bureau)],
        };
        self.notify(&txn, vec![notice]).await?;
        txn.commit().await?;
        Ok(raised)
    }

    /// A leader rules on an open dispute.
    pub async fn rule_on_dispute(&self, actor: &Principal, input: Ruling) -> AppResult<assignment_dispute::Model> {
        authorize(actor, Action::RuleOnDisputes)?;
        let found = self.visible_dispute(actor, input.dispute_id).await?;
        if found.decision.is_some() {
            return Err(AppError::invalid_transition("the dispute has been ruled on already"));
        }
        let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
        let current = self.issue_for_change(actor, found.issue_id).await?;
        self.check_step(actor, Step::RuleOnDispute, &current).await?;
        if self.last_assignment_event(current.id).await? != Some(found.assignment_event_id) {
            return Err(AppError::conflict("the issue was reassigned meanwhile; the dispute has no object"));
        }
        let new_lead = match input.decision {
            DisputeDecision::Uphold => None,
            DisputeDecision::Reassign => {
                let lead = input.lead_department_id.or(found.proposed_department_id).ok_or_else(|| {
                    AppError::bad_input("leadDepartmentId", "name the new lead department (none was proposed)")
                })?;
                if lead == found.department_id {
                    return Err(AppError::bad_input("leadDepartmentId", "to keep the lead department, UPHOLD"));
                }
                Some(lead)
            }
        };
        let today = self.clock.today();
        // Guarded by the version read, so an assignment made meanwhile makes this CONFLICT.
        let mut ruling = Change::new(Step::RuleOnDispute, Some(current.version));
        let verdict = match new_lead {
            None => "upheld".to_owned(),
            Some(_) => "reassigned".to_owned(),
        };
        ruling.note = Some(match &note {
            Some(note) => format!("{verdict}: {note}"),
            None => verdict,
        });
        let txn = self.conn().begin().await?;
        let mut saved = self.apply_in(&txn, actor, current, ruling).await?;
        if let Some(lead) = new_lead {
            let cooperating = self.cooperators_of(&[saved.id]).await?.remove(&saved.id).unwrap_or_default();
            let raised_on = self.clock.date_at(found.raised_at);
            let target = AssignmentTarget {
                lead_department_id: lead,
                cooperating_department_ids: cooperating.into_iter().filter(|id| *id != lead).collect(),
                deadline: deadline_after_reassignment(saved.deadline.unwrap_or(today), raised_on, today),
            };
            let change = self.assignment_change(&saved, target, None).await?;
            saved = self.assign_in(&txn, actor, saved, change).await?;
        }
        let ruled = assignment_dispute::Entity::update_many()
            .set(assignment_dispute::ActiveModel {
                decision: Set(Some(input.decision)),
                new_lead_department_id: Set(new_lead),
                ruling_note: Set(note),
                ruled_by: Set(Some(actor.sub.clone())),
                ruled_at: Set(Some(self.clock.now())),
                ..Default::default()
            })
            .filter(assignment_dispute::Column::Id.eq(found.id))
            .filter(assignment_dispute::Column::Decision.is_null())
            .exec(&txn)
            .await?;
        if ruled.rows_affected == 0 {
            return Err(AppError::conflict("the dispute was ruled on meanwhile"));
        }
        // After a reassignment the old lead no longer sees the issue, nor so its notices: the
        // ruling is told to the department that leads it now.
        let recipients = vec![Recipient::Department(new_lead.unwrap_or(found.department_id))];
        let message = match new_lead {
            None => format!("{}: the assignment stands; the dispute is dismissed", saved.code),
            Some(lead) => {
                let code = self.active_department(lead, "leadDepartmentId").await?.code;
                format!(
                    "{}: reassigned to {code} after the dispute, deadline {}",
                    saved.code,
                    saved.deadline.unwrap_or(today)
                )
            }
        };
        let notice = Notice {
            kind: NotificationKind::DisputeRuled,
            issue_id: Some(saved.id),
            reminder_id: None,
            message,
            recipients,
        };
        self.notify(&txn, vec![notice]).await?;
        txn.commit().await?;
        self.dispute_row(found.id).await
    }

    /// The event of the issue's current assignment.
    pub(crate) async fn last_assignment_event(&self, issue_id: i64) -> AppResult<Option<i64>> {
        let found = issue_event::Entity::find()
            .filter(issue_event::Column::IssueId.eq(issue_id))
            .filter(issue_event::Column::Action.is_in(crate::domain::lifecycle::ASSIGNMENTS))
            .order_by_desc(issue_event::Column::Id)
            .one(self.conn())
            .await?;
        Ok(found.map(|event| event.id))
    }

    async fn dispute_row(&self, id: i64) -> AppResult<assignment_dispute::Model> {
        assignment_dispute::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("dispute"))
    }

    async fn visible_dispute(&self, actor: &Principal, id: i64) -> AppResult<assignment_dispute::Model> {
        assignment_dispute::Entity::find_by_id(id)
            .filter(self.dispute_condition(actor, &DisputeFilter::default())?)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("dispute"))
    }

    /// Disputes about issues the actor may see, narrowed by `filter`.
    fn dispute_condition(&self, actor: &Principal, filter: &DisputeFilter) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let IssueScope::Department(_) = issue_scope(actor) {
            condition = condition.add(assignment_dispute::Column::IssueId.in_subquery(self.visible_issue_ids(actor)?));
        }
        if let Some(department) = filter.department_id {
            condition = condition.add(assignment_dispute::Column::DepartmentId.eq(department));
        }
        if let Some(issue) = filter.issue_id {
            condition = condition.add(assignment_dispute::Column::IssueId.eq(issue));
        }
        condition = match filter.status {
            None => condition,
            Some(DisputeStatus::Open) => condition.add(assignment_dispute::Column::Decision.is_null()),
            Some(DisputeStatus::Upheld) => {
                condition.add(assignment_dispute::Column::Decision.eq(DisputeDecision::Uphold))
            }
            Some(DisputeStatus::Reassigned) => {
                condition.add(assignment_dispute::Column::Decision.eq(DisputeDecision::Reassign))
            }
        };
        Ok(condition)
    }

    /// Disputes the actor may see, newest first.
    pub async fn disputes(
        &self,
        actor: &Principal,
        filter: &DisputeFilter,
        args: &PageArgs,
    ) -> AppResult<Page<assignment_dispute::Model>> {
        let select = assignment_dispute::Entity::find().filter(self.dispute_condition(actor, filter)?);
        page_by_id_in(self.conn(), select, assignment_dispute::Column::Id, "dispute", args, true).await
    }

    pub async fn count_disputes(&self, actor: &Principal, filter: &DisputeFilter) -> AppResult<u64> {
        let select = assignment_dispute::Entity::find().filter(self.dispute_condition(actor, filter)?);
        Ok(select.count(self.conn()).await?)
    }

    /// The disputes of each issue, newest first (for the loader; the issues are visible).
    pub async fn disputes_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<assignment_dispute::Model>>> {
        let rows = assignment_dispute::Entity::find()
            .filter(assignment_dispute::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_desc(assignment_dispute::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.issue_id, row))))
    }

    /// Disputes by id that the actor may see (for `node`).
    pub async fn disputes_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, assignment_dispute::Model>> {
        let rows = assignment_dispute::Entity::find()
            .filter(assignment_dispute::Column::Id.is_in(ids.iter().copied()))
            .filter(self.dispute_condition(actor, &DisputeFilter::default())?)
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// Per disputing department, its disputes about the issues `visible` selects.
    pub(crate) async fn disputes_by_department(
        &self,
        visible: SelectStatement,
    ) -> AppResult<HashMap<i64, DisputeCounts>> {
        let rows: Vec<(i64, Option<DisputeDecision>, i64)> = assignment_dispute::Entity::find()
            .select_only()
            .column(assignment_dispute::Column::DepartmentId)
            .column(assignment_dispute::Column::Decision)
            .column_as(Expr::col(assignment_dispute::Column::Id).count(), "n")
            .filter(assignment_dispute::Column::IssueId.in_subquery(visible))
            .group_by(assignment_dispute::Column::DepartmentId)
            .group_by(assignment_dispute::Column::Decision)
            .into_tuple()
            .all(self.conn())
            .await?;
        let mut counts: HashMap<i64, DisputeCounts> = HashMap::new();
        for (department, decision, n) in rows {
            let n = u64::try_from(n).unwrap_or_default();
            let entry = counts.entry(department).or_default();
            entry.raised += n;
            match decision {
                Some(DisputeDecision::Uphold) => entry.upheld += n,
                Some(DisputeDecision::Reassign) => entry.reassigned += n,
                None => {}
            }
        }
        Ok(counts)
    }
}
