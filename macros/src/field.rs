//! What one resolver declares about itself: its GraphQL name, whether it is a leaf, whether
//! it finishes at once, and the columns of the row it reads.

use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::{Attribute, Block, Expr, FnArg, ImplItemFn, LitStr, ReturnType, Type};

/// The helper attribute that states when a field that awaits finishes at its first poll.
pub(crate) const AT_ONCE_IF: &str = "finishes_at_once_if";

/// When a field's resolver finishes at its first poll.
pub(crate) enum AtOnce {
    Always,
    Never,
    If(Expr),
}

/// What a field's resolver reads of the row.
#[derive(Debug, PartialEq)]
pub(crate) enum Reads {
    /// These fields of the row, and nothing else of it.
    Columns(Vec<Ident>),
    /// The row whole, or an unknown part of it.
    WholeRow,
}

/// One schema field of the impl.
pub(crate) struct Field {
    /// The field's name in the schema.
    pub name: String,
    /// The resolver's return type.
    pub ty: Type,
    pub body: Block,
    /// Whether its value may be read from the row in place of the resolver (when its type is
    /// a leaf's).
    pub leaf: bool,
    pub at_once: AtOnce,
    pub reads: Reads,
}

/// The schema field `method` declares, or `None` for a method `#[graphql(skip)]` hides.
/// Removes the helper attribute from the method, which `#[Object]` would not know.
pub(crate) fn analyse(method: &mut ImplItemFn) -> syn::Result<Option<Field>> {
    let options = GraphqlOptions::of(&method.attrs)?;
    if options.skip {
        return Ok(None);
    }
    let at_once_if = take_at_once_if(&mut method.attrs)?;
    let mut takes_context = false;
    let mut takes_arguments = false;
    for input in &method.sig.inputs {
        if let FnArg::Typed(argument) = input {
            if is_context(&argument.ty) {
                takes_context = true;
            } else {
                takes_arguments = true;
            }
        }
    }
    let body = &method.block;
    let scan = Scan::of(quote::quote!(#body));
    let at_once = match at_once_if {
        Some(condition) => AtOnce::If(condition),
        None if scan.awaits => AtOnce::Never,
        None => AtOnce::Always,
    };
    let ty = match &method.sig.output {
        ReturnType::Type(_, ty) => (**ty).clone(),
        ReturnType::Default => syn::parse_quote!(()),
    };
    let identifier = method.sig.ident.to_string();
    Ok(Some(Field {
        name: options.name.unwrap_or_else(|| camel_case(identifier.trim_start_matches("r#"))),
        ty,
        body: method.block.clone(),
        leaf: !takes_context && !takes_arguments && options.only_naming && !scan.awaits,
        at_once,
        reads: if scan.whole_row { Reads::WholeRow } else { Reads::Columns(scan.columns) },
    }))
}

/// The `#[graphql(...)]` options of a resolver that matter here.
struct GraphqlOptions {
    name: Option<String>,
    skip: bool,
    /// No option but `name` and `desc`: nothing that runs or checks anything around the
    /// resolver, which a leaf would skip.
    only_naming: bool,
}

impl GraphqlOptions {
    fn of(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut options = GraphqlOptions { name: None, skip: false, only_naming: true };
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("graphql")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    options.name = Some(meta.value()?.parse::<LitStr>()?.value());
                    return Ok(());
                }
                if meta.path.is_ident("skip") {
                    options.skip = true;
                } else if !meta.path.is_ident("desc") {
                    options.only_naming = false;
                }
                // Whatever the option holds (`= value`, `(...)` or nothing), step over it.
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<Expr>()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<TokenStream>()?;
                }
                Ok(())
            })?;
        }
        Ok(options)
    }
}

/// Removes `#[finishes_at_once_if(expr)]` from `attrs` and returns its condition.
fn take_at_once_if(attrs: &mut Vec<Attribute>) -> syn::Result<Option<Expr>> {
    let Some(index) = attrs.iter().position(|attr| attr.path().is_ident(AT_ONCE_IF)) else { return Ok(None) };
    let attr = attrs.remove(index);
    if attrs.iter().any(|attr| attr.path().is_ident(AT_ONCE_IF)) {
        return Err(syn::Error::new(attr.span(), format!("`{AT_ONCE_IF}` given twice")));
    }
    attr.parse_args::<Expr>().map(Some)
}

/// Whether `ty` is `&Context<'_>` (by its last path segment, as `#[Object]` decides).
fn is_context(ty: &Type) -> bool {
    let Type::Reference(reference) = ty else { return false };
    let Type::Path(path) = &*reference.elem else { return false };
    path.path.segments.last().is_some_and(|segment| segment.ident == "Context")
}

/// The schema name async-graphql gives a resolver by default: `plan_summary` → `planSummary`.
pub(crate) fn camel_case(snake: &str) -> String {
    let mut name = String::with_capacity(snake.len());
    let mut upper_next = false;
    for c in snake.chars() {
        if c == '_' {
            upper_next = !name.is_empty();
        } else if upper_next {
            name.extend(c.to_uppercase());
            upper_next = false;
        } else {
            name.push(c);
        }
    }
    name
}

/// The column variant SeaORM derives for a field of the row: `plan_summary` → `PlanSummary`.
pub(crate) fn column_variant(field: &Ident) -> Ident {
    let mut name = camel_case(&field.to_string());
    if let Some(first) = name.get(..1) {
        name = first.to_uppercase() + &name[1..];
    }
    Ident::new(&name, field.span())
}

