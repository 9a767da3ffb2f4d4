//! The assessment (BUREAU).

use async_graphql::{Context, ID, InputObject, Object};

use super::{in_input, payload};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::assessment::{AssessmentPeriod, ScoringRulesInput};
use crate::graphql::types::scalars::Date;
use crate::service::assessment::{NewPeriod, RulesUpdate, VetoInput};

/// A new assessment period.
#[derive(InputObject)]
pub struct CreateAssessmentPeriodInput {
    /// The period's name.
    pub name: String,
    /// The first day.
    pub starts_on: Date,
    /// The last day.
    pub ends_on: Date,
    /// The scoring rules; fields left out take the defaults of the domain.
    pub rules: Option<ScoringRulesInput>,
}

/// New rules for an open period.
#[derive(InputObject)]
pub struct UpdateScoringRulesInput {
    /// The period.
    pub period_id: ID,
    /// The version you last read (CONFLICT when the rules changed since).
    pub expected_version: i32,
    /// The whole new rule set; fields left out take the defaults of the domain.
    pub rules: ScoringRulesInput,
}

/// A manual veto of a department, with its written reason.
#[derive(InputObject)]
pub struct VetoDepartmentInput {
    /// The period.
    pub period_id: ID,
    /// The department.
    pub department_id: ID,
    /// Why: a major environmental incident, falsified data …
    pub reason: String,
}

/// A period to compute.
#[derive(InputObject)]
pub struct ComputeAssessmentInput {
    /// The period.
    pub period_id: ID,
}

/// A period to freeze.
#[derive(InputObject)]
pub struct FinalizeAssessmentPeriodInput {
    /// The period.
    pub period_id: ID,
}

payload!(CreateAssessmentPeriodPayload, assessment_period, AssessmentPeriod, "The period just created.");
payload!(
    UpdateScoringRulesPayload,
    assessment_period,
    AssessmentPeriod,
    "The period with its new rules (and refreshed results)."
);
payload!(VetoDepartmentPayload, assessment_period, AssessmentPeriod, "The period with refreshed results.");
payload!(ComputeAssessmentPayload, assessment_period, AssessmentPeriod, "The period with fresh results.");
payload!(FinalizeAssessmentPeriodPayload, assessment_period, AssessmentPeriod, "The period, now frozen.");

fn period_id(id: &ID) -> AppResult<i64> {
    in_input(ids::expect(id, NodeKind::AssessmentPeriod, "periodId"))
}

#[derive(Default)]
pub struct AssessmentMutation;

#[Object]
impl AssessmentMutation {
    /// Creates an assessment period with its rules (BUREAU).
    async fn create_assessment_period(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateAssessmentPeriodInput,
    ) -> async_graphql::Result<CreateAssessmentPeriodPayload> {
        let new = NewPeriod {
            name: input.name,
            starts_on: input.starts_on.0,
            ends_on: input.ends_on.0,
            rules: input.rules.unwrap_or_default().into_rules(),
        };
        let period = in_input(ctx.services()?.create_period(ctx.principal()?, new).await)?;
        Ok(CreateAssessmentPeriodPayload { assessment_period: AssessmentPeriod(period) })
    }

    /// Replaces an open period's rules (BUREAU); computed results are refreshed.
    async fn update_scoring_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: UpdateScoringRulesInput,
    ) -> async_graphql::Result<UpdateScoringRulesPayload> {
        let update = RulesUpdate {
            period_id: period_id(&input.period_id)?,
            expected_version: input.expected_version,
            rules: input.rules.into_rules(),
        };
        let period = in_input(ctx.services()?.update_rules(ctx.principal()?, update).await)?;
        Ok(UpdateScoringRulesPayload { assessment_period: AssessmentPeriod(period) })
    }

    /// Vetoes a department for the period with a written reason (BUREAU); results are refreshed.
    async fn veto_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: VetoDepartmentInput,
    ) -> async_graphql::Result<VetoDepartmentPayload> {
        let veto = VetoInput {
            period_id: period_id(&input.period_id)?,
            department_id: in_input(ids::expect(&input.department_id, NodeKind::Department, "departmentId"))?,
            reason: input.reason,
        };
        let period = in_input(ctx.services()?.veto_department(ctx.principal()?, veto).await)?;
        Ok(VetoDepartmentPayload { assessment_period: AssessmentPeriod(period) })
    }

    /// Scores every active department from the recorded history (BUREAU); refused once finalized.
    async fn compute_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: ComputeAssessmentInput,
    ) -> async_graphql::Result<ComputeAssessmentPayload> {
        let period =
            in_input(ctx.services()?.compute_assessment(ctx.principal()?, period_id(&input.period_id)?).await)?;
        Ok(ComputeAssessmentPayload { assessment_period: AssessmentPeriod(period) })
    }

    /// Computes one last time, then freezes the results and the rules (BUREAU).
    async fn finalize_assessment_period(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: FinalizeAssessmentPeriodInput,
    ) -> async_graphql::Result<FinalizeAssessmentPeriodPayload> {
        let period = in_input(ctx.services()?.finalize_period(ctx.principal()?, period_id(&input.period_id)?).await)?;
        Ok(FinalizeAssessmentPeriodPayload { assessment_period: AssessmentPeriod(period) })
    }
}
