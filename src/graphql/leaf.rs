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
//!
//! Which fields are leaves is not listed by hand: `#[fast_fields]` (the `rectify-macros`
//! crate) finds the resolvers that only read their row, and `LeafOf` below decides by the
//! resolver's return type whether its value can be written as a leaf.

use std::io::Write;
use std::marker::PhantomData;

use async_graphql::resolver_utils::EnumType;
use async_graphql::{ID, Name, Number, ScalarType, Value};
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
    Float(f64),
    /// A calendar date, written as the `Date` scalar writes it.
    Date(NaiveDate),
    /// A point in time, written as async-graphql writes a `DateTime`.
    Instant(DateTime<Utc>),
}

impl<'a> Leaf<'a> {
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
            Leaf::Float(value) => value.to_value(),
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
            Leaf::Float(value) => serde_json::to_writer(&mut *out, &value.to_value())?,
            // chrono writes digits, signs and dashes only: nothing to escape.
            Leaf::Date(date) => write!(out, "\"{date}\"").map_err(serde_json::Error::io)?,
            Leaf::Instant(at) => serde_json::to_writer(&mut *out, &at.to_value())?,
        }
        Ok(())
    }
}

/// A type whose values are written as a leaf: text, numbers, booleans, ids, dates, times,
/// and optional ones. Enums are leaves too, through `EnumLeaf`.
pub(crate) trait IntoLeaf<'a> {
    fn into_leaf(self) -> Leaf<'a>;
}

impl<'a> IntoLeaf<'a> for &'a str {
    fn into_leaf(self) -> Leaf<'a> {
        Leaf::Text(self)
    }
}

/// `IntoLeaf` for a type owned by its value: `type => |value| leaf`.
macro_rules! owned_leaf {
    ($($ty:ty => |$value:ident| $leaf:expr),* $(,)?) => {$(
        impl<'a> IntoLeaf<'a> for $ty {
            fn into_leaf(self) -> Leaf<'a> {
                let $value = self;
                $leaf
            }
        }
    )*};
}

owned_leaf!(
    String => |text| Leaf::Owned(text),
    ID => |id| Leaf::Owned(id.0),
    bool => |value| Leaf::Boolean(value),
    i32 => |value| Leaf::Int(value.into()),
    i64 => |value| Leaf::Int(value),
    f64 => |value| Leaf::Float(value),
    Date => |date| Leaf::Date(date.0),
    DateTime<Utc> => |at| Leaf::Instant(at),
);

impl<'a, T: IntoLeaf<'a>> IntoLeaf<'a> for Option<T> {
    fn into_leaf(self) -> Leaf<'a> {
        self.map_or(Leaf::Null, IntoLeaf::into_leaf)
    }
}

/// Decides, from a resolver's return type `T`, whether the resolver's value is written as a
/// leaf, and if so reads it. Code written by `#[fast_fields]` calls
/// `(&&&&LeafOf::<T>::NEW).read(|| body)`: method lookup tries the traits below in order,
/// taking one reference off at each step, and stops at the first whose bounds `T` meets
/// (a scalar, an enum, an optional enum, anything else). For anything else `read` answers
/// `None` without running `body`, and the field keeps its resolver.
pub(crate) struct LeafOf<T>(PhantomData<T>);

impl<T> LeafOf<T> {
    pub(crate) const NEW: Self = LeafOf(PhantomData);
}

pub(crate) trait ScalarLeaf<'a, T> {
    fn read(&self, body: impl FnOnce() -> T) -> Option<Leaf<'a>>;
}

impl<'a, T: IntoLeaf<'a>> ScalarLeaf<'a, T> for &&&LeafOf<T> {
    fn read(&self, body: impl FnOnce() -> T) -> Option<Leaf<'a>> {
        Some(body().into_leaf())
    }
}

pub(crate) trait EnumLeaf<'a, T> {
    fn read(&self, body: impl FnOnce() -> T) -> Option<Leaf<'a>>;
}

impl<'a, T: EnumType + PartialEq + Copy + 'static> EnumLeaf<'a, T> for &&LeafOf<T> {
    fn read(&self, body: impl FnOnce() -> T) -> Option<Leaf<'a>> {
        Some(Leaf::item::<T>(body()))
    }
}

pub(crate) trait OptionalEnumLeaf<'a, T> {
    fn read(&self, body: impl FnOnce() -> Option<T>) -> Option<Leaf<'a>>;
}

impl<'a, T: EnumType + PartialEq + Copy + 'static> OptionalEnumLeaf<'a, T> for &LeafOf<Option<T>> {
    fn read(&self, body: impl FnOnce() -> Option<T>) -> Option<Leaf<'a>> {
        Some(body().map_or(Leaf::Null, Leaf::item::<T>))
    }
}

pub(crate) trait NoLeaf<'a, T> {
    fn read(&self, _body: impl FnOnce() -> T) -> Option<Leaf<'a>> {
        None
    }
}

impl<'a, T> NoLeaf<'a, T> for LeafOf<T> {}

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
                Leaf::Float(31.2304),
                Leaf::Float(-0.1),
                Leaf::Float(121.47370000000001),
                Leaf::Date(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()),
                Leaf::Date(NaiveDate::from_ymd_opt(-12, 1, 2).unwrap()),
                None::<&str>.into_leaf(),
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

    /// The kind of leaf `#[fast_fields]` gets for a resolver of each return type.
    // The four references are the call `#[fast_fields]` writes: method lookup needs them all.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn a_return_type_is_a_leaf_exactly_when_its_value_can_be_written_as_one() {
        let text = String::from("WATER");
        assert!(matches!((&&&&LeafOf::<&str>::NEW).read(|| text.as_str()), Some(Leaf::Text("WATER"))));
        assert!(matches!((&&&&LeafOf::<Option<i32>>::NEW).read(|| None), Some(Leaf::Null)));
        assert!(matches!((&&&&LeafOf::<IssueStatus>::NEW).read(|| IssueStatus::Closed), Some(Leaf::Enum("CLOSED"))));
        assert!(matches!(
            (&&&&LeafOf::<Option<IssueStatus>>::NEW).read(|| Some(IssueStatus::Assigned)),
            Some(Leaf::Enum("ASSIGNED"))
        ));
        // An object or a list is no leaf, and its body is not run.
        assert!((&&&&LeafOf::<Vec<i32>>::NEW).read(|| unreachable!()).is_none());
        assert!((&&&&LeafOf::<Option<Vec<String>>>::NEW).read(|| unreachable!()).is_none());
    }
}
