//! Password guessing and floods through `login`, the one thing open without a token: each
//! attempt is counted before its password is checked, per username and per client address,
//! without locking the owner out, and nothing an attacker sends is kept.

use std::net::IpAddr;

use entity::enums::Role;
use serde_json::json;

use crate::helpers::*;

const PASSWORD: &str = "a good long password";

/// A client whose requests come from `address` (any address of 127.0.0.0/8 reaches the
/// server's 127.0.0.1), so that tests can play several people.
fn client_at(address: &str) -> reqwest::Client {
    let address: IpAddr = address.parse().unwrap();
    reqwest::Client::builder().local_address(address).build().unwrap()
}

async fn login(app: &TestApp, client: &reqwest::Client, username: &str, password: &str) -> Reply {
    login_at(&app.address, client, username, password).await
}

/// `login` through the server at `address`.
async fn login_at(address: &str, client: &reqwest::Client, username: &str, password: &str) -> Reply {
    let query = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }";
    let response = client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": { "u": username, "p": password } }))
        .send()
        .await
        .unwrap();
    Reply { status: response.status().as_u16(), body: response.json().await.unwrap() }
}

/// An app whose budget for requests without a token is out of the way, so that what holds
/// logins back here is the login throttle alone.
async fn app_without_anonymous_budget() -> TestApp {
    spawn_app_with(|settings| settings.limits.anonymous_cost_budget = u64::MAX / 2).await
}

async fn app_with_user() -> TestApp {
    let app = app_without_anonymous_budget().await;
    create_user(&app, "wang").await;
    app
}

async fn create_user(app: &TestApp, username: &str) {
    let admin = app.token(Role::Admin, "root", None);
    app.mutate(
        &admin,
        "createUser",
        json!({ "username": username, "password": PASSWORD, "role": "LEADER" }),
        "user { id }",
    )
    .await
    .ok();
}

#[tokio::test]
async fn concurrent_guesses_are_counted_before_any_password_is_checked() {
    let app = app_with_user().await;
    let guesser = client_at("127.0.0.2");
    let passwords: Vec<String> = (0..30).map(|n| format!("wrong password {n}")).collect();
    let guesses = passwords.iter().map(|password| login(&app, &guesser, "wang", password));
    let replies = futures_util::future::join_all(guesses).await;
    let mut checked = replies.iter().filter(|reply| reply.code() == "UNAUTHENTICATED").count();
    let held_back = replies.iter().filter(|reply| reply.code() == "RATE_LIMITED").count();
    assert_eq!(checked + held_back, 30, "every other guess is refused before its check");
    // Some of the burst found the Argon2 slots busy; the guesses after it show that no more
    // than the free five were ever checked, whatever the order they came in.
    for n in 0..10 {
        if login(&app, &guesser, "wang", &format!("later guess {n}")).await.code() == "UNAUTHENTICATED" {
            checked += 1;
        }
    }
    assert!(checked <= 5, "only the free attempts reach Argon2, {checked} did");
}

#[tokio::test]
async fn a_login_token_lives_no_longer_than_the_longest_lifetime_allowed() {
    let app = spawn_app_with(|settings| settings.auth.max_lifetime = std::time::Duration::from_secs(3_600)).await;
    let admin = app.token(Role::Admin, "root", None);
    app.mutate(
        &admin,
        "createUser",
        json!({ "username": "wang", "password": PASSWORD, "role": "LEADER" }),
        "user { id }",
    )
    .await
    .ok();
    let query =
        "mutation { login(input: {username: \"wang\", password: \"a good long password\"}) { token expiresAt } }";
    let reply = app.gql(None, query, json!({})).await.ok();
    let expires: chrono::DateTime<chrono::Utc> = reply.data("login.expiresAt").as_str().unwrap().parse().unwrap();
    let left = expires - chrono::Utc::now();
    assert!(left <= chrono::Duration::hours(1) && left > chrono::Duration::minutes(55), "an hour, not 8: {left}");
    app.gql(reply.data("login.token").as_str(), "{ viewer { role } }", json!({})).await.ok();
}

#[tokio::test]
async fn a_guesser_slows_itself_down_but_never_locks_the_owner_out() {
    let app = app_with_user().await;
    let guesser = client_at("127.0.0.2");
    for n in 0..5 {
        assert_eq!(login(&app, &guesser, "wang", &format!("wrong password {n}")).await.code(), "UNAUTHENTICATED");
    }
    let held_back = login(&app, &guesser, "wang", PASSWORD).await;
    assert_eq!(held_back.code(), "RATE_LIMITED", "the guesser waits, even with the right password");
    let owner = login(&app, &client_at("127.0.0.3"), "wang", PASSWORD).await.ok();
    assert!(owner.data("login.token").is_string(), "the owner, elsewhere, logs in at once");
}

#[tokio::test]
async fn one_address_spraying_many_usernames_is_held_back() {
    let app = app_without_anonymous_budget().await;
    let sprayer = client_at("127.0.0.4");
    for n in 0..20 {
        assert_eq!(login(&app, &sprayer, &format!("user{n}"), "Spring2026!Spring").await.code(), "UNAUTHENTICATED");
    }
    assert_eq!(login(&app, &sprayer, "user20", "Spring2026!Spring").await.code(), "RATE_LIMITED");
    let other = login(&app, &client_at("127.0.0.5"), "user20", "Spring2026!Spring").await;
    assert_eq!(other.code(), "UNAUTHENTICATED", "another address is not held back");
}

