//! Project applications at the new-project gate, and their statistics.

use async_graphql::{Context, ID, InputObject, Object};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::enums::ProjectApplicationStatus;
use crate::graphql::types::project::{
    ProjectApplication, ProjectApplicationConnection, ProjectApplicationDimension, ProjectApplicationStatistics,
};
use crate::service::project_gate::ApplicationFilter;
use crate::service::project_statistics::ProjectDimension as Dimension;

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
