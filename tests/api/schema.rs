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
async fn with_introspection_turned_off_the_schema_is_refused_and_typename_still_answers() {
    let app = spawn_app_with(|settings| settings.dev_tools.introspection = Some(false)).await;
    let token = app.bureau();
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Issue\") { name } }",
        // Hidden in a fragment, or beside an ordinary field, it is found all the same.
        "{ viewer { role } ...Schema } fragment Schema on Query { __schema { queryType { name } } }",
    ] {
        let reply = app.gql(Some(&token), query, json!({})).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{query}: {}", reply.body);
        assert!(reply.body.get("data").is_none(), "nothing ran: {}", reply.body);
    }
    let reply = app.gql(Some(&token), "{ __typename viewer { __typename role } }", json!({})).await.ok();
    assert_eq!(reply.data("__typename"), "Query");
    assert_eq!(reply.data("viewer.role"), "BUREAU");
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
