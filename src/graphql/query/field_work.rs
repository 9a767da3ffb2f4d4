//! Suspected new problems: site inspections not yet linked to an issue.

use async_graphql::{Context, Object};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::field_work::{SiteInspection, SiteInspectionConnection};

/// Suspected new problems.
#[derive(Default)]
pub struct FieldWorkQuery;

#[connections]
#[Object]
impl FieldWorkQuery {
    /// Suspected new problems: site inspections not yet linked to an issue, oldest first
    /// (BUREAU, LEADER, INSPECTOR, SUPERIOR). `registerIssue(siteInspectionId:)` turns one into
    /// an issue.
    #[paged(page_args)]
    async fn suspected_problems(&self, ctx: &Context<'_>) -> async_graphql::Result<SiteInspectionConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.suspected_problems(principal, &page_args).await?;
        let total =
            TotalCount::counted(services, principal, move |s, p| async move { s.count_suspected_problems(&p).await });
        Ok(SiteInspectionConnection { page: page.map(SiteInspection), total })
    }
}
