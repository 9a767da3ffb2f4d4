//! `#[connections]`: the four Relay arguments and the page's price, written once for every
//! paged field of an `#[Object]` impl.
//!
//! A resolver marked `#[paged(binding)]` gets `first`, `after`, `last` and `before` as GraphQL
//! arguments (right after its `ctx`, with the same descriptions everywhere), the complexity
//! `page_cost(first, last, child_complexity)`, and `let binding = PageArgs { .. };` as the first
//! statement of its body. The arguments are added before `#[Object]` reads the impl, which is
//! why this is an attribute on the impl and not on the method.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, Pat, Token, Type};

/// The marker on a paged resolver.
const PAGED: &str = "paged";
/// The arguments a paged resolver gets; none may be declared by hand.
const RELAY_ARGUMENTS: [&str; 4] = ["first", "after", "last", "before"];

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(attr, "`#[connections]` takes no arguments"));
    }
    let mut object: ItemImpl = syn::parse2(item)?;
    let mut paged_any = false;
    for item in &mut object.items {
        if let ImplItem::Fn(method) = item
            && let Some(binding) = take_paged(method)?
        {
            page(method, binding)?;
            paged_any = true;
        }
    }
    if !paged_any {
        return Err(syn::Error::new(Span::call_site(), "`#[connections]` found no `#[paged(binding)]` resolver"));
    }
    Ok(quote!(#object))
}

/// Removes `#[paged(binding)]` from the method and returns the binding's name.
fn take_paged(method: &mut ImplItemFn) -> syn::Result<Option<Ident>> {
    let Some(index) = method.attrs.iter().position(|attr| attr.path().is_ident(PAGED)) else { return Ok(None) };
    let attr = method.attrs.remove(index);
    let binding: Ident = attr
        .parse_args()
        .map_err(|_| syn::Error::new_spanned(&attr, "expected `#[paged(name)]`: the name the page's arguments bind"))?;
    Ok(Some(binding))
}

/// Adds the arguments, the price and the binding to one resolver.
fn page(method: &mut ImplItemFn, binding: Ident) -> syn::Result<()> {
    for attr in &method.attrs {
        if attr.path().is_ident("graphql") && quote!(#attr).to_string().contains("complexity") {
            return Err(syn::Error::new_spanned(
                attr,
                "a `#[paged]` resolver is priced by its page; remove `complexity`",
            ));
        }
    }
    for input in &method.sig.inputs {
        if let FnArg::Typed(typed) = input
            && let Pat::Ident(name) = &*typed.pat
            && RELAY_ARGUMENTS.contains(&name.ident.to_string().as_str())
        {
            return Err(syn::Error::new_spanned(name, "`#[paged]` declares this argument; remove it"));
        }
    }
    let at = method.sig.inputs.iter().position(takes_context).map_or(1, |ctx| ctx + 1);
    let relay: Punctuated<FnArg, Token![,]> = syn::parse_quote! {
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    };
    let mut inputs: Vec<FnArg> = method.sig.inputs.iter().cloned().collect();
    inputs.splice(at..at, relay);
    method.sig.inputs = inputs.into_iter().collect();
    method.attrs.push(syn::parse_quote! {
        #[graphql(complexity = "crate::graphql::types::connection::page_cost(first, last, child_complexity)")]
    });
    method.block.stmts.insert(
        0,
        syn::parse_quote! {
            let #binding = crate::service::pagination::PageArgs { first, after, last, before };
        },
    );
    Ok(())
}

/// Whether an argument is the resolver's `&Context<'_>`.
fn takes_context(input: &FnArg) -> bool {
    let FnArg::Typed(typed) = input else { return false };
    let Type::Reference(reference) = &*typed.ty else { return false };
    let Type::Path(path) = &*reference.elem else { return false };
    path.path.segments.last().is_some_and(|segment| segment.ident == "Context")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(source: &str) -> syn::Result<ItemImpl> {
        syn::parse2(expand(TokenStream::new(), source.parse().unwrap())?)
    }

    fn refusal(source: &str) -> String {
        match expanded(source) {
            Ok(_) => panic!("accepted: {source}"),
            Err(error) => error.to_string(),
        }
    }

    fn method(object: &ItemImpl) -> &ImplItemFn {
        object.items.iter().find_map(|item| if let ImplItem::Fn(method) = item { Some(method) } else { None }).unwrap()
    }

    fn argument_names(method: &ImplItemFn) -> Vec<String> {
        method
            .sig
            .inputs
            .iter()
            .map(|input| match input {
                FnArg::Receiver(_) => "self".to_string(),
                FnArg::Typed(typed) => {
                    let pattern = &typed.pat;
                    quote!(#pattern).to_string()
                }
            })
            .collect()
    }

    #[test]
    fn the_relay_arguments_follow_the_context_and_the_body_binds_them() {
        let object = expanded(
            "impl Query { #[paged(args)] async fn items(&self, ctx: &Context<'_>, filter: Option<Filter>) -> R { list(args) } }",
        )
        .unwrap();
        let method = method(&object);
        assert_eq!(argument_names(method), ["self", "ctx", "first", "after", "last", "before", "filter"]);
        assert!(method.attrs.iter().any(|attr| quote!(#attr).to_string().contains("page_cost")));
        assert!(!method.attrs.iter().any(|attr| attr.path().is_ident(PAGED)), "the marker is removed");
        let first = &method.block.stmts[0];
        assert!(quote!(#first).to_string().starts_with("let args = crate :: service :: pagination :: PageArgs"));
    }

    #[test]
    fn without_a_context_the_arguments_follow_self() {
        let object = expanded("impl Query { #[paged(p)] async fn items(&self) -> R { p } }").unwrap();
        assert_eq!(argument_names(method(&object)), ["self", "first", "after", "last", "before"]);
    }

    #[test]
    fn a_hand_declared_relay_argument_or_price_is_refused() {
        let by_hand = refusal("impl Q { #[paged(p)] async fn items(&self, first: Option<i32>) -> R { p } }");
        assert!(by_hand.contains("declares this argument"), "{by_hand}");
        let priced = refusal(r#"impl Q { #[paged(p)] #[graphql(complexity = "5")] async fn items(&self) -> R { p } }"#);
        assert!(priced.contains("remove `complexity`"), "{priced}");
    }

    #[test]
    fn an_impl_without_a_paged_resolver_is_refused() {
        assert!(expanded("impl Q { async fn items(&self) -> R { r } }").is_err());
        assert!(expanded("impl Q { #[paged] async fn items(&self) -> R { r } }").is_err(), "the binding is required");
    }
}
