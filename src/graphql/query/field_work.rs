//! Suspected new problems: site inspections not yet linked to an issue.

use async_graphql::{Context, Object};

use crate::graphql::context::ContextExt;
use crate::graphql::types::connection::{TotalCount, page_cost};
use crate::graphql::types::field_work::{SiteInspection, SiteInspectionConnection};
use crate::service::pagination::PageArgs;

/// Suspected new problems.
#[derive(Default)]
pub struct FieldWorkQuery;

#[Object]
impl FieldWorkQuery {
    /// Suspected new problems: site inspections not yet linked to an issue, oldest first
    /// (BUREAU, LEADER, INSPECTOR, SUPERIOR). `registerIssue(siteInspectionId:)` turns one into
    /// an issue.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn suspected_problems(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<SiteInspectionConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.suspected_problems(principal, &PageArgs { first, after, last, before }).await?;
        let total =
            TotalCount::counted(services, principal, move |s, p| async move { s.count_suspected_problems(&p).await });
        Ok(SiteInspectionConnection { page: page.map(SiteInspection), total })
    }
}
