//! The new-project gate: project applications registered and decided by the bureau, and the
//! leaders' instructions that let a blocked one through.

use async_graphql::{Context, ID, InputObject, Object};

use super::field_work::request_key;
use super::in_input;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::project::{ProjectApplication, ProjectDecision, ProjectInstruction};
use crate::graphql::types::scalars::Decimal;
use crate::service::project_gate::{ApplicationDecision, NewProjectApplication};

/// A project application to register.
#[derive(InputObject)]
pub struct RegisterProjectApplicationInput {
    /// The project's name (at most 200 characters).
    pub name: String,
    /// The enterprise that applies.
    pub enterprise_id: ID,
    /// The township (an active TOWNSHIP department) where the project would be built.
    pub township_id: ID,
    /// The industry, as the approving office records it (at most 100 characters).
    pub industry: String,
    /// The planned investment in yuan, more than zero.
    pub investment: Decimal,
    /// What the project is.
    pub description: String,
    /// Any string of 1–255 characters unique to this request; a retry with it registers once.
    pub idempotency_key: Option<String>,
}

/// A leader's instruction on a pending project application.
#[derive(InputObject)]
pub struct PostProjectInstructionInput {
    /// The application, still pending.
    pub application_id: ID,
    /// What the leader instructs.
    pub text: String,
}

/// The bureau's decision on a pending project application.
#[derive(InputObject)]
pub struct DecideProjectApplicationInput {
    /// The application, still pending.
    pub application_id: ID,
    /// Approve or refuse.
    pub decision: ProjectDecision,
    /// The reasons, kept with the decision.
    pub note: String,
    /// A leader's instruction on this application: required to approve while the gate is
    /// blocked, and kept with any decision that cites one.
    pub instruction_id: Option<ID>,
}

super::payload!(RegisterProjectApplicationPayload, application, ProjectApplication, "The application registered.");
super::payload!(PostProjectInstructionPayload, instruction, ProjectInstruction, "The instruction posted.");
super::payload!(DecideProjectApplicationPayload, application, ProjectApplication, "The application, now decided.");

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Registers a project application at the new-project gate (BUREAU, on behalf of the
    /// approving office). The gate is read from the ledger whenever the application is read;
    /// the history starts with `REGISTERED`.
    async fn register_project_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RegisterProjectApplicationInput,
    ) -> async_graphql::Result<RegisterProjectApplicationPayload> {
        let new = NewProjectApplication {
            name: input.name,
            enterprise_id: in_input(ids::expect(&input.enterprise_id, NodeKind::Enterprise, "enterpriseId"))?,
            township_id: in_input(ids::expect(&input.township_id, NodeKind::Department, "townshipId"))?,
            industry: input.industry,
            investment: input.investment.0,
            description: input.description,
        };
        let key = request_key(input.idempotency_key.as_deref(), "registerProjectApplication", &new)?;
        let application = in_input(ctx.services()?.register_project_application(ctx.principal()?, new, key).await)?;
        Ok(RegisterProjectApplicationPayload { application: ProjectApplication(application) })
    }

    /// Posts a written instruction (批示) on a pending project application (any LEADER). A
    /// decision approving the application over a blocked gate must cite one.
    async fn post_project_instruction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: PostProjectInstructionInput,
    ) -> async_graphql::Result<PostProjectInstructionPayload> {
        let application_id =
            in_input(ids::expect(&input.application_id, NodeKind::ProjectApplication, "applicationId"))?;
        let services = ctx.services()?;
        let posted = in_input(services.post_project_instruction(ctx.principal()?, application_id, &input.text).await)?;
        Ok(PostProjectInstructionPayload { instruction: ProjectInstruction(posted) })
    }

    /// Approves or refuses a pending project application (BUREAU). The gate is read again and
    /// kept with the decision (`gateAtDecision`); approving while it is blocked is refused with
    /// `BAD_USER_INPUT` on `instructionId` unless a leader's instruction on the application is
    /// cited.
    async fn decide_project_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DecideProjectApplicationInput,
    ) -> async_graphql::Result<DecideProjectApplicationPayload> {
        let decision = ApplicationDecision {
            application_id: in_input(ids::expect(
                &input.application_id,
                NodeKind::ProjectApplication,
                "applicationId",
            ))?,
            decision: input.decision.into(),
            note: input.note,
            instruction_id: in_input(ids::expect_opt(
                input.instruction_id.as_ref(),
                NodeKind::ProjectInstruction,
                "instructionId",
            ))?,
        };
        let application = in_input(ctx.services()?.decide_project_application(ctx.principal()?, decision).await)?;
        Ok(DecideProjectApplicationPayload { application: ProjectApplication(application) })
    }
}
