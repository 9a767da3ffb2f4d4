//! The schema clients build against: committed, current, and described throughout.

use std::collections::BTreeSet;

use serde_json::json;

use crate::helpers::*;

#[test]
fn the_committed_schema_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql exists");
    assert!(
        committed == rectify::graphql::schema_sdl(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_described() {
    let app = spawn_app().await;
    let query = "{ __schema { types { name kind description
        fields(includeDeprecated: true) { name description args { name description } }
        inputFields { name description }
        enumValues(includeDeprecated: true) { name description } } } }";
    let reply = app.gql(Some(&app.bureau()), query, json!({})).await.ok();
    let mut missing = BTreeSet::new();
    let described = |v: &serde_json::Value| v["description"].as_str().is_some_and(|d| !d.trim().is_empty());
    for ty in reply.data("__schema.types").as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.insert(name.to_owned());
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.insert(format!("{name}.{}", field["name"].as_str().unwrap()));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.insert(format!(
                        "{name}.{}({})",
                        field["name"].as_str().unwrap(),
                        arg["name"].as_str().unwrap()
                    ));
                }
            }
        }
        for list in ["inputFields", "enumValues"] {
            for item in ty[list].as_array().into_iter().flatten() {
                if !described(item) {
                    missing.insert(format!("{name}.{}", item["name"].as_str().unwrap()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}

#[tokio::test]
async fn the_contract_names_are_in_the_schema() {
    let sdl = rectify::graphql::schema_sdl();
    for name in [
        "interface Node",
        "type IssueConnection",
        "type PageInfo",
        "input IssueFilter",
        "input IssueOrder",
        "enum IssueAction",
        "scalar Date",
        "scalar DateTime",
        "type AssignIssuePayload",
        "type CreateInspectionRoundPayload",
        "type Query",
        "type Mutation",
        "nodes(",
        "login(",
        "issueByCode(",
    ] {
        assert!(sdl.contains(name), "the schema lacks `{name}`");
    }
}
