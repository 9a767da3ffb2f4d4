//! Inspection rounds and the two-level classification.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{aspect, category, inspection_round};
use rectify_macros::fast_fields;

use super::connection::{connection, list_cost, priced_list};
use super::department::Department;
use super::enums::{InspectionKind, InspectionLevel};
use super::scalars::Date;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::fast_object::fast_object;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::reference_held;

/// One inspection that handed the county a list of problems.
#[derive(Clone)]
pub struct InspectionRound(pub Arc<inspection_round::Model>);

impl From<inspection_round::Model> for InspectionRound {
    fn from(model: inspection_round::Model) -> Self {
        Self(Arc::new(model))
    }
}

fast_object!(InspectionRound, InspectionRoundFields);

/// An inspection round's fields as the schema shows them (see `graphql::fast_object`).
pub struct InspectionRoundFields<'a>(&'a inspection_round::Model);

/// One inspection that handed the county a list of problems.
#[fast_fields]
#[Object(name = "InspectionRound")]
impl InspectionRoundFields<'_> {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::InspectionRound, self.0.id)
    }
    /// The round's name, e.g. "第三轮省级生态环境保护督察".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Central, provincial, municipal or county.
    async fn level(&self) -> InspectionLevel {
        self.0.level.into()
    }
    /// Routine, special or look-back.
    async fn kind(&self) -> InspectionKind {
        self.0.kind.into()
    }
    /// The day the inspection started.
    async fn started_on(&self) -> Date {
        self.0.started_on.into()
    }
    /// The day the inspection team handed over its feedback.
    async fn feedback_on(&self) -> Option<Date> {
        self.0.feedback_on.map(Date)
    }
    /// The feedback document's number.
    async fn document_number(&self) -> Option<&str> {
        self.0.document_number.as_deref()
    }
    /// When the round was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

connection!(
    InspectionRoundConnection,
    InspectionRoundEdge,
    InspectionRound,
    "A page of inspection rounds.",
    "An inspection round in a page, with its cursor."
);

/// The first level of the problem classification ("nine aspects").
#[derive(Clone)]
pub struct Aspect(pub Arc<aspect::Model>);

impl From<aspect::Model> for Aspect {
    fn from(model: aspect::Model) -> Self {
        Self(Arc::new(model))
    }
}

fast_object!(Aspect, AspectFields);

/// An aspect's fields as the schema shows them (see `graphql::fast_object`).
pub struct AspectFields<'a>(&'a aspect::Model);

/// The first level of the problem classification ("nine aspects").
#[fast_fields]
#[Object(name = "Aspect")]
impl AspectFields<'_> {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Aspect, self.0.id)
    }
    /// The aspect's code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The aspect's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The categories under this aspect, ordered by code.
    #[graphql(complexity = "list_cost(child_complexity)")]
    #[finishes_at_once_if(reference_held(ctx))]
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        Ok(priced_list(ctx, ctx.reference()?.categories_of(self.0.id).await?.into_iter().map(Category).collect()))
    }
}

/// The second level of the problem classification, with the department that the county's
/// responsibility-division documents name for it.
#[derive(Clone)]
pub struct Category(pub Arc<category::Model>);

impl From<category::Model> for Category {
    fn from(model: category::Model) -> Self {
        Self(Arc::new(model))
    }
}

fast_object!(Category, CategoryFields);

/// A category's fields as the schema shows them (see `graphql::fast_object`).
pub struct CategoryFields<'a>(&'a category::Model);

/// The second level of the problem classification, with the department that the county's
/// responsibility-division documents name for it.
#[fast_fields]
#[Object(name = "Category")]
impl CategoryFields<'_> {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Category, self.0.id)
    }
    /// The category's code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The category's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The aspect this category belongs to.
    #[finishes_at_once_if(reference_held(ctx))]
    async fn aspect(&self, ctx: &Context<'_>) -> async_graphql::Result<Aspect> {
        let found = ctx.reference()?.aspect(self.0.aspect_id).await?;
        Ok(Aspect(found.ok_or_else(|| AppError::internal(anyhow::anyhow!("category {} has no aspect", self.0.id)))?))
    }
    /// The duty department (职责分工) for problems of this category.
    #[finishes_at_once_if(reference_held(ctx))]
    async fn duty_department(&self, ctx: &Context<'_>) -> async_graphql::Result<Department> {
        let found = ctx.reference()?.department(self.0.duty_department_id).await?;
        Ok(Department(
            found
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("category {} has no duty department", self.0.id)))?,
        ))
    }
}
