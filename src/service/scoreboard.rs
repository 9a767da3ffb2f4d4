//! The departments' scoreboard: per lead department, its issues' counts and rates, how long it
//! takes from assignment to completion, failed acceptances, relapses and decided cases.

use std::collections::HashMap;
use std::sync::Arc;

use entity::enums::{CaseStatus, IssueAction};
use entity::{accountability_case, department, issue, issue_event};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, QueryStatementBuilder, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend};

use super::Services;
use super::disputes::DisputeCounts;
use super::issues::IssueFilter;
use super::policy::{IssueScope, SubjectScope, case_scope, issue_scope};
use super::statistics::{Counts, Dimension};
use crate::auth::Principal;
use crate::domain::api_name;
use crate::domain::lifecycle::FAILED_ACCEPTANCES;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct DepartmentScore {
    pub department: Arc<department::Model>,
    /// Of the issues it leads now.
    pub counts: Counts,
    /// Mean days from an issue's first assignment to its acceptance, over its completed issues.
    pub average_days_to_complete: Option<f64>,
    /// Rejections of acceptance requests while it led the issue.
    pub failed_acceptances: u64,
    /// Reopenings while it led the issue.
    pub relapses: u64,
    /// Slips addressed to it about those issues, unanswered past their reply date.
    pub overdue_reminders: u64,
    /// Its disputes of assignments of those issues, raised and as ruled.
    pub disputes: DisputeCounts,
    /// Accountability cases decided (and possibly closed since) against it or its officials;
    /// `None` for a viewer who may not read cases.
    pub cases_decided: Option<u64>,
}

impl Services {
    /// Every department (a department: itself only), ordered by code, with the counts of the
    /// visible issues it leads under `filter`. Six grouped queries, whatever the data size.
    pub async fn department_scoreboard(
        &self,
        actor: &Principal,
        filter: &IssueFilter,
    ) -> AppResult<Vec<DepartmentScore>> {
        let mut departments: Vec<Arc<department::Model>> =
            self.reference_tables().await?.departments.values().cloned().collect();
        if let IssueScope::Department(own) = issue_scope(actor) {
            departments.retain(|d| d.id == own);
        }
        departments.sort_by(|a, b| a.code.cmp(&b.code));
        let grouped = self.issue_statistics(actor, filter, &[Dimension::LeadDepartment], None).await?;
        let counts: HashMap<i64, Counts> =
            grouped.groups.into_iter().filter_map(|g| Some((g.key.first()?.parse::<i64>().ok()?, g.counts))).collect();
        let visible = Query::select()
            .column((issue::Entity, issue::Column::Id))
            .from(issue::Entity)
            .cond_where(self.issue_condition(actor, filter)?)
            .to_owned();
        let average_days = self.average_days_to_complete(&visible).await?;
        let failed = self.events_by_lead(&visible, &FAILED_ACCEPTANCES).await?;
        let relapses = self.events_by_lead(&visible, &[IssueAction::Reopened]).await?;
        let overdue_reminders = self.overdue_reminders_by_department(visible.clone()).await?;
        let disputes = self.disputes_by_department(visible.clone()).await?;
        // Case counts follow case visibility: a department reads its own, inspectors none.
        let cases = match case_scope(actor) {
            SubjectScope::Nothing => None,
            _ => Some(self.cases_decided_by_department().await?),
        };
        Ok(departments
            .into_iter()
            .map(|department| {
                let id = department.id;
                DepartmentScore {
                    counts: counts.get(&id).cloned().unwrap_or_default(),
                    average_days_to_complete: average_days.get(&id).copied(),
                    failed_acceptances: failed.get(&id).copied().unwrap_or_default(),
                    relapses: relapses.get(&id).copied().unwrap_or_default(),
                    overdue_reminders: overdue_reminders.get(&id).copied().unwrap_or_default(),
                    disputes: disputes.get(&id).copied().unwrap_or_default(),
                    cases_decided: cases.as_ref().map(|cases| cases.get(&id).copied().unwrap_or_default()),
                    department,
                }
            })
            .collect())
    }

