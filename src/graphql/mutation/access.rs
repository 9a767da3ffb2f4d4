//! Signing in, users and departments.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{in_input, payload};
use crate::auth::{ClientAddress, Principal};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::department::{Department, Viewer};
use crate::graphql::types::enums::{DepartmentKind, Role};
use crate::graphql::types::user::User;
use crate::service::departments::{DepartmentChanges, NewDepartment};
use crate::service::users::NewUser;

/// A local user's credentials.
#[derive(InputObject)]
pub struct LoginInput {
    /// The sign-in name.
    pub username: String,
    /// The password.
    #[graphql(secret)]
    pub password: String,
}

/// A signed token for the user who logged in.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// Who the token speaks for.
    pub viewer: Viewer,
}

/// A new local user.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The sign-in name: letters, digits, '.', '_', '-' and '@'.
    pub username: String,
    /// At least 12 characters; stored only as an Argon2id hash.
    #[graphql(secret)]
    pub password: String,
    /// The user's role.
    pub role: Role,
    /// The department's code; required for DEPARTMENT users, refused for others.
    pub department_code: Option<String>,
    /// The name shown to people.
    pub display_name: Option<String>,
}

/// A new department or township.
#[derive(InputObject)]
pub struct CreateDepartmentInput {
    /// A short unique code, e.g. `WATER`.
    pub code: String,
    /// The full name.
    pub name: String,
    /// Bureau, functional department or township.
    pub kind: DepartmentKind,
    /// The head of the department.
    pub head_name: Option<String>,
}

/// Changes to a department; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateDepartmentInput {
    /// The department.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (CONFLICT).
    pub expected_version: i32,
    /// The new name.
    pub name: Option<String>,
    /// The new head (an empty string clears it).
    pub head_name: Option<String>,
    /// Deactivate (false) or reactivate (true).
    pub active: Option<bool>,
}

/// A local user to deactivate.
#[derive(InputObject)]
pub struct DeactivateUserInput {
    /// The user.
    pub user_id: ID,
}

/// A local user to reactivate.
#[derive(InputObject)]
pub struct ReactivateUserInput {
    /// The user.
    pub user_id: ID,
}

payload!(CreateUserPayload, user, User, "The user just created.");
payload!(DeactivateUserPayload, user, User, "The user, now inactive.");
payload!(ReactivateUserPayload, user, User, "The user, active again.");
payload!(CreateDepartmentPayload, department, Department, "The department just created.");
payload!(UpdateDepartmentPayload, department, Department, "The department as changed.");

#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Signs in a local user and returns a token (works without a token). Priced above half
    /// the default cost limit, so that one request cannot try two passwords.
    #[graphql(complexity = "crate::service::cost_budget::LOGIN_COST as usize")]
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let services = ctx.services()?;
        let client = ctx.data_opt::<ClientAddress>().copied().unwrap_or_default().0;
        let (token, user) = in_input(services.login(&input.username, &input.password, client).await)?;
        let viewer = Viewer(Principal {
            sub: user.username,
            name: user.display_name,
            role: user.role,
            department_id: user.department_id,
        });
        Ok(LoginPayload { token: token.token, expires_at: token.expires_at, viewer })
    }

    /// Creates a local user (ADMIN).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let new = NewUser {
            username: input.username,
            password: input.password,
            role: input.role.into(),
            department_code: input.department_code,
            display_name: input.display_name,
        };
        let user = in_input(ctx.services()?.create_user(ctx.principal()?, new).await)?;
        Ok(CreateUserPayload { user: User(user) })
    }

    /// Deactivates a local user (ADMIN): the user can no longer log in, and every token
    /// `login` gave the user stops working at once (on other servers of the same database
    /// within 5 s). Tokens signed by `rectify token` or an identity provider name no local
    /// user and are not affected.
    /// Tokens issued before the deactivation stay refused after a reactivation. You cannot
    /// deactivate yourself.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DeactivateUserInput,
    ) -> async_graphql::Result<DeactivateUserPayload> {
        let id = in_input(ids::expect(&input.user_id, NodeKind::User, "userId"))?;
        let user = in_input(ctx.services()?.set_user_active(ctx.principal()?, id, false).await)?;
        Ok(DeactivateUserPayload { user: User(user) })
    }

    /// Reactivates a local user (ADMIN): the user may log in again; tokens issued before the
    /// deactivation stay refused.
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: ReactivateUserInput,
    ) -> async_graphql::Result<ReactivateUserPayload> {
        let id = in_input(ids::expect(&input.user_id, NodeKind::User, "userId"))?;
        let user = in_input(ctx.services()?.set_user_active(ctx.principal()?, id, true).await)?;
        Ok(ReactivateUserPayload { user: User(user) })
    }

    /// Creates a department or township (ADMIN, BUREAU).
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateDepartmentInput,
    ) -> async_graphql::Result<CreateDepartmentPayload> {
        let new =
            NewDepartment { code: input.code, name: input.name, kind: input.kind.into(), head_name: input.head_name };
        let department = in_input(ctx.services()?.create_department(ctx.principal()?, new).await)?;
        Ok(CreateDepartmentPayload { department: Department::from(department) })
    }

    /// Renames, re-heads, deactivates or reactivates a department (ADMIN, BUREAU).
    async fn update_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: UpdateDepartmentInput,
    ) -> async_graphql::Result<UpdateDepartmentPayload> {
        let id = in_input(ids::expect(&input.id, NodeKind::Department, "id"))?;
        let changes = DepartmentChanges {
            id,
            expected_version: input.expected_version,
            name: input.name,
            head_name: input.head_name,
            active: input.active,
        };
        let department = in_input(ctx.services()?.update_department(ctx.principal()?, changes).await)?;
        Ok(UpdateDepartmentPayload { department: Department::from(department) })
    }
}
