//! The yearly (or other period's) assessment: periods and their rules, manual vetoes, and
//! computing results from the recorded history with a fixed number of statements.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use entity::enums::{AccountabilitySubjectType, AssessmentPeriodStatus, CaseStatus, IssueAction, IssueStatus};
use entity::{
    accountability_case, assessment_period, assessment_result, assessment_veto, case_measure, department, issue,
    issue_event, reminder,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::Services;
use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, SubjectScope, assessment_scope, authorize, may_read_case};
use super::required_text;
use crate::auth::Principal;
use crate::domain::history::states_at;
use crate::domain::scoring::{
    DecidedCase, DepartmentRef, Facts, IssueOccurrence, IssueRef, Item, ManualVeto, ScoringRules, UnansweredSlip,
    compute as compute_results,
};
use crate::error::{AppError, AppResult};

pub struct NewPeriod {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub rules: ScoringRules,
}

pub struct RulesUpdate {
    pub period_id: i64,
    pub expected_version: i32,
    pub rules: ScoringRules,
}

/// What a write to an open period does besides refreshing its results.
enum PeriodWrite {
    Compute,
    Finalize,
    Rules(ScoringRules),
    /// A manual veto: the row to write, and the fact it adds.
    Veto(assessment_veto::ActiveModel, ManualVeto),
}

pub struct VetoInput {
    pub period_id: i64,
    pub department_id: i64,
    pub reason: String,
}

/// A period's rules as stored (the defaults when unreadable, which cannot happen for rows we
/// wrote).
pub fn period_rules(period: &assessment_period::Model) -> ScoringRules {
    serde_json::from_str(&period.rules).unwrap_or_default()
}

/// A stored result's items.
fn result_items(result: &assessment_result::Model) -> Vec<Item> {
    serde_json::from_str(&result.items).unwrap_or_default()
}

/// A stored result's items as `actor` may read them. An item from a case names the case, the
/// official and the measure; for an actor who may not read that case (by the rule for reading
/// cases) it keeps only its kind, points and rule. The cases of a result are those about its
/// department or the department's officials.
pub fn readable_items(actor: &Principal, result: &assessment_result::Model) -> Vec<Item> {
    let items = result_items(result);
    match may_read_case(actor, Some(result.department_id)) {
        true => items,
        false => items.into_iter().map(Item::without_case_details).collect(),
    }
}

fn check_rules(rules: &ScoringRules) -> AppResult<()> {
    rules.validate().map_err(|(field, message)| AppError::bad_input(format!("rules.{field}"), message))
}

/// A change to an assessment period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodStep {
    UpdateRules,
    Veto,
    Compute,
    Finalize,
}

