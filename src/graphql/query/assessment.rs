//! Assessment periods.

use async_graphql::{Context, Object};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::types::assessment::{AssessmentPeriod, AssessmentPeriodConnection};
use crate::graphql::types::connection::TotalCount;

/// Assessment periods.
#[derive(Default)]
pub struct AssessmentQuery;

#[connections]
#[Object]
impl AssessmentQuery {
    /// Assessment periods, oldest first.
    #[paged(page_args)]
    async fn assessment_periods(&self, ctx: &Context<'_>) -> async_graphql::Result<AssessmentPeriodConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_periods(principal, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_periods(&p).await });
        Ok(AssessmentPeriodConnection { page: page.map(AssessmentPeriod), total })
    }
}
