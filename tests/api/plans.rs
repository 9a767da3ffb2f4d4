//! The hot queries use indexes at 100,000 issues: the statements the server really sends for
//! the issue list (plain, filtered, deep, a department's own), one issue with its events, and
//! the sync loop, and the issues near a point, are recorded and explained, on SQLite and on PostgreSQL; none may scan the
//! whole `issue` table, and a page filtered by department or status may not sort its matches.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::*;
use crate::written_history::row_id;

const ISSUES: u32 = 100_000;

/// Writes `ISSUES` issues in one statement, spread over three lead departments and every status,
/// over a grid of places 100 m apart (1,000 north to south, 100 east to west), and every
/// seventh in the county's township.
async fn fill(app: &TestApp, county: &County) {
    let (water, housing, agri) = (row_id(&county.water), row_id(&county.housing), row_id(&county.agri));
    let (round, category, township) = (row_id(&county.round), row_id(&county.category), row_id(&county.township));
    let backend = app.db.conn.get_database_backend();
    let (series, created) = match backend {
        DbBackend::Postgres => {
            (format!("FROM generate_series(1, {ISSUES}) AS g(n)"), "now() - make_interval(mins => n)".to_owned())
        }
        _ => (
            format!(
                "FROM (WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {ISSUES}) SELECT n FROM g)"
            ),
            "strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', 'now', '-' || n || ' minutes')".to_owned(),
        ),
    };
    let sql = format!(
        "INSERT INTO issue (code, title, description, status, severity, round_id, category_id, requires_engineering, \
         lead_department_id, deadline, reopen_count, version, created_at, updated_at, latitude, longitude, township_id) \
         SELECT 'BULK-' || n, 'Bulk problem', 'Written for the plan tests', \
         CASE n % 6 WHEN 0 THEN 'REPORTED' WHEN 1 THEN 'ASSIGNED' WHEN 2 THEN 'IN_PROGRESS' \
           WHEN 3 THEN 'AWAITING_ACCEPTANCE' WHEN 4 THEN 'ACCEPTED' ELSE 'CLOSED' END, \
         CASE WHEN n % 10 = 0 THEN 'MAJOR' ELSE 'GENERAL' END, {round}, {category}, false, \
         CASE n % 3 WHEN 0 THEN {water} WHEN 1 THEN {housing} ELSE {agri} END, NULL, 0, 1, {created}, {created}, \
         30.0 + (n % 1000) * 0.0009, 104.0 + (n / 1000) * 0.00104, \
         CASE WHEN n % 7 = 0 THEN {township} END {series}"
    );
    app.db.conn.execute_unprepared(&sql).await.expect("bulk issues");
    // Fresh statistics, as autovacuum would gather after a bulk load.
    app.db.conn.execute_unprepared("ANALYZE").await.unwrap();
}

/// The plan of a recorded statement, one line per step.
async fn plan(app: &TestApp, statement: &Statement) -> Vec<String> {
    let backend = app.db.conn.get_database_backend();
    let prefix = if backend == DbBackend::Postgres { "EXPLAIN " } else { "EXPLAIN QUERY PLAN " };
    let explain =
        Statement { sql: format!("{prefix}{}", statement.sql), values: statement.values.clone(), db_backend: backend };
    let rows = app.db.conn.query_all_raw(explain).await.expect("EXPLAIN");
    rows.iter()
        .map(|row| {
            if backend == DbBackend::Postgres {
                row.try_get::<String>("", "QUERY PLAN").unwrap()
            } else {
                row.try_get::<String>("", "detail").unwrap()
            }
        })
        .collect()
}

/// A step that reads every row of `issue`.
fn scans_all_issues(line: &str, backend: DbBackend) -> bool {
    let line = line.trim().trim_start_matches("->").trim();
    match backend {
        DbBackend::Postgres => line.starts_with("Seq Scan on issue ") || line == "Seq Scan on issue",
        _ => line == "SCAN issue",
    }
}

