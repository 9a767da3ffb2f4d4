//! Verifiable history: every event is a link of its issue's or case's hash chain, so that a
//! rewrite by hand in the database, even with the append-only guard dropped, is found; and the
//! server can run as a database role that cannot drop the guards.

use entity::enums::Role;
use entity::issue_event;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::written_history::row_id;

/// The documented canonical bytes of an issue event, written out here independently of the
/// server's code.
fn canonical(e: &issue_event::Model) -> String {
    let value = json!([
        "issue_event",
        e.issue_id,
        serde_json::to_value(e.action).unwrap(),
        serde_json::to_value(e.from_status).unwrap(),
        serde_json::to_value(e.to_status).unwrap(),
        e.actor_sub,
        serde_json::to_value(e.actor_role).unwrap(),
        e.note,
        e.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        e.lead_department_id,
        e.cooperating_department_ids,
        e.deadline.map(|d| d.to_string()),
        serde_json::to_value(e.severity).unwrap(),
        e.category_id,
        serde_json::to_value(e.supervision_level).unwrap(),
    ]);
    serde_json::to_string(&value).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const VERIFY: &str = "query($i: ID) { verifyHistory(issueId: $i) { holds issueEvents caseEvents firstBroken { kind ownerId eventId expected stored } brokenSeal { month sealedRoot recomputedRoot } } }";

#[tokio::test]
async fn every_event_links_its_chain_and_a_rewrite_by_hand_is_found() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "CHAIN-1").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let water = app.department("WATER");
    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let case = json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE"],
                       "description": "d", "issueIds": [issue] });
    let opened = app
        .mutate(
            &app.bureau(),
            "openAccountabilityCase",
            case,
            "accountabilityCase { id historyDigest events { hash } }",
        )
        .await
        .ok();
    let case = opened.data("openAccountabilityCase.accountabilityCase");
    assert_eq!(case["historyDigest"], case["events"][0]["hash"]);

    // Each hash is SHA-256 of the previous one (32 zero bytes first) and the canonical bytes.
    let rows = issue_event::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&issue_event::Column::IssueId, row_id(&issue)))
        .order_by_asc(issue_event::Column::Id)
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let mut previous = [0u8; 32].to_vec();
    for row in &rows {
        let mut hasher = Sha256::new();
        hasher.update(&previous);
        hasher.update(canonical(row).as_bytes());
        previous = hasher.finalize().to_vec();
        assert_eq!(row.hash.as_deref(), Some(hex(&previous).as_str()), "event {}", row.id);
    }
    let read = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on Issue { historyDigest } } }",
            json!({ "id": issue }),
        )
        .await
        .ok();
    assert_eq!(read.data("node.historyDigest"), hex(&previous).as_str());

    // Verified whole: by the bureau, leaders and superiors only, and from the command line.
    let superior = app.token(Role::Superior, "province", None);
    let holds = app.gql(Some(&superior), VERIFY, json!({})).await.ok();
    assert_eq!(holds.data("verifyHistory.holds"), true);
    assert_eq!(holds.data("verifyHistory.issueEvents"), 3);
    assert_eq!(holds.data("verifyHistory.caseEvents"), 1);
    for role in [Role::Admin, Role::Department, Role::Inspector] {
        let token = match role {
            Role::Department => water.clone(),
            other => app.token(other, "x", None),
        };
        assert_eq!(app.gql(Some(&token), VERIFY, json!({})).await.code(), "FORBIDDEN", "{role:?}");
    }
    let clean = rectify_cli(&app, &["verify"]);
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));

    // An insider drops the guard and rewrites the middle event's note.
    lift_update_guard(&app, "issue_event").await;
    let target = rows[1].id;
    app.db
        .conn
        .execute_unprepared(&format!("UPDATE issue_event SET note = 'planned long ago' WHERE id = {target}"))
        .await
        .unwrap();
    let broken = app.gql(Some(&superior), VERIFY, json!({ "i": issue })).await.ok();
    let link = broken.data("verifyHistory.firstBroken");
    assert_eq!(broken.data("verifyHistory.holds"), false);
    assert_eq!((link["kind"].clone(), link["ownerId"].clone()), (json!("ISSUE"), json!(issue)));
    assert_eq!(link["eventId"], node_id("IssueEvent", target).as_str());
    assert_eq!(link["stored"], rows[1].hash.as_deref().unwrap());
    let found = rectify_cli(&app, &["verify"]);
    assert!(!found.status.success());
    let said = String::from_utf8_lossy(&found.stderr);
    assert!(said.contains(&format!("event {target}")), "{said}");
    // Rewriting its hash as well only moves the break to the next event.
    let forged = {
        let mut row = rows[1].clone();
        row.note = Some("planned long ago".into());
        let mut hasher = Sha256::new();
        hasher.update(hex_bytes(rows[0].hash.as_deref().unwrap()));
        hasher.update(canonical(&row).as_bytes());
        hex(&hasher.finalize())
    };
    app.db
        .conn
        .execute_unprepared(&format!("UPDATE issue_event SET hash = '{forged}' WHERE id = {target}"))
        .await
        .unwrap();
    let moved = app.gql(Some(&superior), VERIFY, json!({})).await.ok();
    assert_eq!(moved.data("verifyHistory.firstBroken.eventId"), node_id("IssueEvent", rows[2].id).as_str());
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|n| u8::from_str_radix(&text[n..n + 2], 16).unwrap()).collect()
}