#[tokio::test]
async fn a_flood_of_huge_usernames_is_refused_unread_and_leaves_nothing_behind() {
    let app = app_without_anonymous_budget().await;
    let huge = "x".repeat(900_000);
    let client = client_at("127.0.0.6");
    for _ in 0..20 {
        let reply = login(&app, &client, &huge, "whatever it is").await;
        assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "input.username"));
    }
    let reply = login(&app, &client, "wang", &"p".repeat(100_000)).await;
    assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "input.password"));
    assert_eq!(app.services.remembered_login_counters(), 0, "a refused name is neither counted nor kept");
    login(&app, &client, "someone", "a wrong password").await;
    assert_eq!(app.services.remembered_login_counters(), 3, "a real attempt is kept as three hashed counters");
}

#[tokio::test]
async fn requests_without_a_token_spend_a_budget_per_client_address() {
    // The default budget pays for ten logins at once (12,501 each); here it barely refills.
    let app = spawn_app_with(|settings| settings.limits.anonymous_cost_refill = 1).await;
    let client = client_at("127.0.0.7");
    for n in 0..10 {
        let reply = login(&app, &client, &format!("nobody{n}"), "whatever it is").await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "login {n}");
    }
    let over = login(&app, &client, "nobody10", "whatever it is").await;
    assert_eq!((over.status, over.code()), (429, "RATE_LIMITED"));
    let elsewhere = login(&app, &client_at("127.0.0.8"), "nobody10", "whatever it is").await;
    assert_eq!(elsewhere.code(), "UNAUTHENTICATED");
}

#[tokio::test]
#[ignore = "needs Redis: run with RECTIFY_TEST_REDIS_URL and --include-ignored"]
async fn two_instances_sharing_redis_count_one_guessers_attempts_together() {
    let app = spawn_app_with(|settings| {
        settings.limits.anonymous_cost_budget = u64::MAX / 2;
        settings.redis_url = Some(test_redis());
    })
    .await;
    let (second, _) = app.second_server().await;
    let instances = [app.address.as_str(), second.as_str()];
    let username = fresh_subject("wang");
    create_user(&app, &username).await;

    // The owner logs in once from home, through the first instance.
    let home = client_at(&fresh_loopback());
    login_at(instances[0], &home, &username, PASSWORD).await.ok();

    // A guesser alternating between the instances gets the five free failures in all, not
    // five on each.
    let guesser_address = fresh_loopback();
    let guesser = client_at(&guesser_address);
    for n in 0..5 {
        let reply = login_at(instances[n % 2], &guesser, &username, &format!("wrong password {n}")).await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{}", reply.body);
    }
    for instance in instances {
        assert_eq!(login_at(instance, &guesser, &username, PASSWORD).await.code(), "RATE_LIMITED");
    }

    // Guessers at five more addresses spend the rest of the username's own ten free failures,
    // on both instances...
    for n in 0..5 {
        let reply = login_at(instances[n % 2], &client_at(&fresh_loopback()), &username, "a wrong guess").await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{}", reply.body);
    }
    let stranger = login_at(instances[1], &client_at(&fresh_loopback()), &username, PASSWORD).await;
    assert_eq!(stranger.code(), "RATE_LIMITED", "the username waits, seen by the second instance too");
    // ...but the owner, at the address the first instance saw them log in from, is let in by
    // the second.
    let owner = login_at(instances[1], &home, &username, PASSWORD).await.ok();
    assert!(owner.data("login.token").is_string());

    // The store holds counters under hashes, never the username, nor does any other key.
    let mut redis =
        redis::Client::open(test_redis().expose()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("rectify:*").query_async(&mut redis).await.unwrap();
    assert!(keys.iter().any(|key| key.starts_with("rectify:login:")), "{keys:?}");
    assert!(keys.iter().all(|key| !key.contains(&username)), "{keys:?}");
    // A login's own budget (a request without a token) is kept by each instance: one round trip
    // to the store per attempt, the throttle's.
    assert!(!keys.contains(&format!("rectify:budget:address:{guesser_address}")), "{keys:?}");
    assert!(keys.contains(&format!("rectify:login:address:{guesser_address}")), "{keys:?}");
}

#[tokio::test]
async fn with_the_shared_store_down_each_instance_still_counts_logins_itself() {
    // Nothing listens on port 1: the store is down from the start.
    let app = spawn_app_with(|settings| {
        settings.limits.anonymous_cost_budget = u64::MAX / 2;
        settings.redis_url = Some(rectify::config::Secret::new("redis://127.0.0.1:1/0"));
    })
    .await;
    create_user(&app, "wang").await;
    let guesser = client_at("127.0.0.2");
    for n in 0..5 {
        assert_eq!(login(&app, &guesser, "wang", &format!("wrong password {n}")).await.code(), "UNAUTHENTICATED");
    }
    assert_eq!(login(&app, &guesser, "wang", PASSWORD).await.code(), "RATE_LIMITED");
    let owner = login(&app, &client_at("127.0.0.3"), "wang", PASSWORD).await.ok();
    assert!(owner.data("login.token").is_string());
}
