//! Fair limits: each subject's cost budget, spent by queries and downloads alike, refused with
//! 429 and `Retry-After` when spent, and restored by waiting.

use std::time::Duration;

use entity::enums::Role;
use rectify::config::Settings;
use rectify::service::cost_budget::{EXPORT_COST, MAP_COST};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::*;

/// 100 issues of 16 fields: about 1 700 in cost, whether or not there are issues to read.
const HEAVY: &str = "{ issues(first: 100) { nodes { id code title description status severity location latitude \
                     longitude leaderName deadline overdue reopenCount version createdAt updatedAt } } }";

const JSON: &str = "application/json";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Budgets small enough for a test to spend: 10 000 (1 000 a second) for interactive roles,
/// 40 000 (4 000 a second) for SUPERIOR.
fn small_budgets(settings: &mut Settings) {
    settings.limits.max_cost = 10_000;
    settings.limits.cost_budget = 10_000;
    settings.limits.cost_refill = 1_000;
    settings.limits.superior_cost_budget = 40_000;
    settings.limits.superior_cost_refill = 4_000;
}

/// The same, with budgets that barely refill, so that what was spent can be read exactly.
fn slow_refill(settings: &mut Settings) {
    small_budgets(settings);
    settings.limits.cost_refill = 1;
    settings.limits.superior_cost_refill = 1;
}

/// An HTTP answer with what these tests read of it.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    content_type: String,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
    }

    fn cost(&self) -> &Value {
        &self.body["extensions"]["cost"]
    }

    /// `extensions.cost.throttleStatus.currentlyAvailable`.
    fn left(&self) -> u64 {
        self.cost()["throttleStatus"]["currentlyAvailable"].as_u64().unwrap_or_else(|| panic!("no cost: {}", self.body))
    }

    fn requested(&self) -> u64 {
        self.cost()["requestedQueryCost"].as_u64().unwrap_or_else(|| panic!("no cost: {}", self.body))
    }

    /// A refusal for the budget: 429, a whole number of seconds to wait, `RATE_LIMITED`.
    fn assert_over_budget(&self) -> u64 {
        assert_eq!(self.status, 429, "{}", self.body);
        assert_eq!(self.code(), "RATE_LIMITED", "{}", self.body);
        self.retry_after.unwrap_or_else(|| panic!("a 429 carries Retry-After: {}", self.body))
    }

    async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let retry_after = header("retry-after").map(|v| v.parse().expect("Retry-After in whole seconds"));
        let content_type = header("content-type").unwrap_or_default();
        let body = response.json().await.expect("a JSON body");
        Self { status, retry_after, content_type, body }
    }
}

impl TestApp {
    async fn post(&self, token: &str, body: Value, accept: &str) -> Answer {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .header("Accept", accept)
            .json(&body)
            .send()
            .await
            .expect("the request is sent");
        Answer::read(response).await
    }

    async fn heavy(&self, token: &str) -> Answer {
        self.post(token, json!({ "query": HEAVY }), JSON).await
    }

    async fn fetch(&self, token: &str, path: &str) -> Answer {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is sent");
        let status = response.status().as_u16();
        if status == 200 {
            // A file, not JSON: read it whole and report the status only.
            response.bytes().await.expect("the whole file");
            return Answer { status, retry_after: None, content_type: String::new(), body: Value::Null };
        }
        Answer::read(response).await
    }

    /// The first answer to `send` that is not a success, sending it again (a few times at most)
    /// while they are.
    async fn first_refused<F: Future<Output = Answer>>(&self, send: impl Fn() -> F) -> Answer {
        for _ in 0..20 {
            let answer = send().await;
            if answer.status != 200 {
                return answer;
            }
        }
        panic!("20 heavy queries should not fit a budget of 10 000");
    }

    /// Sends HEAVY until it is refused; returns what was left after each success, and the refusal.
    async fn spend_all(&self, token: &str) -> (Vec<u64>, Answer) {
        let mut left = Vec::new();
        loop {
            let answer = self.heavy(token).await;
            if answer.status != 200 {
                return (left, answer);
            }
            left.push(answer.left());
            assert!(left.len() < 20, "20 heavy queries should not fit a budget of 10 000: {left:?}");
        }
    }
}

