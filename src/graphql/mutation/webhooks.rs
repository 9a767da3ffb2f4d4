//! Webhooks for the county's gateways (ADMIN).

use async_graphql::{Context, ID, InputObject, Object};

use super::{in_input, payload};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::enums::NotificationKind;
use crate::graphql::types::webhook::Webhook;
use crate::service::webhooks::NewWebhook;

/// A gateway endpoint to post notices to.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// An http:// or https:// address that accepts POSTed JSON.
    pub url: String,
    /// The kinds of notice to post there.
    pub events: Vec<NotificationKind>,
    /// The key of the signature: each body's HMAC-SHA256 under it, sent as
    /// `X-Rectify-Signature: sha256=<hex>` (16 to 255 characters; never shown again).
    pub secret: String,
}

/// The webhook to delete.
#[derive(InputObject)]
pub struct DeleteWebhookInput {
    /// The webhook.
    pub id: ID,
}

payload!(CreateWebhookPayload, webhook, Webhook, "The webhook created.");
payload!(DeleteWebhookPayload, webhook, Webhook, "The webhook, now inactive.");

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Posts every notice of the given kinds to a gateway from now on (ADMIN): a JSON body
    /// signed with the secret, retried with backoff until the gateway answers 2xx.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateWebhookInput,
    ) -> async_graphql::Result<CreateWebhookPayload> {
        let new = NewWebhook {
            url: input.url,
            events: input.events.into_iter().map(Into::into).collect(),
            secret: input.secret,
        };
        let created = in_input(ctx.services()?.create_webhook(ctx.principal()?, new).await)?;
        Ok(CreateWebhookPayload { webhook: Webhook(created) })
    }

    /// Stops a webhook (ADMIN): its pending deliveries fail; it and its deliveries stay on
    /// record.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DeleteWebhookInput,
    ) -> async_graphql::Result<DeleteWebhookPayload> {
        let id = in_input(ids::expect(&input.id, NodeKind::Webhook, "id"))?;
        let deleted = in_input(ctx.services()?.delete_webhook(ctx.principal()?, id).await)?;
        Ok(DeleteWebhookPayload { webhook: Webhook(deleted) })
    }
}
