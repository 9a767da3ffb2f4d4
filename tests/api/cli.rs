//! The `rectify` program as an operator runs it.

use std::process::Command;

use serde_json::json;

use crate::helpers::*;

fn rectify() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rectify"));
    command.env_remove("RECTIFY_JWT_SECRET").env_remove("RECTIFY_DATABASE_URL").env("RECTIFY_LOG", "warn");
    command
}

#[test]
fn serve_refuses_to_start_without_a_jwt_secret_and_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let output = rectify().current_dir(dir.path()).args(["serve", "--bind", "127.0.0.1:0"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("RECTIFY_JWT_SECRET"));
    assert!(!dir.path().join("data").exists(), "nothing was created before refusing");
}

#[tokio::test]
async fn a_token_from_the_command_line_is_accepted_by_the_server() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let output = rectify()
        .env("RECTIFY_JWT_SECRET", SECRET)
        .args(["token", "--role", "department", "--sub", "ops-script", "--dept", "WATER", "--ttl", "5m"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let reply = app.gql(Some(&token), "{ viewer { subject role department { code } } }", json!({})).await.ok();
    assert_eq!(reply.data("viewer.subject"), "ops-script");
    assert_eq!(reply.data("viewer.department.code"), "WATER");

    let unknown =
        rectify().env("RECTIFY_JWT_SECRET", SECRET).args(["token", "--role", "MAYOR", "--sub", "x"]).output().unwrap();
    assert!(!unknown.status.success());
    let no_secret = rectify().args(["token", "--role", "BUREAU", "--sub", "x"]).output().unwrap();
    assert!(!no_secret.status.success());
    let token = |ttl: &str, max: Option<&str>| {
        let mut command = rectify();
        command.env("RECTIFY_JWT_SECRET", SECRET).args(["token", "--role", "BUREAU", "--sub", "x", "--ttl", ttl]);
        if let Some(max) = max {
            command.env("RECTIFY_JWT_MAX_LIFETIME", max);
        }
        command.output().unwrap().status.success()
    };
    assert!(token("24h", None), "a day is the default longest lifetime");
    assert!(!token("25h", None), "longer is refused");
    assert!(!token("3650d", None));
    assert!(token("2d", Some("3d")) && !token("2d", Some("1h")), "the operator sets the longest lifetime");
}

#[test]
fn migrate_and_seed_demo_fill_an_empty_sqlite_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("ledger.db").display());
    let migrate = rectify().env("RECTIFY_DATABASE_URL", &url).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let seed = rectify().env("RECTIFY_DATABASE_URL", &url).arg("seed-demo").output().unwrap();
    assert!(seed.status.success(), "{}", String::from_utf8_lossy(&seed.stderr));
    let again = rectify().env("RECTIFY_DATABASE_URL", &url).arg("seed-demo").output().unwrap();
    assert!(!again.status.success(), "a second seed is refused");
}

#[test]
fn schema_check_fails_when_the_file_drifts() {
    let dir = tempfile::tempdir().unwrap();
    let current = rectify().arg("schema").output().unwrap();
    assert!(current.status.success());
    let path = dir.path().join("schema.graphql");
    std::fs::write(&path, &current.stdout).unwrap();
    assert!(rectify().args(["schema", "--check"]).arg(&path).status().unwrap().success());
    std::fs::write(&path, [current.stdout.as_slice(), b"\ntype Drift { x: Int }\n"].concat()).unwrap();
    assert!(!rectify().args(["schema", "--check"]).arg(&path).status().unwrap().success());
}

/// Runs `serve --demo` until it listens, then stops it and returns what it printed.
fn serve_demo_once(dir: &std::path::Path, secret: Option<&str>) -> String {
    use std::io::{BufRead, BufReader, Read};
    let mut command = rectify();
    command.current_dir(dir).args(["serve", "--demo", "--bind", "127.0.0.1:0"]);
    if let Some(secret) = secret {
        command.env("RECTIFY_JWT_SECRET", secret);
    }
    let mut child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    for line in stderr.lines() {
        if line.unwrap().contains("listening") {
            break;
        }
    }
    child.kill().unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.wait().unwrap();
    stdout
}

#[test]
fn demo_tokens_are_printed_only_for_a_key_made_for_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = serve_demo_once(dir.path(), Some(SECRET));
    assert!(
        !fresh.contains("BUREAU"),
        "tokens signed with an operator's key are never printed, even for fresh demo data: {fresh}"
    );
    let again = serve_demo_once(dir.path(), Some(SECRET));
    assert!(!again.contains("BUREAU"), "nor for an existing ledger: {again}");
    let throwaway = serve_demo_once(dir.path(), None);
    assert!(throwaway.contains("BUREAU"), "a key made for the run prints them: {throwaway}");
}