#[tokio::test]
async fn a_burst_over_budget_gets_429_with_retry_after_and_a_pause_restores_access() {
    let app = spawn_app_with(small_budgets).await;
    let bureau = app.bureau();

    let first = app.heavy(&bureau).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let cost = first.requested();
    assert_eq!(
        first.cost(),
        &json!({
            "requestedQueryCost": cost,
            "actualQueryCost": cost,
            "throttleStatus": { "maximumAvailable": 10_000, "currentlyAvailable": 10_000 - cost, "restoreRate": 1_000 }
        })
    );
    let (mut left, refused) = app.spend_all(&bureau).await;
    left.insert(0, first.left());
    assert!(left.windows(2).all(|pair| pair[1] < pair[0]), "the budget went down request by request: {left:?}");
    assert!(left.len() >= 3, "a few heavy queries fit: {left:?}");

    let wait = refused.assert_over_budget();
    assert!((1..=2).contains(&wait), "Retry-After {wait} s");
    assert!(refused.body.get("data").is_none(), "nothing ran: {}", refused.body);
    assert_eq!(refused.cost()["requestedQueryCost"], cost);
    assert_eq!(refused.cost()["actualQueryCost"], Value::Null);
    assert!(refused.left() < cost, "refused only when the budget cannot pay: {}", refused.body);

    // The GraphQL media type answers 429 too, not 400. The budget refills while the test runs
    // (the refusal above may have lacked a single unit), so each kind of request is sent until
    // one is refused, and that refusal is checked.
    let refused = app.first_refused(|| app.post(&bureau, json!({ "query": HEAVY }), GRAPHQL_RESPONSE)).await;
    refused.assert_over_budget();
    assert!(refused.content_type.starts_with(GRAPHQL_RESPONSE), "{}", refused.content_type);
    // And so does a query over GET.
    let refused = app
        .first_refused(|| async {
            let over_get =
                app.client.get(format!("{}/graphql", app.address)).query(&[("query", HEAVY)]).bearer_auth(&bureau);
            Answer::read(over_get.send().await.expect("the request is sent")).await
        })
        .await;
    let wait = refused.assert_over_budget();

    tokio::time::sleep(Duration::from_secs(wait)).await;
    let restored = app.heavy(&bureau).await;
    assert_eq!(restored.status, 200, "after Retry-After the query runs: {}", restored.body);
    assert!(restored.body["data"]["issues"]["nodes"].is_array());
}

#[tokio::test]
async fn a_superior_agency_survives_a_burst_that_stops_an_interactive_role() {
    let app = spawn_app_with(small_budgets).await;
    let superior = app.token(Role::Superior, "city-office", None);
    let bureau = app.bureau();
    let mut bureau_refused = 0;
    for _ in 0..10 {
        let answer = app.heavy(&superior).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.cost()["throttleStatus"]["maximumAvailable"], 40_000);
        assert_eq!(answer.cost()["throttleStatus"]["restoreRate"], 4_000);
        if app.heavy(&bureau).await.status == 429 {
            bureau_refused += 1;
        }
    }
    assert!(bureau_refused > 0, "the same burst stops a BUREAU token");
}

#[tokio::test]
async fn each_subject_has_its_own_budget() {
    let app = spawn_app_with(small_budgets).await;
    seed_county(&app).await;
    let (_, refused) = app.spend_all(&app.bureau()).await;
    refused.assert_over_budget();

    let colleague = app.token(Role::Bureau, "bureau-deputy", None);
    let answer = app.heavy(&colleague).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.left(), 10_000 - answer.requested(), "a full budget of its own");
    assert_eq!(app.heavy(&app.department("WATER")).await.status, 200);
}