#[tokio::test]
async fn the_hot_issue_queries_use_indexes_at_100k_issues() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let tracked = app.register(&county, "TRACKED").await;
    app.assign(&county, &tracked, &county_date(30)).await.ok();
    fill(&app, &county).await;
    let (bureau, water) = (app.bureau(), app.department("WATER"));
    let first = app.gql(Some(&bureau), "{ issues(first: 50) { pageInfo { endCursor } } }", json!({})).await.ok();
    let cursor = first.data("issues.pageInfo.endCursor").clone();

    let requests = [
        (&bureau, "{ issues(first: 50) { nodes { id code status } } }", json!({})),
        (&bureau, "query($c: String) { issues(first: 50, after: $c) { nodes { id } } }", json!({ "c": cursor })),
        (
            &bureau,
            "query($d: ID) { issues(first: 50, filter: { leadDepartmentId: $d }) { nodes { id } } }",
            json!({ "d": county.housing }),
        ),
        (&bureau, "{ issues(first: 50, filter: { status: [IN_PROGRESS] }) { nodes { id } } }", json!({})),
        (
            &bureau,
            "query($t: ID) { issues(first: 50, filter: { townshipId: $t }) { nodes { id } } }",
            json!({ "t": county.township }),
        ),
        (&bureau, "{ issues(first: 50, filter: { severity: MAJOR, status: [ASSIGNED] }) { nodes { id } } }", json!({})),
        (&water, "{ issues(first: 50) { nodes { id } } }", json!({})),
        (
            &bureau,
            "query($id: ID!) { issue(id: $id) { code events(first: 20) { nodes { action } } } }",
            json!({ "id": tracked }),
        ),
        (
            &bureau,
            "{ issues(first: 50, orderBy: { field: UPDATED_AT, direction: ASC }, filter: { updatedSince: \"2026-01-01T00:00:00Z\" }) { nodes { id } } }",
            json!({}),
        ),
        (
            &bureau,
            "{ issues(first: 20, filter: { near: { latitude: 30.45, longitude: 104.05, radiusMeters: 1000 } }) { totalCount nodes { id } } }",
            json!({}),
        ),
    ];
    // Around the middle of the grid 10 km hold ~30,000 issues: more than `near` reads for a page.
    let wide = "{ issues(first: 20, filter: { near: { latitude: 30.45, longitude: 104.05, radiusMeters: 10000 } }) { nodes { id } } }";
    let refused = app.gql(Some(&bureau), wide, json!({})).await;
    assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", "filter.near.radiusMeters"), "{}", refused.body);

    let backend = app.db.conn.get_database_backend();
    for (token, query, variables) in requests {
        app.db.record_statements(true);
        app.gql(Some(token), query, variables.clone()).await.ok();
        app.db.record_statements(false);
        let statements: Vec<Statement> =
            app.db.recorded().into_iter().filter(|s| s.sql.contains("FROM \"issue\"")).collect();
        assert!(
            !statements.is_empty(),
            "no issue query recorded for {query}: {:?}",
            app.db.recorded().iter().map(|s| s.sql.clone()).collect::<Vec<_>>()
        );
        for statement in statements {
            let lines = plan(&app, &statement).await;
            if query.contains("after: $c") && statement.sql.contains("LIMIT") {
                // A deep page starts where its cursor points, not at the top of the index.
                let ranged = lines.iter().any(|line| match backend {
                    DbBackend::Postgres => line.contains("Index Cond") && line.contains("ROW("),
                    _ => line.starts_with("SEARCH issue"),
                });
                assert!(ranged, "{}\nwalks the index from the top:\n{}", statement.sql, lines.join("\n"));
            }
            let one_filter =
                ["leadDepartmentId", "townshipId", "status: [IN_PROGRESS]"].iter().any(|f| query.contains(f));
            if one_filter && statement.sql.contains("LIMIT") {
                // A department's page, or one status's, is a range of an ordered index: no
                // sorting of every issue that matches for the 50 it shows.
                let sorts = lines.iter().any(|line| {
                    let line = line.trim().trim_start_matches("->").trim();
                    line.contains("TEMP B-TREE FOR ORDER BY")
                        || line.starts_with("Sort")
                        || line.starts_with("Incremental Sort")
                });
                assert!(!sorts, "{query}\n{}\nsorts the matching issues:\n{}", statement.sql, lines.join("\n"));
            }
            assert!(
                !lines.iter().any(|line| scans_all_issues(line, backend)),
                "{query}\n{}\nplans to scan every issue:\n{}",
                statement.sql,
                lines.join("\n")
            );
        }
    }
}