#[tokio::test]
async fn an_edit_keeps_the_old_values_beside_the_new_ones() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "EDIT-1").await;
    let input = json!({ "issueId": issue, "expectedVersion": 1, "title": "Sewage \"again\"", "severity": "MAJOR" });
    let edited =
        app.mutate(&app.bureau(), "updateIssue", input, "issue { events(last: 1) { nodes { note } } }").await.ok();
    assert_eq!(
        edited.data("updateIssue.issue.events.nodes.0.note"),
        r#"changed title: "Problem EDIT-1" → "Sewage \"again\""; severity: "GENERAL" → "MAJOR""#
    );
}

#[tokio::test]
async fn the_database_keeps_records_as_written_and_completed_ones_as_completed() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = app.register(&county, "KEEP-1").await;
    app.assign(&county, &issue, &county_date(30)).await.ok();
    let leader = app.token(Role::Leader, "county-leader", None);
    let input = json!({ "issueId": issue, "text": "Report by Friday.", "replyBy": county_date(3) });
    let posted = app.mutate(&leader, "postInstruction", input, "instruction { id }").await.ok();
    let instruction = row_id(posted.data("postInstruction.instruction.id").as_str().unwrap());
    let db = &app.db.conn;
    // Before the answer, only the answer's columns may be written; the text never.
    assert!(
        db.execute_unprepared(&format!("UPDATE instruction SET text = 'Forget it.' WHERE id = {instruction}"))
            .await
            .is_err()
    );
    assert!(db.execute_unprepared(&format!("DELETE FROM instruction WHERE id = {instruction}")).await.is_err());
    let reply = json!({ "instructionId": posted.data("postInstruction.instruction.id"), "reply": "Done." });
    app.mutate(&app.department("WATER"), "replyToInstruction", reply, "instruction { id }").await.ok();
    // Once answered, nothing changes.
    assert!(
        db.execute_unprepared(&format!("UPDATE instruction SET reply = 'Never mind.' WHERE id = {instruction}"))
            .await
            .is_err()
    );
    // Records that never change: a case's link to its issue.
    let case = json!({ "subjectType": "DEPARTMENT", "departmentId": county.water, "grounds": ["POOR_PERFORMANCE"],
                       "description": "d", "issueIds": [issue] });
    app.mutate(&app.bureau(), "openAccountabilityCase", case, "accountabilityCase { id }").await.ok();
    assert!(db.execute_unprepared("DELETE FROM case_issue").await.is_err());
}

