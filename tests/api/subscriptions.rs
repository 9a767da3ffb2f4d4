//! Live updates over graphql-transport-ws at `/graphql`: a real client (graphql-ws-client)
//! receives what its viewer may see, from this server or another on the same database; raw
//! frames check what the protocol says a server must do with bad tokens and bad messages.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use graphql_ws_client::graphql::GraphqlOperation;
use rectify::service::Services;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

/// A subscription as graphql-ws-client sends it.
#[derive(serde::Serialize)]
struct Operation {
    query: String,
    variables: Value,
}

impl GraphqlOperation for Operation {
    type Response = Value;
    type Error = serde_json::Error;

    fn decode(&self, data: Value) -> Result<Value, serde_json::Error> {
        Ok(data)
    }
}

type Connection = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(address: &str) -> Connection {
    let url = format!("{}/graphql", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    tokio_tungstenite::connect_async(request).await.expect("the upgrade is accepted").0
}

/// What a subscription delivers, read by a task that drives the client (the client sends
/// its messages only while its stream is polled). Dropping it closes the connection.
struct Items {
    received: tokio::sync::mpsc::UnboundedReceiver<Result<Value, String>>,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Items {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Subscribes with the real client, and waits until the server holds the subscription.
async fn subscribe(address: &str, services: &Services, token: &str, query: &str, variables: Value) -> Items {
    let before = services.live.open_subscriptions();
    let payload = json!({ "Authorization": format!("Bearer {token}") });
    let client = graphql_ws_client::Client::build(connect(address).await).payload(payload).unwrap();
    let items = follow(client, Operation { query: query.into(), variables });
    for _ in 0..250 {
        if services.live.open_subscriptions() > before {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server never opened the subscription");
}

fn follow(client: graphql_ws_client::ClientBuilder, operation: Operation) -> Items {
    let (sender, received) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut stream = match client.subscribe(operation).await {
            Ok(stream) => stream,
            Err(error) => {
                let _ = sender.send(Err(format!("{error:?}")));
                return;
            }
        };
        while let Some(item) = stream.next().await {
            if sender.send(item.map_err(|error| format!("{error:?}"))).is_err() {
                return;
            }
        }
    });
    Items { received, driver }
}

/// The issue as `issueChanged` delivers it at `version`. An event committed just before the
/// subscription may still be delivered after it (answered with the issue as it is then), so
/// the test waits for the state it expects.
async fn until_version(page: &mut Items, version: i64) -> Value {
    loop {
        let changed = next_within(page, WAIT).await.expect("a change");
        if changed["data"]["issueChanged"]["version"] == version {
            return changed["data"]["issueChanged"].clone();
        }
    }
}

/// The next item, or `None` if nothing comes within `wait`.
async fn next_within(items: &mut Items, wait: Duration) -> Option<Value> {
    match tokio::time::timeout(wait, items.received.recv()).await {
        Ok(Some(Ok(item))) => Some(item),
        Ok(other) => panic!("the subscription failed or ended: {other:?}"),
        Err(_) => None,
    }
}

const EVENTS: &str = "subscription($filter: IssueEventFilter) { issueEvents(filter: $filter) { action note } }";
const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_department_receives_the_events_of_its_issues_in_order_and_no_others() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (own, other) = (app.register(&county, "LV-01").await, app.register(&county, "LV-02").await);
    let mut events = subscribe(&app.address, &app.services, &app.department("WATER"), EVENTS, json!({})).await;
    app.mutate(
        &app.bureau(),
        "assignIssue",
        json!({ "issueId": other, "leadDepartmentId": county.agri, "deadline": county_date(30), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    app.assign(&county, &own, &county_date(30)).await.ok();
    let water = app.department("WATER");
    app.mutate(&water, "startRectification", json!({ "issueId": own, "plan": "Lay the pipe" }), "issue { id }")
        .await
        .ok();
    let first = next_within(&mut events, WAIT).await.expect("the assignment");
    assert_eq!(first["data"]["issueEvents"]["action"], "ASSIGNED", "AGRI's issue is not WATER's to see: {first}");
    let second = next_within(&mut events, WAIT).await.expect("the start");
    assert_eq!(second["data"]["issueEvents"], json!({ "action": "RECTIFICATION_STARTED", "note": "Lay the pipe" }));
    assert_eq!(next_within(&mut events, Duration::from_millis(500)).await, None, "nothing else");
}

#[tokio::test]
async fn the_issue_page_follows_its_issue_and_the_inbox_its_notifications() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "LV-03").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let water = app.department("WATER");
    let query = "subscription($id: ID!) { issueChanged(id: $id) { status version events(first: 10) { totalCount } } }";
    let mut page = subscribe(&app.address, &app.services, &app.bureau(), query, json!({ "id": issue })).await;
    let inbox = "subscription { notificationAdded { kind message read issue { code } } }";
    let mut notes = subscribe(&app.address, &app.services, &water, inbox, json!({})).await;

    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let changed = until_version(&mut page, 3).await;
    assert_eq!(changed, json!({ "status": "IN_PROGRESS", "version": 3, "events": { "totalCount": 3 } }));
    let slip =
        json!({ "issueId": issue, "kind": "REMINDER", "message": "Report by Friday.", "replyBy": county_date(3) });
    app.mutate(&app.bureau(), "issueReminder", slip, "reminders { number }").await.ok();
    let changed = until_version(&mut page, 4).await;
    assert_eq!(changed["events"]["totalCount"], 4, "each event answered from fresh rows: {changed}");
    let note = next_within(&mut notes, WAIT).await.expect("the slip in WATER's inbox");
    assert_eq!(note["data"]["notificationAdded"]["kind"], "REMINDER_ISSUED");
    assert_eq!(note["data"]["notificationAdded"]["issue"]["code"], "LV-03");
    assert_eq!(note["data"]["notificationAdded"]["read"], false);

    // A department cannot follow an issue it cannot see.
    let agri = app.department("AGRI");
    let client = graphql_ws_client::Client::build(connect(&app.address).await)
        .payload(json!({ "headers": { "Authorization": format!("Bearer {agri}") } }))
        .unwrap();
    let mut hidden = follow(client, Operation { query: query.into(), variables: json!({ "id": issue }) });
    let refused = tokio::time::timeout(WAIT, hidden.received.recv()).await.expect("an answer");
    assert!(format!("{refused:?}").contains("NOT_FOUND"), "refused as NOT_FOUND: {refused:?}");
}

#[tokio::test]
async fn an_event_written_through_one_server_reaches_a_subscriber_on_another() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "LV-04").await;
    let (second, second_services) = app.second_server().await;
    let filter = json!({ "filter": { "issueId": issue } });
    let mut events = subscribe(&second, &second_services, &app.bureau(), EVENTS, filter).await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let event = next_within(&mut events, WAIT).await.expect("the assignment, through the other server");
    assert_eq!(event["data"]["issueEvents"]["action"], "ASSIGNED");
}

/// The frames a raw client receives after sending `messages`, until the server closes the
/// socket (its code and reason last) or `wait` passes.
async fn frames(app: &TestApp, messages: &[Value], wait: Duration) -> Vec<String> {
    let mut socket = connect(&app.address).await;
    for message in messages {
        socket.send(Message::Text(message.to_string().into())).await.unwrap();
    }
    let mut seen = Vec::new();
    let deadline = tokio::time::sleep(wait);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return seen,
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => seen.push(text.to_string()),
                Some(Ok(Message::Close(Some(frame)))) => {
                    seen.push(format!("close {} {}", u16::from(frame.code), frame.reason));
                    return seen;
                }
                Some(Ok(_)) => {}
                _ => return seen,
            }
        }
    }
}

