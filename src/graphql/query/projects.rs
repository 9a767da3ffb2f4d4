//! Project applications at the new-project gate, and their statistics.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind, encode};
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::enums::ProjectApplicationStatus;
use crate::graphql::types::project::{ProjectApplication, ProjectApplicationConnection};
use crate::service::project_gate::ApplicationFilter;
use crate::service::project_statistics::{ProjectCounts, ProjectDimension as Dimension, ProjectStatistics};

/// Narrows a list of project applications; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "ProjectApplicationFilter")]
pub struct ProjectApplicationFilterInput {
    /// Pending, approved or refused.
    pub status: Option<ProjectApplicationStatus>,
    /// Of this enterprise.
    pub enterprise_id: Option<ID>,
    /// In this township.
    pub township_id: Option<ID>,
    /// Of this industry (the exact text registered).
    pub industry: Option<String>,
}

impl ProjectApplicationFilterInput {
    fn into_service(self) -> async_graphql::Result<ApplicationFilter> {
        Ok(ApplicationFilter {
            status: self.status.map(Into::into),
            enterprise_id: ids::expect_opt(self.enterprise_id.as_ref(), NodeKind::Enterprise, "filter.enterpriseId")?,
            township_id: ids::expect_opt(self.township_id.as_ref(), NodeKind::Department, "filter.townshipId")?,
            industry: self.industry,
        })
    }
}

/// What project applications can be grouped by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::project_statistics::ProjectDimension")]
pub enum ProjectApplicationDimension {
    /// The status (key: `PENDING`, `APPROVED` or `REFUSED`).
    Status,
    /// The township (key: its global id).
    Township,
    /// The industry (key: the text registered).
    Industry,
}

/// Counts of a set of project applications.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProjectApplicationCounts {
    /// Applications counted.
    pub total: i64,
    /// Not yet decided.
    pub pending: i64,
    /// Approved.
    pub approved: i64,
    /// Refused.
    pub refused: i64,
    /// Decided while the gate was blocked (refused, or approved on a leader's instruction).
    pub decided_while_blocked: i64,
    /// Approved over a blocked gate, on a leader's instruction.
    pub approved_over_block: i64,
    /// Refused of decided, from 0 to 1; null before any decision.
    pub refusal_rate: Option<f64>,
}

impl From<&ProjectCounts> for ProjectApplicationCounts {
    fn from(c: &ProjectCounts) -> Self {
        Self {
            total: c.total,
            pending: c.pending,
            approved: c.approved,
            refused: c.refused,
            decided_while_blocked: c.decided_while_blocked,
            approved_over_block: c.approved_over_block,
            refusal_rate: c.refusal_rate(),
        }
    }
}

/// The applications sharing one value of each dimension asked for.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProjectApplicationGroup {
    /// One key per dimension, in the order of `groupBy`.
    pub key: Vec<String>,
    #[graphql(flatten)]
    pub counts: ProjectApplicationCounts,
}

/// Counts of the project applications asked for, in total and by group.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProjectApplicationStatistics {
    #[graphql(flatten)]
    pub counts: ProjectApplicationCounts,
    /// One entry per combination of dimension values that has applications, ordered by key;
    /// empty without `groupBy`.
    pub groups: Vec<ProjectApplicationGroup>,
}

impl ProjectApplicationStatistics {
    fn build(dimensions: &[Dimension], raw: &ProjectStatistics) -> Self {
        let groups = raw
            .groups
            .iter()
            .map(|group| {
                let key = dimensions
                    .iter()
                    .zip(&group.key)
                    .map(|(dimension, value)| match (dimension, value.parse::<i64>()) {
                        (Dimension::Township, Ok(id)) => encode(NodeKind::Department, id).to_string(),
                        _ => value.clone(),
                    })
                    .collect();
                ProjectApplicationGroup { key, counts: (&group.counts).into() }
            })
            .collect();
        Self { counts: (&raw.counts).into(), groups }
    }
}

/// Project applications.
#[derive(Default)]
pub struct ProjectQuery;

#[connections]
#[Object]
impl ProjectQuery {
    /// Project applications, newest first (BUREAU, LEADER, SUPERIOR).
    #[paged(page_args)]
    async fn project_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only applications matching every given field.")] filter: Option<
            ProjectApplicationFilterInput,
        >,
    ) -> async_graphql::Result<ProjectApplicationConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.project_applications(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_project_applications(&p, &filter).await }
        });
        Ok(ProjectApplicationConnection { page: page.map(ProjectApplication), total })
    }

    /// Counts of project applications (BUREAU, LEADER, SUPERIOR): approved, refused, decided
    /// while the gate was blocked, in total and grouped.
    #[graphql(complexity = "1000 + child_complexity")]
    async fn project_application_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only applications matching every given field.")] filter: Option<
            ProjectApplicationFilterInput,
        >,
        #[graphql(desc = "Group by these dimensions, in this order (each once).")] group_by: Option<
            Vec<ProjectApplicationDimension>,
        >,
    ) -> async_graphql::Result<ProjectApplicationStatistics> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let dimensions: Vec<Dimension> = group_by.unwrap_or_default().into_iter().map(Into::into).collect();
        let raw = services.project_statistics(principal, &filter, &dimensions).await?;
        Ok(ProjectApplicationStatistics::build(&dimensions, &raw))
    }
}
