//! Look-back campaigns and their tasks.

use async_graphql::{Context, ID, InputObject, Object};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::look_back::{
    LookBackCampaign, LookBackCampaignConnection, LookBackTask, LookBackTaskConnection, LookBackTaskStatus,
};
use crate::service::look_back::TaskFilter;

/// Narrows a list of look-back tasks; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "LookBackTaskFilter")]
pub struct LookBackTaskFilterInput {
    /// Of this campaign.
    pub campaign_id: Option<ID>,
    /// Pending, holds or relapsed.
    pub status: Option<LookBackTaskStatus>,
    /// Of this issue.
    pub issue_id: Option<ID>,
}

/// Look-back campaigns and tasks.
#[derive(Default)]
pub struct LookBackQuery;

#[connections]
#[Object]
impl LookBackQuery {
    /// Look-back campaigns, newest first (BUREAU, LEADER, INSPECTOR, SUPERIOR).
    #[paged(page_args)]
    async fn look_back_campaigns(&self, ctx: &Context<'_>) -> async_graphql::Result<LookBackCampaignConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.look_back_campaigns(principal, &page_args).await?;
        let total =
            TotalCount::counted(services, principal, move |s, p| async move { s.count_look_back_campaigns(&p).await });
        Ok(LookBackCampaignConnection { page: page.map(LookBackCampaign), total })
    }

    /// Look-back tasks, in the order drawn (BUREAU, LEADER, INSPECTOR, SUPERIOR): an
    /// inspector's list is `status: PENDING`.
    #[paged(page_args)]
    async fn look_back_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks matching every given field.")] filter: Option<LookBackTaskFilterInput>,
    ) -> async_graphql::Result<LookBackTaskConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let input = filter.unwrap_or_default();
        let filter = TaskFilter {
            campaign_id: ids::expect_opt(input.campaign_id.as_ref(), NodeKind::LookBackCampaign, "filter.campaignId")?,
            outcome: input.status.map(Into::into),
            issue_id: ids::expect_opt(input.issue_id.as_ref(), NodeKind::Issue, "filter.issueId")?,
        };
        let page = services.look_back_tasks(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_look_back_tasks(&p, &filter).await }
        });
        Ok(LookBackTaskConnection { page: page.map(LookBackTask), total })
    }
}
