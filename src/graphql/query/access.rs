//! Who is asking (`viewer`) and the local users (`users`). Two objects, because the SDL
//! lists `Query`'s fields in the order of the merged objects and `users` comes last.

use async_graphql::{Context, Object};

use crate::graphql::context::ContextExt;
use crate::graphql::types::connection::{TotalCount, page_cost};
use crate::graphql::types::department::Viewer;
use crate::graphql::types::user::{User, UserConnection};
use crate::service::pagination::PageArgs;

/// The signed-in user.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The signed-in user, as the token describes them.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(ctx.principal()?.clone()))
    }
}

/// Local users.
#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// Local users (ADMIN only).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_users(principal, &PageArgs { first, after, last, before }).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_users(&p).await });
        Ok(UserConnection { page: page.map(User), total })
    }
}
