//! Tokens, checked claim by claim, and local users who log in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::*;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(&Header::default(), claims, &EncodingKey::from_secret(secret.as_bytes()).unwrap()).unwrap()
}

fn good_claims() -> Value {
    json!({ "sub": "alice", "role": "BUREAU", "iss": "rectify", "aud": "rectify-api", "iat": now(), "exp": now() + 600 })
}

fn with(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut claims = good_claims();
    change(claims.as_object_mut().unwrap());
    claims
}

#[tokio::test]
async fn a_valid_token_acts_and_every_kind_of_bad_token_is_refused_with_401() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let query = "{ viewer { subject role } }";
    let valid = app.gql(Some(&sign(&good_claims(), SECRET)), query, json!({})).await.ok();
    assert_eq!(valid.data("viewer.subject"), "alice");

    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(good_claims().to_string())
    );
    let cases: Vec<(&str, String)> = vec![
        (
            "expired beyond the leeway",
            sign(
                &with(|c| {
                    c.insert("exp".into(), json!(now() - 120));
                }),
                SECRET,
            ),
        ),
        ("signed with another key", sign(&good_claims(), "another-secret-that-is-long-enough-too")),
        ("alg none", unsigned),
        (
            "another audience",
            sign(
                &with(|c| {
                    c.insert("aud".into(), json!("someone-else"));
                }),
                SECRET,
            ),
        ),
        (
            "another issuer",
            sign(
                &with(|c| {
                    c.insert("iss".into(), json!("evil"));
                }),
                SECRET,
            ),
        ),
        (
            "no exp",
            sign(
                &with(|c| {
                    c.remove("exp");
                }),
                SECRET,
            ),
        ),
        (
            "exp as a string",
            sign(
                &with(|c| {
                    c.insert("exp".into(), json!((now() + 600).to_string()));
                }),
                SECRET,
            ),
        ),
        (
            "no aud",
            sign(
                &with(|c| {
                    c.remove("aud");
                }),
                SECRET,
            ),
        ),
        (
            "not yet valid",
            sign(
                &with(|c| {
                    c.insert("nbf".into(), json!(now() + 3600));
                }),
                SECRET,
            ),
        ),
        (
            "unknown role",
            sign(
                &with(|c| {
                    c.insert("role".into(), json!("MAYOR"));
                }),
                SECRET,
            ),
        ),
        (
            "department without dept",
            sign(
                &with(|c| {
                    c.insert("role".into(), json!("DEPARTMENT"));
                }),
                SECRET,
            ),
        ),
        (
            "unknown department",
            sign(
                &with(|c| {
                    c.insert("role".into(), json!("DEPARTMENT"));
                    c.insert("dept".into(), json!("NOPE"));
                }),
                SECRET,
            ),
        ),
        ("not a JWT", "not-a-token".into()),
        (
            "no iat",
            sign(
                &with(|c| {
                    c.remove("iat");
                }),
                SECRET,
            ),
        ),
        (
            "ten years long",
            sign(
                &with(|c| {
                    c.insert("exp".into(), json!(now() + 10 * 365 * 86_400));
                }),
                SECRET,
            ),
        ),
        (
            "a day and a minute long, issued an hour ago",
            sign(
                &with(|c| {
                    c.insert("iat".into(), json!(now() - 3_600));
                    c.insert("exp".into(), json!(now() - 3_600 + 86_460));
                }),
                SECRET,
            ),
        ),
        (
            "issued in the future",
            sign(
                &with(|c| {
                    c.insert("iat".into(), json!(now() + 3_600));
                    c.insert("exp".into(), json!(now() + 7_200));
                }),
                SECRET,
            ),
        ),
    ];
    for (case, token) in cases {
        let reply = app.gql(Some(&token), query, json!({})).await;
        assert_eq!(reply.status, 401, "{case}: {}", reply.body);
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}");
        assert!(reply.body.get("data").is_none(), "{case}: nothing executes");
    }
    // A `dept` claim on a role other than DEPARTMENT gives no department.
    let bureau_with_dept = sign(
        &with(|c| {
            c.insert("dept".into(), json!("WATER"));
        }),
        SECRET,
    );
    let reply = app.gql(Some(&bureau_with_dept), "{ viewer { role department { code } } }", json!({})).await.ok();
    assert!(reply.data("viewer.department").is_null());

    // An HS256 token whose header claims RS256 is refused: the algorithm is ours to choose.
    let mut parts: Vec<String> = sign(&good_claims(), SECRET).split('.').map(String::from).collect();
    parts[0] = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let reply = app.gql(Some(&parts.join(".")), query, json!({})).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn without_a_token_only_login_works() {
    let app = spawn_app().await;
    let reply = app.gql(None, "{ issues { totalCount } }", json!({})).await;
    assert_eq!(reply.code(), "UNAUTHENTICATED");
    let reply = app.gql(None, "{ viewer { role } }", json!({})).await;
    assert_eq!(reply.code(), "UNAUTHENTICATED");
    let reply = app
        .gql(
            None,
            "mutation { login(input: {username: \"nobody\", password: \"whatever-it-is\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "UNAUTHENTICATED", "wrong credentials are refused, but login itself is reachable");
}

#[tokio::test]
async fn an_admin_creates_a_local_user_who_logs_in_with_an_argon2_checked_password() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let admin = app.token(entity::enums::Role::Admin, "root", None);
    let created = app
        .mutate(&admin, "createUser", json!({ "username": "li.ming", "password": "river-bank-2026!", "role": "DEPARTMENT", "departmentCode": "WATER", "displayName": "Li Ming" }), "user { username role department { code } active }")
        .await
        .ok();
    assert_eq!(created.data("createUser.user.department.code"), "WATER");

    let short = app
        .mutate(&admin, "createUser", json!({ "username": "x", "password": "short", "role": "LEADER" }), "user { id }")
        .await;
    assert_eq!((short.code(), short.field()), ("BAD_USER_INPUT", "input.password"));
    let taken = app
        .mutate(
            &admin,
            "createUser",
            json!({ "username": "li.ming", "password": "another long password", "role": "LEADER" }),
            "user { id }",
        )
        .await;
    assert_eq!((taken.code(), taken.field()), ("BAD_USER_INPUT", "input.username"));
    let stored: String = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::user::Entity::find()
            .filter(entity::user::Column::Username.eq("li.ming"))
            .one(&app.db.conn)
            .await
            .unwrap()
            .unwrap()
            .password_hash
    };
    assert!(stored.starts_with("$argon2id$") && !stored.contains("river-bank"));

    let wrong = app
        .gql(
            None,
            "mutation { login(input: {username: \"li.ming\", password: \"river-bank-2025!\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    let login = app
        .gql(None, "mutation { login(input: {username: \"li.ming\", password: \"river-bank-2026!\"}) { token expiresAt viewer { subject role department { code } } } }", json!({}))
        .await
        .ok();
    assert_eq!(login.data("login.viewer.department.code"), "WATER");
    let token = login.data("login.token").as_str().unwrap().to_owned();
    let me = app.gql(Some(&token), "{ viewer { subject name role department { code } } }", json!({})).await.ok();
    assert_eq!(me.data("viewer.subject"), "li.ming");
    assert_eq!(me.data("viewer.name"), "Li Ming");
    assert_eq!(me.data("viewer.department.code"), "WATER");
}

