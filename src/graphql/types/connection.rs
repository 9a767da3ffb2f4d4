//! Relay connections: one page of a list, its edges with cursors, and a lazy `totalCount`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::SimpleObject;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::service::Services;
use crate::service::pagination::Page;

type CountFuture = Pin<Box<dyn Future<Output = AppResult<u64>> + Send>>;

/// How to count the whole list: known already, or a query run only when asked for.
#[derive(Clone)]
pub enum TotalCount {
    Known(u64),
    Lazy(Arc<dyn Fn() -> CountFuture + Send + Sync>),
}

impl TotalCount {
    pub fn lazy<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<u64>> + Send + 'static,
    {
        TotalCount::Lazy(Arc::new(move || Box::pin(count())))
    }

    /// A count through a service call with the viewer, run only if `totalCount` is asked for.
    pub fn counted<F, Fut>(services: &Services, principal: &Principal, count: F) -> Self
    where
        F: Fn(Services, Principal) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<u64>> + Send + 'static,
    {
        let (services, principal) = (services.clone(), principal.clone());
        TotalCount::lazy(move || count(services.clone(), principal.clone()))
    }

    pub async fn resolve(&self) -> AppResult<u64> {
        match self {
            TotalCount::Known(n) => Ok(*n),
            TotalCount::Lazy(count) => count().await,
        }
    }
}

/// Where a page sits in its list.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items come before this page.
    pub has_previous_page: bool,
    /// The cursor of the first item of the page, to page backwards with `before`.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of the page, to page forwards with `after`.
    pub end_cursor: Option<String>,
}

impl<T> From<&Page<T>> for PageInfo {
    fn from(page: &Page<T>) -> Self {
        PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.items.first().map(|(cursor, _)| cursor.text()),
            end_cursor: page.items.last().map(|(cursor, _)| cursor.text()),
        }
    }
}

/// Cost of a list without paging arguments (the classification, cooperating units): it counts
/// as a full default page before it runs, so that nesting such lists (an aspect's categories,
/// each category's aspect, …) multiplies the cost instead of adding to it. What such a list
/// answers beyond a page is charged once it has run (`priced_list`).
pub fn list_cost(child_complexity: usize) -> usize {
    page_cost(None, None, child_complexity)
}

/// The items an unpaged list answers, charged for what `list_cost` did not foresee: each item
/// beyond a default page costs the fields selected on it, added to the request's
/// `ListOverage` and taken from the subject's budget after the request has run.
pub fn priced_list<T>(ctx: &async_graphql::Context<'_>, items: Vec<T>) -> Vec<T> {
    let beyond = items.len().saturating_sub(crate::service::pagination::DEFAULT_PAGE_SIZE as usize);
    if beyond > 0
        && let Some(overage) = ctx.data_opt::<std::sync::Arc<crate::graphql::ListOverage>>()
    {
        overage.add(beyond.saturating_mul(selected_fields(ctx.field()).max(1)));
    }
    items
}

/// The fields selected under `field`, at every depth, each counting 1 as in `list_cost`'s
/// child complexity; a connection below counts its page (`first` or `last`, else the default)
/// times its own selection. A nested unpaged list counts once here, and charges its own items
/// beyond a page itself.
fn selected_fields(field: async_graphql::SelectionField<'_>) -> usize {
    field
        .selection_set()
        .map(|child| {
            let page = child
                .arguments()
                .ok()
                .and_then(|arguments| {
                    arguments.into_iter().find(|(name, _)| name == "first" || name == "last").and_then(|(_, value)| {
                        match value {
                            async_graphql::Value::Number(number) => number.as_u64(),
                            _ => None,
                        }
                    })
                })
                .map(|size| size as usize)
                .or_else(|| {
                    let paged = child.selection_set().any(|inner| matches!(inner.name(), "nodes" | "edges"));
                    paged.then_some(crate::service::pagination::DEFAULT_PAGE_SIZE as usize)
                })
                .unwrap_or(1);
            1 + page.saturating_mul(selected_fields(child))
        })
        .sum()
}

/// Cost of a list field for the complexity limit: its page size times its children's cost.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).unwrap_or(crate::service::pagination::DEFAULT_PAGE_SIZE).max(1) as usize;
    size.saturating_mul(child_complexity.max(1))
}

/// Declares `XConnection` and `XEdge` for a node type, with their descriptions.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $connection_doc:tt, $edge_doc:tt) => {
        #[doc = $connection_doc]
        pub struct $connection {
            pub page: $crate::service::pagination::Page<$node>,
            pub total: $crate::graphql::types::connection::TotalCount,
        }

        #[doc = $edge_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Where this item sits, for `after` and `before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        #[doc = $connection_doc]
        #[async_graphql::Object]
        impl $connection {
            /// The items of this page, each with its cursor.
            async fn edges(&self) -> Vec<$edge> {
                self.page
                    .items
                    .iter()
                    .map(|(cursor, node)| $edge { cursor: cursor.text(), node: node.clone() })
                    .collect()
            }

            /// The items of this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                // Borrowed: a copy of every row of the page was made only to be dropped.
                self.page.items.iter().map(|(_, node)| node).collect()
            }

            /// Where this page sits in the list.
            async fn page_info(&self) -> $crate::graphql::types::connection::PageInfo {
                (&self.page).into()
            }

            /// How many items the whole list has, across all pages.
            async fn total_count(&self) -> async_graphql::Result<u64> {
                Ok(self.total.resolve().await?)
            }
        }
    };
}

pub(crate) use connection;
