//! Reading issues: the filtered, ordered list and single issues by id or code, with the
//! filter and order inputs that the reports share.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use rectify_macros::connections;

use crate::domain::distance::Point;
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::prime_issue_relations;
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::enums::{
    IssueOrderField, IssueStatus, OrderDirection, Severity, SupervisionLevel, WarningLight,
};
use crate::graphql::types::issue::{Issue, IssueConnection, issue_columns, issue_fields_columns};
use crate::graphql::types::scalars::Date;
use crate::service::issues::{self as issue_service, IssueOrder as ServiceOrder};

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
    /// With any of these warning lights, as of today in the county.
    pub warning_light: Option<Vec<WarningLight>>,
    /// With a deadline before this date.
    pub deadline_before: Option<Date>,
    /// Changed at or after this instant (for incremental sync).
    pub updated_since: Option<DateTime<Utc>>,
    /// Text contained in the code, title, description or location (case-insensitive).
    pub search: Option<String>,
    /// Naming this enterprise.
    pub enterprise_id: Option<ID>,
    /// With this LEADER user in charge (a leader's "my issues": `viewer`'s user id).
    pub leader_id: Option<ID>,
    /// With (true) or without (false) an assignment dispute raised, whatever its ruling.
    pub disputed: Option<bool>,
    /// With (true) or without (false) an objection to a public notice recorded.
    pub objected: Option<bool>,
    /// Sampled (true) or never sampled (false) by a look-back campaign.
    pub looked_back: Option<bool>,
    /// In this township (a TOWNSHIP department), as statistics group by `TOWNSHIP`.
    pub township_id: Option<ID>,
    /// Needing engineering works (true) or not (false).
    pub requires_engineering: Option<bool>,
    /// Listed for special supervision at any of these levels, as statistics group by
    /// `SUPERVISION_LEVEL`.
    pub supervision_level: Option<Vec<SupervisionLevel>>,
    /// With a deadline on or after this date; with `deadlineBefore`, a month of deadlines as
    /// statistics group by `DEADLINE_MONTH` (e.g. from 2026-04-01, before 2026-05-01).
    pub deadline_from: Option<Date>,
    /// With a place within `radiusMeters` of a point, for an inspector on site; the list is
    /// then ordered nearest first (leave `orderBy` out), and each issue's `distanceFrom` gives
    /// its distance.
    pub near: Option<NearInput>,
}

/// A point and a radius around it.
#[derive(InputObject, Clone, Copy)]
#[graphql(name = "Near")]
pub struct NearInput {
    /// Latitude (WGS 84) of the point, e.g. where the phone is.
    pub latitude: f64,
    /// Longitude (WGS 84) of the point.
    pub longitude: f64,
    /// The radius in metres, at least 1; a radius over the most allowed is refused with
    /// `BAD_USER_INPUT`, whose message gives it.
    pub radius_meters: f64,
}

impl IssueFilterInput {
    pub(crate) fn into_service(self) -> AppResult<issue_service::IssueFilter> {
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
            warning_light: self.warning_light.unwrap_or_default().into_iter().map(Into::into).collect(),
            deadline_before: self.deadline_before.map(|d| d.0),
            updated_since: self.updated_since,
            search: self.search,
            enterprise_id: id(self.enterprise_id.as_ref(), NodeKind::Enterprise, "enterpriseId")?,
            leader_id: id(self.leader_id.as_ref(), NodeKind::User, "leaderId")?,
            disputed: self.disputed,
            objected: self.objected,
            looked_back: self.looked_back,
            township_id: id(self.township_id.as_ref(), NodeKind::Department, "townshipId")?,
            requires_engineering: self.requires_engineering,
            supervision_level: self.supervision_level.unwrap_or_default().into_iter().map(Into::into).collect(),
            deadline_from: self.deadline_from.map(|d| d.0),
            near: self.near.map(|near| issue_service::Near {
                center: Point { latitude: near.latitude, longitude: near.longitude },
                radius_meters: near.radius_meters,
            }),
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

/// Issues.
#[derive(Default)]
pub struct IssueQuery;

#[connections]
#[Object]
impl IssueQuery {
    /// Issues the viewer may see (a department: those it leads or cooperates on), filtered and
    /// ordered; newest first by default.
    #[paged(page_args)]
    #[allow(clippy::too_many_arguments)]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only issues matching every given field.")] filter: Option<IssueFilterInput>,
        #[graphql(desc = "The order; `CREATED_AT DESC` when left out.")] order_by: Option<IssueOrderInput>,
    ) -> async_graphql::Result<IssueConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        if filter.near.is_some() && order_by.is_some() {
            return Err(
                AppError::bad_input("orderBy", "`near` orders the list nearest first: leave `orderBy` out").into()
            );
        }
        let order = order_by.map(Into::into).unwrap_or_default();
        let page = services.list_issues(principal, &filter, order, &page_args, issue_columns(ctx)).await?;
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
        // Only the columns its selection reads, as a list page does.
        let columns = issue_fields_columns(ctx.field().selection_set());
        Ok(ctx.services()?.issue_reading(ctx.principal()?, row, columns).await?.map(Issue))
    }

    /// Issues for an app that synced at `since` to drop, as global ids: those the viewer's
    /// department led or cooperated on at some time, that changed at or after `since`, and
    /// that it may no longer see (reassigned to others, a cooperating unit removed). An id the
    /// app does not hold can be ignored. Empty for the roles that see every issue, and when
    /// `since` is null (a first sync holds nothing). Ask it with the sync's `updatedSince`.
    async fn issues_no_longer_visible(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the last sync, as given to `updatedSince`; null on the first.")] since: Option<
            DateTime<Utc>,
        >,
    ) -> async_graphql::Result<Vec<ID>> {
        let Some(since) = since else { return Ok(Vec::new()) };
        let gone = ctx.services()?.issues_no_longer_visible(ctx.principal()?, since).await?;
        Ok(gone.into_iter().map(|id| ids::encode(NodeKind::Issue, id)).collect())
    }

    /// The issue with this code; `null` when there is none the viewer may see.
    async fn issue_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue's code.")] code: String,
    ) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.services()?.issue_by_code(ctx.principal()?, &code).await?.map(Issue))
    }
}
