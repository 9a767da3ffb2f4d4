//! The leaders' instruments: written instructions and their replies.

use async_graphql::{Context, ID, InputObject, Object};

use super::field_work::request_key;
use super::in_input;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::instruction::Instruction;
use crate::graphql::types::scalars::Date;
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
}
