//! Accountability cases: opened, investigated, decided and closed (or dismissed) by the
//! bureau, with the subject department's one statement, every step an append-only event.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{
    AccountabilityGround, AccountabilityMeasure, AccountabilitySubjectType as Subject, CaseAction, CaseStatus,
};
use entity::{accountability_case, case_event, case_issue, case_measure, department, issue};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, SubjectScope, authorize, case_scope};
use super::{Services, group_by, optional_text, required_text};
use crate::auth::Principal;
use crate::domain::accountability::{CaseStep, measure_fits};
use crate::domain::cents::Cents;
use crate::error::{AppError, AppResult};

use super::MAX_TEXT;

pub struct NewCase {
    pub subject_type: Subject,
    pub department_id: Option<i64>,
    pub official_name: Option<String>,
    pub official_position: Option<String>,
    pub enterprise_id: Option<i64>,
    pub grounds: Vec<AccountabilityGround>,
    pub description: String,
    pub issue_ids: Vec<i64>,
}

pub struct MeasureInput {
    pub measure: AccountabilityMeasure,
    pub amount: Option<Cents>,
    pub daily_amount: Option<Cents>,
    pub starts_on: Option<NaiveDate>,
    pub note: Option<String>,
}

pub struct Decision {
    pub case_id: i64,
    pub decision: String,
    pub measures: Vec<MeasureInput>,
    pub expected_version: Option<i32>,
}

/// A case step that carries only a text (a note, a statement, a reason).
pub struct CaseStepInput {
    pub case_id: i64,
    pub text: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Vec<CaseStatus>,
    pub subject_type: Option<Subject>,
    /// The subject department (or the department of the subject official).
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub issue_id: Option<i64>,
}

