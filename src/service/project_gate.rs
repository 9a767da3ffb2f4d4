//! The new-project gate (严防增量, 区域限批): the bureau registers project applications on behalf
//! of the approving office, reads the gate from the ledger (`domain::gate`), and decides; a
//! blocked application is approved only by citing a leader's instruction on it. Every step is
//! an event in the application's append-only history.

use std::collections::{HashMap, HashSet};

use entity::enums::{IssueStatus, ProjectApplicationAction, ProjectApplicationStatus, Severity};
use entity::{accountability_case, issue, project_application, project_application_event, project_instruction};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::idempotency::RequestKey;
use super::issues::overdue_sql;
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{Action, authorize};
use super::{MAX_TEXT, Services, group_by, required_text};
use crate::auth::Principal;
use crate::domain::cents::Cents;
use crate::domain::gate::{Finding, GateFacts, OPEN_CASE_STATUSES, evaluate};
use crate::error::{AppError, AppResult};

/// A project application to register.
#[derive(serde::Serialize)]
pub struct NewProjectApplication {
    pub name: String,
    pub enterprise_id: i64,
    pub township_id: i64,
    pub industry: String,
    pub investment: Cents,
    pub description: String,
}

/// The bureau's decision on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectDecision {
    Approve,
    Refuse,
}

/// A decision to record.
pub struct ApplicationDecision {
    pub application_id: i64,
    pub decision: ProjectDecision,
    pub note: String,
    /// A leader's instruction on this application; required to approve a blocked one.
    pub instruction_id: Option<i64>,
}

/// Which applications to list or count.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub status: Option<ProjectApplicationStatus>,
    pub enterprise_id: Option<i64>,
    pub township_id: Option<i64>,
    pub industry: Option<String>,
}

