//! `IssueFilter` as query parameters, for the exports and the map: the fields of the GraphQL
//! input `IssueFilterInput`, with the same names, opaque ids and enum spellings, so that a
//! client that pages `issues(filter: …)` can download the same selection by moving the fields
//! into the URL. The parameters are read from that input type itself, so a filter added there
//! is a parameter here at once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use async_graphql::registry::{MetaType, Registry};
use async_graphql::{InputType, Value};
use serde_json::Value as Json;

use crate::error::{AppError, AppResult};
use crate::graphql::query::issue::IssueFilterInput;
use crate::service::issues::IssueFilter;

/// How a parameter's text becomes the input field's value.
#[derive(Debug, Clone)]
enum Kind {
    Boolean,
    /// An `Int` or a `Float`.
    Number,
    /// One of these values (as the API spells them; lower case is forgiven).
    Enum(Vec<String>),
    /// Text, an id, a date or a date-time: parsed by the field's own type.
    Text,
}

#[derive(Debug, Clone)]
struct Parameter {
    /// A list field: the parameter may repeat and may hold a comma-separated list.
    list: bool,
    kind: Kind,
    /// The GraphQL type of the field (or of its items).
    type_name: String,
}

/// The parameters: every field of `IssueFilterInput`, by name.
fn parameters() -> &'static BTreeMap<String, Parameter> {
    static PARAMETERS: OnceLock<BTreeMap<String, Parameter>> = OnceLock::new();
    PARAMETERS.get_or_init(|| {
        let mut registry = Registry::default();
        IssueFilterInput::create_type_info(&mut registry);
        let name = IssueFilterInput::type_name();
        let Some(MetaType::InputObject { input_fields, .. }) = registry.types.get(name.as_ref()) else {
            unreachable!("IssueFilterInput is an input object");
        };
        input_fields
            .values()
            .filter_map(|field| {
                let list = field.ty.starts_with('[');
                let inner = field.ty.trim_matches(|c| matches!(c, '[' | ']' | '!'));
                let kind = match registry.types.get(inner) {
                    _ if inner == "Boolean" => Kind::Boolean,
                    _ if inner == "Int" || inner == "Float" => Kind::Number,
                    Some(MetaType::Enum { enum_values, .. }) => Kind::Enum(enum_values.keys().cloned().collect()),
                    // A field made of fields (`near`) has no single value to put in a URL.
                    Some(MetaType::InputObject { .. }) => return None,
                    _ => Kind::Text,
                };
                Some((field.name.clone(), Parameter { list, kind, type_name: inner.to_owned() }))
            })
            .collect()
    })
}

/// Reads the filter from a query string. A list parameter (`status`, `warningLight`, …) may
/// repeat and may hold a comma-separated list; every other parameter is given at most once. An
/// empty value counts as not given, as an HTML form sends its empty fields. An unknown
/// parameter is refused rather than ignored: a misspelt filter would otherwise download the
/// whole ledger while looking like a narrow one.
pub fn issue_filter(query: &str) -> AppResult<IssueFilter> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| AppError::bad_input("query", "the query string is not valid URL encoding"))?;
    let known = parameters();
    let mut given: BTreeMap<&str, Json> = BTreeMap::new();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in &pairs {
        let Some(parameter) = known.get(name) else {
            let names: Vec<&str> = known.keys().map(String::as_str).collect();
            return Err(AppError::bad_input(
                name,
                format!("unknown parameter `{name}`; the filters are {}", names.join(", ")),
            ));
        };
        if !parameter.list {
            if seen.contains(&name.as_str()) {
                return Err(AppError::bad_input(name, format!("give `{name}` once")));
            }
            seen.push(name);
        }
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if parameter.list {
            let parts = value.split(',').map(str::trim).filter(|part| !part.is_empty());
            let values = parts.map(|part| json_value(name, &parameter.kind, part)).collect::<AppResult<Vec<_>>>()?;
            let list = given.entry(name).or_insert_with(|| Json::Array(Vec::new()));
            if let Json::Array(list) = list {
                list.extend(values);
            }
        } else {
            given.insert(name, json_value(name, &parameter.kind, value)?);
        }
    }
    // Each field alone first, so that an error names its parameter.
    for (name, value) in &given {
        let alone = serde_json::json!({ *name: value });
        IssueFilterInput::parse(Some(Value::from_json(alone).map_err(AppError::internal)?)).map_err(|error| {
            let message = error.into_server_error(Default::default()).message;
            // What a URL does to a date-time's `+` is the usual cause.
            let hint = if known[*name].type_name == "DateTime" { " (in a URL, write `+` as %2B)" } else { "" };
            AppError::bad_input(*name, format!("`{name}`: {message}{hint}"))
        })?;
    }
    let object = Json::Object(given.into_iter().map(|(name, value)| (name.to_owned(), value)).collect());
    let input = IssueFilterInput::parse(Some(Value::from_json(object).map_err(AppError::internal)?))
        .map_err(|error| AppError::bad_input("query", error.into_server_error(Default::default()).message))?;
    let filter = input.into_service().and_then(|filter| {
        // Checked here too, before a download starts, as the list checks it before reading.
        crate::service::search_text(filter.search.as_deref())?;
        Ok(filter)
    });
    // The input's own checks name `filter.<field>`; here the field is the parameter.
    filter.map_err(|error| match error {
        AppError::BadInput { field, message } => {
            AppError::BadInput { field: field.trim_start_matches("filter.").to_owned(), message }
        }
        other => other,
    })
}

