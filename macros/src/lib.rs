//! `#[fast_fields]`: the fast answer path of an object type, derived from its resolvers; and
//! `#[connections]`: the paging arguments of list fields, declared once (see `connections.rs`).
//!
//! Rectify answers its busiest types (issues, their events and the reference objects) with a
//! shortcut (`graphql::fast_object` in the main crate): a field that only reads its row is
//! written without running its resolver (a *leaf*), a field that cannot wait is polled in
//! place, and a list of issues reads only the columns its query selects. Each of those facts
//! is read here from the resolver itself, so that adding, renaming or guarding a field cannot
//! leave a hand-kept list out of step:
//!
//! - **Leaf**: a resolver that takes only `&self` (no context, no arguments), carries no
//!   `#[graphql(...)]` option other than `name` and `desc` (no guard, deprecation, complexity
//!   or visibility), and never awaits. Its body is evaluated in place of the resolver when its
//!   type can be written as a leaf (text, numbers, booleans, dates, times, ids, enums, and
//!   optional ones); the decision by type is `graphql::leaf::LeafOf` in the main crate.
//! - **Finishes at once**: a resolver whose body has no `.await`, unless the condition written
//!   beside it as `#[finishes_at_once_if(expr)]` says otherwise (`expr` may use `ctx` and
//!   `self`). Two kinds need it: a resolver that awaits only on a miss of what the request
//!   already holds (`reference_held(ctx)`), and one that returns an object whose own fields
//!   wait (`false`: the field's answer includes its object's). A wrong claim costs time, not
//!   an answer, and a debug build panics on it, so the tests catch it.
//! - **Columns** (with `#[fast_fields(columns = entity::Column)]`): the fields of the row the
//!   body names as `self.0.field`. A body that uses `self` any other way (the row whole, a
//!   method of the view, a method of the row) reads every column.
//!
//! The attribute goes above `#[Object]` on the impl of a view type `Name<'a>(&'a Row)`.

mod connections;
mod expand;
mod field;

use proc_macro::TokenStream;

/// Derives `Immediate` (leaves and fields that finish at once), `FAST_FIELD_NAMES` and, with
/// `columns = path::Column`, `columns_of_field` from the `#[Object]` impl below it. See the
/// crate's documentation.
#[proc_macro_attribute]
pub fn fast_fields(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Gives every resolver marked `#[paged(binding)]` in the `#[Object]` impl below it the four
/// Relay arguments (`first`, `after`, `last`, `before`), the page's price for the complexity
/// limit, and `let binding = PageArgs { .. }` at the top of its body.
#[proc_macro_attribute]
pub fn connections(attr: TokenStream, item: TokenStream) -> TokenStream {
    connections::expand(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
