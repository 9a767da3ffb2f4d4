//! The leaders' instruments: written instructions and their replies, and rulings on the
//! lead departments' disputes of their assignments.

use async_graphql::{Context, ID, InputObject, Object};

use super::field_work::request_key;
use super::in_input;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::dispute::AssignmentDispute;
use crate::graphql::types::enums::DisputeDecision;
use crate::graphql::types::instruction::Instruction;
use crate::graphql::types::scalars::Date;
use crate::service::disputes::{NewDispute, Ruling};
use crate::service::instructions::{InstructionReply, NewInstruction};

/// A leader's written instruction to the lead department of an issue.
#[derive(InputObject)]
pub struct PostInstructionInput {
    /// The issue: assigned, and not closed.
    pub issue_id: ID,
    /// What the leader instructs.
    pub text: String,
    /// The last day for the department to answer (today or later).
    pub reply_by: Date,
}

/// The addressed department's answer to an instruction.
#[derive(InputObject)]
pub struct ReplyToInstructionInput {
    /// The instruction.
    pub instruction_id: ID,
    /// The answer: what was done or will be done, by when.
    pub reply: String,
    /// Any string of 1–255 characters unique to this request; a retry with it answers once.
    pub idempotency_key: Option<String>,
}

/// The lead department's dispute of its assignment to an issue.
#[derive(InputObject)]
pub struct DisputeAssignmentInput {
    /// The issue, `ASSIGNED` or `IN_PROGRESS`, that the viewer's department leads.
    pub issue_id: ID,
    /// Why the department believes it was wrongly made lead.
    pub reason: String,
    /// The department it proposes as lead instead, if it has one in mind.
    pub proposed_lead_department_id: Option<ID>,
}

/// A leader's ruling on an open dispute.
#[derive(InputObject)]
pub struct RuleOnDisputeInput {
    /// The dispute.
    pub dispute_id: ID,
    /// Uphold the assignment, or reassign the issue.
    pub decision: DisputeDecision,
    /// For `REASSIGN`: the new lead department (the proposed one if left out). Every rule of
    /// `assignIssue` applies (the bureau leads only where its duties say so).
    pub lead_department_id: Option<ID>,
    /// What the leader writes with the ruling.
    pub note: Option<String>,
}

super::payload!(DisputeAssignmentPayload, dispute, AssignmentDispute, "The dispute raised.");
super::payload!(RuleOnDisputePayload, dispute, AssignmentDispute, "The dispute, now ruled on.");
super::payload!(PostInstructionPayload, instruction, Instruction, "The instruction posted.");
super::payload!(ReplyToInstructionPayload, instruction, Instruction, "The instruction, now answered.");

#[derive(Default)]
pub struct LeadershipMutation;

#[Object]
impl LeadershipMutation {
    /// Posts a written instruction (批示) to the issue's lead department (LEADER: the leader in
    /// charge of the issue, or any leader where `RECTIFY_INSTRUCTIONS_BY_ANY_LEADER` is on or
    /// no leader is linked). It lands in the department's inbox and in the issue's history.
    async fn post_instruction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: PostInstructionInput,
    ) -> async_graphql::Result<PostInstructionPayload> {
        let new = NewInstruction {
            issue_id: in_input(ids::expect(&input.issue_id, NodeKind::Issue, "issueId"))?,
            text: input.text,
            reply_by: input.reply_by.0,
        };
        let posted = in_input(ctx.services()?.post_instruction(ctx.principal()?, new).await)?;
        Ok(PostInstructionPayload { instruction: Instruction(posted) })
    }

    /// Answers an instruction, once (the DEPARTMENT it is addressed to). The answer is an event
    /// in the issue's history and lands in the inbox of the leader who posted it.
    async fn reply_to_instruction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: ReplyToInstructionInput,
    ) -> async_graphql::Result<ReplyToInstructionPayload> {
        let reply = InstructionReply {
            instruction_id: in_input(ids::expect(&input.instruction_id, NodeKind::Instruction, "instructionId"))?,
            reply: input.reply,
        };
        let key = request_key(input.idempotency_key.as_deref(), "replyToInstruction", &reply)?;
        let answered = in_input(ctx.services()?.reply_to_instruction(ctx.principal()?, reply, key).await)?;
        Ok(ReplyToInstructionPayload { instruction: Instruction(answered) })
    }

    /// Disputes the viewer's department's assignment as lead of an issue (DEPARTMENT, the lead
    /// only), within `RECTIFY_DISPUTE_DAYS` of the assignment and once per assignment. The
    /// deadline keeps running; leaders and the bureau are notified.
    async fn dispute_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DisputeAssignmentInput,
    ) -> async_graphql::Result<DisputeAssignmentPayload> {
        let new = NewDispute {
            issue_id: in_input(ids::expect(&input.issue_id, NodeKind::Issue, "issueId"))?,
            reason: input.reason,
            proposed_lead_department_id: in_input(ids::expect_opt(
                input.proposed_lead_department_id.as_ref(),
                NodeKind::Department,
                "proposedLeadDepartmentId",
            ))?,
        };
        let raised = in_input(ctx.services()?.dispute_assignment(ctx.principal()?, new).await)?;
        Ok(DisputeAssignmentPayload { dispute: AssignmentDispute(raised) })
    }

    /// Rules on an open dispute (LEADER): `UPHOLD` keeps the assignment, `REASSIGN` makes
    /// another department lead, with the deadline moved by the days the dispute took.
    async fn rule_on_dispute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RuleOnDisputeInput,
    ) -> async_graphql::Result<RuleOnDisputePayload> {
        let ruling = Ruling {
            dispute_id: in_input(ids::expect(&input.dispute_id, NodeKind::AssignmentDispute, "disputeId"))?,
            decision: input.decision.into(),
            lead_department_id: in_input(ids::expect_opt(
                input.lead_department_id.as_ref(),
                NodeKind::Department,
                "leadDepartmentId",
            ))?,
            note: input.note,
        };
        let ruled = in_input(ctx.services()?.rule_on_dispute(ctx.principal()?, ruling).await)?;
        Ok(RuleOnDisputePayload { dispute: AssignmentDispute(ruled) })
    }
}
