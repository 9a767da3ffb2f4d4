//! The live-update bench: `live --url http://127.0.0.1:PORT --token BUREAU_TOKEN --issue ID
//! --writer-token WATER_TOKEN --subscriptions 1000 --events 40 --pid SERVER_PID`.
//!
//! Opens `--subscriptions` graphql-transport-ws connections, each subscribed to the events of
//! one issue, measures the server's resident memory before and after (from `/proc/PID/status`),
//! then writes `--events` progress reports through HTTP, one every 200 ms, each carrying the
//! instant it was sent. Every subscriber notes when each event arrives; the latency is the
//! arrival minus the sending. Prints one JSON line: deliveries expected and received, the
//! latency's p50, p99 and max in milliseconds, and the memory per subscription.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use graphql_ws_client::graphql::GraphqlOperation;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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

fn micros_now() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or_default()
}

fn arg(name: &str) -> anyhow::Result<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .ok_or_else(|| anyhow::anyhow!("missing {name}"))
}

fn resident_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (url, token, issue, writer) = (arg("--url")?, arg("--token")?, arg("--issue")?, arg("--writer-token")?);
    let subscriptions: usize = arg("--subscriptions")?.parse()?;
    let events: usize = arg("--events")?.parse()?;
    let pid = arg("--pid")?;
    let ws_url = format!("{}/graphql", url.replace("http://", "ws://"));

    let before = resident_kib(&pid);
    let (sender, mut arrivals) = tokio::sync::mpsc::unbounded_channel::<u128>();
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel::<()>();
    for _ in 0..subscriptions {
        let (sender, ready_tx, ws_url, token, issue) =
            (sender.clone(), ready_tx.clone(), ws_url.clone(), token.clone(), issue.clone());
        tokio::spawn(async move {
            let mut request = ws_url.into_client_request().expect("a ws URL");
            request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
            let Ok((connection, _)) = tokio_tungstenite::connect_async(request).await else { return };
            let payload = json!({ "Authorization": format!("Bearer {token}") });
            let Ok(client) = graphql_ws_client::Client::build(connection).payload(payload) else { return };
            let operation = Operation {
                query: "subscription($f: IssueEventFilter) { issueEvents(filter: $f) { note } }".into(),
                variables: json!({ "f": { "issueId": issue, "actions": ["PROGRESS_REPORTED"] } }),
            };
            let Ok(mut stream) = client.subscribe(operation).await else { return };
            let _ = ready_tx.send(());
            while let Some(Ok(item)) = stream.next().await {
                let note = item["data"]["issueEvents"]["note"].as_str().unwrap_or_default();
                let sent = note.rsplit("bench@").next().and_then(|t| t.parse::<u128>().ok());
                if let Some(sent) = sent {
                    let _ = sender.send(micros_now().saturating_sub(sent));
                }
            }
        });
    }
    drop(sender);
    let mut connected = 0;
    while connected < subscriptions {
        match tokio::time::timeout(Duration::from_secs(60), ready.recv()).await {
            Ok(Some(())) => connected += 1,
            _ => break,
        }
    }
    // The server opens a subscription when it first polls it, just after the client's message.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = resident_kib(&pid);

    let http = reqwest::Client::new();
    for n in 0..events {
        let content = format!("progress {n} bench@{}", micros_now());
        let body = json!({
            "query": "mutation($i: SubmitProgressReportInput!) { submitProgressReport(input: $i) { progressReport { id } } }",
            "variables": { "i": { "issueId": issue, "content": content, "percentComplete": 50 } },
        });
        http.post(format!("{url}/graphql")).bearer_auth(&writer).json(&body).send().await?.error_for_status()?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let expected = connected * events;
    let mut latencies = Vec::with_capacity(expected);
    while latencies.len() < expected {
        match tokio::time::timeout(Duration::from_secs(10), arrivals.recv()).await {
            Ok(Some(micros)) => latencies.push(micros),
            _ => break,
        }
    }
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default() as f64
            / 1000.0
    };
    println!(
        "{}",
        json!({
            "subscriptions": connected,
            "events": events,
            "deliveries_expected": expected,
            "deliveries_received": latencies.len(),
            "latency_ms": { "p50": pick(0.50), "p99": pick(0.99), "max": pick(1.0) },
            "server_rss_kib": { "before": before, "after": after },
            "kib_per_subscription": (after.saturating_sub(before)) as f64 / connected.max(1) as f64,
        })
    );
    Ok(())
}
