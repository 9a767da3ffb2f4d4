//! Objects written as JSON while a query runs, and copied into its answer when it is sent.
//!
//! async-graphql builds an answer as a tree of `Value`s: an ordered map for every object, a
//! shared key name and an owned string for every field. serde then walks that tree to write
//! JSON, and the tree is dropped. A list page of 50 issues holds about 300 objects, and
//! building, walking and dropping their maps cost more than the fields themselves. Under
//! `JsonParts`, an object resolved by `fast_object` writes its JSON at once, into one buffer
//! per request, and hands async-graphql a placeholder that stands for that text.
//! `write_response` copies the text in where each placeholder stands.
//!
//! A placeholder is opaque: async-graphql cannot look inside it. It looks inside an object's
//! value only to merge the sub-selections of a response key selected twice
//! (`{ nodes { id } nodes { title } }`), so `JsonParts::for_query` gives parts only to a query
//! whose selections never repeat a response key. Everything else (errors and their paths,
//! `null` for a failed object, the order of keys, the text of every value) is what the tree
//! would have written: each value is serialized by serde from the `Value` its resolver gave,
//! or, for a leaf read straight from the row, written as serde would write that `Value` (see
//! `graphql::leaf`). `tests/api/fast_objects.rs` compares whole answers with async-graphql's
//! own path.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Response, Value};
use bytes::Bytes;

use super::fast_object::Answer;

/// How many objects one request may write ahead; past that, they are answered as a tree.
const SLOTS: usize = 1 << 16;

/// The placeholders. Object `i` is stood for by the one-byte slice at `i` of this array, so a
/// placeholder costs no allocation, and no other `Value` can pass for one (nothing else
/// points into it; the schema has no binary output type besides).
static PLACEHOLDERS: [u8; SLOTS] = [0; SLOTS];

/// Nested selections followed at most (deeper documents are refused by the depth limit).
const MAX_NESTING: usize = 64;

/// The JSON written ahead for one request.
pub(crate) struct JsonParts(Mutex<Written>);

#[derive(Default)]
struct Written {
    /// Every object's text, one after another.
    text: Vec<u8>,
    /// Where object `i`'s text lies in `text`.
    objects: Vec<Range<usize>>,
    /// The object being written, kept for its allocation.
    scratch: Vec<u8>,
}

impl JsonParts {
    /// Parts for a request running `document`, or `None` when its answer must be built as a
    /// tree: a mutation, or a query whose selections repeat a response key.
    pub(crate) fn for_query(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<Self> {
        // A named operation comes as `Multiple`, even alone; without a name, async-graphql
        // runs the only one there is.
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), _) => operation,
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next()?,
            (DocumentOperations::Multiple(_), None) => return None,
        };
        let query = operation.node.ty == OperationType::Query;
        (query && keys_never_repeat(document, &operation.node.selection_set, 0)).then(|| Self(Mutex::default()))
    }

    /// Writes the object made of `answers` under the response keys of `fields` (a field
    /// without an answer left out, as in the tree) and returns its placeholder, or `null` when
    /// nothing is left, as the tree would have it.
    pub(crate) fn write_object<'a>(
        &self,
        fields: &[&Positioned<Field>],
        answers: Vec<Answer<'a>>,
    ) -> Result<Value, Unwritten<'a>> {
        let mut written = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Written { text, objects, scratch } = &mut *written;
        if objects.len() == SLOTS {
            return Err(Unwritten::NoRoom(answers));
        }
        scratch.clear();
        scratch.push(b'{');
        for (field, answer) in fields.iter().zip(&answers) {
            if matches!(answer, Answer::Left) {
                continue;
            }
            if scratch.len() > 1 {
                scratch.push(b',');
            }
            write_key(scratch, &field.node.response_key().node);
            match answer {
                Answer::Value(value) => write_json(scratch, value, text, objects),
                Answer::Leaf(leaf) => leaf.write_json(scratch),
                Answer::Left => Ok(()),
            }
            .map_err(Unwritten::Broken)?;
        }
        if scratch.len() == 1 {
            return Ok(Value::Null);
        }
        scratch.push(b'}');
        let start = text.len();
        text.extend_from_slice(scratch);
        objects.push(start..text.len());
        Ok(Value::Binary(Bytes::from_static(&PLACEHOLDERS[objects.len() - 1..objects.len()])))
    }
}

