//! Reference data: departments and townships, inspection rounds, and the classification.

use async_graphql::{Context, Object};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::types::catalog::{Aspect, InspectionRound, InspectionRoundConnection};
use crate::graphql::types::connection::{TotalCount, list_cost, priced_list};
use crate::graphql::types::department::{Department, DepartmentConnection};
use crate::graphql::types::enums::DepartmentKind;

/// Reference data.
#[derive(Default)]
pub struct CatalogQuery;

#[connections]
#[Object]
impl CatalogQuery {
    /// Departments and townships, ordered by creation.
    #[paged(page_args)]
    #[allow(clippy::too_many_arguments)]
    async fn departments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only departments of this kind.")] kind: Option<DepartmentKind>,
        #[graphql(desc = "Include deactivated departments (default false).")] include_inactive: Option<bool>,
    ) -> async_graphql::Result<DepartmentConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let kind = kind.map(Into::into);
        let include_inactive = include_inactive.unwrap_or(false);
        let page = services.list_departments(principal, kind, include_inactive, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move {
            s.count_departments(&p, kind, include_inactive).await
        });
        Ok(DepartmentConnection { page: page.map(Department::from), total })
    }

    /// The department with this code, e.g. `WATER`.
    async fn department_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's code.")] code: String,
    ) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.services()?.department_by_code(ctx.principal()?, &code).await?.map(Department::from))
    }

    /// Inspection rounds, ordered by creation.
    #[paged(page_args)]
    async fn inspection_rounds(&self, ctx: &Context<'_>) -> async_graphql::Result<InspectionRoundConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_rounds(principal, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_rounds(&p).await });
        Ok(InspectionRoundConnection { page: page.map(InspectionRound::from), total })
    }

    /// The whole classification: every aspect, ordered by code, each with its categories.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn aspects(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Aspect>> {
        Ok(priced_list(
            ctx,
            ctx.services()?.list_aspects(ctx.principal()?).await?.into_iter().map(Aspect::from).collect(),
        ))
    }
}
