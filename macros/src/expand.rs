//! The code `#[fast_fields]` writes beside the impl it reads.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{ImplItem, ItemImpl, Meta, Path, Token};

use crate::field::{AtOnce, Field, Reads, analyse, column_variant};

/// The attribute's arguments: `columns = path::to::Column`, or nothing.
fn columns_type(attr: TokenStream) -> syn::Result<Option<Path>> {
    let mut columns = None;
    for meta in Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)? {
        match meta {
            Meta::NameValue(pair) if pair.path.is_ident("columns") => {
                let syn::Expr::Path(path) = pair.value else {
                    return Err(syn::Error::new_spanned(pair.value, "expected the row's `Column` type"));
                };
                columns = Some(path.path);
            }
            other => return Err(syn::Error::new_spanned(other, "expected `columns = path::Column`")),
        }
    }
    Ok(columns)
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let columns = columns_type(attr)?;
    let mut view: ItemImpl = syn::parse2(item)?;
    let mut fields = Vec::new();
    for item in &mut view.items {
        if let ImplItem::Fn(method) = item
            && let Some(field) = analyse(method)?
        {
            fields.push(field);
        }
    }
    let self_ty = &view.self_ty;
    let (impl_generics, _, where_clause) = view.generics.split_for_impl();

    let at_once = fields.iter().filter_map(|field| {
        let name = &field.name;
        match &field.at_once {
            AtOnce::Always => Some(quote!(#name => true,)),
            AtOnce::If(condition) => Some(quote!(#name => #condition,)),
            AtOnce::Never => None,
        }
    });
    let leaves = fields.iter().filter(|field| field.leaf).map(|field| {
        let Field { name, ty, body, .. } = field;
        quote!(#name => (&&&&crate::graphql::leaf::LeafOf::<#ty>::NEW).read(|| #body),)
    });
    let names = fields.iter().map(|field| &field.name);
    let columns_of_field = columns.map(|column| {
        let arms = fields.iter().filter_map(|field| {
            let Reads::Columns(read) = &field.reads else { return None };
            let name = &field.name;
            let variants = read.iter().map(column_variant);
            Some(quote!(#name => &[#(#column::#variants),*],))
        });
        // Every column some field reads, once each; none when a field reads the row whole.
        let every_field_reads = if fields.iter().any(|field| matches!(field.reads, Reads::WholeRow)) {
            quote!(None)
        } else {
            let mut all: Vec<String> = Vec::new();
            for field in &fields {
                if let Reads::Columns(read) = &field.reads {
                    for ident in read {
                        let variant = column_variant(ident).to_string();
                        if !all.contains(&variant) {
                            all.push(variant);
                        }
                    }
                }
            }
            let variants = all.iter().map(|name| syn::Ident::new(name, proc_macro2::Span::call_site()));
            quote!(Some(&[#(#column::#variants),*]))
        };
        quote! {
            /// Every column that some field of the type reads (`None` when a field reads the
            /// row whole): what a row read for any of its fields needs.
            #[allow(dead_code, reason = "only the types whose rows are read for every field use it")]
            pub(crate) const EVERY_FIELD_READS: Option<&'static [#column]> = #every_field_reads;

            /// The columns of the row that field `name` reads, as its resolver names them
            /// (`#[fast_fields]`), so that a list reads only what its query selects. `None`
            /// for a field that uses the row whole and for an unknown name: read every column.
            pub(crate) fn columns_of_field(name: &str) -> Option<&'static [#column]> {
                Some(match name {
                    "__typename" => &[],
                    #(#arms)*
                    _ => return None,
                })
            }
        }
    });

    Ok(quote! {
        #view

        impl #impl_generics crate::graphql::fast_object::Immediate for #self_ty #where_clause {
            #[allow(unused_variables)]
            fn finishes_at_once(&self, ctx: &async_graphql::Context<'_>) -> bool {
                match ctx.item.node.name.node.as_str() {
                    #(#at_once)*
                    _ => false,
                }
            }

            fn leaf(&self, name: &str) -> Option<crate::graphql::leaf::Leaf<'_>> {
                #[allow(unused_imports)]
                use crate::graphql::leaf::{EnumLeaf as _, NoLeaf as _, OptionalEnumLeaf as _, ScalarLeaf as _};
                match name {
                    #(#leaves)*
                    _ => None,
                }
            }
        }

        impl #impl_generics #self_ty #where_clause {
            /// Every field of the type, by its schema name, as `#[fast_fields]` read them; a
            /// test compares them with the schema.
            #[cfg(test)]
            pub(crate) const FAST_FIELD_NAMES: &'static [&'static str] = &[#(#names),*];

            #columns_of_field
        }
    })
}