/// Why an object was not written ahead.
pub(crate) enum Unwritten<'a> {
    /// The request has used every placeholder: here are the answers, to build as a tree.
    NoRoom(Vec<Answer<'a>>),
    /// serde could not write a value (our bug: a placeholder of another request).
    Broken(serde_json::Error),
}

/// The answer as JSON: `Response`'s own serialization, with the text of every object written
/// ahead copied in where its placeholder stands.
pub(crate) fn write_response(response: &Response, parts: Option<&JsonParts>) -> serde_json::Result<Vec<u8>> {
    let Some(parts) = parts else { return serde_json::to_vec(response) };
    let written = parts.0.lock().unwrap_or_else(PoisonError::into_inner);
    if written.objects.is_empty() {
        return serde_json::to_vec(response);
    }
    // The fields and their order are those of `Response`'s derived `Serialize`.
    let mut out = Vec::with_capacity(written.text.len() + 256);
    out.extend_from_slice(b"{\"data\":");
    write_json(&mut out, &response.data, &written.text, &written.objects)?;
    if !response.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        serde_json::to_writer(&mut out, &response.extensions)?;
    }
    if !response.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &response.errors)?;
    }
    out.push(b'}');
    Ok(out)
}

/// Which object a placeholder stands for.
fn placeholder_index(bytes: &Bytes) -> Option<usize> {
    let offset = (bytes.as_ptr() as usize).wrapping_sub(PLACEHOLDERS.as_ptr() as usize);
    (bytes.len() == 1 && offset < SLOTS).then_some(offset)
}

fn write_key(out: &mut Vec<u8>, key: &Name) {
    // A `&str` cannot fail to serialize.
    serde_json::to_writer(&mut *out, key.as_str()).ok();
    out.push(b':');
}

/// Writes `value` as serde would, with the text of the objects it holds placeholders for.
fn write_json(out: &mut Vec<u8>, value: &Value, text: &[u8], objects: &[Range<usize>]) -> serde_json::Result<()> {
    match value {
        Value::Binary(bytes) if let Some(index) = placeholder_index(bytes) => {
            let range = objects.get(index).ok_or_else(|| serde::ser::Error::custom("unknown placeholder"))?;
            out.extend_from_slice(&text[range.clone()]);
        }
        Value::List(items) => {
            out.push(b'[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_json(out, item, text, objects)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (position, (key, item)) in map.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_key(out, key);
                write_json(out, item, text, objects)?;
            }
            out.push(b'}');
        }
        leaf => serde_json::to_writer(&mut *out, leaf)?,
    }
    Ok(())
}

/// Whether no selection set under `set` (fragments spread in) selects a response key twice.
fn keys_never_repeat(document: &ExecutableDocument, set: &Positioned<SelectionSet>, depth: usize) -> bool {
    let mut keys = HashSet::new();
    let mut nested = Vec::new();
    flatten(document, set, depth, &mut keys, &mut nested)
        && nested.into_iter().all(|inner| keys_never_repeat(document, inner, depth + 1))
}

/// Collects the response keys of `set`, following fragments, and the selection sets of its
/// fields; false as soon as a key comes twice (or the document nests beyond reason).
fn flatten<'a>(
    document: &'a ExecutableDocument,
    set: &'a Positioned<SelectionSet>,
    depth: usize,
    keys: &mut HashSet<&'a str>,
    nested: &mut Vec<&'a Positioned<SelectionSet>>,
) -> bool {
    if depth > MAX_NESTING {
        return false;
    }
    set.node.items.iter().all(|selection| match &selection.node {
        Selection::Field(field) => {
            if !field.node.selection_set.node.items.is_empty() {
                nested.push(&field.node.selection_set);
            }
            keys.insert(field.node.response_key().node.as_str())
        }
        Selection::FragmentSpread(spread) => document
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|fragment| flatten(document, &fragment.node.selection_set, depth + 1, keys, nested)),
        Selection::InlineFragment(fragment) => flatten(document, &fragment.node.selection_set, depth + 1, keys, nested),
    })
}