impl Services {
    pub async fn list_periods(&self, actor: &Principal, args: &PageArgs) -> AppResult<Page<assessment_period::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        page_by_id(self.conn(), assessment_period::Entity::find(), assessment_period::Column::Id, "period", args).await
    }

    pub async fn count_periods(&self, actor: &Principal) -> AppResult<u64> {
        authorize(actor, Action::ReadReferenceData)?;
        Ok(assessment_period::Entity::find().count(self.conn()).await?)
    }

    pub async fn periods_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, assessment_period::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        let rows = assessment_period::Entity::find()
            .filter(assessment_period::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// The results of a period the actor may read, best first.
    pub async fn period_results(&self, actor: &Principal, period_id: i64) -> AppResult<Vec<assessment_result::Model>> {
        let mut select = assessment_result::Entity::find().filter(assessment_result::Column::PeriodId.eq(period_id));
        match assessment_scope(actor) {
            SubjectScope::All => {}
            SubjectScope::Department(id) => select = select.filter(assessment_result::Column::DepartmentId.eq(id)),
            SubjectScope::Nothing => return Ok(Vec::new()),
        }
        Ok(select
            .order_by_asc(assessment_result::Column::Rank)
            .order_by_asc(assessment_result::Column::DepartmentId)
            .all(self.conn())
            .await?)
    }

    /// The period for a change by `step`: NOT_FOUND when there is none, else checked by
    /// `check_period_step`.
    async fn period_for_step(
        &self,
        actor: &Principal,
        id: i64,
        step: PeriodStep,
    ) -> AppResult<assessment_period::Model> {
        let period = assessment_period::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("assessment period"))?;
        self.check_period_step(actor, step, &period)?;
        Ok(period)
    }

    /// OK when `actor` may take `step` on the period now, else the error its mutation
    /// answers: the one check the mutations and `AssessmentPeriod.viewerCan` share.
    pub fn check_period_step(
        &self,
        actor: &Principal,
        step: PeriodStep,
        period: &assessment_period::Model,
    ) -> AppResult<()> {
        authorize(actor, Action::ManageAssessment)?;
        if period.status != AssessmentPeriodStatus::Open {
            return Err(AppError::invalid_transition(
                "the period is finalized: its results and rules can no longer change",
            ));
        }
        if step == PeriodStep::Finalize && self.clock.today() <= period.ends_on {
            return Err(AppError::invalid_transition(format!(
                "the period runs until {}; finalize it after that day",
                period.ends_on
            )));
        }
        Ok(())
    }

    pub async fn create_period(&self, actor: &Principal, input: NewPeriod) -> AppResult<assessment_period::Model> {
        authorize(actor, Action::ManageAssessment)?;
        let name = required_text("name", &input.name, 200)?;
        if input.ends_on < input.starts_on {
            return Err(AppError::bad_input("endsOn", "`endsOn` cannot be before `startsOn`"));
        }
        check_rules(&input.rules)?;
        let now = self.clock.now();
        let row = assessment_period::ActiveModel {
            name: Set(name),
            starts_on: Set(input.starts_on),
            ends_on: Set(input.ends_on),
            status: Set(AssessmentPeriodStatus::Open),
            rules: Set(serde_json::to_string(&input.rules).map_err(AppError::internal)?),
            version: Set(1),
            computed_at: Set(None),
            finalized_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    pub async fn update_rules(&self, actor: &Principal, input: RulesUpdate) -> AppResult<assessment_period::Model> {
        authorize(actor, Action::ManageAssessment)?;
        let period = self.period_for_step(actor, input.period_id, PeriodStep::UpdateRules).await?;
        check_rules(&input.rules)?;
        if period.version != input.expected_version {
            return Err(AppError::conflict(format!(
                "the period was changed meanwhile (now at version {})",
                period.version
            )));
        }
        self.write_period(&period, PeriodWrite::Rules(input.rules)).await
    }

    /// Records a manual veto (a major incident, falsified data) and refreshes the results.
    pub async fn veto_department(&self, actor: &Principal, input: VetoInput) -> AppResult<assessment_period::Model> {
        authorize(actor, Action::ManageAssessment)?;
        let period = self.period_for_step(actor, input.period_id, PeriodStep::Veto).await?;
        let reason = required_text("reason", &input.reason, 4000)?;
        if department::Entity::find_by_id(input.department_id).one(self.conn()).await?.is_none() {
            return Err(AppError::bad_input("departmentId", "no department has this id"));
        }
        let veto = assessment_veto::ActiveModel {
            period_id: Set(period.id),
            department_id: Set(input.department_id),
            reason: Set(reason),
            actor_sub: Set(actor.sub.clone()),
            at: Set(self.clock.now()),
            ..Default::default()
        };
        let fact = ManualVeto { department_id: input.department_id, reason: input.reason.trim().to_owned() };
        self.write_period(&period, PeriodWrite::Veto(veto, fact)).await
    }

    pub async fn compute_assessment(&self, actor: &Principal, period_id: i64) -> AppResult<assessment_period::Model> {
        authorize(actor, Action::ManageAssessment)?;
        let period = self.period_for_step(actor, period_id, PeriodStep::Compute).await?;
        self.write_period(&period, PeriodWrite::Compute).await
    }

    /// Computes one last time and freezes the results and the rules used; only once the
    /// period is over.
    pub async fn finalize_period(&self, actor: &Principal, period_id: i64) -> AppResult<assessment_period::Model> {
        authorize(actor, Action::ManageAssessment)?;
        let period = self.period_for_step(actor, period_id, PeriodStep::Finalize).await?;
        self.write_period(&period, PeriodWrite::Finalize).await
    }

    /// Writes a change to an open period and its fresh results in one transaction, guarded on
    /// the period still being OPEN at the version read: a period finalized or re-ruled meanwhile
    /// keeps what it has, and nothing of this change is written.
    async fn write_period(
        &self,
        period: &assessment_period::Model,
        write: PeriodWrite,
    ) -> AppResult<assessment_period::Model> {
        let rules = match &write {
            PeriodWrite::Rules(rules) => rules.clone(),
            _ => period_rules(period),
        };
        // New rules on a period never computed are just stored; everything else computes.
        let compute = !matches!(write, PeriodWrite::Rules(_)) || period.computed_at.is_some();
        let mut rows = Vec::new();
        if compute {
            let mut facts = self.assessment_facts(period).await?;
            if let PeriodWrite::Veto(_, fact) = &write {
                facts.manual_vetoes.push(fact.clone());
            }
            for r in compute_results(&rules, &facts) {
                rows.push(assessment_result::ActiveModel {
                    period_id: Set(period.id),
                    department_id: Set(r.department_id),
                    score_centi: Set(r.score.0),
                    vetoed: Set(r.vetoed),
                    grade: Set(r.grade),
                    rank: Set(r.rank),
                    items: Set(serde_json::to_string(&r.items).map_err(AppError::internal)?),
                });
            }
        }
        let now = self.clock.now();
        let mut changes = assessment_period::ActiveModel { updated_at: Set(now), ..Default::default() };
        if compute {
            changes.computed_at = Set(Some(now));
        }
        if let PeriodWrite::Rules(rules) = &write {
            changes.rules = Set(serde_json::to_string(rules).map_err(AppError::internal)?);
            changes.version = Set(period.version + 1);
        }
        if matches!(write, PeriodWrite::Finalize) {
            changes.status = Set(AssessmentPeriodStatus::Finalized);
            changes.finalized_at = Set(Some(now));
        }
        let txn = self.conn().begin().await?;
        let updated = assessment_period::Entity::update_many()
            .set(changes)
            .filter(assessment_period::Column::Id.eq(period.id))
            .filter(assessment_period::Column::Status.eq(AssessmentPeriodStatus::Open))
            .filter(assessment_period::Column::Version.eq(period.version))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(AppError::conflict("the period was changed or finalized meanwhile; reload it"));
        }
        if let PeriodWrite::Veto(veto, _) = write {
            veto.insert(&txn).await?;
        }
        if compute {
            assessment_result::Entity::delete_many()
                .filter(assessment_result::Column::PeriodId.eq(period.id))
                .exec(&txn)
                .await?;
            if !rows.is_empty() {
                assessment_result::Entity::insert_many(rows).exec(&txn).await?;
            }
        }
        let saved = assessment_period::Entity::find_by_id(period.id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("assessment period"))?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Everything the period's scores depend on, in seven statements whatever the ledger's size.
    pub async fn assessment_facts(&self, period: &assessment_period::Model) -> AppResult<Facts> {
        let starts = self.clock.start_of(period.starts_on);
        let ends = self.clock.start_of(period.ends_on + Duration::days(1));
        let now = self.clock.now();
        // While the period runs, it is judged as of now; once over, as of its last day. `until`
        // is exclusive: an event at the first instant of the next period belongs to that one.
        let (until, judged_on) = if now < ends {
            (now + Duration::microseconds(1), self.clock.date_at(now))
        } else {
            (ends, period.ends_on)
        };

        let departments =
            department::Entity::find().filter(department::Column::Active.eq(true)).all(self.conn()).await?;
        let events = issue_event::Entity::find().filter(issue_event::Column::At.lt(until)).all(self.conn()).await?;
        let issues: Vec<(i64, String, String, Option<NaiveDate>)> = issue::Entity::find()
            .select_only()
            .column(issue::Column::Id)
            .column(issue::Column::Code)
            .column(issue::Column::Title)
            .column(issue::Column::SupervisionDeadline)
            .into_tuple()
            .all(self.conn())
            .await?;
        let cases = accountability_case::Entity::find()
            .filter(
                accountability_case::Column::SubjectType
                    .is_in([AccountabilitySubjectType::Department, AccountabilitySubjectType::Official]),
            )
            .filter(accountability_case::Column::Status.is_in([CaseStatus::Decided, CaseStatus::Closed]))
            .filter(accountability_case::Column::DecidedAt.gte(starts))
            .filter(accountability_case::Column::DecidedAt.lt(until))
            .all(self.conn())
            .await?;
        let mut measures = self.measures_of(&cases.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
        // Slips due inside the period up to the day judged, not answered by the end of their
        // reply date (county time).
        let last_due = if now < ends { judged_on - Duration::days(1) } else { period.ends_on };
        let slips = reminder::Entity::find()
            .filter(reminder::Column::ReplyBy.gte(period.starts_on))
            .filter(reminder::Column::ReplyBy.lte(last_due))
            .all(self.conn())
            .await?;
        let unanswered_slips = slips
            .into_iter()
            .filter_map(|slip| {
                let answered_on = slip.replied_at.map(|at| self.clock.date_at(at));
                answered_on.is_none_or(|day| day > slip.reply_by).then_some(UnansweredSlip {
                    number: slip.number,
                    issue_id: slip.issue_id,
                    department_id: slip.department_id,
                    reply_by: slip.reply_by,
                    answered_on,
                })
            })
            .collect();
        let vetoes = assessment_veto::Entity::find()
            .filter(assessment_veto::Column::PeriodId.eq(period.id))
            .all(self.conn())
            .await?;

        let occurrence = |event: &issue_event::Model| IssueOccurrence {
            issue_id: event.issue_id,
            lead_department_id: event.lead_department_id,
            day: self.clock.date_at(event.at),
        };
        let in_period: Vec<&issue_event::Model> = events.iter().filter(|e| e.at >= starts).collect();
        let supervision_deadlines: HashMap<i64, NaiveDate> =
            issues.iter().filter_map(|(id, _, _, deadline)| Some((*id, (*deadline)?))).collect();
        Ok(Facts {
            departments: departments.iter().map(|d| DepartmentRef { id: d.id, code: d.code.clone() }).collect(),
            judged_on: Some(judged_on),
            states: states_at(&events, until, &supervision_deadlines),
            issues: issues
                .into_iter()
                .map(|(id, code, title, _)| (id, IssueRef { code, title }))
                .collect::<BTreeMap<_, _>>(),
            failed_acceptances: in_period
                .iter()
                .filter(|e| crate::domain::lifecycle::FAILED_ACCEPTANCES.contains(&e.action))
                .map(|e| occurrence(e))
                .collect(),
            relapses: in_period
                .iter()
                .filter(|e| e.action == IssueAction::Reopened && e.from_status == Some(IssueStatus::Closed))
                .map(|e| occurrence(e))
                .collect(),
            on_time_completions: in_period
                .iter()
                .filter(|e| {
                    e.action == IssueAction::Accepted && e.deadline.is_some_and(|d| self.clock.date_at(e.at) <= d)
                })
                .map(|e| occurrence(e))
                .collect(),
            decided_cases: cases
                .iter()
                .filter_map(|c| {
                    Some(DecidedCase {
                        case_id: c.id,
                        code: c.code.clone(),
                        department_id: c.department_id?,
                        official_name: c.official_name.clone(),
                        measures: measures
                            .remove(&c.id)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|m: case_measure::Model| m.measure)
                            .collect(),
                        day: self.clock.date_at(c.decided_at?),
                    })
                })
                .collect(),
            unanswered_slips,
            manual_vetoes: vetoes
                .into_iter()
                .map(|v| ManualVeto { department_id: v.department_id, reason: v.reason })
                .collect(),
        })
    }
}
