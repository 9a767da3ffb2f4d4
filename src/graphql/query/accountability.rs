//! Enterprises and accountability cases.

use async_graphql::{Context, ID, InputObject, Object};
use rectify_macros::connections;

use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::case::{AccountabilityCase, AccountabilityCaseConnection};
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::enterprise::{Enterprise, EnterpriseConnection};
use crate::graphql::types::enums::{AccountabilitySubjectType, CaseStatus};

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
    pub(super) fn into_service(self) -> AppResult<crate::service::enterprises::EnterpriseFilter> {
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
    pub(super) fn into_service(self) -> AppResult<crate::service::cases::CaseFilter> {
        Ok(crate::service::cases::CaseFilter {
            status: self.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            subject_type: self.subject_type.map(Into::into),
            department_id: ids::expect_opt(self.department_id.as_ref(), NodeKind::Department, "filter.departmentId")?,
            enterprise_id: ids::expect_opt(self.enterprise_id.as_ref(), NodeKind::Enterprise, "filter.enterpriseId")?,
            issue_id: ids::expect_opt(self.issue_id.as_ref(), NodeKind::Issue, "filter.issueId")?,
        })
    }
}

/// Enterprises and accountability cases.
#[derive(Default)]
pub struct AccountabilityQuery;

#[connections]
#[Object]
impl AccountabilityQuery {
    /// Registered enterprises, in registration order.
    #[paged(page_args)]
    #[allow(clippy::too_many_arguments)]
    async fn enterprises(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only enterprises matching every given field.")] filter: Option<EnterpriseFilterInput>,
    ) -> async_graphql::Result<EnterpriseConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.list_enterprises(principal, &filter, &page_args).await?;
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
    #[paged(page_args)]
    #[allow(clippy::too_many_arguments)]
    async fn accountability_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only cases matching every given field.")] filter: Option<CaseFilterInput>,
    ) -> async_graphql::Result<AccountabilityCaseConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.list_cases(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_cases(&p, &filter).await }
        });
        Ok(AccountabilityCaseConnection { page: page.map(AccountabilityCase), total })
    }
}
