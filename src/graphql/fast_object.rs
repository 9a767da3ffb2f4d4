//! Resolving the objects a list page is made of (issues, their events, and the departments,
//! rounds, categories and aspects they name) without a future per field.
//!
//! async-graphql resolves an object by boxing one future per selected field, running them in a
//! `FuturesUnordered` (one more allocation and a waker per field), and collecting the answers.
//! A list page of 50 issues has about a thousand such fields, and nearly all of them finish at
//! their first poll: they read the row, or the request's copy of the reference tables. Here
//! such a field is polled once, in place; only a field that may wait (a DataLoader, a
//! statement) becomes a boxed future, and those are awaited together. The answer is the value
//! async-graphql's own path gives: the same keys in the same order, the same errors.
//!
//! A type opts in with `fast_object!`: its schema fields stay an ordinary `#[Object]` on a
//! borrowed view of the row (the view is what the schema shows and what resolves each
//! field), and `#[fast_fields]` above that `#[Object]` derives `Immediate` from the resolvers
//! themselves (see the `rectify-macros` crate): nothing is listed by hand. Being wrong about a
//! field that finishes at once costs time, never an answer: one that waits is run again as a
//! future (and a debug build panics, so that the tests catch it). `tests/api/fast_objects.rs`
//! compares answers with async-graphql's own path, as every role, to full depth.
//!
//! Over HTTP, a query's objects are written as JSON here rather than built as maps (see
//! `graphql::json_parts`). A field that only reads its row is answered from it without its
//! resolver (`Immediate::leaf`, see `graphql::leaf`).

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{ContainerType, Context, ContextSelectionSet, Name, Positioned, ServerResult, Value};
use futures_util::future::join_all;

use super::json_parts::{JsonParts, Unwritten};
use super::leaf::Leaf;
use super::response_keys;
use crate::error::AppError;

/// Schema data that turns the shortcut off: the schema then resolves every field on
/// async-graphql's own path (`schema::field_by_field_schema`, for tests).
pub(crate) struct FieldByField;

/// Which fields of an object type finish at their first poll, and which are read from the
/// row. Written by `#[fast_fields]`, never by hand.
pub(crate) trait Immediate: ContainerType {
    /// Whether the resolver of the field in `ctx` reads only the row and what the request
    /// already holds (never a loader or the database), and so finishes at its first poll.
    /// Asked only of fields that `leaf` does not answer.
    fn finishes_at_once(&self, ctx: &Context<'_>) -> bool;

    /// The value of field `name`, selected without arguments, when it reads the row alone: the
    /// value its resolver returns, as a `Leaf`, answered without running the resolver (see
    /// `graphql::leaf`). `None` for any other field.
    fn leaf(&self, _name: &str) -> Option<Leaf<'_>> {
        None
    }
}

/// A field's answer while its object is resolved.
pub(crate) enum Answer<'a> {
    /// Left out of the object: the field failed, and its error is recorded.
    Left,
    Value(Value),
    /// Read from the row: written as JSON when the object is (see `JsonParts`), else made a
    /// `Value`.
    Leaf(Leaf<'a>),
}

impl Answer<'_> {
    /// The answer as the tree holds it.
    pub(crate) fn into_value(self) -> Option<Value> {
        match self {
            Answer::Left => None,
            Answer::Value(value) => Some(value),
            Answer::Leaf(leaf) => Some(leaf.into_value()),
        }
    }
}

type Waiting<'a> = Pin<Box<dyn Future<Output = (usize, ServerResult<Option<Value>>)> + Send + 'a>>;

/// The object `root` answers for the selection set in `ctx`.
pub(crate) async fn resolve<T: Immediate + Sync>(ctx: &ContextSelectionSet<'_>, root: &T) -> ServerResult<Value> {
    // Custom directives wrap a field's future: async-graphql's own path applies them.
    let fields = match selected_fields(ctx, root) {
        Some(fields) if ctx.data_opt::<FieldByField>().is_none() => fields,
        _ => return resolve_container(ctx, root).await,
    };
    let parts = ctx.data_opt::<Arc<JsonParts>>();
    let mut answers: Vec<Answer<'_>> = Vec::with_capacity(fields.len());
    let mut waiting: Vec<Waiting<'_>> = Vec::new();
    for (index, field) in fields.iter().copied().enumerate() {
        let name = field.node.name.node.as_str();
        if name == "__typename" {
            answers.push(Answer::Value(Value::String(root.introspection_type_name().into_owned())));
            continue;
        }
        if field.node.arguments.is_empty()
            && let Some(leaf) = root.leaf(name)
        {
            answers.push(Answer::Leaf(leaf));
            continue;
        }
        let ctx_field = ctx.with_field(field);
        if root.finishes_at_once(&ctx_field) {
            if let Poll::Ready(answer) = poll_once(root.resolve_field(&ctx_field)) {
                answers.push(kept(ctx, answer));
                continue;
            }
            debug_assert!(false, "the field {name} was said to finish at once but waited");
        }
        answers.push(Answer::Left);
        waiting.push(Box::pin(async move { (index, root.resolve_field(&ctx.with_field(field)).await) }));
    }
    for (index, answer) in join_all(waiting).await {
        answers[index] = kept(ctx, answer);
    }
    if let Some(parts) = parts {
        match parts.write_object(&fields, answers) {
            Ok(placeholder) => return Ok(placeholder),
            Err(Unwritten::NoRoom(unwritten)) => answers = unwritten,
            Err(Unwritten::Broken(error)) => {
                let error: async_graphql::Error = AppError::internal(error).into();
                return Err(error.into_server_error(ctx.item.pos));
            }
        }
    }
    Ok(object(&fields, answers.into_iter().map(Answer::into_value)))
}

