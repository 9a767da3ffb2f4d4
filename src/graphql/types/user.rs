//! Local users.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::user;

use super::connection::connection;
use super::department::Department;
use super::enums::Role;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};

/// A local user who signs in with `login` (for counties without an identity provider).
#[derive(Clone)]
pub struct User(pub user::Model);

/// A local user who signs in with `login` (for counties without an identity provider).
#[Object]
impl User {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::User, self.0.id)
    }
    /// The sign-in name; also the `sub` of the user's tokens.
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// The name shown to people.
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }
    /// The user's role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The user's department (DEPARTMENT users only).
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        let Some(id) = self.0.department_id else { return Ok(None) };
        Ok(ctx.reference()?.department(id).await?.map(Department))
    }
    /// Inactive users cannot sign in.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

connection!(UserConnection, UserEdge, User, "A page of users.", "A user in a page, with its cursor.");

/// The LEADER user in charge of an issue, as every reader of the issue sees them: who, not
/// the account (a `User` is for ADMIN only).
#[derive(async_graphql::SimpleObject)]
pub struct LeaderInCharge {
    /// The user's global id: `IssueFilter.leaderId` takes it, and it is `viewer.userId` for the
    /// leader themselves.
    pub id: ID,
    /// The sign-in name; also the `sub` of the leader's tokens.
    pub username: String,
    /// The name shown to people.
    pub display_name: Option<String>,
}

impl From<user::Model> for LeaderInCharge {
    fn from(user: user::Model) -> Self {
        Self { id: encode(NodeKind::User, user.id), username: user.username, display_name: user.display_name }
    }
}
