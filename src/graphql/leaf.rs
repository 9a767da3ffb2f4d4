//! A field's value read straight from a row and written as JSON without its resolver.
//!
//! A list page of 50 issues has about 800 leaves (codes, names, titles, enums, dates). On
//! async-graphql's path each one builds the future of the type's generated `resolve_field`
//! (sized for its largest field, so moved about at some cost), finds the field by comparing
//! its name with every field before it, copies the text into a `Value`, and later drops it.
//! A type may instead name a field's value as a `Leaf` (`Immediate::leaf`), which borrows from
//! the row. When a query's objects are written as JSON (`graphql::json_parts`), the leaf is
//! written where its object is, as the bytes serde writes of the `Value` the field's resolver
//! returns; otherwise it becomes that `Value`. `tests/api/fast_objects.rs` compares whole
//! answers, written both ways, with async-graphql's own path, every field of every such type
//! included.

use std::io::Write;

use async_graphql::resolver_utils::EnumType;
use async_graphql::{Name, Number, ScalarType, Value};
use chrono::{DateTime, NaiveDate, Utc};

use super::types::scalars::Date;

/// The value of a field that reads only its row and takes no arguments.
pub(crate) enum Leaf<'a> {
    Null,
    Text(&'a str),
    /// Text made for the answer, such as a global id.
    Owned(String),
    /// An enum's item, by its name in the schema.
    Enum(&'static str),
    Boolean(bool),
    Int(i64),
    /// A calendar date, written as the `Date` scalar writes it.
    Date(NaiveDate),
    /// A point in time, written as async-graphql writes a `DateTime`.
    Instant(DateTime<Utc>),
}

impl<'a> Leaf<'a> {
    pub(crate) fn text(text: Option<&'a str>) -> Self {
        text.map_or(Leaf::Null, Leaf::Text)
    }

    pub(crate) fn date(date: Option<NaiveDate>) -> Self {
        date.map_or(Leaf::Null, Leaf::Date)
    }

    pub(crate) fn instant(at: Option<DateTime<Utc>>) -> Self {
        at.map_or(Leaf::Null, Leaf::Instant)
    }

    /// The enum item `value` converts to, by its schema name. The derive lists every item,
    /// so the search always finds one (async-graphql's own `enum_value` unwraps it).
    pub(crate) fn item<T: EnumType + PartialEq + Copy + 'static>(value: impl Into<T>) -> Self {
        let value = value.into();
        T::items().iter().find(|item| item.value == value).map_or(Leaf::Null, |item| Leaf::Enum(item.name))
    }

    /// The `Value` the field's resolver returns, for an answer built as a tree.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Leaf::Null => Value::Null,
            Leaf::Text(text) => Value::String(text.to_owned()),
            Leaf::Owned(text) => Value::String(text),
            Leaf::Enum(name) => Value::Enum(Name::new(name)),
            Leaf::Boolean(value) => Value::Boolean(value),
            Leaf::Int(value) => Value::Number(Number::from(value)),
            Leaf::Date(date) => Date(date).to_value(),
            Leaf::Instant(at) => at.to_value(),
        }
    }

    /// Writes the JSON serde writes of `into_value()`.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Leaf::Null => out.extend_from_slice(b"null"),
            Leaf::Text(text) => serde_json::to_writer(&mut *out, text)?,
            Leaf::Owned(text) => serde_json::to_writer(&mut *out, text)?,
            Leaf::Enum(name) => serde_json::to_writer(&mut *out, name)?,
            Leaf::Boolean(value) => out.extend_from_slice(if *value { b"true" } else { b"false" }),
            Leaf::Int(value) => serde_json::to_writer(&mut *out, value)?,
            // chrono writes digits, signs and dashes only: nothing to escape.
            Leaf::Date(date) => write!(out, "\"{date}\"").map_err(serde_json::Error::io)?,
            Leaf::Instant(at) => serde_json::to_writer(&mut *out, &at.to_value())?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::types::enums::IssueStatus;

    #[test]
    fn a_leaf_writes_the_bytes_serde_writes_of_its_value() {
        let leaves = || {
            vec![
                Leaf::Null,
                Leaf::Text("a \"quoted\"\nline, 数字 \u{1}"),
                Leaf::Owned("SXNzdWU6MQ".to_owned()),
                Leaf::item::<IssueStatus>(IssueStatus::InProgress),
                Leaf::Boolean(true),
                Leaf::Boolean(false),
                Leaf::Int(-42),
                Leaf::Int(i64::MAX),
                Leaf::date(NaiveDate::from_ymd_opt(2026, 11, 29)),
                Leaf::date(NaiveDate::from_ymd_opt(-12, 1, 2)),
                Leaf::text(None),
                Leaf::Instant(DateTime::from_timestamp(1_764_400_000, 123_000_000).unwrap()),
            ]
        };
        for (leaf, value) in leaves().into_iter().zip(leaves().into_iter().map(Leaf::into_value)) {
            let mut written = Vec::new();
            leaf.write_json(&mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&value).unwrap());
        }
        assert!(matches!(Leaf::item::<IssueStatus>(IssueStatus::InProgress), Leaf::Enum("IN_PROGRESS")));
    }
}
