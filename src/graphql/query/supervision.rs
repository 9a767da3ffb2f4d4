//! Supervision that pushes: the slips and the viewer's notifications.

use async_graphql::{Context, ID, InputObject, Object};
use rectify_macros::connections;

use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::supervision::{
    Notification, NotificationConnection, Reminder, ReminderConnection, ReminderStatus,
};
use crate::graphql::types::webhook::{Webhook, WebhookConnection};
use crate::service::reminders::ReminderFilter;

/// Narrows a list of slips; every field given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "ReminderFilter")]
pub struct ReminderFilterInput {
    /// Open, answered or overdue, as of today in the county.
    pub status: Option<ReminderStatus>,
    /// Addressed to this department.
    pub department_id: Option<ID>,
    /// About this issue.
    pub issue_id: Option<ID>,
}

impl ReminderFilterInput {
    fn into_service(self) -> AppResult<ReminderFilter> {
        addressed_filter(self.status.map(Into::into), self.department_id.as_ref(), self.issue_id.as_ref())
    }
}

/// The filter of records addressed to a department (slips, instructions), from its input.
pub(super) fn addressed_filter(
    status: Option<crate::domain::slips::SlipStatus>,
    department_id: Option<&ID>,
    issue_id: Option<&ID>,
) -> AppResult<ReminderFilter> {
    Ok(ReminderFilter {
        status,
        department_id: ids::expect_opt(department_id, NodeKind::Department, "filter.departmentId")?,
        issue_id: ids::expect_opt(issue_id, NodeKind::Issue, "filter.issueId")?,
    })
}

/// Slips, notifications and webhooks.
#[derive(Default)]
pub struct SupervisionQuery;

#[connections]
#[Object]
impl SupervisionQuery {
    /// Reminder and supervision slips of the issues the viewer may see, newest first.
    #[paged(page_args)]
    async fn reminders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only slips matching every given field.")] filter: Option<ReminderFilterInput>,
    ) -> async_graphql::Result<ReminderConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let filter = filter.unwrap_or_default().into_service()?;
        let page = services.reminders(principal, &filter, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| {
            let filter = filter.clone();
            async move { s.count_reminders(&p, &filter).await }
        });
        Ok(ReminderConnection { page: page.map(Reminder), total })
    }

    /// The viewer's notifications, newest first: their own inbox, their role's (BUREAU,
    /// LEADER) and their department's, without those about issues they can no longer see.
    #[paged(page_args)]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those the viewer has not read.", default)] unread_only: bool,
    ) -> async_graphql::Result<NotificationConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.notifications(principal, unread_only, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move {
            s.count_notifications(&p, unread_only).await
        });
        Ok(NotificationConnection { page: page.map(|(row, read)| Notification(row, read)), total })
    }

    /// The webhooks of the county's gateways, newest first (ADMIN).
    #[paged(page_args)]
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<WebhookConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.webhooks(principal, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_webhooks(&p).await });
        Ok(WebhookConnection { page: page.map(Webhook), total })
    }

    /// How many of the viewer's notifications they have not read (for a badge).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(ctx.services()?.unread_notification_count(ctx.principal()?).await?)
    }
}