fn json_value(name: &str, kind: &Kind, text: &str) -> AppResult<Json> {
    match kind {
        Kind::Boolean => match text {
            "true" => Ok(Json::Bool(true)),
            "false" => Ok(Json::Bool(false)),
            _ => Err(AppError::bad_input(name, format!("`{name}` is `true` or `false`, not `{text}`"))),
        },
        Kind::Enum(values) => {
            let upper = text.to_ascii_uppercase();
            if values.contains(&upper) {
                Ok(Json::String(upper))
            } else {
                Err(AppError::bad_input(name, format!("`{name}` takes {}, not `{text}`", values.join(", "))))
            }
        }
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(|number| {
                // A whole number stays one, so that an `Int` field takes it.
                let whole = text.parse::<i64>().ok().map(Json::from);
                whole.or_else(|| serde_json::Number::from_f64(number).map(Json::Number))
            })
            .ok_or_else(|| AppError::bad_input(name, format!("`{name}` is a number, not `{text}`"))),
        Kind::Text => Ok(Json::String(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::ids::{self, NodeKind};
    use entity::enums::{IssueStatus, SupervisionLevel};

    #[test]
    fn statuses_may_repeat_and_be_listed_with_commas() {
        let filter = issue_filter("status=ASSIGNED&status=in_progress,%20CLOSED&overdue=true&search=").unwrap();
        assert_eq!(filter.status, [IssueStatus::Assigned, IssueStatus::InProgress, IssueStatus::Closed]);
        assert_eq!(filter.overdue, Some(true));
        assert_eq!(filter.search, None, "an empty value is not given");
    }

    #[test]
    fn every_field_of_the_graphql_filter_is_a_parameter() {
        let township = ids::encode(NodeKind::Department, 4);
        let query = format!(
            "townshipId={}&requiresEngineering=false&supervisionLevel=COUNTY,municipal&deadlineFrom=2026-04-01&lookedBack=true",
            township.as_str()
        );
        let filter = issue_filter(&query).unwrap();
        assert_eq!(filter.township_id, Some(4));
        assert_eq!(filter.requires_engineering, Some(false));
        assert_eq!(filter.supervision_level, [SupervisionLevel::County, SupervisionLevel::Municipal]);
        assert_eq!(filter.deadline_from, chrono::NaiveDate::from_ymd_opt(2026, 4, 1));
        assert_eq!(filter.looked_back, Some(true));
    }

    #[test]
    fn a_bad_parameter_is_named_in_the_error() {
        let field = |query: &str| match issue_filter(query) {
            Err(AppError::BadInput { field, .. }) => field,
            other => panic!("{query}: {other:?}"),
        };
        assert_eq!(field("status=DONE"), "status");
        assert_eq!(field("severity=GENERAL&severity=MAJOR"), "severity");
        assert_eq!(field("deadlineBefore=31.12.2026"), "deadlineBefore");
        assert_eq!(field("updatedSince=2026-11-28T08:00:00+08:00"), "updatedSince", "an unescaped + is a space");
        assert_eq!(field("supervised=yes"), "supervised");
        assert_eq!(field("stauts=CLOSED"), "stauts");
        let department = ids::encode(NodeKind::Department, 3);
        assert_eq!(field(&format!("roundId={}", department.as_str())), "roundId");
        assert_eq!(issue_filter(&format!("departmentId={}", department.as_str())).unwrap().department_id, Some(3));
    }
}
