//! Inspection rounds and the classification (BUREAU).

use async_graphql::{Context, ID, InputObject, Object};

use super::{in_input, payload};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::catalog::{Aspect, Category, InspectionRound};
use crate::graphql::types::enums::{InspectionKind, InspectionLevel};
use crate::graphql::types::scalars::Date;
use crate::service::catalog::{NewCategory, NewRound};

/// A new inspection round.
#[derive(InputObject)]
pub struct CreateInspectionRoundInput {
    /// The round's name.
    pub name: String,
    /// Central, provincial, municipal or county.
    pub level: InspectionLevel,
    /// Routine, special or look-back.
    pub kind: InspectionKind,
    /// The day the inspection started.
    pub started_on: Date,
    /// The day the team handed over its feedback (not before `startedOn`).
    pub feedback_on: Option<Date>,
    /// The feedback document's number.
    pub document_number: Option<String>,
}

/// A new aspect of the classification.
#[derive(InputObject)]
pub struct CreateAspectInput {
    /// A short unique code.
    pub code: String,
    /// The aspect's name.
    pub name: String,
}

/// A new category under an aspect.
#[derive(InputObject)]
pub struct CreateCategoryInput {
    /// The aspect it belongs to.
    pub aspect_id: ID,
    /// A short unique code.
    pub code: String,
    /// The category's name.
    pub name: String,
    /// The department the responsibility-division documents name for it.
    pub duty_department_id: ID,
}

payload!(CreateInspectionRoundPayload, inspection_round, InspectionRound, "The inspection round just created.");
payload!(CreateAspectPayload, aspect, Aspect, "The aspect just created.");
payload!(CreateCategoryPayload, category, Category, "The category just created.");

#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Records an inspection round (BUREAU).
    async fn create_inspection_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateInspectionRoundInput,
    ) -> async_graphql::Result<CreateInspectionRoundPayload> {
        let new = NewRound {
            name: input.name,
            level: input.level.into(),
            kind: input.kind.into(),
            started_on: input.started_on.0,
            feedback_on: input.feedback_on.map(|d| d.0),
            document_number: input.document_number,
        };
        let round = in_input(ctx.services()?.create_round(ctx.principal()?, new).await)?;
        Ok(CreateInspectionRoundPayload { inspection_round: InspectionRound::from(round) })
    }

    /// Adds an aspect to the classification (BUREAU).
    async fn create_aspect(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateAspectInput,
    ) -> async_graphql::Result<CreateAspectPayload> {
        let aspect = in_input(ctx.services()?.create_aspect(ctx.principal()?, &input.code, &input.name).await)?;
        Ok(CreateAspectPayload { aspect: Aspect::from(aspect) })
    }

    /// Adds a category with its duty department (BUREAU).
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateCategoryInput,
    ) -> async_graphql::Result<CreateCategoryPayload> {
        let new = NewCategory {
            aspect_id: in_input(ids::expect(&input.aspect_id, NodeKind::Aspect, "aspectId"))?,
            code: input.code,
            name: input.name,
            duty_department_id: in_input(ids::expect(
                &input.duty_department_id,
                NodeKind::Department,
                "dutyDepartmentId",
            ))?,
        };
        let category = in_input(ctx.services()?.create_category(ctx.principal()?, new).await)?;
        Ok(CreateCategoryPayload { category: Category::from(category) })
    }
}
