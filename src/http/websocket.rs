//! GraphQL over WebSocket at `/graphql` (the graphql-transport-ws protocol of the `graphql-ws`
//! library), for subscriptions.
//!
//! async-graphql speaks the protocol (`async_graphql::http::WebSocket`); this module carries
//! its messages over actix-ws and puts right what the protocol asks of a server and
//! async-graphql does otherwise:
//! - `connection_init` must carry the token, as `{"Authorization": "Bearer …"}` or
//!   `{"headers": {"Authorization": "Bearer …"}}`. Without one, or with a bad one, the socket
//!   closes with 4403 Forbidden; with an expired one, with 4401 Unauthorized (async-graphql
//!   closes both with 1002, which clients take as a protocol error).
//! - A `subscribe` before the acknowledgement closes with 4401 (async-graphql: 1011), a
//!   message that is not the protocol's with 4400 (1002), and no `connection_init` within
//!   `INIT_TIMEOUT` with 4408.
//! - A `subscribe` with the id of a running subscription closes with 4409 (async-graphql
//!   replaces the running one).
//! - When the token expires, the socket closes with 4401, so a client logs in again; when it
//!   stops being accepted (its user deactivated, its role changed), with 4403, found by
//!   checking it again every `RECTIFY_LIVE_TOKEN_RECHECK`.
//!
//! Only subscriptions run here; queries and mutations go over HTTP. A subscription is checked
//! and charged as a request over HTTP is (see `LiveExecutor::charge`), plus `SUBSCRIBE_COST`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::stream::{self, BoxStream, StreamExt};

use super::accept_language::request_locale;
use super::bearer::principal_of_authorization;
use super::graphql::{checked_shape, too_complex, with_codes};
use super::{GraphqlState, ServerPhase};
use crate::auth::Actor;
use crate::domain::labels::Locale;
use crate::error::AppError;
use crate::graphql::{LiveRequestExt, RequestShape, chosen_operation};

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A stopping server's socket sends what its subscriptions still produce until they are quiet
/// this long, before its 1001...
const QUIET_BEFORE_CLOSING: Duration = Duration::from_millis(100);
/// ...but for this long at most.
const SENDING_BEFORE_CLOSING: Duration = Duration::from_secs(1);

/// The most a client message may hold (a subscription document with its variables).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// What opening one subscription costs from the subject's budget: enough that opening and
/// closing subscriptions in a loop is throttled like any other flood.
pub const SUBSCRIBE_COST: u64 = 1_000;

const FORBIDDEN: u16 = 4403;
const UNAUTHORIZED: u16 = 4401;
const BAD_REQUEST: u16 = 4400;
const INIT_TIMED_OUT: u16 = 4408;
const SUBSCRIBER_EXISTS: u16 = 4409;

/// Runs subscriptions for the connection's actor, once `connection_init` has named it.
#[derive(Clone)]
struct LiveExecutor {
    state: web::Data<GraphqlState>,
    actor: Arc<OnceLock<Actor>>,
    /// From the upgrade request's `Accept-Language`, as over HTTP.
    locale: Locale,
}

fn refused(message: impl Into<String>, code: &'static str) -> Response {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    Response::from_errors(vec![error])
}

impl LiveExecutor {
    /// Checks a subscription as a request over HTTP is checked, by the charging instance of
    /// the schema: its validity, its depth and cost (`TOO_COMPLEX`), and the subject's budget,
    /// which pays its fields and `SUBSCRIBE_COST`. Nothing is charged for a refused one.
    async fn charge(&self, request: &mut Request, actor: &Actor) -> Result<(), Response> {
        let operation_name = request.operation_name.clone();
        let shape = match request.parsed_query() {
            Ok(document) => checked_shape(document, operation_name.as_deref(), &self.state).map_err(too_complex)?,
            // A syntax error is reported by the charging instance, as over HTTP.
            Err(_) => RequestShape::default(),
        };
        let mut charge = Request::new(request.query.clone())
            .variables(request.variables.clone())
            .data(actor.clone())
            .data(RequestShape { subscription_fee: SUBSCRIBE_COST, ..shape });
        charge.operation_name = request.operation_name.clone();
        let mut answer = self.state.schemas.charging.execute(charge).await;
        if answer.errors.is_empty() {
            return Ok(());
        }
        with_codes(&mut answer.errors);
        Err(answer)
    }
}

impl Executor for LiveExecutor {
    async fn execute(&self, _request: Request) -> Response {
        refused("send queries and mutations over HTTP; the socket runs subscriptions", "BAD_USER_INPUT")
    }