#[tokio::test]
async fn a_sealed_report_proves_an_issue_s_history_offline_and_a_rewrite_breaks_the_seal() {
    use crate::written_history::{Step, write_issue};
    use entity::enums::{IssueAction as A, IssueStatus as S, Severity};
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let water = row_id(&county.water);
    let s = |action, to, on| Step { action, to, on, lead: Some(water), cooperating: "" };
    let first = write_issue(
        &app,
        &county,
        "SEAL-1",
        Severity::Major,
        "2026-01-31",
        &[
            s(A::Registered, S::Reported, "2025-11-03"),
            s(A::Assigned, S::Assigned, "2025-11-05"),
            s(A::RectificationStarted, S::InProgress, "2025-11-10"),
        ],
    )
    .await;
    write_issue(
        &app,
        &county,
        "SEAL-2",
        Severity::General,
        "2026-01-31",
        &[s(A::Registered, S::Reported, "2025-11-04")],
    )
    .await;

    // The bureau submits November: the report is sealed and signed with the county's key.
    let report = app
        .mutate(
            &app.bureau(),
            "submitMonthlyReport",
            json!({ "month": "2025-11" }),
            "monthlyReport { id historyRoot historyLeafCount signature signingKey }",
        )
        .await
        .ok();
    let report = report.data("submitMonthlyReport.monthlyReport").clone();
    assert_eq!(report["historyLeafCount"], 2);
    let published: serde_json::Value = app
        .client
        .get(format!("{}/.well-known/rectify-signing-key", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published["algorithm"], "Ed25519");
    let key = published["publicKey"].as_str().unwrap().to_owned();
    assert_eq!(report["signingKey"], key.as_str());
    let printed = rectify_cli(&app, &["signing-key", "--signing-key", SIGNING_KEY]);
    assert_eq!(String::from_utf8_lossy(&printed.stdout).trim(), key);

    // A superior takes a proof of SEAL-1's history and checks it offline.
    let superior = app.token(Role::Superior, "province", None);
    let query =
        "query($i: ID!, $r: ID!) { historyProof(issueId: $i, monthlyReportId: $r) { month root leaf document } }";
    let vars = json!({ "i": node_id("Issue", first), "r": report["id"] });
    let proof = app.gql(Some(&superior), query, vars.clone()).await.ok();
    assert_eq!(proof.data("historyProof.root"), &report["historyRoot"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proof.json");
    std::fs::write(&file, proof.data("historyProof.document").as_str().unwrap()).unwrap();
    let path = file.to_str().unwrap();
    let offline = rectify_cli(&app, &["verify", "--proof", path, "--public-key", &key]);
    assert!(offline.status.success(), "{}", String::from_utf8_lossy(&offline.stderr));
    // The public key of RFC 8032's second test vector: not the county's (its first).
    let other_key = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    assert!(!rectify_cli(&app, &["verify", "--proof", path, "--public-key", other_key]).status.success());
    let holds = app.gql(Some(&superior), VERIFY, json!({})).await.ok();
    assert_eq!(
        (holds.data("verifyHistory.holds"), holds.data("verifyHistory.brokenSeal")),
        (&json!(true), &json!(null))
    );

    // An insider rewrites SEAL-1's registration and every hash after it, so that the chain
    // itself holds again; the sealed root does not.
    lift_update_guard(&app, "issue_event").await;
    let rows = issue_event::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&issue_event::Column::IssueId, first))
        .order_by_asc(issue_event::Column::Id)
        .all(&app.db.conn)
        .await
        .unwrap();
    let mut head = entity::chain::GENESIS;
    for (n, row) in rows.iter().enumerate() {
        let mut row = row.clone();
        if n == 0 {
            row.note = Some("registered from an anonymous tip".into());
        }
        head = entity::chain::link(&head, &entity::chain::issue_event_fields(&row));
        let note = row.note.as_deref().map(|note| format!("'{note}'")).unwrap_or_else(|| "NULL".into());
        let sql = format!(
            "UPDATE issue_event SET note = {note}, hash = '{}' WHERE id = {}",
            entity::chain::to_hex(&head),
            row.id
        );
        app.db.conn.execute_unprepared(&sql).await.unwrap();
    }
    let broken = app.gql(Some(&superior), VERIFY, json!({})).await.ok();
    assert_eq!(broken.data("verifyHistory.firstBroken"), &json!(null), "the chains were rewritten consistently");
    assert_eq!(broken.data("verifyHistory.holds"), false);
    assert_eq!(broken.data("verifyHistory.brokenSeal.month"), "2025-11");
    let found = rectify_cli(&app, &["verify"]);
    assert!(!found.status.success());
    assert!(String::from_utf8_lossy(&found.stderr).contains("2025-11"));
    // The earlier proof still holds (it is what was sealed); a proof taken now does not.
    assert!(rectify_cli(&app, &["verify", "--proof", path, "--public-key", &key]).status.success());
    let now = app.gql(Some(&superior), query, vars).await.ok();
    std::fs::write(&file, now.data("historyProof.document").as_str().unwrap()).unwrap();
    let refused = rectify_cli(&app, &["verify", "--proof", path, "--public-key", &key]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not to the sealed root"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// The PostgreSQL statements docs/operations.md gives for the server's role, with the role's
/// name and password put in.
fn documented_grants(role: &str, password: &str) -> String {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations.md")).unwrap();
    let start = page.find("CREATE ROLE rectify_app").expect("the role's statements in docs/operations.md");
    let statements = &page[start..start + page[start..].find('"').unwrap()];
    statements.replace("rectify_app", role).replace("PASSWORD '…'", &format!("PASSWORD '{password}'"))
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with RECTIFY_TEST_POSTGRES_URL and --include-ignored"]
async fn the_server_runs_as_the_documented_role_which_cannot_drop_the_guards() {
    let app = spawn_app().await;
    let owner_url = app.settings.database.url.clone();
    assert!(owner_url.starts_with("postgres://"), "this test needs RECTIFY_TEST_POSTGRES_URL");
    let role = format!("rectify_app_{}", std::process::id());
    let owner = &app.db.conn;
    owner.execute_unprepared(&documented_grants(&role, "app-password")).await.expect("the documented grants");

    // The server's whole start and the demo's writes (every kind of record) go through the role.
    let (_, rest) = owner_url.split_once('@').unwrap();
    let role_url = format!("postgres://{role}:app-password@{rest}");
    let db = rectify::db::Database::connect(&role_url).await.expect("connecting as the role");
    db.migrate().await.expect("nothing to migrate, and the role may check that");
    let store = rectify::evidence_store::EvidenceStore::open(&app.settings.evidence.store).unwrap();
    let services =
        rectify::service::Services::from_settings(db.clone(), &app.settings.services(), app.tokens.clone(), store);
    services.seed_demo().await.expect("the demo seeded as the role");
    services.sweep().await.expect("the sweep as the role");
    services.purge_idempotency_keys().await.expect("the purge as the role");

    for refused in [
        "DROP TRIGGER issue_event_append_only ON issue_event",
        "ALTER TABLE issue_event DISABLE TRIGGER ALL",
        "TRUNCATE issue_event",
        "DELETE FROM issue_event",
        "UPDATE issue_event SET note = 'rewritten'",
        "DROP TABLE evidence",
        "CREATE TABLE shadow (id integer)",
    ] {
        assert!(db.conn.execute_unprepared(refused).await.is_err(), "the role may run `{refused}`");
    }
    let holds = rectify_cli(&app, &["verify"]);
    assert!(holds.status.success(), "{}", String::from_utf8_lossy(&holds.stderr));

    db.conn.clone().close().await.unwrap();
    owner.execute_unprepared(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).await.unwrap();
}