#[tokio::test]
async fn without_a_token_nothing_but_a_single_login_runs() {
    let app = spawn_app().await;
    for query in [
        "{ __schema { types { name } } }",
        "{ __typename }",
        "mutation { a: login(input: {username: \"x\", password: \"y\"}) { token } b: login(input: {username: \"x\", password: \"z\"}) { token } }",
        "mutation { login(input: {username: \"x\", password: \"y\"}) { token } createAspect(input: {code: \"A\", name: \"a\"}) { aspect { id } } }",
        // One named operation is the one the executor runs, named in the request or not.
        "query Q { __schema { types { name } } }",
        "query Q { __typename } mutation M { login(input: {username: \"x\", password: \"y\"}) { token } }",
        "mutation M { ...F } fragment F on Mutation { login(input: {username: \"x\", password: \"y\"}) { token } }",
    ] {
        let reply = app.gql(None, query, json!({})).await;
        assert_eq!((reply.status, reply.code()), (401, "UNAUTHENTICATED"), "{query}");
    }
    let named = "query Q { __type(name: \"Issue\") { fields { name } } }";
    let reply = app.client.get(format!("{}/graphql", app.address)).query(&[("query", named)]).send().await.unwrap();
    assert_eq!(reply.status(), 401, "over GET too");
    let named_login = "mutation M { login(input: {username: \"x\", password: \"whatever it is\"}) { token } }";
    let reply = app.gql(None, named_login, json!({})).await;
    assert_eq!(
        (reply.status, reply.code()),
        (200, "UNAUTHENTICATED"),
        "a named login runs (and fails on its credentials)"
    );
}