    fn execute_stream(&self, request: Request, session: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let this = self.clone();
        stream::once(async move {
            let mut request = request;
            let operation_name = request.operation_name.clone();
            let is_subscription = match request.parsed_query() {
                Ok(document) => chosen_operation(document, operation_name.as_deref())
                    .is_some_and(|operation| operation.node.ty == OperationType::Subscription),
                // A syntax error is reported by the charging instance, as over HTTP.
                Err(_) => true,
            };
            if !is_subscription {
                return stream::once(async {
                    refused("send queries and mutations over HTTP; the socket runs subscriptions", "BAD_USER_INPUT")
                })
                .boxed();
            }
            let actor = this.actor.get().cloned().unwrap_or(Actor::Anonymous);
            if let Err(mut refusal) = this.charge(&mut request, &actor).await {
                with_codes(&mut refusal.errors);
                return stream::once(async move { refusal }).boxed();
            }
            let request = request.for_live_actor(actor, &this.state.services).data(this.locale);
            Executor::execute_stream(&this.state.schemas.executing, request, session).boxed()
        })
        .flatten()
        .boxed()
    }
}

/// Why `connection_init` was refused, as the close code it calls for.
type Verdict = Arc<Mutex<Option<u16>>>;

/// The ids of the connection's running subscriptions: the protocol closes the socket (4409)
/// when a `subscribe` reuses one, where async-graphql would silently replace the first.
#[derive(Default, Clone)]
struct RunningIds(Arc<Mutex<HashSet<String>>>);