fn init(token: &str) -> Value {
    json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
}

#[tokio::test]
async fn the_socket_closes_as_the_protocol_says_for_bad_tokens_and_bad_messages() {
    let app = spawn_app().await;
    let wait = Duration::from_secs(3);
    let subscribe =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { notificationAdded { id } }" } });

    let none = frames(&app, &[json!({ "type": "connection_init" })], wait).await;
    assert!(none.last().unwrap().starts_with("close 4403"), "{none:?}");
    let forged = frames(&app, &[init("not-a-token")], wait).await;
    assert!(forged.last().unwrap().starts_with("close 4403"), "{forged:?}");
    let expired =
        app.tokens.issue("water-clerk", entity::enums::Role::Bureau, None, None, Duration::from_secs(1)).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let late = frames(&app, &[init(&expired.token)], wait).await;
    assert_eq!(late.last().unwrap(), "close 4401 the token has expired", "{late:?}");
    let early = frames(&app, std::slice::from_ref(&subscribe), wait).await;
    assert!(early.last().unwrap().starts_with("close 4401"), "subscribe before the acknowledgement: {early:?}");
    let garbage = frames(&app, &[json!({ "type": "nonsense" })], wait).await;
    assert!(garbage.last().unwrap().starts_with("close 4400"), "{garbage:?}");

    // A good token is acknowledged; a query is sent over HTTP, not here.
    let query = json!({ "id": "2", "type": "subscribe", "payload": { "query": "{ viewer { role } }" } });
    let good = frames(&app, &[init(&app.bureau()), query], Duration::from_millis(800)).await;
    assert_eq!(serde_json::from_str::<Value>(&good[0]).unwrap()["type"], "connection_ack");
    assert!(good[1].contains("send queries and mutations over HTTP"), "{good:?}");
}