#[tokio::test]
async fn one_request_cannot_try_many_passwords() {
    let app = spawn_app().await;
    let token = app.bureau();
    let aliased: String = (0..6)
        .map(|n| format!("l{n}: login(input: {{username: \"x\", password: \"guess-{n}\"}}) {{ token }} "))
        .collect();
    let reply = app.gql(Some(&token), &format!("mutation {{ {aliased} }}"), json!({})).await;
    assert_eq!(reply.code(), "TOO_COMPLEX");
}

async fn login(app: &TestApp, username: &str, password: &str) -> Reply {
    app.gql(
        None,
        "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
        json!({ "u": username, "p": password }),
    )
    .await
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_at_once_and_stay_dead_after_reactivation() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let admin = app.token(entity::enums::Role::Admin, "root", None);
    let (user_id, token) = app.signed_in_bureau_user(&admin, "zhao", "a good long password").await;
    let viewer = "{ viewer { subject } }";
    app.gql(Some(&token), viewer, json!({})).await.ok();

    let refused = app.mutate(&app.bureau(), "deactivateUser", json!({ "userId": user_id }), "user { active }").await;
    assert_eq!(refused.code(), "FORBIDDEN", "only ADMIN manages users");
    let root = app
        .mutate(
            &admin,
            "createUser",
            json!({ "username": "root", "password": "the admin's own password", "role": "ADMIN" }),
            "user { id }",
        )
        .await
        .ok();
    let root_id = root.data("createUser.user.id").clone();
    let yourself = app.mutate(&admin, "deactivateUser", json!({ "userId": root_id }), "user { active }").await;
    assert_eq!(
        (yourself.code(), yourself.field()),
        ("BAD_USER_INPUT", "input.userId"),
        "no one deactivates themselves"
    );
    let deactivated = app.mutate(&admin, "deactivateUser", json!({ "userId": user_id }), "user { active }").await.ok();
    assert_eq!(deactivated.data("deactivateUser.user.active"), false);
    let reply = app.gql(Some(&token), viewer, json!({})).await;
    assert_eq!((reply.status, reply.code()), (401, "UNAUTHENTICATED"), "at once, with no wait for a cache");
    assert_eq!(login(&app, "zhao", "a good long password").await.code(), "UNAUTHENTICATED");

    let back = app.mutate(&admin, "reactivateUser", json!({ "userId": user_id }), "user { active }").await.ok();
    assert_eq!(back.data("reactivateUser.user.active"), true);
    let reply = app.gql(Some(&token), viewer, json!({})).await;
    assert_eq!(reply.status, 401, "a token from before the deactivation stays refused");
    // Tokens carry whole seconds: a new login in the same second as the cut-off would be refused.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let fresh = login(&app, "zhao", "a good long password").await.ok().data("login.token").as_str().unwrap().to_owned();
    app.gql(Some(&fresh), viewer, json!({})).await.ok();
}

#[tokio::test]
async fn a_token_no_longer_matching_its_user_is_refused() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let admin = app.token(entity::enums::Role::Admin, "root", None);
    app.mutate(
        &admin,
        "createUser",
        json!({ "username": "qian", "password": "a good long password", "role": "LEADER" }),
        "user { id }",
    )
    .await
    .ok();
    let token = login(&app, "qian", "a good long password").await.ok().data("login.token").as_str().unwrap().to_owned();
    let viewer = "{ viewer { role } }";
    app.gql(Some(&token), viewer, json!({})).await.ok();
    use sea_orm::ConnectionTrait;
    // Changed behind the server's back: seen within the time a standing is trusted.
    app.db.conn.execute_unprepared("UPDATE app_user SET role = 'BUREAU' WHERE username = 'qian'").await.unwrap();
    tokio::time::sleep(rectify::service::users::STANDING_TIME_TO_LIVE).await;
    let reply = app.gql(Some(&token), viewer, json!({})).await;
    assert_eq!(reply.status, 401, "a LEADER token of a user who is no longer a LEADER");
    app.db.conn.execute_unprepared("UPDATE app_user SET role = 'LEADER' WHERE username = 'qian'").await.unwrap();
    app.db.conn.execute_unprepared("DELETE FROM app_user WHERE username = 'qian'").await.unwrap();
    tokio::time::sleep(rectify::service::users::STANDING_TIME_TO_LIVE).await;
    let reply = app.gql(Some(&token), viewer, json!({})).await;
    assert_eq!(reply.status, 401, "the login token of a deleted user");
}
