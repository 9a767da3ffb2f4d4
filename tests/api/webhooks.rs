//! Webhooks: notices posted to a gateway as signed JSON, retried while it fails, and not lost
//! when the server is killed between the notice and its delivery.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use entity::enums::Role;
use rectify::service::webhooks::signature;
use serde_json::{Value, json};

use crate::helpers::*;

const SECRET_KEY: &str = "gateway-shared-secret-0001";

/// What the gateway received: headers we check, and the body.
#[derive(Debug, Clone)]
struct Received {
    event: String,
    delivery: String,
    signature: String,
    body: String,
}

/// A gateway on a free port that records each POST and answers `status`.
struct Gateway {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<std::sync::atomic::AtomicU16>,
}

fn gateway_on(listener: std::net::TcpListener) -> Gateway {
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let status = Arc::new(std::sync::atomic::AtomicU16::new(200));
    let (kept, answer) = (received.clone(), status.clone());
    let server = HttpServer::new(move || {
        let (kept, answer) = (kept.clone(), answer.clone());
        App::new().route(
            "/hook",
            web::post().to(move |request: HttpRequest, body: web::Bytes| {
                let (kept, answer) = (kept.clone(), answer.clone());
                async move {
                    let header = |name: &str| {
                        request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
                    };
                    kept.lock().unwrap().push(Received {
                        event: header("x-rectify-event"),
                        delivery: header("x-rectify-delivery"),
                        signature: header("x-rectify-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let status = answer.load(std::sync::atomic::Ordering::Relaxed);
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    Gateway { url, received, status }
}

async fn until_received(gateway: &Gateway, count: usize, wait: Duration) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let got = gateway.received.lock().unwrap().clone();
        if got.len() >= count || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn admin(app: &TestApp) -> String {
    app.token(Role::Admin, "admin", None)
}

#[tokio::test]
async fn a_notice_reaches_the_gateway_signed_and_a_failing_gateway_is_retried_later() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let gateway = gateway_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let input = json!({ "url": gateway.url, "events": ["REMINDER_ISSUED"], "secret": SECRET_KEY });
    let created = app.mutate(&admin(&app), "createWebhook", input, "webhook { id url events active }").await.ok();
    assert_eq!(created.data("createWebhook.webhook.events"), &json!(["REMINDER_ISSUED"]));
    let hook = created.data("createWebhook.webhook.id").clone();

    let issue = app.register(&county, "WH-01").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let slip = json!({ "issueId": issue, "kind": "REMINDER", "message": "Report.", "replyBy": county_date(3) });
    app.mutate(&app.bureau(), "issueReminder", slip.clone(), "reminders { number }").await.ok();
    let got = until_received(&gateway, 1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "one notice, one post (the assignment is not a kind it asked for)");
    let post = &got[0];
    assert_eq!(post.event, "REMINDER_ISSUED");
    assert_eq!(post.signature, signature(SECRET_KEY, post.body.as_bytes()), "the body is signed with the secret");
    let body: Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!((body["event"].as_str(), body["issueCode"].as_str()), (Some("REMINDER_ISSUED"), Some("WH-01")));
    assert_eq!(body["recipients"], json!([{ "departmentId": crate::written_history::row_id(&county.water) }]));

    // The gateway fails: the delivery waits for its next attempt, recorded.
    gateway.status.store(503, std::sync::atomic::Ordering::Relaxed);
    app.mutate(&app.bureau(), "issueReminder", slip, "reminders { number }").await.ok();
    until_received(&gateway, 2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deliveries = app
        .gql(
            Some(&admin(&app)),
            "{ webhooks { nodes { deliveries { totalCount nodes { status attempts lastStatusCode lastError nextAttemptAt } } } } }",
            json!({}),
        )
        .await
        .ok();
    let newest = deliveries.data("webhooks.nodes.0.deliveries.nodes.0").clone();
    assert_eq!(deliveries.data("webhooks.nodes.0.deliveries.totalCount"), 2);
    assert_eq!((newest["status"].as_str(), newest["attempts"].as_i64()), (Some("PENDING"), Some(1)));
    assert_eq!(newest["lastStatusCode"], 503);
    let next: chrono::DateTime<chrono::Utc> = newest["nextAttemptAt"].as_str().unwrap().parse().unwrap();
    let wait = (next - chrono::Utc::now()).num_seconds();
    assert!((5..=13).contains(&wait), "the first retry comes about 10 s later (with jitter): {wait} s");

    // Deleted, it receives nothing more and its pending delivery fails.
    let deleted = app.mutate(&admin(&app), "deleteWebhook", json!({ "id": hook }), "webhook { active }").await.ok();
    assert_eq!(deleted.data("deleteWebhook.webhook.active"), false);
    let after = app
        .gql(
            Some(&admin(&app)),
            "{ webhooks { nodes { deliveries(first: 1) { nodes { status lastError } } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(after.data("webhooks.nodes.0.deliveries.nodes.0.status"), "FAILED");
}

#[tokio::test]
async fn only_an_administrator_manages_webhooks_and_bad_ones_are_refused() {
    let app = spawn_app().await;
    let input = |url: &str, secret: &str| json!({ "url": url, "events": ["OVERDUE"], "secret": secret });
    let bureau =
        app.mutate(&app.bureau(), "createWebhook", input("http://gateway.local/x", SECRET_KEY), "webhook { id }").await;
    assert_eq!(bureau.code(), "FORBIDDEN");
    let listed = app.gql(Some(&app.bureau()), "{ webhooks { totalCount } }", json!({})).await;
    assert_eq!(listed.code(), "FORBIDDEN");
    let ftp =
        app.mutate(&admin(&app), "createWebhook", input("ftp://gateway.local/x", SECRET_KEY), "webhook { id }").await;
    assert_eq!((ftp.code(), ftp.field()), ("BAD_USER_INPUT", "input.url"));
    let short =
        app.mutate(&admin(&app), "createWebhook", input("https://gateway.local/x", "short"), "webhook { id }").await;
    assert_eq!((short.code(), short.field()), ("BAD_USER_INPUT", "input.secret"));
    let none = json!({ "url": "https://gateway.local/x", "events": [], "secret": SECRET_KEY });
    let none = app.mutate(&admin(&app), "createWebhook", none, "webhook { id }").await;
    assert_eq!((none.code(), none.field()), ("BAD_USER_INPUT", "input.events"));
}

#[tokio::test]
async fn a_delivery_survives_a_kill_9_of_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("ledger.db").display());
    let evidence = format!("file://{}", dir.path().join("evidence").display());
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
        .env("RECTIFY_DATABASE_URL", &database)
        .env("RECTIFY_EVIDENCE_STORE", &evidence)
        .arg("seed-demo")
        .output()
        .unwrap();
    assert!(seeded.status.success());
    // The gateway's address is taken now, but it answers only after the kill.
    let gateway_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gateway_url = format!("http://{}/hook", gateway_listener.local_addr().unwrap());
    drop(gateway_listener);

    let tokens = rectify::auth::TokenService::new(&rectify::config::AuthSettings::defaults(), SECRET).unwrap();
    let token = |role: Role, sub: &str| tokens.issue(sub, role, None, None, Duration::from_secs(600)).unwrap().token;
    // The client's TLS needs the process's rustls provider, which the server installs only in
    // the tests that start one in this process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let gql = |server: &Server, token: String, query: &'static str, variables: Value| {
        let request = client.post(format!("{}/graphql", server.address)).bearer_auth(token);
        async move {
            let reply: Value = request
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(reply.get("errors").is_none(), "{reply}");
            reply
        }
    };

    let mut first = start_server(&database, &evidence, &[]);
    ready(&client, &first).await;
    gql(
        &first,
        token(Role::Admin, "admin"),
        "mutation($url: String!) { createWebhook(input: {url: $url, events: [REMINDER_ISSUED], secret: \"gateway-shared-secret-0001\"}) { webhook { id } } }",
        json!({ "url": gateway_url }),
    )
    .await;
    let open = gql(
        &first,
        token(Role::Bureau, "bureau"),
        "{ issues(first: 1, filter: {status: [IN_PROGRESS]}) { nodes { id code } } }",
        json!({}),
    )
    .await;
    let issue = open["data"]["issues"]["nodes"][0].clone();
    gql(
        &first,
        token(Role::Bureau, "bureau"),
        "mutation($issue: ID!) { issueReminder(input: {issueId: $issue, kind: REMINDER, message: \"m\", replyBy: \"2099-01-01\"}) { reminders { number } } }",
        json!({ "issue": issue["id"] }),
    )
    .await;
    // The notice is committed with its delivery; the server dies before it can deliver it.
    first.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    first.child.wait().unwrap();

    let gateway = gateway_on(
        std::net::TcpListener::bind(gateway_url.trim_start_matches("http://").trim_end_matches("/hook")).unwrap(),
    );
    let mut second = start_server(&database, &evidence, &[]);
    ready(&client, &second).await;
    // A first attempt may have failed before the kill (the gateway was down): its retry comes
    // within about 12 s. Or the server died holding its claim: the claim runs out within 20 s.
    let got = until_received(&gateway, 1, Duration::from_secs(45)).await;
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    assert_eq!(got.len(), 1, "the delivery written before the kill arrives after the restart");
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["issueCode"], issue["code"]);
    assert!(!got[0].delivery.is_empty());
}
