//! Webhooks for the county's gateways (SMS, messaging): every notice, as signed JSON, to each
//! endpoint that asked for its kind.
//!
//! A transactional outbox: `notify` writes one `webhook_delivery` row per notice and webhook in
//! the transaction of the change, so a notice is delivered if and only if its change commits,
//! and a server killed at any moment leaves the rows behind for the next one to send. Each
//! server sends the deliveries due when it queues one, when a retry falls due, and at least
//! every `IDLE_POLL` (for those another server queued): it claims a row by moving its next attempt past
//! `LEASE` (a conditional update, so two servers never send the same attempt), posts the
//! body, and records the answer. A 2xx answer delivers it; anything else is tried again after
//! `retry_delay`, up to `MAX_ATTEMPTS`. Delivery is at least once (a server killed between
//! the post and the record sends it again after the lease): receivers deduplicate by the
//! `X-Rectify-Delivery` header.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::{DeliveryStatus, NotificationKind};
use entity::{webhook, webhook_delivery};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::Services;
use super::notice::{Notice, Recipient};
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{Action, authorize};
use crate::auth::Principal;
use crate::domain::api_name;
use crate::error::{AppError, AppResult};

/// How long a server's sender sleeps, at most, when nothing is due: deliveries queued by other
/// servers (or left by one that died) wait no longer than this. Deliveries queued by this
/// server wake it at once, and a retry wakes it when it falls due.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// How long a woken sender waits for the transaction that woke it to commit.
const COMMIT_GRACE: Duration = Duration::from_millis(100);
/// Deliveries one server sends at once.
const BATCH: u64 = 20;
/// How long a gateway has to answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is its server's before another may take it over: a batch is
/// sent at once, so twice the time a gateway has covers it, and a server that died holding a
/// claim delays that delivery by no more than this.
const LEASE: Duration = Duration::from_secs(2 * SEND_TIMEOUT.as_secs());
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The wait after the first failure; each further failure doubles it, up to `MAX_RETRY_DELAY`.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(10);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);
const MIN_SECRET_CHARS: usize = 16;

