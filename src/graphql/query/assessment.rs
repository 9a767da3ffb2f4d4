//! Assessment periods.

use async_graphql::{Context, Object};

use crate::graphql::context::ContextExt;
use crate::graphql::types::assessment::{AssessmentPeriod, AssessmentPeriodConnection};
use crate::graphql::types::connection::{TotalCount, page_cost};
use crate::service::pagination::PageArgs;

/// Assessment periods.
#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// Assessment periods, oldest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn assessment_periods(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<AssessmentPeriodConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_periods(principal, &PageArgs { first, after, last, before }).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_periods(&p).await });
        Ok(AssessmentPeriodConnection { page: page.map(AssessmentPeriod), total })
    }
}
