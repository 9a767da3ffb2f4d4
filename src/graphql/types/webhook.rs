//! Webhooks for the county's gateways and the record of their deliveries (ADMIN).

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{webhook, webhook_delivery};
use rectify_macros::connections;

use super::connection::{TotalCount, connection};
use super::enums::{DeliveryStatus, NotificationKind};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};

/// An endpoint of a county gateway (SMS, messaging) that receives notices as signed JSON.
#[derive(Clone)]
pub struct Webhook(pub webhook::Model);

/// An endpoint of a county gateway (SMS, messaging) that receives notices as signed JSON.
#[connections]
#[Object]
impl Webhook {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Webhook, self.0.id)
    }
    /// Where deliveries are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The kinds of notice it receives.
    async fn events(&self) -> Vec<NotificationKind> {
        self.0
            .events
            .split(',')
            .filter_map(|name| serde_json::from_value::<entity::enums::NotificationKind>(name.into()).ok())
            .map(Into::into)
            .collect()
    }
    /// False once deleted.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The subject of the administrator who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its deliveries, newest first.
    #[paged(page_args)]
    async fn deliveries(&self, ctx: &Context<'_>) -> async_graphql::Result<WebhookDeliveryConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.webhook_deliveries(principal, self.0.id, &page_args).await?;
        let id = self.0.id;
        let total =
            TotalCount::counted(
                services,
                principal,
                move |s, p| async move { s.count_webhook_deliveries(&p, id).await },
            );
        Ok(WebhookDeliveryConnection { page: page.map(WebhookDelivery), total })
    }
}

/// One notice posted (or to be posted) to one webhook, with its attempts.
#[derive(Clone)]
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One notice posted (or to be posted) to one webhook, with its attempts.
#[Object]
impl WebhookDelivery {
    /// The global id; its row number is sent as `X-Rectify-Delivery`, for deduplication.
    pub async fn id(&self) -> ID {
        encode(NodeKind::WebhookDelivery, self.0.id)
    }
    /// The kind of notice (sent as `X-Rectify-Event`).
    async fn event(&self) -> NotificationKind {
        self.0.event.into()
    }
    /// The JSON body posted, the same bytes on every attempt.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Pending, sending, delivered or failed.
    async fn status(&self) -> DeliveryStatus {
        self.0.status.into()
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When it is tried next (while pending).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
    /// The HTTP status of the last answer, if there was one.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the notice was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the gateway accepted it.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

connection!(
    WebhookConnection,
    WebhookEdge,
    Webhook,
    "A page of webhooks, newest first.",
    "A webhook in a page, with its cursor."
);
connection!(
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDelivery,
    "A page of a webhook's deliveries, newest first.",
    "A delivery in a page, with its cursor."
);