#[tokio::test]
async fn exports_and_the_map_spend_from_the_same_budget_as_queries() {
    let app = spawn_app_with(slow_refill).await;
    seed_county(&app).await;
    let superior = app.token(Role::Superior, "city-office", None);
    // At 1 a second, a few units at most come back while the test runs.
    let about = |expected: u64, actual: u64| assert!((expected..expected + 10).contains(&actual), "{actual}");

    let before = app.heavy(&superior).await;
    let cost = before.requested();
    assert_eq!(app.fetch(&superior, "/export/issues.csv").await.status, 200);
    let after_export = app.heavy(&superior).await;
    about(before.left() - EXPORT_COST - cost, after_export.left());
    assert_eq!(app.fetch(&superior, "/map/issues.geojson").await.status, 200);
    let after_map = app.heavy(&superior).await;
    about(after_export.left() - MAP_COST - cost, after_map.left());

    // 40 000 - 3 queries - a CSV - a map leaves one workbook and a bit.
    assert_eq!(app.fetch(&superior, "/export/issues.xlsx").await.status, 200);
    let refused = app.fetch(&superior, "/export/issues.xlsx").await;
    let wait = refused.assert_over_budget();
    assert!(wait > 60, "at 1 a second the wait is long: {wait}");
    assert_eq!(refused.content_type, "application/json; charset=utf-8");
    let message = refused.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains(&format!("retry in {wait} s")), "the message says when: {message}");
    app.fetch(&superior, "/export/issues.csv").await.assert_over_budget();
    // Just under 10 000 is left: the map, cheaper, fits once more, and then a query.
    assert_eq!(app.fetch(&superior, "/map/issues.geojson").await.status, 200);
    app.fetch(&superior, "/map/issues.geojson").await.assert_over_budget();
    assert_eq!(app.heavy(&superior).await.status, 200);
}

#[tokio::test]
async fn a_mutation_refused_for_the_budget_writes_nothing() {
    let app = spawn_app_with(slow_refill).await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let query = "mutation($input: RegisterIssueInput!) { registerIssue(input: $input) { issue { id code \
                 events(first: 100) { nodes { id action fromStatus toStatus actor actorRole note at } } } } }";
    let input = |code: &str| {
        json!({
            "code": code, "title": "Dust from the quarry", "description": "Trucks leave uncovered.",
            "roundId": county.round, "categoryId": county.category, "severity": "GENERAL",
        })
    };
    let mut landed: u64 = 0;
    let refused = loop {
        let body = json!({ "query": query, "variables": { "input": input(&format!("RL-{landed}")) } });
        let answer = app.post(&bureau, body, JSON).await;
        if answer.status != 200 {
            break answer;
        }
        assert!(answer.body.get("errors").is_none(), "{}", answer.body);
        landed += 1;
        assert!(landed < 30, "the budget should run out");
    };
    refused.assert_over_budget();
    assert!(refused.body.get("data").is_none(), "{}", refused.body);
    let issues = entity::issue::Entity::find().count(&app.db.conn).await.expect("counting issues");
    assert_eq!(issues, landed, "only the mutations that were paid for wrote an issue");
}

#[tokio::test]
async fn a_persisted_query_sent_as_its_hash_is_charged_like_its_text() {
    use sha2::{Digest, Sha256};
    let app = spawn_app_with(small_budgets).await;
    let bureau = app.bureau();
    let hash: String = Sha256::digest(HEAVY.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    let registered = app.post(&bureau, json!({ "query": HEAVY, "extensions": extensions }), JSON).await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let by_hash = app.post(&bureau, json!({ "extensions": extensions }), JSON).await;
    assert_eq!(by_hash.status, 200, "{}", by_hash.body);
    assert_eq!(by_hash.requested(), registered.requested());
    assert!(by_hash.left() < registered.left());
    let mut sent = 0;
    let refused = loop {
        let answer = app.post(&bureau, json!({ "extensions": extensions }), JSON).await;
        if answer.status != 200 {
            break answer;
        }
        sent += 1;
        assert!(sent < 20, "the budget should run out");
    };
    refused.assert_over_budget();
}

#[tokio::test]
async fn a_login_without_a_token_is_charged_to_its_address() {
    let app = spawn_app().await;
    let login = "mutation { login(input: {username: \"nobody\", password: \"whatever-it-is\"}) { token } }";
    let reply = app.gql(None, login, json!({})).await;
    assert_eq!((reply.status, reply.code()), (200, "UNAUTHENTICATED"));
    let cost = &reply.body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 12_501, "{}", reply.body);
    let budget = rectify::config::LimitSettings::default().anonymous_cost_budget;
    assert_eq!(cost["throttleStatus"]["currentlyAvailable"], budget - 12_501);
}

