//! The query root.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::ids::{self, NodeKind};
use super::loaders::prime_issue_relations;
use super::types::assessment::{AssessmentPeriod, AssessmentPeriodConnection};
use super::types::case::{AccountabilityCase, AccountabilityCaseConnection, CaseEvent};
use super::types::catalog::{Aspect, Category, InspectionRound, InspectionRoundConnection};
use super::types::connection::{TotalCount, list_cost, page_cost, priced_list};
use super::types::department::{Department, DepartmentConnection, Viewer};
use super::types::enterprise::{Enterprise, EnterpriseConnection};
use super::types::enums::{AccountabilitySubjectType, CaseStatus};
use super::types::enums::{DepartmentKind, IssueOrderField, IssueStatus, OrderDirection, Severity};
use super::types::field_work::{
    DeadlineExtension, Milestone, ProgressReport, SiteInspection, SiteInspectionConnection,
};
use super::types::issue::{Issue, IssueConnection, IssueEvent, issue_columns};
use super::types::node::Node;
use super::types::scalars::Date;
use super::types::user::{User, UserConnection};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::graphql::types::monthly_report::{MonthlyReport, MonthlyReportConnection};
use crate::graphql::types::statistics::{DepartmentScore, TrendInterval, TrendPoint};
use crate::service::Services;
use crate::service::issues::{self as issue_service, IssueOrder as ServiceOrder};
use crate::service::pagination::PageArgs;

/// The most ids `nodes` takes at once.
const MAX_NODES: usize = 100;

/// Narrows an issue list; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "IssueFilter")]
pub struct IssueFilterInput {
    /// Any of these statuses.
    pub status: Option<Vec<IssueStatus>>,
    /// This severity.
    pub severity: Option<Severity>,
    /// Found by this inspection round.
    pub round_id: Option<ID>,
    /// In a category of this aspect.
    pub aspect_id: Option<ID>,
    /// In this category.
    pub category_id: Option<ID>,
    /// Led by this department.
    pub lead_department_id: Option<ID>,
    /// Led by this department, or with it as a cooperating unit.
    pub department_id: Option<ID>,
    /// Listed for special supervision (true) or not (false).
    pub supervised: Option<bool>,
    /// Overdue (true) or not overdue (false), as of today in the county.
    pub overdue: Option<bool>,
    /// With a deadline before this date.
    pub deadline_before: Option<Date>,
    /// Changed at or after this instant (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
    /// Text contained in the code, title, description or location (case-insensitive).
    pub search: Option<String>,
    /// Naming this enterprise.
    pub enterprise_id: Option<ID>,
}

impl IssueFilterInput {
    fn into_service(self) -> AppResult<issue_service::IssueFilter> {
        let id = |value: Option<&ID>, kind, field: &str| ids::expect_opt(value, kind, &format!("filter.{field}"));
        Ok(issue_service::IssueFilter {
            status: self.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            severity: self.severity.map(Into::into),
            round_id: id(self.round_id.as_ref(), NodeKind::InspectionRound, "roundId")?,
            aspect_id: id(self.aspect_id.as_ref(), NodeKind::Aspect, "aspectId")?,
            category_id: id(self.category_id.as_ref(), NodeKind::Category, "categoryId")?,
            lead_department_id: id(self.lead_department_id.as_ref(), NodeKind::Department, "leadDepartmentId")?,
            department_id: id(self.department_id.as_ref(), NodeKind::Department, "departmentId")?,
            supervised: self.supervised,
            overdue: self.overdue,
            deadline_before: self.deadline_before.map(|d| d.0),
            updated_since: self.updated_since,
            search: self.search,
            enterprise_id: id(self.enterprise_id.as_ref(), NodeKind::Enterprise, "enterpriseId")?,
        })
    }
}

/// Narrows an enterprise list; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "EnterpriseFilter")]
pub struct EnterpriseFilterInput {
    /// Text in the name or the credit code (case-insensitive).
    pub search: Option<String>,
    /// In this township.
    pub township_id: Option<ID>,
    /// Repeat offenders only (true) or none of them (false).
    pub repeat_offender: Option<bool>,
}

