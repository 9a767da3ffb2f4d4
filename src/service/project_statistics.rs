//! Counts of project applications for superior agencies: how many the gate let through, and
//! how many it stopped, in total and by township, industry or status.

use entity::enums::ProjectApplicationStatus;
use entity::project_application;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SimpleExpr};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryResult, QuerySelect, QueryTrait};

use super::Services;
use super::policy::{Action, authorize};
use super::project_gate::ApplicationFilter;
use super::statistics::count_if;
use crate::auth::Principal;
use crate::error::AppResult;

/// What applications can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectDimension {
    Status,
    Township,
    Industry,
}

/// Counts of a set of applications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectCounts {
    pub total: i64,
    pub pending: i64,
    pub approved: i64,
    pub refused: i64,
    /// Decided while the gate was blocked.
    pub decided_while_blocked: i64,
    /// Approved over a blocked gate, on a leader's instruction.
    pub approved_over_block: i64,
}

/// One group: its key per dimension (a township id, an industry, a status) and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectGroup {
    pub key: Vec<String>,
    pub counts: ProjectCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectStatistics {
    pub counts: ProjectCounts,
    pub groups: Vec<ProjectGroup>,
}

impl ProjectCounts {
    /// Refused of decided; `None` before any decision.
    pub fn refusal_rate(&self) -> Option<f64> {
        let decided = self.approved + self.refused;
        (decided > 0).then(|| self.refused as f64 / decided as f64)
    }

    fn add(&mut self, other: &ProjectCounts) {
        self.total += other.total;
        self.pending += other.pending;
        self.approved += other.approved;
        self.refused += other.refused;
        self.decided_while_blocked += other.decided_while_blocked;
        self.approved_over_block += other.approved_over_block;
    }
}

impl Services {
    /// Statistics of the applications matching `filter`, grouped by `dimensions` in order.
    pub async fn project_statistics(
        &self,
        actor: &Principal,
        filter: &ApplicationFilter,
        dimensions: &[ProjectDimension],
    ) -> AppResult<ProjectStatistics> {
        authorize(actor, Action::ReadProjectApplications)?;
        if dimensions.iter().enumerate().any(|(n, d)| dimensions[..n].contains(d)) {
            return Err(crate::error::AppError::bad_input("groupBy", "name each dimension once"));
        }
        let column = |c: project_application::Column| -> SimpleExpr { Expr::col((project_application::Entity, c)) };
        let status =
            |s: ProjectApplicationStatus| column(project_application::Column::Status).eq(crate::domain::api_name(&s));
        let blocked = column(project_application::Column::BlockedAtDecision).eq(true);
        let mut select = project_application::Entity::find()
            .select_only()
            .filter(Self::application_condition(filter))
            .expr_as(Expr::cust("COUNT(*)").cast_as(Alias::new("BIGINT")), "total")
            .expr_as(count_if(status(ProjectApplicationStatus::Pending)), "pending")
            .expr_as(count_if(status(ProjectApplicationStatus::Approved)), "approved")
            .expr_as(count_if(status(ProjectApplicationStatus::Refused)), "refused")
            .expr_as(count_if(blocked.clone()), "decided_while_blocked")
            .expr_as(count_if(blocked.and(status(ProjectApplicationStatus::Approved))), "approved_over_block");
        for (n, dimension) in dimensions.iter().enumerate() {
            let expr = match dimension {
                ProjectDimension::Status => column(project_application::Column::Status),
                ProjectDimension::Township => column(project_application::Column::TownshipId),
                ProjectDimension::Industry => column(project_application::Column::Industry),
            }
            .cast_as(Alias::new("TEXT"));
            select = select.expr_as(expr.clone(), format!("k{n}")).group_by(expr);
        }
        let rows = self.conn().query_all(&select.into_query()).await?;
        let mut statistics = ProjectStatistics::default();
        for row in rows {
            let counts = ProjectCounts::read(&row)?;
            statistics.counts.add(&counts);
            if !dimensions.is_empty() {
                let key = (0..dimensions.len())
                    .map(|n| row.try_get::<Option<String>>("", &format!("k{n}")).map(Option::unwrap_or_default))
                    .collect::<Result<Vec<_>, _>>()?;
                statistics.groups.push(ProjectGroup { key, counts });
            }
        }
        statistics.groups.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(statistics)
    }
}

impl ProjectCounts {
    fn read(row: &QueryResult) -> AppResult<Self> {
        let get = |name: &str| row.try_get::<i64>("", name);
        Ok(ProjectCounts {
            total: get("total")?,
            pending: get("pending")?,
            approved: get("approved")?,
            refused: get("refused")?,
            decided_while_blocked: get("decided_while_blocked")?,
            approved_over_block: get("approved_over_block")?,
        })
    }
}
