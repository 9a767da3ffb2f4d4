//! Departments and the viewer.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::department;
use rectify_macros::{connections, fast_fields};

use super::connection::connection;
use super::enums::{DepartmentKind, Role};
use crate::auth::Principal;
use crate::graphql::context::ContextExt;
use crate::graphql::fast_object::fast_object;
use crate::graphql::ids::{NodeKind, encode};

/// A responsible unit: the coordinating bureau, a functional department or a township.
#[derive(Clone)]
pub struct Department(pub Arc<department::Model>);

impl From<department::Model> for Department {
    fn from(model: department::Model) -> Self {
        Self(Arc::new(model))
    }
}

fast_object!(Department, DepartmentFields);

/// A department's fields as the schema shows them (see `graphql::fast_object`).
pub struct DepartmentFields<'a>(&'a department::Model);

/// A responsible unit: the coordinating bureau, a functional department or a township.
#[fast_fields]
#[Object(name = "Department")]
impl DepartmentFields<'_> {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Department, self.0.id)
    }
    /// The short code used in tokens (`dept` claim) and documents, e.g. `WATER`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Bureau, functional department or township.
    async fn kind(&self) -> DepartmentKind {
        self.0.kind.into()
    }
    /// The head of the department, if recorded.
    async fn head_name(&self) -> Option<&str> {
        self.0.head_name.as_deref()
    }
    /// Inactive departments keep their history but take no new work.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Increases with every change; pass it as `expectedVersion` when editing.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the department was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the department last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

connection!(
    DepartmentConnection,
    DepartmentEdge,
    Department,
    "A page of departments.",
    "A department in a page, with its cursor."
);

/// Who is asking: the principal behind the request's token.
pub struct Viewer(pub Principal);

/// Who is asking: the principal behind the request's token.
#[connections]
#[Object]
impl Viewer {
    /// The token's subject (`sub`), recorded on every event this viewer causes.
    async fn subject(&self) -> &str {
        &self.0.sub
    }
    /// The display name from the token, if any.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// The viewer's role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The id of the local user the token's subject names, if it names one (tokens of an
    /// identity provider may not): a leader's own issues are `IssueFilter.leaderId` of it.
    async fn user_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        let found = ctx.services()?.user_id_of_subject(&self.0.sub).await?;
        Ok(found.map(|id| encode(NodeKind::User, id)))
    }
    /// The viewer's department (DEPARTMENT role only).
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        let Some(id) = self.0.department_id else { return Ok(None) };
        Ok(ctx.reference()?.department(id).await?.map(Department))
    }
    /// What waits on the viewer or the viewer's department, the most pressing first: by the
    /// day it is due (overdue first; items no day is set for last), then the longest waiting.
    /// An item is listed while the viewer may take its step (`Issue.viewerCan` says the same
    /// of the issue); once taken, it leaves the list.
    #[paged(page_args)]
    async fn todo(&self, ctx: &Context<'_>) -> async_graphql::Result<super::todo::TodoConnection> {
        let todo = ctx.services()?.todo(&self.0, &page_args).await?;
        Ok(super::todo::TodoConnection {
            page: todo.page.map(super::todo::TodoItem),
            total: super::connection::TotalCount::Known(todo.total),
        })
    }
    /// How many to-do items of each kind wait on the viewer, every kind listed (zero where
    /// none waits), for badges.
    async fn todo_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::todo::TodoCount>> {
        let items = ctx.services()?.todo_items(&self.0).await?;
        Ok(crate::service::todo::TodoKind::ALL
            .iter()
            .map(|kind| super::todo::TodoCount {
                kind: (*kind).into(),
                count: items.iter().filter(|item| item.kind == *kind).count() as u64,
            })
            .collect())
    }
}