pub fn grounds_text(grounds: &[AccountabilityGround]) -> String {
    grounds
        .iter()
        .map(|g| serde_json::to_value(g).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn parse_grounds(text: &str) -> Vec<AccountabilityGround> {
    text.split(',').filter_map(|g| serde_json::from_value(serde_json::Value::String(g.to_owned())).ok()).collect()
}

impl Services {
    fn case_condition(&self, actor: &Principal, filter: &CaseFilter) -> Condition {
        let mut condition = Condition::all();
        match case_scope(actor) {
            SubjectScope::All => {}
            SubjectScope::Department(id) => condition = condition.add(accountability_case::Column::DepartmentId.eq(id)),
            SubjectScope::Nothing => condition = condition.add(Expr::val(1).eq(Expr::val(0))),
        }
        if !filter.status.is_empty() {
            condition = condition.add(accountability_case::Column::Status.is_in(filter.status.iter().copied()));
        }
        if let Some(subject) = filter.subject_type {
            condition = condition.add(accountability_case::Column::SubjectType.eq(subject));
        }
        if let Some(department) = filter.department_id {
            condition = condition.add(accountability_case::Column::DepartmentId.eq(department));
        }
        if let Some(enterprise) = filter.enterprise_id {
            condition = condition.add(accountability_case::Column::EnterpriseId.eq(enterprise));
        }
        if let Some(issue) = filter.issue_id {
            condition = condition.add(
                accountability_case::Column::Id.in_subquery(
                    Query::select()
                        .column(case_issue::Column::CaseId)
                        .from(case_issue::Entity)
                        .and_where(case_issue::Column::IssueId.eq(issue))
                        .to_owned(),
                ),
            );
        }
        condition
    }

    pub async fn list_cases(
        &self,
        actor: &Principal,
        filter: &CaseFilter,
        args: &PageArgs,
    ) -> AppResult<Page<accountability_case::Model>> {
        let select = accountability_case::Entity::find().filter(self.case_condition(actor, filter));
        page_by_id(self.conn(), select, accountability_case::Column::Id, "case", args).await
    }

    pub async fn count_cases(&self, actor: &Principal, filter: &CaseFilter) -> AppResult<u64> {
        Ok(accountability_case::Entity::find().filter(self.case_condition(actor, filter)).count(self.conn()).await?)
    }

    /// Cases with these ids that the actor may see.
    pub async fn cases_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, accountability_case::Model>> {
        let rows = accountability_case::Entity::find()
            .filter(accountability_case::Column::Id.is_in(ids.iter().copied()))
            .filter(self.case_condition(actor, &CaseFilter::default()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    async fn case_for_change(&self, actor: &Principal, id: i64) -> AppResult<accountability_case::Model> {
        self.cases_by_ids(actor, &[id]).await?.remove(&id).ok_or_else(|| AppError::not_found("accountability case"))
    }

    /// The cases about each enterprise that the actor may see, oldest first, in one statement.
    pub async fn cases_of_enterprises(
        &self,
        actor: &Principal,
        enterprise_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<accountability_case::Model>>> {
        let rows = accountability_case::Entity::find()
            .filter(accountability_case::Column::EnterpriseId.is_in(enterprise_ids.iter().copied()))
            .filter(self.case_condition(actor, &CaseFilter::default()))
            .order_by_asc(accountability_case::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.enterprise_id?, row))))
    }

    /// Measures of each case (for the loader; the cases are already visible).
    pub async fn measures_of(&self, case_ids: &[i64]) -> AppResult<HashMap<i64, Vec<case_measure::Model>>> {
        let rows = case_measure::Entity::find()
            .filter(case_measure::Column::CaseId.is_in(case_ids.iter().copied()))
            .order_by_asc(case_measure::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.case_id, row))))
    }

    /// Events of each case, oldest first (for the loader; the cases are already visible).
    pub async fn case_events_of(&self, case_ids: &[i64]) -> AppResult<HashMap<i64, Vec<case_event::Model>>> {
        let rows = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(case_ids.iter().copied()))
            .order_by_asc(case_event::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.case_id, row))))
    }

    /// Case events with these ids whose cases the actor may see.
    pub async fn case_events_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, case_event::Model>> {
        let events = case_event::Entity::find()
            .filter(case_event::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        let case_ids: Vec<i64> = events.iter().map(|event| event.case_id).collect();
        let visible = self.cases_by_ids(actor, &case_ids).await?;
        Ok(events
            .into_iter()
            .filter(|event| visible.contains_key(&event.case_id))
            .map(|event| (event.id, event))
            .collect())
    }

    /// Linked issue ids of each case (for the loader).
    pub async fn case_issue_ids(&self, case_ids: &[i64]) -> AppResult<HashMap<i64, Vec<i64>>> {
        let rows = case_issue::Entity::find()
            .filter(case_issue::Column::CaseId.is_in(case_ids.iter().copied()))
            .order_by_asc(case_issue::Column::IssueId)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.case_id, row.issue_id))))
    }

    pub async fn open_case(&self, actor: &Principal, input: NewCase) -> AppResult<accountability_case::Model> {
        authorize(actor, Action::ActOnCases)?;
        let description = required_text("description", &input.description, MAX_TEXT)?;
        let official_name = optional_text("officialName", input.official_name.as_deref(), 100)?;
        let official_position = optional_text("officialPosition", input.official_position.as_deref(), 100)?;
        // Each ground once, in the order first given.
        let mut grounds: Vec<AccountabilityGround> = Vec::new();
        for ground in &input.grounds {
            if !grounds.contains(ground) {
                grounds.push(*ground);
            }
        }
        if grounds.is_empty() {
            return Err(AppError::bad_input("grounds", "give at least one ground"));
        }
        let mut note = None;
        match input.subject_type {
            Subject::Department | Subject::Official => {
                let Some(id) = input.department_id else {
                    return Err(AppError::bad_input(
                        "departmentId",
                        "a case against a department or an official names the department",
                    ));
                };
                if department::Entity::find_by_id(id).one(self.conn()).await?.is_none() {
                    return Err(AppError::bad_input("departmentId", "no department has this id"));
                }
                if input.enterprise_id.is_some() {
                    return Err(AppError::bad_input("enterpriseId", "only a case against an enterprise names one"));
                }
                let official = official_name.is_some() || official_position.is_some();
                if input.subject_type == Subject::Official && (official_name.is_none() || official_position.is_none()) {
                    return Err(AppError::bad_input(
                        "officialName",
                        "a case against an official names the person and the position",
                    ));
                }
                if input.subject_type == Subject::Department && official {
                    return Err(AppError::bad_input(
                        "officialName",
                        "a case against a department names no official; use OFFICIAL",
                    ));
                }
            }
            Subject::Enterprise => {
                let Some(id) = input.enterprise_id else {
                    return Err(AppError::bad_input("enterpriseId", "a case against an enterprise names it"));
                };
                self.existing_enterprise(id, "enterpriseId").await?;
                if input.department_id.is_some() || official_name.is_some() || official_position.is_some() {
                    return Err(AppError::bad_input(
                        "departmentId",
                        "a case against an enterprise names no department or official",
                    ));
                }
                let violations = self.violation_counts(&[id]).await?.get(&id).copied().unwrap_or(0);
                if self.is_repeat_offender(violations) && !grounds.contains(&AccountabilityGround::RepeatViolation) {
                    grounds.push(AccountabilityGround::RepeatViolation);
                    note = Some(format!(
                        "REPEAT_VIOLATION added: the enterprise has {violations} decided violations within {} days",
                        self.repeat_offender.window_days
                    ));
                }
            }
        }
        if input.issue_ids.len() > 100 {
            return Err(AppError::bad_input("issueIds", "a case links at most 100 issues"));
        }
        let mut issue_ids = input.issue_ids.clone();
        issue_ids.sort_unstable();
        issue_ids.dedup();
        let found =
            issue::Entity::find().filter(issue::Column::Id.is_in(issue_ids.iter().copied())).count(self.conn()).await?;
        if found != issue_ids.len() as u64 {
            return Err(AppError::bad_input("issueIds", "an issue id names no issue"));
        }

        let now = self.clock.now();
        let year = self.clock.date_at(now).format("%Y").to_string();
        let row = accountability_case::ActiveModel {
            subject_type: Set(input.subject_type),
            department_id: Set(input.department_id),
            official_name: Set(official_name),
            official_position: Set(official_position),
            enterprise_id: Set(input.enterprise_id),
            grounds: Set(grounds_text(&grounds)),
            description: Set(description),
            status: Set(CaseStatus::Open),
            decision: Set(None),
            statement: Set(None),
            statement_at: Set(None),
            opened_at: Set(now),
            decided_at: Set(None),
            closed_at: Set(None),
            version: Set(1),
            updated_at: Set(now),
            ..Default::default()
        };
        // Two cases opened at once on PostgreSQL may count the same committed rows and pick
        // the same number; the unique code refuses the second, which then numbers again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.insert_case(actor, row.clone(), &year, &issue_ids, note.clone()).await {
                Err(AppError::Conflict(_)) if attempts < 5 => continue,
                result => return result,
            }
        }
    }

    /// Writes a new case, its linked issues and its OPENED event in one transaction.
    async fn insert_case(
        &self,
        actor: &Principal,
        mut row: accountability_case::ActiveModel,
        year: &str,
        issue_ids: &[i64],
        note: Option<String>,
    ) -> AppResult<accountability_case::Model> {
        let txn = self.conn().begin().await?;
        let prefix = format!("ACC-{year}-");
        // The row goes in first, under a provisional code, so that the transaction's first
        // statement is a write: on SQLite it then holds the write lock while the number is
        // counted, and two cases opened at once are numbered one after the other.
        row.code = Set(format!("P-{:x}-{:08x}", self.clock.now().timestamp_micros(), rand::random::<u32>()));
        let created = row.insert(&txn).await?;
        let taken = accountability_case::Entity::find()
            .filter(accountability_case::Column::Code.starts_with(&prefix))
            .count(&txn)
            .await?;
        let code = format!("{prefix}{:04}", taken + 1);
        let created = accountability_case::ActiveModel { id: Set(created.id), code: Set(code), ..Default::default() }
            .update(&txn)
            .await?;
        if !issue_ids.is_empty() {
            let links = issue_ids
                .iter()
                .map(|issue_id| case_issue::ActiveModel { case_id: Set(created.id), issue_id: Set(*issue_id) });
            case_issue::Entity::insert_many(links).exec(&txn).await?;
        }
        self.record_case_event(&txn, actor, &created, None, CaseAction::Opened, note).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// OK when `actor` may take `step` on the case now, else the error its mutation answers
    /// (FORBIDDEN, INVALID_TRANSITION): the one check the mutations and
    /// `AccountabilityCase.viewerCan` share. The case must be one the actor sees.
    pub fn check_case_step(
        &self,
        actor: &Principal,
        step: CaseStep,
        case: &accountability_case::Model,
    ) -> AppResult<()> {
        match step {
            CaseStep::FileStatement => {
                authorize(actor, Action::FileCaseStatement)?;
                if case.department_id.is_none() || case.department_id != actor.department_id {
                    return Err(AppError::forbidden("only the department the case is about may file a statement"));
                }
            }
            CaseStep::StartInvestigation | CaseStep::Decide | CaseStep::Close | CaseStep::Dismiss => {
                authorize(actor, Action::ActOnCases)?
            }
        }
        case_outcome(step, case.status)?;
        if step == CaseStep::FileStatement && case.statement.is_some() {
            return Err(AppError::invalid_transition("a statement has already been filed on this case"));
        }
        Ok(())
    }

    /// The case for a change by `step`: NOT_FOUND when the actor cannot see it, else checked
    /// by `check_case_step`.
    async fn case_for_step(&self, actor: &Principal, id: i64, step: CaseStep) -> AppResult<accountability_case::Model> {
        let current = self.case_for_change(actor, id).await?;
        self.check_case_step(actor, step, &current)?;
        Ok(current)
    }

    pub async fn start_case_investigation(
        &self,
        actor: &Principal,
        input: CaseStepInput,
    ) -> AppResult<accountability_case::Model> {
        authorize(actor, Action::ActOnCases)?;
        let current = self.case_for_step(actor, input.case_id, CaseStep::StartInvestigation).await?;
        let note = optional_text("note", input.text.as_deref(), MAX_TEXT)?;
        self.apply_case_step(
            actor,
            current,
            CaseStep::StartInvestigation,
            input.expected_version,
            accountability_case::ActiveModel { ..Default::default() },
            note,
        )
        .await
    }

    /// The subject department's one written statement (申辩), while the case is investigated.
    pub async fn file_case_statement(
        &self,
        actor: &Principal,
        input: CaseStepInput,
    ) -> AppResult<accountability_case::Model> {
        let current = self.case_for_step(actor, input.case_id, CaseStep::FileStatement).await?;
        let statement = required_text("statement", input.text.as_deref().unwrap_or_default(), MAX_TEXT)?;
        let columns = accountability_case::ActiveModel {
            statement: Set(Some(statement.clone())),
            statement_at: Set(Some(self.clock.now())),
            ..Default::default()
        };
        self.apply_case_step(actor, current, CaseStep::FileStatement, input.expected_version, columns, Some(statement))
            .await
    }

    pub async fn decide_case(&self, actor: &Principal, input: Decision) -> AppResult<accountability_case::Model> {
        authorize(actor, Action::ActOnCases)?;
        let current = self.case_for_step(actor, input.case_id, CaseStep::Decide).await?;
        let decision = required_text("decision", &input.decision, MAX_TEXT)?;
        if input.measures.is_empty() {
            return Err(AppError::bad_input("measures", "a decision imposes at least one measure"));
        }
        for (n, m) in input.measures.iter().enumerate() {
            if input.measures[..n].iter().any(|earlier| earlier.measure == m.measure) {
                return Err(AppError::bad_input(
                    format!("measures.{n}.measure"),
                    "each measure is imposed once per decision",
                ));
            }
        }
        for (n, m) in input.measures.iter().enumerate() {
            let field = |name: &str| format!("measures.{n}.{name}");
            if !measure_fits(current.subject_type, m.measure) {
                return Err(AppError::bad_input(
                    field("measure"),
                    format!(
                        "{} cannot be imposed on a case against a subject of type {}",
                        crate::domain::api_name(&m.measure),
                        crate::domain::api_name(&current.subject_type)
                    ),
                ));
            }
            let positive = |value: Option<Cents>, name: &str| match value {
                Some(amount) if amount > Cents::ZERO => Ok(()),
                _ => Err(AppError::bad_input(field(name), format!("`{name}` must be a positive amount in yuan"))),
            };
            let absent = |present: bool, name: &str| {
                if present {
                    Err(AppError::bad_input(field(name), format!("`{name}` does not apply to this measure")))
                } else {
                    Ok(())
                }
            };
            match m.measure {
                AccountabilityMeasure::Fine => {
                    positive(m.amount, "amount")?;
                    absent(m.daily_amount.is_some(), "dailyAmount")?;
                }
                AccountabilityMeasure::DailyFine => {
                    positive(m.daily_amount, "dailyAmount")?;
                    absent(m.amount.is_some(), "amount")?;
                    if m.starts_on.is_none() {
                        return Err(AppError::bad_input(field("startsOn"), "a daily fine needs the day it starts"));
                    }
                }
                _ => {
                    absent(m.amount.is_some(), "amount")?;
                    absent(m.daily_amount.is_some(), "dailyAmount")?;
                }
            }
            optional_text(&field("note"), m.note.as_deref(), 4000)?;
        }
        let now = self.clock.now();
        let columns = accountability_case::ActiveModel {
            decision: Set(Some(decision.clone())),
            decided_at: Set(Some(now)),
            ..Default::default()
        };
        let measures: Vec<case_measure::ActiveModel> = input
            .measures
            .iter()
            .map(|m| case_measure::ActiveModel {
                case_id: Set(current.id),
                measure: Set(m.measure),
                amount_fen: Set(m.amount.map(|c| c.0)),
                daily_amount_fen: Set(m.daily_amount.map(|c| c.0)),
                starts_on: Set(m.starts_on),
                note: Set(m.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned)),
                ..Default::default()
            })
            .collect();
        self.apply_case_change(
            actor,
            current,
            CaseStep::Decide,
            input.expected_version,
            columns,
            Some(decision),
            measures,
        )
        .await
    }

    pub async fn close_case(&self, actor: &Principal, input: CaseStepInput) -> AppResult<accountability_case::Model> {
        authorize(actor, Action::ActOnCases)?;
        let current = self.case_for_step(actor, input.case_id, CaseStep::Close).await?;
        let note = optional_text("note", input.text.as_deref(), MAX_TEXT)?;
        let columns = accountability_case::ActiveModel { closed_at: Set(Some(self.clock.now())), ..Default::default() };
        self.apply_case_step(actor, current, CaseStep::Close, input.expected_version, columns, note).await
    }

    pub async fn dismiss_case(&self, actor: &Principal, input: CaseStepInput) -> AppResult<accountability_case::Model> {
        authorize(actor, Action::ActOnCases)?;
        let current = self.case_for_step(actor, input.case_id, CaseStep::Dismiss).await?;
        let reason = required_text("reason", input.text.as_deref().unwrap_or_default(), MAX_TEXT)?;
        let columns = accountability_case::ActiveModel { closed_at: Set(Some(self.clock.now())), ..Default::default() };
        self.apply_case_step(actor, current, CaseStep::Dismiss, input.expected_version, columns, Some(reason)).await
    }

    async fn apply_case_step(
        &self,
        actor: &Principal,
        current: accountability_case::Model,
        step: CaseStep,
        expected_version: Option<i32>,
        columns: accountability_case::ActiveModel,
        note: Option<String>,
    ) -> AppResult<accountability_case::Model> {
        self.apply_case_change(actor, current, step, expected_version, columns, note, Vec::new()).await
    }

    /// Checks the step against status and version, then writes the case, its measures and
    /// its event in one transaction under a version guard.
    #[allow(clippy::too_many_arguments)]
    async fn apply_case_change(
        &self,
        actor: &Principal,
        current: accountability_case::Model,
        step: CaseStep,
        expected_version: Option<i32>,
        mut columns: accountability_case::ActiveModel,
        note: Option<String>,
        measures: Vec<case_measure::ActiveModel>,
    ) -> AppResult<accountability_case::Model> {
        let (to, action) = case_outcome(step, current.status)?;
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(AppError::conflict(format!(
                "the case was changed meanwhile (now at version {})",
                current.version
            )));
        }
        columns.status = Set(to);
        columns.version = Set(current.version + 1);
        columns.updated_at = Set(self.clock.now());
        let txn = self.conn().begin().await?;
        let updated = accountability_case::Entity::update_many()
            .set(columns)
            .filter(accountability_case::Column::Id.eq(current.id))
            .filter(accountability_case::Column::Version.eq(current.version))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(AppError::conflict("the case was changed meanwhile; reload it and try again"));
        }
        if !measures.is_empty() {
            case_measure::Entity::insert_many(measures).exec(&txn).await?;
        }
        let saved = accountability_case::Entity::find_by_id(current.id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("accountability case"))?;
        self.record_case_event(&txn, actor, &saved, Some(current.status), action, note).await?;
        txn.commit().await?;
        Ok(saved)
    }

    async fn record_case_event(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        case: &accountability_case::Model,
        from: Option<CaseStatus>,
        action: CaseAction,
        note: Option<String>,
    ) -> AppResult<()> {
        let mut event = case_event::Model {
            id: 0,
            case_id: case.id,
            action,
            from_status: from,
            to_status: case.status,
            actor_sub: actor.sub.clone(),
            actor_role: actor.role,
            note,
            at: case.updated_at,
            hash: None,
        };
        let head = self.case_chain_head(txn, case.id).await?;
        super::history_chain::link_case_event(head, &mut event);
        case_event::ActiveModel { id: NotSet, ..event.into_active_model() }.insert(txn).await?;
        Ok(())
    }
}

/// Where `step` leads from `from`, or INVALID_TRANSITION when the status forbids it.
fn case_outcome(step: CaseStep, from: CaseStatus) -> AppResult<(CaseStatus, CaseAction)> {
    step.apply(from).ok_or_else(|| {
        AppError::invalid_transition(format!(
            "cannot {} a case that is {}",
            step.describe(),
            crate::domain::api_name(&from)
        ))
    })
}