/// Polls a future once, where it stands. Only for futures that may be dropped unfinished.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    pin!(future).poll(&mut TaskContext::from_waker(Waker::noop()))
}

/// A field's value for the answer, or `Left` (the field left out) after recording its error.
fn kept<'a>(ctx: &ContextSelectionSet<'_>, answer: ServerResult<Option<Value>>) -> Answer<'a> {
    match answer {
        Ok(value) => Answer::Value(value.unwrap_or_default()),
        Err(error) => {
            ctx.add_error(error);
            Answer::Left
        }
    }
}

/// The fields selected on `root`, fragments that apply to it flattened in place, or `None`
/// when the selection needs async-graphql's own path (a custom directive, an unknown
/// fragment: that path reports the error).
fn selected_fields<'a, T: ContainerType + ?Sized>(
    ctx: &ContextSelectionSet<'a>,
    root: &T,
) -> Option<Vec<&'a Positioned<Field>>> {
    let mut fields = Vec::with_capacity(ctx.item.node.items.len());
    collect(ctx, ctx.item, &root.introspection_type_name(), &mut fields)?;
    Some(fields)
}

fn collect<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a Positioned<SelectionSet>,
    type_name: &str,
    fields: &mut Vec<&'a Positioned<Field>>,
) -> Option<()> {
    for selection in &set.node.items {
        let (condition, inner) = match &selection.node {
            Selection::Field(field) if field.node.directives.is_empty() => {
                fields.push(field);
                continue;
            }
            Selection::Field(_) => return None,
            Selection::FragmentSpread(spread) => {
                let fragment = ctx.query_env.fragments.get(&spread.node.fragment_name.node)?;
                (Some(&fragment.node.type_condition.node.on.node), &fragment.node.selection_set)
            }
            Selection::InlineFragment(fragment) => {
                (fragment.node.type_condition.as_ref().map(|c| &c.node.on.node), &fragment.node.selection_set)
            }
        };
        let applies = condition.is_none_or(|on| {
            on == type_name
                || ctx
                    .schema_env
                    .registry
                    .implements
                    .get(type_name)
                    .is_some_and(|interfaces| interfaces.contains(on.as_str()))
        });
        if applies {
            collect(ctx, inner, type_name, fields)?;
        }
    }
    Some(())
}

/// The answers under their response keys, in selection order. A key selected twice keeps its
/// first value, and the sub-selections of an object or a list of objects are merged.
fn object(fields: &[&Positioned<Field>], answers: impl Iterator<Item = Option<Value>>) -> Value {
    let mut map = response_keys::new_object(fields.len());
    for (field, answer) in fields.iter().zip(answers) {
        if let Some(value) = answer
            && let Some((earlier, later)) =
                response_keys::insert(&mut map, field.node.response_key().node.clone(), value)
        {
            merge_into(earlier, later);
        }
    }
    if map.is_empty() { Value::Null } else { Value::Object(map) }
}

/// Merges the later value of a key selected twice into its earlier one: the keys of an
/// object, or of each object of a list. Any other value stays as it first came.
fn merge_into(earlier: &mut Value, later: Value) {
    match (earlier, later) {
        (Value::Object(earlier), Value::Object(later)) => {
            for (key, value) in later {
                merge(earlier, key, value);
            }
        }
        (Value::List(earlier), Value::List(later)) => {
            for (earlier, later) in earlier.iter_mut().zip(later) {
                if matches!((&*earlier, &later), (Value::Object(_), Value::Object(_))) {
                    merge_into(earlier, later);
                }
            }
        }
        _ => {}
    }
}

/// Merges one key into an object that may come from async-graphql's own path, so through the
/// object's own hasher.
fn merge(map: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    match map.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(value);
        }
        Entry::Occupied(mut earlier) => merge_into(earlier.get_mut(), value),
    }
}

/// Makes `$outer`, a wrapper of a row, the GraphQL object that `$view`, an `#[Object]` on a
/// borrowed row, declares; answered through `fast_object::resolve`. `$view` must implement
/// `Immediate` and have an `id` field (the `Node` interface calls `$outer::id`).
macro_rules! fast_object {
    ($outer:ident, $view:ident) => {
        impl async_graphql::OutputType for $outer {
            fn type_name() -> std::borrow::Cow<'static, str> {
                <$view<'static> as async_graphql::OutputType>::type_name()
            }

            fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
                <$view<'static> as async_graphql::OutputType>::create_type_info(registry)
            }

            async fn resolve(
                &self,
                ctx: &async_graphql::ContextSelectionSet<'_>,
                _field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
            ) -> async_graphql::ServerResult<async_graphql::Value> {
                $crate::graphql::fast_object::resolve(ctx, &$view(&self.0)).await
            }
        }

        impl async_graphql::ContainerType for $outer {
            async fn resolve_field(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::ServerResult<Option<async_graphql::Value>> {
                async_graphql::ContainerType::resolve_field(&$view(&self.0), ctx).await
            }
        }

        impl async_graphql::ObjectType for $outer {}

        impl $outer {
            /// The global id, for the `Node` interface.
            pub async fn id(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<async_graphql::ID> {
                $view(&self.0).id(ctx).await
            }
        }
    };
}

pub(crate) use fast_object;