    /// Per lead department, the mean of (acceptance − first assignment) in days.
    async fn average_days_to_complete(&self, visible: &SelectStatement) -> AppResult<HashMap<i64, f64>> {
        let first_assigned = Query::select()
            .expr(Func::min(Expr::col((Alias::new("assigned"), issue_event::Column::At))))
            .from_as(issue_event::Entity, Alias::new("assigned"))
            .and_where(
                Expr::col((Alias::new("assigned"), issue_event::Column::IssueId))
                    .equals((issue::Entity, issue::Column::Id)),
            )
            .and_where(
                Expr::col((Alias::new("assigned"), issue_event::Column::Action)).eq(api_name(&IssueAction::Assigned)),
            )
            .to_owned();
        let accepted: SimpleExpr = Expr::col((issue::Entity, issue::Column::AcceptedAt));
        let assigned = SimpleExpr::SubQuery(None, Box::new(first_assigned.into_sub_query_statement()));
        let days = match self.backend() {
            DbBackend::Postgres => {
                Expr::cust_with_exprs("EXTRACT(EPOCH FROM ($1 - $2)) / 86400.0", [accepted, assigned])
            }
            _ => Expr::cust_with_exprs("julianday(?) - julianday(?)", [accepted, assigned]),
        };
        let query = Query::select()
            .column((issue::Entity, issue::Column::LeadDepartmentId))
            .expr_as(Func::avg(days).cast_as(Alias::new("DOUBLE PRECISION")), Alias::new("days"))
            .from(issue::Entity)
            .and_where(Expr::col((issue::Entity, issue::Column::Id)).in_subquery(visible.clone()))
            .and_where(Expr::col((issue::Entity, issue::Column::AcceptedAt)).is_not_null())
            .and_where(Expr::col((issue::Entity, issue::Column::Status)).is_in(["ACCEPTED", "CLOSED"]))
            .and_where(Expr::col((issue::Entity, issue::Column::LeadDepartmentId)).is_not_null())
            .add_group_by([Expr::col((issue::Entity, issue::Column::LeadDepartmentId))])
            .to_owned();
        let mut found = HashMap::new();
        for row in self.conn().query_all(&query).await? {
            let lead: i64 = row.try_get("", "lead_department_id")?;
            let days: Option<f64> = row.try_get("", "days")?;
            if let Some(days) = days {
                found.insert(lead, days);
            }
        }
        Ok(found)
    }

    /// Events of one kind on the visible issues, by the department that led the issue then.
    async fn events_by_lead(&self, visible: &SelectStatement, actions: &[IssueAction]) -> AppResult<HashMap<i64, u64>> {
        let query = Query::select()
            .column(issue_event::Column::LeadDepartmentId)
            .expr_as(Func::count(Expr::col(issue_event::Column::Id)).cast_as(Alias::new("BIGINT")), Alias::new("n"))
            .from(issue_event::Entity)
            .and_where(Expr::col(issue_event::Column::Action).is_in(actions.iter().map(api_name)))
            .and_where(Expr::col(issue_event::Column::LeadDepartmentId).is_not_null())
            .and_where(Expr::col(issue_event::Column::IssueId).in_subquery(visible.clone()))
            .add_group_by([Expr::col(issue_event::Column::LeadDepartmentId)])
            .to_owned();
        self.count_by_department(&query, "lead_department_id").await
    }

    /// Decided (or since closed) cases per subject department.
    async fn cases_decided_by_department(&self) -> AppResult<HashMap<i64, u64>> {
        let query = Query::select()
            .column(accountability_case::Column::DepartmentId)
            .expr_as(
                Func::count(Expr::col(accountability_case::Column::Id)).cast_as(Alias::new("BIGINT")),
                Alias::new("n"),
            )
            .from(accountability_case::Entity)
            .and_where(Expr::col(accountability_case::Column::DepartmentId).is_not_null())
            .and_where(
                Expr::col(accountability_case::Column::Status)
                    .is_in([api_name(&CaseStatus::Decided), api_name(&CaseStatus::Closed)]),
            )
            .and_where(Expr::col(accountability_case::Column::DecidedAt).is_not_null())
            .add_group_by([Expr::col(accountability_case::Column::DepartmentId)])
            .to_owned();
        self.count_by_department(&query, "department_id").await
    }

    async fn count_by_department(&self, query: &SelectStatement, column: &str) -> AppResult<HashMap<i64, u64>> {
        let mut found = HashMap::new();
        for row in self.conn().query_all(query).await? {
            let department: i64 = row.try_get("", column)?;
            let n: i64 = row.try_get("", "n")?;
            found.insert(department, u64::try_from(n).map_err(AppError::internal)?);
        }
        Ok(found)
    }
}