impl Services {
    /// The bureau registers an application; its history starts with `REGISTERED`.
    pub async fn register_project_application(
        &self,
        actor: &Principal,
        input: NewProjectApplication,
        key: Option<RequestKey>,
    ) -> AppResult<project_application::Model> {
        authorize(actor, Action::ManageProjectApplications)?;
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.application_row(id).await;
        }
        let name = required_text("name", &input.name, 200)?;
        let industry = required_text("industry", &input.industry, 100)?;
        let description = required_text("description", &input.description, MAX_TEXT)?;
        if input.investment <= Cents::ZERO {
            return Err(AppError::bad_input("investment", "`investment` must be more than zero"));
        }
        self.existing_enterprise(input.enterprise_id, "enterpriseId").await?;
        let township_id = self.township(input.township_id).await?;
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.application_row(id).await,
        };
        let registered = project_application::Entity::insert(project_application::ActiveModel {
            name: Set(name),
            enterprise_id: Set(input.enterprise_id),
            township_id: Set(township_id),
            industry: Set(industry),
            investment_fen: Set(input.investment.0),
            description: Set(description),
            status: Set(ProjectApplicationStatus::Pending),
            registered_by: Set(actor.sub.clone()),
            registered_at: Set(self.clock.now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let blocked = !self.read_gate(&txn, &registered).await?.is_empty();
        self.record_application_event(
            &txn,
            actor,
            &registered,
            ProjectApplicationAction::Registered,
            None,
            None,
            blocked,
        )
        .await?;
        let id = self.finish_create(txn, claimed, registered.id).await?;
        self.application_row(id).await
    }

    /// A LEADER posts an instruction on a pending application (cited by the decision that
    /// approves it over a blocked gate).
    pub async fn post_project_instruction(
        &self,
        actor: &Principal,
        application_id: i64,
        text: &str,
    ) -> AppResult<project_instruction::Model> {
        authorize(actor, Action::InstructOnProjects)?;
        let application = self.application_row(application_id).await?;
        let text = required_text("text", text, MAX_TEXT)?;
        if application.status != ProjectApplicationStatus::Pending {
            return Err(AppError::invalid_transition("the application is already decided"));
        }
        let txn = self.conn().begin().await?;
        let posted = project_instruction::Entity::insert(project_instruction::ActiveModel {
            application_id: Set(application.id),
            text: Set(text.clone()),
            issued_by: Set(actor.sub.clone()),
            issued_at: Set(self.clock.now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let blocked = !self.read_gate(&txn, &application).await?.is_empty();
        let action = ProjectApplicationAction::Instructed;
        self.record_application_event(&txn, actor, &application, action, Some(text), Some(posted.id), blocked).await?;
        txn.commit().await?;
        Ok(posted)
    }

    /// The bureau approves or refuses a pending application. The gate is read again in the
    /// same transaction and kept with the decision; approving over a blocked gate needs a
    /// leader's instruction on this application.
    pub async fn decide_project_application(
        &self,
        actor: &Principal,
        input: ApplicationDecision,
    ) -> AppResult<project_application::Model> {
        authorize(actor, Action::ManageProjectApplications)?;
        let application = self.application_row(input.application_id).await?;
        let note = required_text("note", &input.note, MAX_TEXT)?;
        if application.status != ProjectApplicationStatus::Pending {
            return Err(AppError::invalid_transition("the application is already decided"));
        }
        if let Some(id) = input.instruction_id {
            let cited = project_instruction::Entity::find_by_id(id).one(self.conn()).await?;
            if cited.is_none_or(|cited| cited.application_id != application.id) {
                return Err(AppError::bad_input(
                    "instructionId",
                    "`instructionId` must name a leader's instruction on this application",
                ));
            }
        }
        let txn = self.conn().begin().await?;
        let findings = self.read_gate(&txn, &application).await?;
        let blocked = !findings.is_empty();
        if blocked && input.decision == ProjectDecision::Approve && input.instruction_id.is_none() {
            let rules: Vec<String> = findings.iter().map(|f| crate::domain::api_name(&f.rule)).collect();
            return Err(AppError::bad_input(
                "instructionId",
                format!(
                    "the gate is blocked ({}): approving needs a leader's instruction on this application, cited by `instructionId`",
                    rules.join(", ")
                ),
            ));
        }
        let (status, action) = match input.decision {
            ProjectDecision::Approve => (ProjectApplicationStatus::Approved, ProjectApplicationAction::Approved),
            ProjectDecision::Refuse => (ProjectApplicationStatus::Refused, ProjectApplicationAction::Refused),
        };
        let decided = project_application::Entity::update_many()
            .set(project_application::ActiveModel {
                status: Set(status),
                decided_by: Set(Some(actor.sub.clone())),
                decided_at: Set(Some(self.clock.now())),
                decision_note: Set(Some(note.clone())),
                blocked_at_decision: Set(Some(blocked)),
                gate_at_decision: Set(Some(serde_json::to_string(&findings).map_err(AppError::internal)?)),
                instruction_id: Set(input.instruction_id),
                ..Default::default()
            })
            .filter(project_application::Column::Id.eq(application.id))
            .filter(project_application::Column::Status.eq(ProjectApplicationStatus::Pending))
            .exec(&txn)
            .await?;
        if decided.rows_affected == 0 {
            return Err(AppError::conflict("the application was decided meanwhile"));
        }
        self.record_application_event(&txn, actor, &application, action, Some(note), input.instruction_id, blocked)
            .await?;
        txn.commit().await?;
        self.application_row(application.id).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_application_event(
        &self,
        db: &impl ConnectionTrait,
        actor: &Principal,
        application: &project_application::Model,
        action: ProjectApplicationAction,
        note: Option<String>,
        instruction_id: Option<i64>,
        gate_blocked: bool,
    ) -> AppResult<()> {
        project_application_event::Entity::insert(project_application_event::ActiveModel {
            application_id: Set(application.id),
            action: Set(action),
            actor: Set(actor.sub.clone()),
            at: Set(self.clock.now()),
            note: Set(note),
            gate_blocked: Set(gate_blocked),
            instruction_id: Set(instruction_id),
            ..Default::default()
        })
        .exec(db)
        .await?;
        Ok(())
    }

    async fn application_row(&self, id: i64) -> AppResult<project_application::Model> {
        project_application::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("project application"))
    }

    /// One application's gate, read through `db` (a decision's transaction).
    async fn read_gate(
        &self,
        db: &impl ConnectionTrait,
        application: &project_application::Model,
    ) -> AppResult<Vec<Finding>> {
        let mut gates = self.gates_in(db, std::slice::from_ref(application)).await?;
        Ok(gates.remove(&application.id).unwrap_or_default())
    }

    /// The gate of each application as the ledger reads now, by application id: four
    /// statements for any number of applications.
    async fn gates_in(
        &self,
        db: &impl ConnectionTrait,
        applications: &[project_application::Model],
    ) -> AppResult<HashMap<i64, Vec<Finding>>> {
        let enterprises: HashSet<i64> = applications.iter().map(|a| a.enterprise_id).collect();
        let townships: HashSet<i64> = applications.iter().map(|a| a.township_id).collect();
        let case_ids = |condition: Condition| {
            accountability_case::Entity::find()
                .select_only()
                .column(accountability_case::Column::EnterpriseId)
                .column(accountability_case::Column::Id)
                .filter(accountability_case::Column::EnterpriseId.is_in(enterprises.iter().copied()))
                .filter(condition)
                .order_by_asc(accountability_case::Column::Id)
                .into_tuple::<(Option<i64>, i64)>()
        };
        let decided = case_ids(self.violations_in_window()).all(db).await?;
        let open_cases = case_ids(Condition::all().add(accountability_case::Column::Status.is_in(OPEN_CASE_STATUSES)))
            .all(db)
            .await?;
        let open_issues: Vec<(Option<i64>, i64)> = issue::Entity::find()
            .select_only()
            .column(issue::Column::EnterpriseId)
            .column(issue::Column::Id)
            .filter(issue::Column::EnterpriseId.is_in(enterprises.iter().copied()))
            .filter(issue::Column::Status.ne(IssueStatus::Closed))
            .order_by_asc(issue::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        let overdue = overdue_sql(
            Expr::col((issue::Entity, issue::Column::Status)),
            Expr::col((issue::Entity, issue::Column::Deadline)),
            Expr::col((issue::Entity, issue::Column::SupervisionDeadline)),
            self.clock.today(),
        );
        let township_overdue: Vec<(Option<i64>, i64)> = issue::Entity::find()
            .select_only()
            .column(issue::Column::TownshipId)
            .column(issue::Column::Id)
            .filter(issue::Column::TownshipId.is_in(townships.iter().copied()))
            .filter(
                Condition::any()
                    .add(issue::Column::Severity.eq(Severity::Major))
                    .add(issue::Column::SupervisionLevel.is_not_null()),
            )
            .filter(overdue)
            .order_by_asc(issue::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        let by_owner = |rows: Vec<(Option<i64>, i64)>| group_by(rows, |(owner, id)| Some((owner?, id)));
        let (decided, open_cases, open_issues, township_overdue) =
            (by_owner(decided), by_owner(open_cases), by_owner(open_issues), by_owner(township_overdue));
        let ids = |map: &HashMap<i64, Vec<i64>>, key: i64| map.get(&key).cloned().unwrap_or_default();
        Ok(applications
            .iter()
            .map(|application| {
                let recent_decided_cases = ids(&decided, application.enterprise_id);
                let facts = GateFacts {
                    repeat_offender: self.is_repeat_offender(recent_decided_cases.len() as u64),
                    recent_decided_cases,
                    open_cases: ids(&open_cases, application.enterprise_id),
                    open_issues: ids(&open_issues, application.enterprise_id),
                    township_overdue: ids(&township_overdue, application.township_id),
                };
                (application.id, evaluate(&self.gate_rules, &facts))
            })
            .collect())
    }

    /// The gate of each application, now (for the loader; the applications are readable).
    pub async fn gates_of(&self, application_ids: &[i64]) -> AppResult<HashMap<i64, Vec<Finding>>> {
        let applications = project_application::Entity::find()
            .filter(project_application::Column::Id.is_in(application_ids.iter().copied()))
            .all(self.conn())
            .await?;
        self.gates_in(self.conn(), &applications).await
    }

    pub(crate) fn application_condition(filter: &ApplicationFilter) -> Condition {
        let mut condition = Condition::all();
        if let Some(status) = filter.status {
            condition = condition.add(project_application::Column::Status.eq(status));
        }
        if let Some(enterprise) = filter.enterprise_id {
            condition = condition.add(project_application::Column::EnterpriseId.eq(enterprise));
        }
        if let Some(township) = filter.township_id {
            condition = condition.add(project_application::Column::TownshipId.eq(township));
        }
        if let Some(industry) = filter.industry.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            condition = condition.add(project_application::Column::Industry.eq(industry));
        }
        condition
    }

    /// Applications, newest first.
    pub async fn project_applications(
        &self,
        actor: &Principal,
        filter: &ApplicationFilter,
        args: &PageArgs,
    ) -> AppResult<Page<project_application::Model>> {
        authorize(actor, Action::ReadProjectApplications)?;
        let select = project_application::Entity::find().filter(Self::application_condition(filter));
        page_by_id_in(self.conn(), select, project_application::Column::Id, "project", args, true).await
    }

    pub async fn count_project_applications(&self, actor: &Principal, filter: &ApplicationFilter) -> AppResult<u64> {
        authorize(actor, Action::ReadProjectApplications)?;
        let select = project_application::Entity::find().filter(Self::application_condition(filter));
        Ok(select.count(self.conn()).await?)
    }

    /// Applications by id (for `node`; readers of applications only).
    pub async fn project_applications_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, project_application::Model>> {
        if authorize(actor, Action::ReadProjectApplications).is_err() {
            return Ok(HashMap::new());
        }
        let rows = project_application::Entity::find()
            .filter(project_application::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// Instructions by id (for `node`; readers of applications only).
    pub async fn project_instructions_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, project_instruction::Model>> {
        if authorize(actor, Action::ReadProjectApplications).is_err() {
            return Ok(HashMap::new());
        }
        let rows = project_instruction::Entity::find()
            .filter(project_instruction::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// The history of each application, oldest first (for the loader).
    pub async fn application_events_of(
        &self,
        application_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<project_application_event::Model>>> {
        let rows = project_application_event::Entity::find()
            .filter(project_application_event::Column::ApplicationId.is_in(application_ids.iter().copied()))
            .order_by_asc(project_application_event::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.application_id, row))))
    }

    /// The instructions of each application, oldest first (for the loader).
    pub async fn project_instructions_of(
        &self,
        application_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<project_instruction::Model>>> {
        let rows = project_instruction::Entity::find()
            .filter(project_instruction::Column::ApplicationId.is_in(application_ids.iter().copied()))
            .order_by_asc(project_instruction::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.application_id, row))))
    }
}