impl EnterpriseFilterInput {
    fn into_service(self) -> AppResult<crate::service::enterprises::EnterpriseFilter> {
        Ok(crate::service::enterprises::EnterpriseFilter {
            search: self.search,
            township_id: ids::expect_opt(self.township_id.as_ref(), NodeKind::Department, "filter.townshipId")?,
            repeat_offender: self.repeat_offender,
        })
    }
}

/// Narrows a case list; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "CaseFilter")]
pub struct CaseFilterInput {
    /// Any of these statuses.
    pub status: Option<Vec<CaseStatus>>,
    /// Against this kind of subject.
    pub subject_type: Option<AccountabilitySubjectType>,
    /// About this department or one of its officials.
    pub department_id: Option<ID>,
    /// Against this enterprise.
    pub enterprise_id: Option<ID>,
    /// Linked to this issue.
    pub issue_id: Option<ID>,
}

impl CaseFilterInput {
    fn into_service(self) -> AppResult<crate::service::cases::CaseFilter> {
        Ok(crate::service::cases::CaseFilter {
            status: self.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            subject_type: self.subject_type.map(Into::into),
            department_id: ids::expect_opt(self.department_id.as_ref(), NodeKind::Department, "filter.departmentId")?,
            enterprise_id: ids::expect_opt(self.enterprise_id.as_ref(), NodeKind::Enterprise, "filter.enterpriseId")?,
            issue_id: ids::expect_opt(self.issue_id.as_ref(), NodeKind::Issue, "filter.issueId")?,
        })
    }
}

/// The order of an issue list; ties are broken by id, so pages never skip or repeat an issue.
#[derive(InputObject, Clone, Copy)]
#[graphql(name = "IssueOrder")]
pub struct IssueOrderInput {
    /// The sort key.
    pub field: IssueOrderField,
    /// The direction.
    pub direction: OrderDirection,
}

impl From<IssueOrderInput> for ServiceOrder {
    fn from(order: IssueOrderInput) -> Self {
        use issue_service::IssueOrderField as F;
        let field = match order.field {
            IssueOrderField::Code => F::Code,
            IssueOrderField::CreatedAt => F::CreatedAt,
            IssueOrderField::UpdatedAt => F::UpdatedAt,
            IssueOrderField::Deadline => F::Deadline,
        };
        ServiceOrder::new(field, order.direction == OrderDirection::Desc)
    }
}

pub struct QueryRoot;

