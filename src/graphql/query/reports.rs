//! Figures over the ledger: statistics, the trend, the department scoreboard and the
//! submitted monthly reports.

use async_graphql::{Context, Object};
use rectify_macros::connections;

use super::issue::IssueFilterInput;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::monthly_report::{MonthlyReport, MonthlyReportConnection};
use crate::graphql::types::scalars::Date;
use crate::graphql::types::statistics::{DepartmentScore, TrendInterval, TrendPoint};

/// Figures over the ledger.
#[derive(Default)]
pub struct ReportsQuery;

#[connections]
#[Object]
impl ReportsQuery {
    /// Counts and rates of the issues the viewer may see (a department: its own), narrowed by
    /// `filter` and grouped by up to four dimensions; now, or as the ledger stood at the end of
    /// the county day `asOf` (rebuilt from the issues' events). With `asOf`, the filter picks
    /// issues by their fields today; their status, lead department, deadline, severity,
    /// category and supervision are those of that day.
    #[graphql(complexity = "5000 + child_complexity")]
    async fn issue_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only issues matching every given field.")] filter: Option<IssueFilterInput>,
        #[graphql(desc = "Group by these dimensions, in this order (at most four, each once).")] group_by: Option<
            Vec<crate::graphql::types::statistics::IssueDimension>,
        >,
        #[graphql(desc = "Count the ledger as it stood at the end of this county day (not after today).")]
        as_of: Option<Date>,
    ) -> async_graphql::Result<crate::graphql::types::statistics::IssueStatistics> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let dimensions: Vec<crate::service::statistics::Dimension> =
            group_by.unwrap_or_default().into_iter().map(Into::into).collect();
        let raw = services.issue_statistics(principal, &filter, &dimensions, as_of.map(|d| d.0)).await?;
        Ok(crate::graphql::types::statistics::IssueStatistics::build(&dimensions, &raw))
    }

    /// Per week or month from `from` to `to` (county days; at most 120 intervals): the issues
    /// registered, completed and closed in each interval, and those overdue and still open at its
    /// end, among the issues the viewer may see under `filter`. Each interval is counted on its
    /// own, so a trend costs 4,000 plus 1,000 an interval (and its fields): 20 intervals fit
    /// the default cost limit.
    #[graphql(complexity = "trend_cost(from.0, to.0, interval, child_complexity)")]
    async fn issue_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only issues matching every given field.")] filter: Option<IssueFilterInput>,
        #[graphql(desc = "The first day; the first interval is the one holding it.")] from: Date,
        #[graphql(desc = "The last day; the last interval is the one holding it.")] to: Date,
        #[graphql(desc = "Weeks (Monday to Sunday) or calendar months.")] interval: TrendInterval,
    ) -> async_graphql::Result<Vec<TrendPoint>> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let points = services.issue_trend(principal, &filter, from.0, to.0, interval.into()).await?;
        Ok(points.into_iter().map(Into::into).collect())
    }

    /// Every department (a department: itself only), by code: the issues it leads now under
    /// `filter`, with its rates, speed, failed acceptances, relapses and decided cases.
    #[graphql(complexity = "5000 + child_complexity")]
    async fn department_scoreboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only issues matching every given field.")] filter: Option<IssueFilterInput>,
    ) -> async_graphql::Result<Vec<DepartmentScore>> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let scores = services.department_scoreboard(principal, &filter).await?;
        Ok(scores.into_iter().map(DepartmentScore).collect())
    }

    /// Submitted monthly reports, in the order they were submitted (BUREAU, LEADER, SUPERIOR and
    /// ADMIN).
    #[paged(page_args)]
    async fn monthly_reports(&self, ctx: &Context<'_>) -> async_graphql::Result<MonthlyReportConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.monthly_reports(principal, &page_args).await?;
        let items = page
            .items
            .into_iter()
            .map(|(cursor, row)| Ok((cursor, MonthlyReport::new(row)?)))
            .collect::<AppResult<Vec<_>>>()?;
        let page = crate::service::pagination::Page {
            items,
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
        };
        let total = TotalCount::counted(services, principal, |s, p| async move { s.count_monthly_reports(&p).await });
        Ok(MonthlyReportConnection { page, total })
    }
}

/// What one trend point costs beyond its fields: the interval's own count of issues overdue
/// at its end, a query over every visible issue's history like `issueStatistics(asOf:)`.
const TREND_POINT_COST: usize = 1_000;
/// The trend's one query for the registrations, acceptances and closures of every interval.
const TREND_BASE_COST: usize = 4_000;

/// The price of `issueTrend`: the base query, and each point's own count and fields.
fn trend_cost(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    interval: TrendInterval,
    child_complexity: usize,
) -> usize {
    let points = crate::service::trend::point_count(from, to, interval.into());
    TREND_BASE_COST.saturating_add(points.saturating_mul(TREND_POINT_COST.saturating_add(child_complexity)))
}
