//! Migrations carry existing data forward.

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

const CREATED: &str = "'2025-01-01T00:00:00+00:00'";

/// A SQLite database migrated up to migration `applied` (counted from 1), holding two
/// departments (1 WATER, 2 HOUSING), a round, an aspect and a category (all id 1), then the
/// rows of `statements`.
async fn database_before(applied: u32, statements: &[String]) -> (tempfile::TempDir, rectify::db::Database) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let db = rectify::db::Database::connect(&url).await.unwrap();
    Migrator::up(&db.conn, Some(applied)).await.unwrap();
    let reference = [
        format!(
            "INSERT INTO department (id, code, name, kind, active, version, created_at, updated_at) VALUES (1, 'WATER', 'w', 'FUNCTIONAL', 1, 1, {CREATED}, {CREATED}), (2, 'HOUSING', 'h', 'FUNCTIONAL', 1, 1, {CREATED}, {CREATED})"
        ),
        format!(
            "INSERT INTO inspection_round (id, name, level, kind, started_on, created_at) VALUES (1, 'r', 'COUNTY', 'ROUTINE', '2025-01-01', {CREATED})"
        ),
        "INSERT INTO aspect (id, code, name) VALUES (1, 'A', 'a')".to_owned(),
        "INSERT INTO category (id, aspect_id, code, name, duty_department_id) VALUES (1, 1, 'C', 'c', 1)".to_owned(),
    ];
    for sql in reference.iter().chain(statements) {
        db.conn.execute_unprepared(sql).await.unwrap();
    }
    (dir, db)
}

#[tokio::test]
async fn events_recorded_before_the_history_columns_get_their_issues_state_including_cooperating_units() {
    let (_dir, db) = database_before(1, &[
        format!("INSERT INTO issue (id, code, title, description, status, severity, round_id, category_id, requires_engineering, lead_department_id, deadline, reopen_count, version, created_at, updated_at) VALUES (1, 'OLD-1', 't', 'd', 'ASSIGNED', 'MAJOR', 1, 1, 0, 1, '2025-03-01', 0, 2, {CREATED}, '2025-01-02T00:00:00+00:00')"),
        "INSERT INTO issue_cooperator (issue_id, department_id) VALUES (1, 2)".to_owned(),
        "INSERT INTO issue_event (issue_id, action, to_status, actor_sub, actor_role, at) VALUES (1, 'ASSIGNED', 'ASSIGNED', 'x', 'BUREAU', '2025-01-02T00:00:00+00:00')".to_owned(),
    ])
    .await;
    Migrator::up(&db.conn, None).await.unwrap();
    let events = rectify_events(&db).await;
    assert_eq!(events, vec![(Some(1), Some("2".to_owned()), Some("2025-03-01".parse().unwrap()))]);
}

/// An issue that asked for acceptance before the column existed gets the time of its latest
/// request; one that never asked gets none.
#[tokio::test]
async fn issues_that_asked_for_acceptance_before_the_column_get_their_latest_request() {
    let (_dir, db) = database_before(7, &[
        format!(
            "INSERT INTO issue (id, code, title, description, status, severity, round_id, category_id, requires_engineering, lead_department_id, reopen_count, version, created_at, updated_at) VALUES (1, 'OLD-1', 't', 'd', 'IN_PROGRESS', 'GENERAL', 1, 1, 0, 1, 0, 5, {CREATED}, {CREATED}), (2, 'OLD-2', 't', 'd', 'ASSIGNED', 'GENERAL', 1, 1, 0, 1, 0, 2, {CREATED}, {CREATED})"
        ),
        "INSERT INTO issue_event (issue_id, action, to_status, actor_sub, actor_role, at) VALUES \
         (1, 'ACCEPTANCE_REQUESTED', 'AWAITING_ACCEPTANCE', 'x', 'DEPARTMENT', '2025-02-01T08:00:00+00:00'), \
         (1, 'REJECTED', 'IN_PROGRESS', 'x', 'BUREAU', '2025-02-02T08:00:00+00:00'), \
         (1, 'ACCEPTANCE_REQUESTED', 'AWAITING_ACCEPTANCE', 'x', 'DEPARTMENT', '2025-03-01T08:00:00+00:00'), \
         (2, 'ASSIGNED', 'ASSIGNED', 'x', 'BUREAU', '2025-02-01T08:00:00+00:00')"
            .to_owned(),
    ])
    .await;
    Migrator::up(&db.conn, None).await.unwrap();
    use sea_orm::EntityTrait;
    let asked: Vec<_> = entity::issue::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|issue| (issue.id, issue.acceptance_requested_at.map(|at| at.to_rfc3339())))
        .collect();
    assert_eq!(asked, vec![(1, Some("2025-03-01T08:00:00+00:00".to_owned())), (2, None)]);
}