impl RunningIds {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads a client message on its way in: `Err` with the id a `subscribe` reuses.
    fn inbound(&self, text: &str) -> Result<(), String> {
        let Some((kind, Some(id))) = kind_and_id(text) else { return Ok(()) };
        match kind.as_str() {
            "subscribe" if !self.lock().insert(id.clone()) => Err(id),
            "complete" => {
                self.lock().remove(&id);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Reads a server message on its way out: an `error` or a `complete` ends its subscription.
    fn outbound(&self, text: &str) {
        // Most messages are items; they end nothing, and are not parsed again to find out.
        if text.starts_with(r#"{"type":"next""#) {
            return;
        }
        if let Some(("error" | "complete", Some(id))) =
            kind_and_id(text).as_ref().map(|(k, id)| (k.as_str(), id.clone()))
        {
            self.lock().remove(&id);
        }
    }
}

/// A protocol message's `type` and `id`.
fn kind_and_id(text: &str) -> Option<(String, Option<String>)> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
        id: Option<String>,
    }
    serde_json::from_str::<Envelope>(text).ok().map(|envelope| (envelope.kind, envelope.id))
}

/// The token of a `connection_init` payload.
fn authorization(payload: &serde_json::Value) -> Option<&str> {
    fn field(object: &serde_json::Value) -> Option<&str> {
        object.get("Authorization").or_else(|| object.get("authorization")).and_then(|v| v.as_str())
    }
    field(payload).or_else(|| payload.get("headers").and_then(field))
}

/// Why a token no longer holds, as the close code it calls for; `None` when the check itself
/// failed (the database, say), which says nothing about the token.
fn close_code_of(error: &AppError) -> Option<u16> {
    match error {
        AppError::Unauthenticated(message) if message.contains("expired") => Some(UNAUTHORIZED),
        AppError::Unauthenticated(_) | AppError::Forbidden(_) => Some(FORBIDDEN),
        _ => None,
    }
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn upgrade(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<GraphqlState>,
) -> actix_web::Result<HttpResponse> {
    let (response, mut session, messages) = actix_ws::handle_with_protocols(&request, body, &["graphql-transport-ws"])?;
    let (sender, mut inbound) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (reused_sender, mut reused_id) = tokio::sync::oneshot::channel::<String>();
    let running = RunningIds::default();
    let mut pong = session.clone();
    let reading = running.clone();
    actix_web::rt::spawn(async move {
        let mut messages = messages.aggregate_continuations().max_continuation_size(MAX_MESSAGE_BYTES);
        while let Some(Ok(message)) = messages.next().await {
            match message {
                actix_ws::AggregatedMessage::Text(text) => {
                    if let Err(id) = reading.inbound(&text) {
                        let _ = reused_sender.send(id);
                        break;
                    }
                    if sender.send(text.to_string()).is_err() {
                        break;
                    }
                }
                actix_ws::AggregatedMessage::Ping(bytes) => {
                    let _ = pong.pong(&bytes).await;
                }
                actix_ws::AggregatedMessage::Close(_) => break,
                _ => {}
            }
        }
    });

    let actor = Arc::new(OnceLock::new());
    let executor = LiveExecutor { state: state.clone(), actor: actor.clone(), locale: request_locale(&request) };
    let verdict: Verdict = Arc::default();
    let expiry = Arc::new(OnceLock::<i64>::new());
    let token = Arc::new(OnceLock::<String>::new());
    let (services, judged, expires, kept_token) =
        (state.services.clone(), verdict.clone(), expiry.clone(), token.clone());
    let inbound = stream::poll_fn(move |cx| inbound.poll_recv(cx));
    let mut protocol = WebSocket::new(executor, inbound, WebSocketProtocols::GraphQLWS).on_connection_init(
        move |payload: serde_json::Value| async move {
            let refuse = |code: u16, message: &str| {
                *judged.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(code);
                Err(async_graphql::Error::new(message))
            };
            let Some(value) = authorization(&payload) else {
                return refuse(FORBIDDEN, "connection_init must carry {\"Authorization\": \"Bearer <token>\"}");
            };
            match principal_of_authorization(value, &services).await {
                Ok((principal, expires_at)) => {
                    let _ = actor.set(Actor::User(principal));
                    let _ = expires.set(expires_at);
                    let _ = kept_token.set(value.to_owned());
                    Ok(Data::default())
                }
                Err(error) if close_code_of(&error) == Some(UNAUTHORIZED) => {
                    refuse(UNAUTHORIZED, "the token has expired")
                }
                Err(_) => refuse(FORBIDDEN, "the token is not accepted"),
            }
        },
    );

    let services = state.services.clone();
    let recheck_every = state.live_token_recheck;
    let mut phase = state.phase.clone();
    actix_web::rt::spawn(async move {
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        // Set to the token's expiry once the connection is acknowledged.
        let expired = tokio::time::sleep(Duration::from_secs(365 * 86_400));
        tokio::pin!(expired);
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + recheck_every, recheck_every);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut acknowledged = false;
        let mut reader_running = true;
        let close = |code: u16, reason: String| {
            Some(actix_ws::CloseReason { code: actix_ws::CloseCode::Other(code), description: Some(reason) })
        };
        loop {
            tokio::select! {
                // The server stops: what the subscriptions got from the feed before it began
                // to is sent first, then 1001 (going away) tells the client to reconnect,
                // which the load balancer sends to another instance.
                _ = phase.wait_for(|phase| *phase == ServerPhase::ClosingSubscriptions) => {
                    let until = tokio::time::Instant::now() + SENDING_BEFORE_CLOSING;
                    let quiet = || QUIET_BEFORE_CLOSING.min(until.saturating_duration_since(tokio::time::Instant::now()));
                    while let Ok(Some(WsMessage::Text(text))) = tokio::time::timeout(quiet(), protocol.next()).await {
                        running.outbound(&text);
                        if session.text(text).await.is_err() {
                            return;
                        }
                    }
                    let reason = actix_ws::CloseReason {
                        code: actix_ws::CloseCode::Away,
                        description: Some("the server is restarting; reconnect".into()),
                    };
                    let _ = session.close(Some(reason)).await;
                    return;
                }
                _ = &mut init_deadline, if !acknowledged => {
                    let _ = session.close(close(INIT_TIMED_OUT, "Connection initialisation timeout".into())).await;
                    return;
                }
                _ = &mut expired, if acknowledged => {
                    let _ = session.close(close(UNAUTHORIZED, "the token has expired".into())).await;
                    return;
                }
                // A deactivated user, a changed role, a revoked token: the socket closes as a
                // request over HTTP would be refused.
                _ = recheck.tick(), if acknowledged => {
                    let Some(value) = token.get() else { continue };
                    if let Err(error) = principal_of_authorization(value, &services).await {
                        // A failed check is tried again at the next tick, not held against the user.
                        let Some(code) = close_code_of(&error) else {
                            tracing::warn!(error = %error, "the token of a live connection could not be checked again");
                            continue;
                        };
                        let _ = session.close(close(code, "the token is no longer accepted".into())).await;
                        return;
                    }
                }
                reused = &mut reused_id, if reader_running => {
                    reader_running = false;
                    if let Ok(id) = reused {
                        let _ = session.close(close(SUBSCRIBER_EXISTS, format!("Subscriber for {id} already exists"))).await;
                        return;
                    }
                }
                message = protocol.next() => match message {
                    Some(WsMessage::Text(text)) => {
                        if !acknowledged && text.contains("\"connection_ack\"") {
                            acknowledged = true;
                            if let Some(at) = expiry.get() {
                                let left = at.saturating_sub(chrono::Utc::now().timestamp()).max(0);
                                expired.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(left as u64));
                            }
                        }
                        running.outbound(&text);
                        if session.text(text).await.is_err() {
                            return;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let code = match code {
                            // A refused `connection_init`, or a message async-graphql could not read.
                            1002 => verdict.lock().map(|v| *v).unwrap_or_default().unwrap_or(BAD_REQUEST),
                            // A `subscribe` before the acknowledgement.
                            1011 => UNAUTHORIZED,
                            other => other,
                        };
                        let _ = session.close(close(code, reason)).await;
                        return;
                    }
                    None => {
                        // The reader stops on a reused id before the protocol runs dry, so
                        // the reason is already waiting when this branch wins the race.
                        let reused = if reader_running { reused_id.try_recv().ok() } else { None };
                        let reason = reused.map(|id| close(SUBSCRIBER_EXISTS, format!("Subscriber for {id} already exists")));
                        let _ = session.close(reason.flatten()).await;
                        return;
                    }
                }
            }
        }
    });
    Ok(response)
}
