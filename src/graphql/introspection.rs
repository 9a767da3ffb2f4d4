//! Whether a document asks for the schema. async-graphql's `disable_introspection` leaves
//! `__schema` and `__type` valid and answers them with null, silently; with
//! `RECTIFY_INTROSPECTION` off the HTTP layer refuses such a document instead, with a code.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Whether any selection of the document, in an operation or a fragment (spread or not),
/// names `__schema` or `__type`. Names that begin with `__` are reserved for introspection, so
/// no field of the schema can be meant.
pub fn asks_for_introspection(document: &ExecutableDocument) -> bool {
    // The parser bounds how deep selection sets nest, and so this recursion.
    fn selects(set: &SelectionSet) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type")
                    || selects(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => selects(&fragment.node.selection_set.node),
            // The fragment itself is looked at below.
            Selection::FragmentSpread(_) => false,
        })
    }
    document.operations.iter().any(|(_, operation)| selects(&operation.node.selection_set.node))
        || document.fragments.values().any(|fragment| selects(&fragment.node.selection_set.node))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(query: &str) -> bool {
        asks_for_introspection(&async_graphql::parser::parse_query(query).expect("a document"))
    }

    #[test]
    fn the_schema_is_found_wherever_the_document_hides_it() {
        assert!(asks("{ __schema { types { name } } }"));
        assert!(asks("query Q { viewer { role } __type(name: \"Issue\") { name } }"));
        assert!(asks("{ ... on Query { __schema { queryType { name } } } }"));
        assert!(asks("{ ...F } fragment F on Query { __type(name: \"Issue\") { name } }"));
        assert!(asks("query A { viewer { role } } query B { __schema { types { name } } }"));
    }

    #[test]
    fn typename_and_ordinary_fields_are_not_introspection() {
        assert!(!asks("{ __typename }"));
        assert!(!asks("{ viewer { __typename role } }"));
        assert!(!asks("mutation { login(input: {username: \"a\", password: \"b\"}) { token } }"));
    }
}
