//! `IssueFilter` as query parameters, for the exports and the map: the names of the GraphQL
//! input's fields, the same opaque ids, and the same enum spellings, so that a client that
//! pages `issues(filter: …)` can download the same selection by moving the fields into the URL.

use async_graphql::ID;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{IssueStatus, Severity};

use crate::error::{AppError, AppResult};
use crate::graphql::ids::{self, NodeKind};
use crate::service::MAX_SEARCH_CHARS;
use crate::service::issues::IssueFilter;

/// Every parameter there is. An unknown one is refused rather than ignored: a misspelt filter
/// would otherwise download the whole ledger while looking like a narrow one.
const PARAMETERS: [&str; 14] = [
    "status",
    "severity",
    "roundId",
    "aspectId",
    "categoryId",
    "leadDepartmentId",
    "departmentId",
    "supervised",
    "overdue",
    "warningLight",
    "deadlineBefore",
    "updatedSince",
    "search",
    "enterpriseId",
];

/// Reads the filter from a query string. `status` and `warningLight` may repeat and may hold a
/// comma-separated list; every other parameter is given at most once. An empty value counts as not given, as
/// an HTML form sends its empty fields.
pub fn issue_filter(query: &str) -> AppResult<IssueFilter> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| AppError::bad_input("query", "the query string is not valid URL encoding"))?;
    let mut filter = IssueFilter::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in &pairs {
        if !PARAMETERS.contains(&name.as_str()) {
            return Err(AppError::bad_input(
                name,
                format!("unknown parameter `{name}`; the filters are {}", PARAMETERS.join(", ")),
            ));
        }
        if name != "status" && name != "warningLight" {
            if seen.contains(name) {
                return Err(AppError::bad_input(name, format!("give `{name}` once")));
            }
            seen.push(name.clone());
        }
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let id = |kind| ids::expect(&ID(value.to_owned()), kind, name).map(Some);
        match name.as_str() {
            "status" => {
                for part in value.split(',').map(str::trim).filter(|part| !part.is_empty()) {
                    filter.status.push(enum_value::<IssueStatus>(
                        name,
                        part,
                        "REPORTED, ASSIGNED, IN_PROGRESS, AWAITING_ACCEPTANCE, ACCEPTED or CLOSED",
                    )?);
                }
            }
            "warningLight" => {
                for part in value.split(',').map(str::trim).filter(|part| !part.is_empty()) {
                    filter.warning_light.push(enum_value(name, part, "GREEN, BLUE, YELLOW or RED")?);
                }
            }
            "severity" => filter.severity = Some(enum_value::<Severity>(name, value, "GENERAL or MAJOR")?),
            "roundId" => filter.round_id = id(NodeKind::InspectionRound)?,
            "aspectId" => filter.aspect_id = id(NodeKind::Aspect)?,
            "categoryId" => filter.category_id = id(NodeKind::Category)?,
            "leadDepartmentId" => filter.lead_department_id = id(NodeKind::Department)?,
            "departmentId" => filter.department_id = id(NodeKind::Department)?,
            "enterpriseId" => filter.enterprise_id = id(NodeKind::Enterprise)?,
            "leaderId" => filter.leader_id = id(NodeKind::User)?,
            "supervised" => filter.supervised = Some(boolean(name, value)?),
            "overdue" => filter.overdue = Some(boolean(name, value)?),
            "deadlineBefore" => {
                let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map_err(|_| AppError::bad_input(name, format!("`{name}` is a date written YYYY-MM-DD")))?;
                filter.deadline_before = Some(date);
            }
            "updatedSince" => {
                let instant = DateTime::parse_from_rfc3339(value).map_err(|_| {
                    AppError::bad_input(
                        name,
                        format!("`{name}` is an RFC 3339 date-time such as 2026-11-28T08:00:00Z (write `+` as %2B)"),
                    )
                })?;
                filter.updated_since = Some(instant.with_timezone(&Utc));
            }
            "search" => {
                if value.chars().count() > MAX_SEARCH_CHARS {
                    return Err(AppError::bad_input(
                        name,
                        format!("`search` may have at most {MAX_SEARCH_CHARS} characters"),
                    ));
                }
                filter.search = Some(value.to_owned());
            }
            _ => {}
        }
    }
    Ok(filter)
}

/// An enumeration value as the API spells it (`IN_PROGRESS`); lower case is forgiven.
fn enum_value<T: serde::de::DeserializeOwned>(name: &str, value: &str, allowed: &str) -> AppResult<T> {
    serde_json::from_value(serde_json::Value::String(value.to_ascii_uppercase()))
        .map_err(|_| AppError::bad_input(name, format!("`{name}` takes {allowed}, not `{value}`")))
}

fn boolean(name: &str, value: &str) -> AppResult<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppError::bad_input(name, format!("`{name}` is `true` or `false`, not `{value}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_may_repeat_and_be_listed_with_commas() {
        let filter = issue_filter("status=ASSIGNED&status=in_progress,%20CLOSED&overdue=true&search=").unwrap();
        assert_eq!(filter.status, [IssueStatus::Assigned, IssueStatus::InProgress, IssueStatus::Closed]);
        assert_eq!(filter.overdue, Some(true));
        assert_eq!(filter.search, None, "an empty value is not given");
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
