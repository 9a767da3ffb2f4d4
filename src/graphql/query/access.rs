//! Who is asking (`viewer`) and the local users (`users`). Two objects, because the SDL
//! lists `Query`'s fields in the order of the merged objects and `users` comes last.

use async_graphql::{Context, Object};
use rectify_macros::connections;

use crate::graphql::context::ContextExt;
use crate::graphql::types::connection::TotalCount;
use crate::graphql::types::department::Viewer;
use crate::graphql::types::user::{User, UserConnection};

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

#[connections]
#[Object]
impl UsersQuery {
    /// Local users (ADMIN only).
    #[paged(page_args)]
    async fn users(&self, ctx: &Context<'_>) -> async_graphql::Result<UserConnection> {
        let (services, principal) = (ctx.services()?, ctx.principal()?);
        let page = services.list_users(principal, &page_args).await?;
        let total = TotalCount::counted(services, principal, move |s, p| async move { s.count_users(&p).await });
        Ok(UserConnection { page: page.map(User), total })
    }
}