/// What a resolver's body does, read from its tokens.
#[derive(Default)]
struct Scan {
    awaits: bool,
    columns: Vec<Ident>,
    whole_row: bool,
}

impl Scan {
    fn of(body: TokenStream) -> Self {
        let mut scan = Scan::default();
        scan.walk(body);
        scan
    }

    fn walk(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (at, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => self.walk(group.stream()),
                TokenTree::Punct(dot) if dot.as_char() == '.' => {
                    if matches!(tokens.get(at + 1), Some(TokenTree::Ident(next)) if next == "await") {
                        self.awaits = true;
                    }
                }
                TokenTree::Ident(ident) if ident == "self" => match row_field(&tokens[at + 1..]) {
                    Some(field) if !self.columns.contains(field) => self.columns.push(field.clone()),
                    Some(_) => {}
                    None => self.whole_row = true,
                },
                _ => {}
            }
        }
    }
}

/// The field `f` of `self.0.f`, when the tokens after `self` are `.0.f` and `f` is not
/// called (a method of the row may read any of it).
fn row_field(after_self: &[TokenTree]) -> Option<&Ident> {
    match after_self {
        [
            TokenTree::Punct(dot),
            TokenTree::Literal(zero),
            TokenTree::Punct(dot2),
            TokenTree::Ident(field),
            rest @ ..,
        ] if dot.as_char() == '.' && dot2.as_char() == '.' && zero.to_string() == "0" => {
            let called = matches!(rest.first(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
            (!called).then_some(field)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(method: &str) -> Field {
        let mut method: ImplItemFn = syn::parse_str(method).unwrap();
        analyse(&mut method).unwrap().unwrap()
    }

    fn columns(field: &Field) -> Vec<String> {
        match &field.reads {
            Reads::Columns(columns) => columns.iter().map(ToString::to_string).collect(),
            Reads::WholeRow => vec!["<whole row>".into()],
        }
    }

    #[test]
    fn a_resolver_that_reads_its_row_is_a_leaf_reading_those_columns() {
        let code = field("async fn plan_summary(&self) -> Option<&str> { self.0.plan_summary.as_deref() }");
        assert_eq!(code.name, "planSummary");
        assert!(code.leaf);
        assert!(matches!(code.at_once, AtOnce::Always));
        assert_eq!(columns(&code), ["plan_summary"]);
        let plan = field(
            "async fn plan(&self) -> Option<Plan> {
                let completed = is_completed(self.0.status);
                self.0.plan_summary.clone().map(|summary| Plan { issue_id: self.0.id, summary, completed })
            }",
        );
        assert_eq!(columns(&plan), ["status", "plan_summary", "id"]);
    }

    #[test]
    fn a_guard_an_argument_a_context_or_an_await_is_never_a_leaf() {
        for method in [
            r#"#[graphql(guard = "RoleGuard::new(Role::Bureau)")] async fn code(&self) -> &str { &self.0.code }"#,
            r#"#[graphql(deprecation = "use title")] async fn name(&self) -> &str { &self.0.title }"#,
            r#"#[graphql(visible = false)] async fn code(&self) -> &str { &self.0.code }"#,
            "async fn code(&self, upper: bool) -> String { self.0.code.clone() }",
            "async fn code(&self, ctx: &Context<'_>) -> &str { &self.0.code }",
            "async fn code(&self) -> String { load(self.0.id).await }",
        ] {
            assert!(!field(method).leaf, "{method}");
        }
        let described = field(
            r#"#[graphql(name = "shortCode", desc = "The code.")] async fn code(&self) -> &str { &self.0.code }"#,
        );
        assert!(described.leaf);
        assert_eq!(described.name, "shortCode");
    }

    #[test]
    fn a_resolver_that_awaits_finishes_at_once_only_under_its_stated_condition() {
        let waits = field("async fn events(&self, ctx: &Context<'_>) -> Vec<Event> { load(ctx, self.0.id).await }");
        assert!(matches!(waits.at_once, AtOnce::Never));
        let held = field(
            "#[finishes_at_once_if(reference_held(ctx))]
             async fn round(&self, ctx: &Context<'_>) -> Round { round(ctx, self.0.round_id).await }",
        );
        assert!(matches!(held.at_once, AtOnce::If(_)));
        assert_eq!(columns(&held), ["round_id"]);
        // An object whose own fields wait, returned without awaiting, says so.
        let object = field("#[finishes_at_once_if(false)] async fn plan(&self) -> Option<Plan> { plan(self.0.id) }");
        assert!(matches!(object.at_once, AtOnce::If(_)));
    }

    #[test]
    fn any_other_use_of_self_reads_the_whole_row() {
        for method in [
            "async fn overdue(&self) -> bool { let issue = &self.0; issue.deadline.is_some() }",
            "async fn code(&self) -> String { self.0.code_of() }",
            "async fn code(&self) -> String { self.helper() }",
        ] {
            assert_eq!(field(method).reads, Reads::WholeRow, "{method}");
        }
    }

    #[test]
    fn skipped_methods_are_no_fields_and_names_follow_async_graphql() {
        let mut hidden: ImplItemFn = syn::parse_str("#[graphql(skip)] async fn inner(&self) -> i32 { 1 }").unwrap();
        assert!(analyse(&mut hidden).unwrap().is_none());
        assert_eq!(camel_case("overdue_deadlines"), "overdueDeadlines");
        assert_eq!(camel_case("id"), "id");
        assert_eq!(column_variant(&Ident::new("round_id", proc_macro2::Span::call_site())), "RoundId");
    }
}