/// Everything there is to read. Every field needs a bearer token.
#[Object(name = "Query")]
impl QueryRoot {
    /// The signed-in user, as the token describes them.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(ctx.principal()?.clone()))
    }

    /// Any object by its global id; `null` when it does not exist or the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let mut found = resolve_nodes(ctx.services()?, ctx.principal()?, std::slice::from_ref(&id)).await?;
        Ok(found.pop().flatten())
    }

    /// Objects by their global ids, in the order asked (at most 100); each is `null` when it
    /// does not exist or the viewer may not see it.
    #[graphql(complexity = "ids.len().max(1) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most 100).")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input("ids", format!("`ids` may hold at most {MAX_NODES} ids")).into());
        }
        Ok(resolve_nodes(ctx.services()?, ctx.principal()?, &ids).await?)
    }

    /// Departments and townships, ordered by creation.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn departments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only departments of this kind.")] kind: Option<DepartmentKind>,
        #[graphql(desc = "Include deactivated departments (default false).")] include_inactive: Option<bool>,
    ) -> async_graphql::Result<DepartmentConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let kind = kind.map(Into::into);
        let include_inactive = include_inactive.unwrap_or(false);
        let page = services
            .list_departments(principal, kind, include_inactive, &PageArgs { first, after, last, before })
            .await?;
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
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn inspection_rounds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<InspectionRoundConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_rounds(principal, &PageArgs { first, after, last, before }).await?;
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
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn monthly_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<MonthlyReportConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.monthly_reports(principal, &PageArgs { first, after, last, before }).await?;
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

    /// Issues the viewer may see (a department: those it leads or cooperates on), filtered and
    /// ordered; newest first by default.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only issues matching every given field.")] filter: Option<IssueFilterInput>,
        #[graphql(desc = "The order; `CREATED_AT DESC` when left out.")] order_by: Option<IssueOrderInput>,
    ) -> async_graphql::Result<IssueConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let args = PageArgs { first, after, last, before };
        let page = services.list_issues(principal, &filter, order, &args, issue_columns(ctx)).await?;
        let ids: Vec<i64> = page.items.iter().map(|(_, issue)| issue.id).collect();
        prime_issue_relations(ctx, services, &ids).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_issues(&p, &filter).await }
        });
        Ok(IssueConnection { page: page.map(Issue), total })
    }

    /// The issue with this id; `null` when it does not exist or the viewer may not see it.
    async fn issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue's global id.")] id: ID,
    ) -> async_graphql::Result<Option<Issue>> {
        let Some((NodeKind::Issue, row)) = ids::decode(&id) else { return Ok(None) };
        Ok(ctx.services()?.issue(ctx.principal()?, row).await?.map(Issue))
    }

    /// The issue with this code; `null` when there is none the viewer may see.
    async fn issue_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue's code.")] code: String,
    ) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.services()?.issue_by_code(ctx.principal()?, &code).await?.map(Issue))
    }

    /// Registered enterprises, in registration order.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn enterprises(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only enterprises matching every given field.")] filter: Option<EnterpriseFilterInput>,
    ) -> async_graphql::Result<EnterpriseConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.list_enterprises(principal, &filter, &PageArgs { first, after, last, before }).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_enterprises(&p, &filter).await }
        });
        Ok(EnterpriseConnection { page: page.map(Enterprise), total })
    }

    /// The enterprise with this unified social credit code.
    async fn enterprise_by_credit_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The 18-character unified social credit code.")] credit_code: String,
    ) -> async_graphql::Result<Option<Enterprise>> {
        Ok(ctx.services()?.enterprise_by_credit_code(ctx.principal()?, &credit_code).await?.map(Enterprise))
    }

    /// Accountability cases the viewer may see (a department: those about itself or its
    /// officials), in opening order.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn accountability_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
        #[graphql(desc = "Only cases matching every given field.")] filter: Option<CaseFilterInput>,
    ) -> async_graphql::Result<AccountabilityCaseConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.list_cases(principal, &filter, &PageArgs { first, after, last, before }).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_cases(&p, &filter).await }
        });
        Ok(AccountabilityCaseConnection { page: page.map(AccountabilityCase), total })
    }

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

    /// Local users (ADMIN only).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_users(principal, &PageArgs { first, after, last, before }).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_users(&p).await });
        Ok(UserConnection { page: page.map(User), total })
    }
}