#[tokio::test]
async fn a_subject_may_hold_only_so_many_subscriptions() {
    let app = spawn_app_with(|settings| settings.limits.max_subscriptions = 2).await;
    let token = app.bureau();
    let inbox = "subscription { notificationAdded { id } }";
    let _first = subscribe(&app.address, &app.services, &token, inbox, json!({})).await;
    let _second = subscribe(&app.address, &app.services, &token, inbox, json!({})).await;
    let third = json!({ "id": "3", "type": "subscribe", "payload": { "query": inbox } });
    let refused = frames(&app, &[init(&token), third], Duration::from_millis(1500)).await;
    assert!(refused.iter().any(|frame| frame.contains("RATE_LIMITED")), "{refused:?}");
    assert_eq!(app.services.live.open_subscriptions(), 2, "the refused one holds no slot");
    drop(_first);
    for _ in 0..100 {
        if app.services.live.open_subscriptions() == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("a closed subscription gives its slot back");
}

#[tokio::test]
async fn a_subscription_id_in_use_closes_the_socket_with_4409() {
    let app = spawn_app().await;
    let inbox = |id: &str| json!({ "id": id, "type": "subscribe", "payload": { "query": "subscription { notificationAdded { id } }" } });
    let seen = frames(&app, &[init(&app.bureau()), inbox("a"), inbox("a")], Duration::from_secs(3)).await;
    assert_eq!(seen.last().unwrap(), "close 4409 Subscriber for a already exists", "{seen:?}");

    // An id is free again once its subscription is completed by the client.
    let complete = json!({ "id": "a", "type": "complete" });
    let seen = frames(&app, &[init(&app.bureau()), inbox("a"), complete, inbox("a")], Duration::from_millis(800)).await;
    assert!(seen.iter().all(|frame| !frame.starts_with("close")), "{seen:?}");
}

#[tokio::test]
async fn a_subscription_over_the_limits_is_refused_with_its_code_and_not_charged() {
    let app = spawn_app_with(|settings| settings.limits.max_depth = 3).await;
    let token = app.bureau();
    let deep = "subscription { issueChanged(id: \"x\") { events { nodes { issueId } } } }";
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": deep } });
    let seen = frames(&app, &[init(&token), subscribe], Duration::from_millis(1500)).await;
    // async-graphql answers a refusal as one `next` carrying the errors, then `complete`.
    let refusal: Value = serde_json::from_str(&seen[1]).unwrap();
    assert_eq!(refusal["payload"]["errors"][0]["extensions"]["code"], "TOO_COMPLEX", "{seen:?}");
    assert_eq!(serde_json::from_str::<Value>(&seen[2]).unwrap()["type"], "complete", "{seen:?}");

    // What is left of the budget is what a fresh subject has: the refusal cost nothing.
    let left = |reply: &Reply| reply.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"].as_u64();
    let fresh =
        app.gql(Some(&app.token(entity::enums::Role::Bureau, "fresh", None)), "{ viewer { role } }", json!({})).await;
    let after = app.gql(Some(&token), "{ viewer { role } }", json!({})).await;
    assert_eq!(left(&after), left(&fresh), "{}", after.body);
}

#[tokio::test]
async fn a_deactivated_users_sockets_close() {
    let app = spawn_app_with(|settings| settings.auth.live_token_recheck = Duration::from_millis(300)).await;
    let admin = app.token(entity::enums::Role::Admin, "root", None);
    let (user_id, token) = app.signed_in_bureau_user(&admin, "zhao", "a good long password").await;

    let mut socket = connect(&app.address).await;
    socket.send(Message::Text(init(&token).to_string().into())).await.unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_string().contains("connection_ack"), "{ack}");
    app.mutate(&admin, "deactivateUser", json!({ "userId": user_id }), "user { active }").await.ok();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(_)) => continue,
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the socket of a deactivated user closes");
    assert_eq!(closed, 4403);
}

#[tokio::test]
async fn a_subscription_is_held_to_the_alias_limit_as_a_request_over_http_is() {
    let app = spawn_app_with(|settings| settings.limits.max_aliases = 1).await;
    let aliased = "subscription { notificationAdded { a: id b: id } }";
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": aliased } });
    let seen = frames(&app, &[init(&app.bureau()), subscribe], Duration::from_millis(1500)).await;
    let refusal: Value = serde_json::from_str(&seen[1]).unwrap();
    assert_eq!(refusal["payload"]["errors"][0]["extensions"]["code"], "TOO_COMPLEX", "{seen:?}");
    assert!(refusal["payload"]["errors"][0]["message"].as_str().unwrap().contains("RECTIFY_MAX_ALIASES"), "{seen:?}");
}
