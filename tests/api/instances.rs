//! Several instances on one database behaving as one service: periodic jobs taken in turn, the
//! reference tables' caches dropped at once, and a stopping instance handing its clients over.
//! (Shared cost budgets are in `rate_limits`.)

use std::time::Duration;

use entity::enums::Role;
use futures_util::{SinkExt, StreamExt};
use rectify::service::scheduler::Job;
use sea_orm::ConnectionTrait;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

#[tokio::test]
async fn a_periodic_job_runs_on_one_instance_at_a_time_and_outlives_a_dead_holder() {
    let app = spawn_app().await;
    let (_, second) = app.second_server().await;
    let first = &app.services;
    // Due at once and again at once after each run, so that only the leases decide.
    let job = Job { name: "test-job", every: Duration::ZERO, first_after: Duration::ZERO };

    assert!(first.claim_job(job, "a").await.unwrap(), "a due job is claimed");
    assert!(!second.claim_job(job, "b").await.unwrap(), "a held job is not claimed twice");
    first.finish_job(job, "a", "done").await.unwrap();
    assert!(second.claim_job(job, "b").await.unwrap(), "a finished job is free again");
    assert!(!first.claim_job(job, "a").await.unwrap());

    // "b" dies holding the job: once its lease has run out, "a" takes the job over, and the
    // late finish of "b" does not move the run "a" now owns.
    app.db.conn.execute_unprepared("UPDATE scheduled_job SET leased_until = next_run_at").await.unwrap();
    assert!(first.claim_job(job, "a").await.unwrap(), "an expired lease is taken over");
    second.finish_job(job, "b", "late").await.unwrap();
    let rows = first.scheduled_jobs().await.unwrap();
    let row = rows.iter().find(|row| row.name == "test-job").unwrap();
    assert_eq!(row.leased_by.as_deref(), Some("a"));
    assert_eq!(row.last_outcome.as_deref(), Some("done"));
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with RECTIFY_TEST_POSTGRES_URL and --include-ignored"]
async fn a_reference_change_through_one_instance_shows_on_another_at_once() {
    // An hour of time to live: only the announcement can make the change show.
    let app = spawn_app_with(|s| s.reference_cache_secs = 3600).await;
    assert!(app.settings.database.url.starts_with("postgres://"), "this test needs RECTIFY_TEST_POSTGRES_URL");
    let county = seed_county(&app).await;
    let (second, _) = app.second_server().await;
    let admin = app.token(Role::Admin, "admin", None);
    let water = county.water.clone();
    let read = |address: String| {
        let query = "query($id: ID!) { node(id: $id) { ... on Department { name } } }";
        let request = app
            .client
            .post(format!("{address}/graphql"))
            .bearer_auth(admin.clone())
            .json(&json!({ "query": query, "variables": { "id": water } }));
        async move {
            let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            body["data"]["node"]["name"].as_str().unwrap_or_default().to_owned()
        }
    };
    let before = read(second.clone()).await;
    let version_query = "query($id: ID!) { node(id: $id) { ... on Department { version } } }";
    let version = app.gql(Some(&admin), version_query, json!({ "id": county.water })).await.ok();
    let version = version.data("node.version").clone();
    let rename = json!({ "id": county.water, "name": "县水务局", "expectedVersion": version });
    app.mutate(&admin, "updateDepartment", rename, "department { name }").await.ok();
    let mut seen = before.clone();
    for _ in 0..40 {
        seen = read(second.clone()).await;
        if seen != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "县水务局", "the other instance still answers {before:?}");
}

#[tokio::test]
async fn sigterm_sends_what_was_written_before_then_closes_subscriptions_with_1001_and_exits_cleanly() {
    // This process writes; a server process on the same database holds the subscription.
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let evidence = format!("file://{}", app.evidence_dir.display());
    let server = start_server(&app.settings.database.url, &evidence, &[("RECTIFY_SHUTDOWN_SECS", "5")]);
    // The client's TLS needs the process's rustls provider, which the server installs only in
    // the tests that start one in this process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ready(&app.client, &server).await;
    let Server { mut child, address } = server;
    let address = address.trim_start_matches("http://").to_owned();
    let mut request = format!("ws://{address}/graphql").into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the upgrade is accepted");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", app.bureau()) } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    let acknowledged = socket.next().await.unwrap().unwrap();
    assert!(acknowledged.to_string().contains("connection_ack"), "{acknowledged}");
    let subscribe =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { issueEvents { issueId } }" } });
    socket.send(Message::Text(subscribe.to_string().into())).await.unwrap();
    // The subscription is live once an event written after it arrives.
    let mut written = 0;
    'live: loop {
        written += 1;
        assert!(written < 20, "the subscription never received an event");
        app.register(&county, &format!("SD-2026-{written:03}")).await;
        while let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
            if message.to_string().contains("issueEvents") {
                break 'live;
            }
        }
    }

    // An event committed just before the signal: the feed has not read it yet (SQLite is read
    // every 100 ms), and the socket must not close before it is sent.
    let last = app.register(&county, "SD-2026-999").await;
    let terminate = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(terminate.success());
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return (u16::from(frame.code), frame.reason.to_string()),
                Some(Ok(Message::Text(text))) => received.push(text.to_string()),
                Some(Ok(_)) => continue,
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the subscription is closed when the server stops");
    assert_eq!(closed, (1001, "the server is restarting; reconnect".to_owned()));
    assert!(
        received.iter().any(|message| message.contains(&last)),
        "the event written before the signal arrives before the close: {received:?}"
    );
    let exited = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        None
    })
    .await
    .unwrap();
    assert!(exited.is_some_and(|status| status.success()), "the server exits 0 within its drain: {exited:?}");
}
