//! The server's PostgreSQL connections: each HTTP worker reads through connections of its own,
//! and the server holds no more than its pool.

use entity::enums::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::helpers::*;

/// Connections to the test's database, other than the one asking.
async fn connections(app: &TestApp) -> i64 {
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let row = app
        .db
        .conn
        .query_one_raw(Statement::from_string(app.db.conn.get_database_backend(), sql))
        .await
        .unwrap()
        .expect("a count");
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with RECTIFY_TEST_POSTGRES_URL and --include-ignored"]
async fn the_http_workers_open_connections_of_their_own_within_the_pool() {
    let app = spawn_app().await;
    assert!(app.settings.database.url.starts_with("postgres://"), "this test needs RECTIFY_TEST_POSTGRES_URL");
    let pool = app.settings.database.pool.expect("a test pool") as i64;
    // Before any request: the shared pool, opened at start.
    let at_rest = connections(&app).await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "CN-001").await;
    let token = app.token(Role::Superior, "city", None);
    let read = "query($id: ID!) { issue(id: $id) { code events(first: 5) { totalCount } } }";
    let replies =
        futures_util::future::join_all((0..48).map(|_| app.gql(Some(&token), read, json!({ "id": issue })))).await;
    for reply in replies {
        assert_eq!(reply.ok().data("issue.code"), "CN-001");
    }
    let busy = connections(&app).await;
    assert!(busy > at_rest, "the workers answered through the {at_rest} connections open at rest");
    // The pool, less the test's own connection (a shared one, as is the live feed's listener).
    assert!(busy < pool, "{busy} connections besides the test's own, for a pool of {pool}");
}