async fn rectify_events(db: &rectify::db::Database) -> Vec<(Option<i64>, Option<String>, Option<chrono::NaiveDate>)> {
    use sea_orm::EntityTrait;
    entity::issue_event::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.lead_department_id, e.cooperating_department_ids, e.deadline))
        .collect()
}

/// Issues planned before the warning light read its inputs from the row get them from their
/// history: the day of the latest assignment or reassignment, the earliest milestone not done,
/// and the newest progress report's percentage.
#[tokio::test]
async fn issues_planned_before_the_warning_columns_get_them_from_their_history() {
    let (_dir, db) = database_before(8, &[
        format!(
            "INSERT INTO issue (id, code, title, description, status, severity, round_id, category_id, requires_engineering, lead_department_id, deadline, reopen_count, version, created_at, updated_at) VALUES (1, 'OLD-1', 't', 'd', 'IN_PROGRESS', 'GENERAL', 1, 1, 0, 1, '2025-06-30', 0, 5, {CREATED}, {CREATED}), (2, 'OLD-2', 't', 'd', 'REPORTED', 'GENERAL', 1, 1, 0, NULL, NULL, 0, 1, {CREATED}, {CREATED})"
        ),
        "INSERT INTO issue_event (issue_id, action, to_status, actor_sub, actor_role, at) VALUES \
         (1, 'ASSIGNED', 'ASSIGNED', 'x', 'BUREAU', '2025-02-01T08:00:00+00:00'), \
         (1, 'REASSIGNED', 'ASSIGNED', 'x', 'BUREAU', '2025-03-05T08:00:00+00:00'), \
         (2, 'REGISTERED', 'REPORTED', 'x', 'BUREAU', '2025-02-01T08:00:00+00:00')"
            .to_owned(),
        format!(
            "INSERT INTO milestone (issue_id, title, due_on, status, created_at) VALUES \
             (1, 'survey', '2025-03-10', 'DONE', {CREATED}), (1, 'pipe', '2025-04-20', 'PENDING', {CREATED}), \
             (1, 'test', '2025-05-01', 'PENDING', {CREATED})"
        ),
        "INSERT INTO progress_report (issue_id, department_id, content, percent_complete, reported_by, reported_at) VALUES \
         (1, 1, 'a', 20, 'x', '2025-03-20T08:00:00+00:00'), (1, 1, 'b', 45, 'x', '2025-04-02T08:00:00+00:00')"
            .to_owned(),
    ])
    .await;
    Migrator::up(&db.conn, None).await.unwrap();
    use sea_orm::EntityTrait;
    let inputs: Vec<_> = entity::issue::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|issue| {
            (
                issue.id,
                issue.assigned_on.map(|d| d.to_string()),
                issue.next_milestone_due.map(|d| d.to_string()),
                issue.progress_percent,
            )
        })
        .collect();
    assert_eq!(
        inputs,
        vec![(1, Some("2025-03-05".to_owned()), Some("2025-04-20".to_owned()), Some(45)), (2, None, None, None),]
    );
}

/// Events recorded before the hash chains get them, chain by chain in the order of their ids,
/// exactly as the server links a new event; the guard is back afterwards.
#[tokio::test]
async fn events_recorded_before_the_chains_are_chained_once_by_the_migration() {
    use entity::chain::{GENESIS, issue_event_fields, link, to_hex};
    use sea_orm::{EntityTrait, QueryOrder};
    let issue = |id: i64| {
        format!(
            "INSERT INTO issue (id, code, title, description, status, severity, round_id, category_id, requires_engineering, reopen_count, version, created_at, updated_at) VALUES ({id}, 'OLD-{id}', 't', 'd', 'REPORTED', 'MAJOR', 1, 1, 0, 0, 1, {CREATED}, {CREATED})"
        )
    };
    let event = |issue: i64, action: &str| {
        format!(
            "INSERT INTO issue_event (issue_id, action, to_status, actor_sub, actor_role, note, at) VALUES ({issue}, '{action}', 'REPORTED', 'x', 'BUREAU', 'n', '2025-01-02T03:04:05.123456+00:00')"
        )
    };
    // Two chains, interleaved by id.
    let (_dir, db) =
        database_before(16, &[issue(1), issue(2), event(1, "REGISTERED"), event(2, "REGISTERED"), event(1, "UPDATED")])
            .await;
    Migrator::up(&db.conn, None).await.unwrap();
    let events =
        entity::issue_event::Entity::find().order_by_asc(entity::issue_event::Column::Id).all(&db.conn).await.unwrap();
    let first = link(&GENESIS, &issue_event_fields(&events[0]));
    let expected = [
        to_hex(&first),
        to_hex(&link(&GENESIS, &issue_event_fields(&events[1]))),
        to_hex(&link(&first, &issue_event_fields(&events[2]))),
    ];
    let stored: Vec<String> = events.iter().map(|e| e.hash.clone().unwrap()).collect();
    assert_eq!(stored, expected);
    assert!(db.conn.execute_unprepared("UPDATE issue_event SET note = 'x'").await.is_err(), "append-only again");
}