/// The wait before attempt `attempt + 1` after `attempt` failures, spread by `jitter` (a
/// factor between 0.8 and 1.2), so that a gateway that comes back is not hit by every
/// server's retries at the same instant.
pub fn retry_delay(attempt: i32, jitter: f64) -> Duration {
    let doubled = FIRST_RETRY_DELAY.saturating_mul(1 << attempt.clamp(1, 20).saturating_sub(1));
    doubled.min(MAX_RETRY_DELAY).mul_f64(jitter.clamp(0.8, 1.2))
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`, as `X-Rectify-Signature` carries it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let digest = crate::auth::hmac_sha256(secret.as_bytes(), body);
    format!("sha256={}", hex::encode(digest))
}

/// A webhook to create.
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<NotificationKind>,
    pub secret: String,
}

fn check_url(url: &str) -> AppResult<String> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|_| AppError::bad_input("url", "`url` is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::bad_input("url", "`url` must be an http:// or https:// address"));
    }
    if url.len() > 2048 {
        return Err(AppError::bad_input("url", "`url` may have at most 2048 characters"));
    }
    Ok(url.to_owned())
}

fn events_of(row: &webhook::Model) -> Vec<NotificationKind> {
    row.events
        .split(',')
        .filter_map(|name| serde_json::from_value(serde_json::Value::String(name.to_owned())).ok())
        .collect()
}

impl Services {
    pub async fn create_webhook(&self, actor: &Principal, input: NewWebhook) -> AppResult<webhook::Model> {
        authorize(actor, Action::ManageWebhooks)?;
        let url = check_url(&input.url)?;
        let mut events = input.events;
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(AppError::bad_input("events", "name at least one kind of notice"));
        }
        let chars = input.secret.chars().count();
        if !(MIN_SECRET_CHARS..=255).contains(&chars) {
            return Err(AppError::bad_input("secret", format!("`secret` has {MIN_SECRET_CHARS} to 255 characters")));
        }
        let row = webhook::ActiveModel {
            url: Set(url),
            events: Set(events.iter().map(api_name).collect::<Vec<_>>().join(",")),
            secret: Set(input.secret),
            active: Set(true),
            created_by: Set(actor.sub.clone()),
            created_at: Set(self.clock.now()),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    /// Deactivates a webhook: its pending deliveries fail, its record stays.
    pub async fn delete_webhook(&self, actor: &Principal, id: i64) -> AppResult<webhook::Model> {
        authorize(actor, Action::ManageWebhooks)?;
        let found =
            webhook::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("webhook"))?;
        let mut row: webhook::ActiveModel = found.into();
        row.active = Set(false);
        let saved = row.update(self.conn()).await?;
        webhook_delivery::Entity::update_many()
            .set(webhook_delivery::ActiveModel {
                status: Set(DeliveryStatus::Failed),
                last_error: Set(Some("the webhook was deleted".into())),
                ..Default::default()
            })
            .filter(webhook_delivery::Column::WebhookId.eq(id))
            .filter(webhook_delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Sending]))
            .exec(self.conn())
            .await?;
        Ok(saved)
    }

    pub async fn webhooks(&self, actor: &Principal, args: &PageArgs) -> AppResult<Page<webhook::Model>> {
        authorize(actor, Action::ManageWebhooks)?;
        page_by_id_in(self.conn(), webhook::Entity::find(), webhook::Column::Id, "webhook", args, true).await
    }

    /// A webhook's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Principal,
        webhook_id: i64,
        args: &PageArgs,
    ) -> AppResult<Page<webhook_delivery::Model>> {
        authorize(actor, Action::ManageWebhooks)?;
        let select = webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
        page_by_id_in(self.conn(), select, webhook_delivery::Column::Id, "webhook delivery", args, true).await
    }

    pub async fn count_webhooks(&self, actor: &Principal) -> AppResult<u64> {
        authorize(actor, Action::ManageWebhooks)?;
        Ok(webhook::Entity::find().count(self.conn()).await?)
    }

    pub async fn count_webhook_deliveries(&self, actor: &Principal, webhook_id: i64) -> AppResult<u64> {
        authorize(actor, Action::ManageWebhooks)?;
        let select = webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
        Ok(select.count(self.conn()).await?)
    }

    /// Queues `notices` for every active webhook that asked for their kind, in the caller's
    /// transaction (the outbox).
    pub(crate) async fn queue_webhooks(&self, txn: &impl ConnectionTrait, notices: &[Notice]) -> AppResult<()> {
        let hooks = webhook::Entity::find().filter(webhook::Column::Active.eq(true)).all(txn).await?;
        if hooks.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let codes = self.issue_codes(txn, notices.iter().filter_map(|notice| notice.issue_id)).await?;
        let mut rows = Vec::new();
        for notice in notices {
            let code = notice.issue_id.and_then(|id| codes.get(&id)).map(String::as_str);
            let body = serde_json::to_string(&notice_body(notice, code, now)).map_err(AppError::internal)?;
            for hook in hooks.iter().filter(|hook| events_of(hook).contains(&notice.kind)) {
                rows.push(webhook_delivery::ActiveModel {
                    webhook_id: Set(hook.id),
                    event: Set(notice.kind),
                    body: Set(body.clone()),
                    status: Set(DeliveryStatus::Pending),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
        }
        if !rows.is_empty() {
            webhook_delivery::Entity::insert_many(rows).exec(txn).await?;
            self.outbox.notify_one();
        }
        Ok(())
    }

    /// Starts this server's sender of webhook deliveries.
    pub fn start_webhook_deliveries(&self) {
        // reqwest's TLS runs on rustls with the ring provider, set once for the process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let services = self.clone();
        tokio::spawn(async move {
            let client = match reqwest::Client::builder().timeout(SEND_TIMEOUT).build() {
                Ok(client) => client,
                Err(error) => {
                    tracing::error!(%error, "webhook deliveries cannot start: no HTTP client");
                    return;
                }
            };
            loop {
                let wait = match services.send_due_deliveries(&client).await {
                    Ok(0) => services.until_next_delivery().await.unwrap_or(IDLE_POLL),
                    Ok(_) => Duration::ZERO,
                    Err(error) => {
                        error.log();
                        IDLE_POLL
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = services.outbox.notified() => tokio::time::sleep(COMMIT_GRACE).await,
                }
            }
        });
    }

    /// How long until the next waiting delivery falls due, at most `IDLE_POLL`.
    async fn until_next_delivery(&self) -> AppResult<Duration> {
        let next = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Sending]))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .one(self.background_conn())
            .await?;
        Ok(match next {
            Some(delivery) => (delivery.next_attempt_at - self.clock.now()).to_std().unwrap_or_default().min(IDLE_POLL),
            None => IDLE_POLL,
        })
    }

    /// Sends the deliveries due now; answers how many were sent (tests call it directly).
    pub async fn send_due_deliveries(&self, client: &reqwest::Client) -> AppResult<usize> {
        let now = self.clock.now();
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Sending]))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(BATCH)
            .all(self.background_conn())
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let mut claimed = Vec::new();
        for delivery in due {
            let taken = webhook_delivery::Entity::update_many()
                .set(webhook_delivery::ActiveModel {
                    status: Set(DeliveryStatus::Sending),
                    next_attempt_at: Set(lease_until),
                    ..Default::default()
                })
                .filter(webhook_delivery::Column::Id.eq(delivery.id))
                .filter(webhook_delivery::Column::Status.eq(delivery.status))
                .filter(webhook_delivery::Column::NextAttemptAt.eq(delivery.next_attempt_at))
                .exec(self.background_conn())
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(delivery);
            }
        }
        let hooks: std::collections::HashMap<i64, webhook::Model> = webhook::Entity::find()
            .filter(webhook::Column::Id.is_in(claimed.iter().map(|d| d.webhook_id)))
            .all(self.background_conn())
            .await?
            .into_iter()
            .map(|hook| (hook.id, hook))
            .collect();
        let sends = claimed.iter().filter_map(|delivery| {
            let hook = hooks.get(&delivery.webhook_id)?;
            Some(async move { (delivery, post(client, hook, delivery).await) })
        });
        let results = futures_util::future::join_all(sends).await;
        let count = results.len();
        for (delivery, outcome) in results {
            self.record_attempt(delivery, outcome).await?;
        }
        Ok(count)
    }

    async fn record_attempt(&self, delivery: &webhook_delivery::Model, outcome: Result<u16, String>) -> AppResult<()> {
        let now = self.clock.now();
        let attempts = delivery.attempts + 1;
        let mut row =
            webhook_delivery::ActiveModel { id: Set(delivery.id), attempts: Set(attempts), ..Default::default() };
        match outcome {
            Ok(code) if (200..300).contains(&code) => {
                row.status = Set(DeliveryStatus::Delivered);
                row.delivered_at = Set(Some(now));
                row.last_status_code = Set(Some(i32::from(code)));
                row.last_error = Set(None);
            }
            failed => {
                let (code, error) = match failed {
                    Ok(code) => (Some(i32::from(code)), format!("the gateway answered {code}")),
                    Err(error) => (None, error),
                };
                row.last_status_code = Set(code);
                row.last_error = Set(Some(error));
                if attempts >= MAX_ATTEMPTS {
                    row.status = Set(DeliveryStatus::Failed);
                } else {
                    let jitter = 0.8 + 0.4 * rand::random::<f64>();
                    let wait = chrono::Duration::from_std(retry_delay(attempts, jitter)).unwrap_or_default();
                    row.status = Set(DeliveryStatus::Pending);
                    row.next_attempt_at = Set(now + wait);
                }
            }
        }
        row.update(self.background_conn()).await?;
        Ok(())
    }
}

/// Posts one delivery; answers the HTTP status, or why there was none.
async fn post(
    client: &reqwest::Client,
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
) -> Result<u16, String> {
    let response = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("x-rectify-event", api_name(&delivery.event))
        .header("x-rectify-delivery", delivery.id.to_string())
        .header("x-rectify-signature", signature(&hook.secret, delivery.body.as_bytes()))
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|error| {
            if error.is_timeout() {
                "the gateway did not answer in time".to_owned()
            } else {
                "the gateway could not be reached".to_owned()
            }
        })?;
    Ok(response.status().as_u16())
}

/// The JSON a gateway receives for a notice.
fn notice_body(notice: &Notice, issue_code: Option<&str>, at: DateTime<Utc>) -> serde_json::Value {
    let recipients: Vec<serde_json::Value> = notice
        .recipients
        .iter()
        .map(|recipient| match recipient {
            Recipient::Department(id) => serde_json::json!({ "departmentId": id }),
            Recipient::Role(role) => serde_json::json!({ "role": api_name(role) }),
            Recipient::User(sub) => serde_json::json!({ "user": sub }),
        })
        .collect();
    serde_json::json!({
        "event": api_name(&notice.kind),
        "message": notice.message,
        "issueCode": issue_code,
        "recipients": recipients,
        "createdAt": at.to_rfc3339(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_an_hour() {
        assert_eq!(retry_delay(1, 1.0), Duration::from_secs(10));
        assert_eq!(retry_delay(2, 1.0), Duration::from_secs(20));
        assert_eq!(retry_delay(4, 1.0), Duration::from_secs(80));
        assert_eq!(retry_delay(12, 1.0), Duration::from_secs(3600));
        assert_eq!(retry_delay(1, 0.8), Duration::from_secs(8));
        assert_eq!(retry_delay(1, 5.0), Duration::from_secs(12), "jitter is bounded");
    }

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