#[cfg(test)]
// `fast_object!` gives `Thing` an `id` for the `Node` interface, which this schema lacks.
#[allow(dead_code)]
mod tests {
    use std::sync::Arc;

    use async_graphql::parser::parse_query;
    use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Request, Schema};
    use rectify_macros::fast_fields;

    use super::*;
    use crate::graphql::fast_object::fast_object;

    fn parts_for(query: &str) -> Option<JsonParts> {
        JsonParts::for_query(&parse_query(query).unwrap(), None)
    }

    #[test]
    fn only_queries_whose_selections_never_repeat_a_key_are_written_ahead() {
        let distinct = "query { a: issues { nodes { id ...F ... on Issue { title } } } b: issues { nodes { id } } }
                        fragment F on Issue { code round { name } }";
        assert!(parts_for(distinct).is_some());
        for repeated in [
            "{ issues { nodes { id } nodes { title } } }",
            "{ issues { nodes { id code: title code } } }",
            "{ issues { nodes { ...F ...F } } } fragment F on Issue { id }",
            "{ issues { nodes { round { name } ... on Issue { round { id } } } } }",
            "{ issues { nodes { ...A } } } fragment A on Issue { ...B } fragment B on Issue { ...A }",
        ] {
            assert!(parts_for(repeated).is_none(), "{repeated}");
        }
        assert!(parts_for("mutation { login { token } }").is_none());
        assert!(parts_for("query IssueList { issues { nodes { id } } }").is_some());
        let two = parse_query("query A { x } query B { y }").unwrap();
        assert!(JsonParts::for_query(&two, Some("B")).is_some());
        assert!(JsonParts::for_query(&two, Some("C")).is_none());
        assert!(JsonParts::for_query(&two, None).is_none());
    }

    #[derive(Clone)]
    struct Row {
        name: String,
        size: f64,
        children: Vec<Row>,
    }

    struct Thing(Row);
    fast_object!(Thing, ThingFields);

    struct ThingFields<'a>(&'a Row);

    // `id`, `name` and `size` are leaves; `children` and `broken` finish at once.
    #[fast_fields]
    #[Object(name = "Thing")]
    impl ThingFields<'_> {
        pub async fn id(&self) -> ID {
            ID(self.0.name.clone())
        }
        async fn name(&self) -> &str {
            &self.0.name
        }
        async fn size(&self) -> f64 {
            self.0.size
        }
        async fn children(&self) -> Vec<Thing> {
            self.0.children.iter().cloned().map(Thing).collect()
        }
        async fn broken(&self) -> async_graphql::Result<Option<i32>> {
            Err("broken on purpose".into())
        }
    }

    struct Query;

    #[Object]
    impl Query {
        async fn things(&self) -> Vec<Thing> {
            let row = |name: &str, size, children| Row { name: name.into(), size, children };
            vec![
                Thing(row("a \"quoted\" name\n", 0.1, vec![row("child", 1.0, vec![])])),
                Thing(row("数字", 1e300, vec![])),
            ]
        }
    }

    #[tokio::test]
    async fn objects_written_ahead_make_the_bytes_serde_makes_of_the_tree() {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        // Children are objects written ahead inside objects written ahead.
        let query = "{ things { __typename id label: name size broken children { name children { size } } } }";
        let tree = schema.execute(Request::new(query)).await;
        assert_eq!(tree.errors.len(), 2, "{tree:?}");

        let parts = Arc::new(parts_for(query).expect("no key repeats"));
        let written = schema.execute(Request::new(query).data(parts.clone())).await;
        let placeholders = match &written.data {
            Value::Object(data) => match &data["things"] {
                Value::List(things) => things.iter().filter(|thing| matches!(thing, Value::Binary(_))).count(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        assert_eq!(placeholders, 2, "every thing was written ahead");
        assert_eq!(write_response(&written, Some(&parts)).unwrap(), serde_json::to_vec(&tree).unwrap());
        // Without parts, or with none used, the answer is serde's.
        assert_eq!(write_response(&tree, None).unwrap(), serde_json::to_vec(&tree).unwrap());
    }
}