/// Fetches global ids in as few statements as there are kinds among them, keeping the order.
async fn resolve_nodes(services: &Services, principal: &Principal, wanted: &[ID]) -> AppResult<Vec<Option<Node>>> {
    let decoded: Vec<Option<(NodeKind, i64)>> = wanted.iter().map(ids::decode).collect();
    let of_kind = |kind: NodeKind| -> Vec<i64> {
        decoded.iter().flatten().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect()
    };
    let mut found: HashMap<(NodeKind, i64), Node> = HashMap::new();
    let mut keep = |kind: NodeKind, nodes: Vec<(i64, Node)>| {
        for (id, node) in nodes {
            found.insert((kind, id), node);
        }
    };
    macro_rules! fetch {
        ($kind:expr, $call:expr, $wrap:expr) => {
            let wanted_ids = of_kind($kind);
            if !wanted_ids.is_empty() {
                let rows = $call(wanted_ids).await?;
                keep($kind, rows.into_iter().map(|(id, row)| (id, $wrap(row))).collect());
            }
        };
    }
    fetch!(NodeKind::Department, |ids: Vec<i64>| async move { services.departments_by_ids(&ids).await }, |r| {
        Node::Department(Department::from(r))
    });
    fetch!(NodeKind::InspectionRound, |ids: Vec<i64>| async move { services.rounds_by_ids(&ids).await }, |r| {
        Node::InspectionRound(InspectionRound::from(r))
    });
    fetch!(NodeKind::Aspect, |ids: Vec<i64>| async move { services.aspects_by_ids(&ids).await }, |r| Node::Aspect(
        Aspect::from(r)
    ));
    fetch!(NodeKind::Category, |ids: Vec<i64>| async move { services.categories_by_ids(&ids).await }, |r| {
        Node::Category(Category::from(r))
    });
    fetch!(NodeKind::Issue, |ids: Vec<i64>| async move { services.issues_by_ids(principal, &ids).await }, |r| {
        Node::Issue(Issue(r))
    });
    fetch!(
        NodeKind::IssueEvent,
        |ids: Vec<i64>| async move { services.issue_events_by_ids(principal, &ids).await },
        |r| Node::IssueEvent(IssueEvent(r))
    );
    fetch!(
        NodeKind::User,
        |ids: Vec<i64>| async move { services.users_by_ids(principal, &ids).await },
        |r| Node::User(User(r))
    );
    fetch!(NodeKind::Enterprise, |ids: Vec<i64>| async move { services.enterprises_by_ids(&ids).await }, |r| {
        Node::Enterprise(Enterprise(r))
    });
    fetch!(
        NodeKind::AccountabilityCase,
        |ids: Vec<i64>| async move { services.cases_by_ids(principal, &ids).await },
        |r| Node::AccountabilityCase(AccountabilityCase(r))
    );
    fetch!(
        NodeKind::CaseEvent,
        |ids: Vec<i64>| async move { services.case_events_by_ids(principal, &ids).await },
        |r| Node::CaseEvent(CaseEvent(r))
    );
    fetch!(
        NodeKind::AssessmentPeriod,
        |ids: Vec<i64>| async move { services.periods_by_ids(principal, &ids).await },
        |r| Node::AssessmentPeriod(AssessmentPeriod(r))
    );
    fetch!(
        NodeKind::Milestone,
        |ids: Vec<i64>| async move { services.milestones_by_ids(principal, &ids).await },
        |(r, completed)| { Node::Milestone(Milestone(r, completed)) }
    );
    fetch!(
        NodeKind::ProgressReport,
        |ids: Vec<i64>| async move { services.progress_reports_by_ids(principal, &ids).await },
        |r| { Node::ProgressReport(ProgressReport(r)) }
    );
    fetch!(
        NodeKind::SiteInspection,
        |ids: Vec<i64>| async move { services.site_inspections_by_ids(principal, &ids).await },
        |r| { Node::SiteInspection(SiteInspection(r)) }
    );
    fetch!(
        NodeKind::DeadlineExtension,
        |ids: Vec<i64>| async move { services.extensions_by_ids(principal, &ids).await },
        |r| { Node::DeadlineExtension(DeadlineExtension(r)) }
    );
    fetch!(
        NodeKind::MonthlyReport,
        |ids: Vec<i64>| async move {
            let rows = services.monthly_reports_by_ids(principal, &ids).await?;
            rows.into_iter().map(|(id, row)| Ok((id, MonthlyReport::new(row)?))).collect::<AppResult<HashMap<_, _>>>()
        },
        Node::MonthlyReport
    );
    fetch!(NodeKind::Evidence, |ids: Vec<i64>| async move { services.evidence_by_ids(principal, &ids).await }, |r| {
        Node::Evidence(crate::graphql::types::evidence::Evidence(r))
    });
    Ok(decoded.into_iter().map(|key| key.and_then(|key| found.get(&key).cloned())).collect())
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
