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
//! - When the token expires, the socket closes with 4401, so a client logs in again.
//!
//! Only subscriptions run here; queries and mutations go over HTTP, where they are charged
//! and limited. Each subscription is charged `SUBSCRIBE_COST` from its subject's cost budget
//! and checked against the schema's depth and cost limits.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::stream::{self, BoxStream, StreamExt};

use super::GraphqlState;
use super::bearer::principal_of_authorization;
use crate::auth::Actor;
use crate::graphql::{AppSchema, LiveRequestExt, chosen_operation};
use crate::service::Services;
use crate::service::cost_budget::{CostBudgets, Payer};

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a client message may hold (a subscription document with its variables).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// What opening one subscription costs from the subject's budget: enough that opening and
/// closing subscriptions in a loop is throttled like any other flood.
pub const SUBSCRIBE_COST: u64 = 1_000;

const FORBIDDEN: u16 = 4403;
const UNAUTHORIZED: u16 = 4401;
const BAD_REQUEST: u16 = 4400;
const INIT_TIMED_OUT: u16 = 4408;

/// Runs subscriptions for the connection's actor, once `connection_init` has named it.
#[derive(Clone)]
struct LiveExecutor {
    schema: AppSchema,
    services: Services,
    budgets: Arc<CostBudgets>,
    actor: Arc<OnceLock<Actor>>,
}

fn refused(message: impl Into<String>, code: &'static str) -> Response {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    Response::from_errors(vec![error])
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
                // A syntax error is reported by the schema, as over HTTP.
                Err(_) => true,
            };
            if !is_subscription {
                return stream::once(async {
                    refused("send queries and mutations over HTTP; the socket runs subscriptions", "BAD_USER_INPUT")
                })
                .boxed();
            }
            let actor = this.actor.get().cloned().unwrap_or(Actor::Anonymous);
            if let Actor::User(principal) = &actor
                && let Err(refusal) = this.budgets.charge(Payer::Subject(principal), SUBSCRIBE_COST)
            {
                return stream::once(async move { crate::graphql::refused_response(refusal) }).boxed();
            }
            let request = request.for_live_actor(actor, &this.services);
            Executor::execute_stream(&this.schema, request, session).boxed()
        })
        .flatten()
        .boxed()
    }
}

/// Why `connection_init` was refused, as the close code it calls for.
type Verdict = Arc<Mutex<Option<u16>>>;

/// The token of a `connection_init` payload.
fn authorization(payload: &serde_json::Value) -> Option<&str> {
    fn field(object: &serde_json::Value) -> Option<&str> {
        object.get("Authorization").or_else(|| object.get("authorization")).and_then(|v| v.as_str())
    }
    field(payload).or_else(|| payload.get("headers").and_then(field))
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn upgrade(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<GraphqlState>,
) -> actix_web::Result<HttpResponse> {
    let (response, mut session, messages) = actix_ws::handle_with_protocols(&request, body, &["graphql-transport-ws"])?;
    let (sender, mut inbound) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut pong = session.clone();
    actix_web::rt::spawn(async move {
        let mut messages = messages.aggregate_continuations().max_continuation_size(MAX_MESSAGE_BYTES);
        while let Some(Ok(message)) = messages.next().await {
            match message {
                actix_ws::AggregatedMessage::Text(text) if sender.send(text.to_string()).is_err() => break,
                actix_ws::AggregatedMessage::Text(_) => {}
                actix_ws::AggregatedMessage::Ping(bytes) => {
                    let _ = pong.pong(&bytes).await;
                }
                actix_ws::AggregatedMessage::Close(_) => break,
                _ => {}
            }
        }
    });

    let actor = Arc::new(OnceLock::new());
    let executor = LiveExecutor {
        schema: state.schemas.executing.clone(),
        services: state.services.clone(),
        budgets: state.cost_budgets.clone(),
        actor: actor.clone(),
    };
    let verdict: Verdict = Arc::default();
    let expiry = Arc::new(OnceLock::<i64>::new());
    let (services, judged, expires) = (state.services.clone(), verdict.clone(), expiry.clone());
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
                    Ok(Data::default())
                }
                Err(error) if error.to_string().contains("expired") => refuse(UNAUTHORIZED, "the token has expired"),
                Err(_) => refuse(FORBIDDEN, "the token is not accepted"),
            }
        },
    );

    actix_web::rt::spawn(async move {
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        // Set to the token's expiry once the connection is acknowledged.
        let expired = tokio::time::sleep(Duration::from_secs(365 * 86_400));
        tokio::pin!(expired);
        let mut acknowledged = false;
        let close = |code: u16, reason: String| {
            Some(actix_ws::CloseReason { code: actix_ws::CloseCode::Other(code), description: Some(reason) })
        };
        loop {
            tokio::select! {
                _ = &mut init_deadline, if !acknowledged => {
                    let _ = session.close(close(INIT_TIMED_OUT, "Connection initialisation timeout".into())).await;
                    return;
                }
                _ = &mut expired, if acknowledged => {
                    let _ = session.close(close(UNAUTHORIZED, "the token has expired".into())).await;
                    return;
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
                        let _ = session.close(None).await;
                        return;
                    }
                }
            }
        }
    });
    Ok(response)
}