/// A repeated request is charged without being validated again (its cost is remembered), so
/// the remembered cost must be the one its variables ask for, every time.
#[tokio::test]
async fn a_repeated_query_is_charged_what_its_variables_ask_each_time() {
    let app = spawn_app_with(slow_refill).await;
    let bureau = app.bureau();
    let about = |expected: u64, actual: u64| assert!((expected..expected + 10).contains(&actual), "{actual}");
    let page = |first: u64| {
        json!({
            "query": "query Page($first: Int!) { issues(first: $first) { nodes { id code title status } } }",
            "variables": { "first": first },
        })
    };

    let first = app.post(&bureau, page(10), JSON).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let small = first.requested();
    let again = app.post(&bureau, page(10), JSON).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.requested(), small, "the same request costs the same");
    about(first.left() - small, again.left());

    let larger = app.post(&bureau, page(100), JSON).await;
    assert_eq!(larger.status, 200, "{}", larger.body);
    assert!(larger.requested() > 5 * small, "ten times the page: {} against {small}", larger.requested());
    about(again.left() - larger.requested(), larger.left());
    let smaller_again = app.post(&bureau, page(10), JSON).await;
    assert_eq!(smaller_again.requested(), small, "{}", smaller_again.body);

    // The same document with a page beyond the cost limit is refused every time, and its
    // refusal charges nothing.
    for _ in 0..2 {
        let too_costly = app.post(&bureau, page(1_000_000), JSON).await;
        assert_eq!(too_costly.code(), "TOO_COMPLEX", "{}", too_costly.body);
        assert!(too_costly.body.get("data").is_none(), "nothing ran: {}", too_costly.body);
    }
    let after = app.post(&bureau, page(10), JSON).await;
    about(smaller_again.left() - small, after.left());

    // A document that does not validate fails every time, whoever sent it first.
    for _ in 0..2 {
        let invalid =
            app.post(&bureau, json!({ "query": "{ issues(first: 10) { nodes { noSuchField } } }" }), JSON).await;
        assert_eq!(invalid.code(), "BAD_USER_INPUT", "{}", invalid.body);
    }
}

#[tokio::test]
#[ignore = "needs Redis: run with RECTIFY_TEST_REDIS_URL and --include-ignored"]
async fn two_instances_sharing_redis_limit_a_subject_as_one() {
    let app = spawn_app_with(|s| {
        slow_refill(s);
        s.redis_url = Some(test_redis());
    })
    .await;
    let (second, _) = app.second_server().await;
    let subject = fresh_subject("alternating");
    let token = app.token(Role::Bureau, &subject, None);
    let mut admitted = 0;
    let mut lefts = Vec::new();
    let refusal = loop {
        // The subject alternates between the two instances, as behind a load balancer.
        let address = if lefts.len() % 2 == 0 { &app.address } else { &second };
        let response =
            app.client.post(format!("{address}/graphql")).bearer_auth(&token).json(&json!({ "query": HEAVY }));
        let answer = Answer::read(response.send().await.unwrap()).await;
        if answer.status == 429 {
            break answer;
        }
        admitted += answer.requested();
        lefts.push(answer.left());
    };
    refusal.assert_over_budget();
    // One bucket of 10 000 between them, not one on each (the refill of 1 a second adds a few
    // during the test): every answer reports what the other instance's requests left.
    assert!(admitted <= 10_000 + 5, "admitted {admitted}: more than one budget");
    assert!(admitted > 10_000 - 2_000, "admitted {admitted}");
    assert!(lefts.windows(2).all(|pair| pair[1] < pair[0]), "one falling level: {lefts:?}");
    // The bucket is kept under a hash of the subject, not under its name.
    let mut redis =
        redis::Client::open(test_redis().expose()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("rectify:budget:subject:*").query_async(&mut redis).await.unwrap();
    assert!(!keys.is_empty());
    assert!(keys.iter().all(|key| !key.contains(&subject)), "{keys:?}");
}

#[tokio::test]
#[ignore = "needs Redis: run with RECTIFY_TEST_REDIS_URL and --include-ignored"]
async fn an_unreachable_shared_store_makes_an_instance_unready_and_count_alone() {
    // Nothing listens on port 1: the store is down from the start.
    let app = spawn_app_with(|s| {
        slow_refill(s);
        s.redis_url = Some(rectify::config::Secret::new("redis://127.0.0.1:1/0"));
    })
    .await;
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    assert_eq!(ready.text().await.unwrap(), "shared store unavailable");
    // Requests are still served, from this instance's own bucket, and still limited by it.
    let token = app.token(Role::Bureau, "alone", None);
    let (left, refusal) = app.spend_all(&token).await;
    assert!(!left.is_empty(), "requests are served while the store is down");
    refusal.assert_over_budget();
    // With the store back, the instance is ready again.
    let shared = spawn_app_with(|s| s.redis_url = Some(test_redis())).await;
    let ready = shared.client.get(format!("{}/readyz", shared.address)).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
}
