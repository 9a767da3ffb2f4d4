//! The leaders' instruments and the checks around a closure: written instructions,
//! assignment disputes, objections to public notices.

use async_graphql::{Context, ID, InputObject, Object};
use rectify_macros::connections;

use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::dispute::{AssignmentDispute, AssignmentDisputeConnection, DisputeStatus};
use crate::graphql::types::instruction::{Instruction, InstructionConnection, InstructionStatus};
use crate::graphql::types::objection::{NoticeObjection, NoticeObjectionConnection, ObjectionStatus};
use crate::service::disputes::DisputeFilter;
use crate::service::objections::ObjectionFilter;
use crate::service::reminders::ReminderFilter;

/// Narrows a list of instructions; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "InstructionFilter")]
pub struct InstructionFilterInput {
    /// Open, answered or overdue, as of today in the county.
    pub status: Option<InstructionStatus>,
    /// Addressed to this department.
    pub department_id: Option<ID>,
    /// About this issue.
    pub issue_id: Option<ID>,
}

impl InstructionFilterInput {
    fn into_service(self) -> AppResult<ReminderFilter> {
        super::supervision::addressed_filter(
            self.status.map(Into::into),
            self.department_id.as_ref(),
            self.issue_id.as_ref(),
        )
    }
}

/// Narrows a list of assignment disputes; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "AssignmentDisputeFilter")]
pub struct AssignmentDisputeFilterInput {
    /// Open, upheld or reassigned.
    pub status: Option<DisputeStatus>,
    /// Raised by this department.
    pub department_id: Option<ID>,
    /// About this issue.
    pub issue_id: Option<ID>,
}

/// Narrows a list of objections to public notices; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "NoticeObjectionFilter")]
pub struct NoticeObjectionFilterInput {
    /// Open, dismissed or upheld.
    pub status: Option<ObjectionStatus>,
    /// About this issue.
    pub issue_id: Option<ID>,
}

/// Instructions, disputes and objections.
#[derive(Default)]
pub struct LeadershipQuery;

#[connections]
#[Object]
impl LeadershipQuery {
    /// Leaders' instructions on the issues the viewer may see, newest first.
    #[paged(page_args)]
    async fn instructions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only instructions matching every given field.")] filter: Option<InstructionFilterInput>,
    ) -> async_graphql::Result<InstructionConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.instructions(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_instructions(&p, &filter).await }
        });
        Ok(InstructionConnection { page: page.map(Instruction), total })
    }

    /// Assignment disputes about the issues the viewer may see, newest first.
    #[paged(page_args)]
    async fn assignment_disputes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only disputes matching every given field.")] filter: Option<AssignmentDisputeFilterInput>,
    ) -> async_graphql::Result<AssignmentDisputeConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default();
        let filter = DisputeFilter {
            status: filter.status.map(Into::into),
            department_id: ids::expect_opt(filter.department_id.as_ref(), NodeKind::Department, "filter.departmentId")?,
            issue_id: ids::expect_opt(filter.issue_id.as_ref(), NodeKind::Issue, "filter.issueId")?,
        };
        let page = services.disputes(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_disputes(&p, &filter).await }
        });
        Ok(AssignmentDisputeConnection { page: page.map(AssignmentDispute), total })
    }

    /// Objections to public notices of the issues the viewer may see, newest first.
    #[paged(page_args)]
    async fn notice_objections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only objections matching every given field.")] filter: Option<NoticeObjectionFilterInput>,
    ) -> async_graphql::Result<NoticeObjectionConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default();
        let filter = ObjectionFilter {
            status: filter.status.map(Into::into),
            issue_id: ids::expect_opt(filter.issue_id.as_ref(), NodeKind::Issue, "filter.issueId")?,
        };
        let page = services.notice_objections(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_notice_objections(&p, &filter).await }
        });
        Ok(NoticeObjectionConnection { page: page.map(NoticeObjection), total })
    }
}
