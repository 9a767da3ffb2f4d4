//! Objections during the public notice: recorded and resolved by the bureau.

use async_graphql::{Context, ID, InputObject, Object};

use super::field_work::evidence_ids;
use super::in_input;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::enums::ObjectionOutcome;
use crate::graphql::types::objection::NoticeObjection;
use crate::service::objections::{NewObjection, Resolution};

/// An objection received while an issue's closure is on public notice.
#[derive(InputObject)]
pub struct RecordNoticeObjectionInput {
    /// The issue: `ACCEPTED`, its public notice still running.
    pub issue_id: ID,
    /// Who objected (a resident, a hotline ticket number, a deputy), at most 200 characters.
    pub source: String,
    /// What the objection says.
    pub content: String,
    /// Evidence of the issue that backs the objection (uploaded with `uploadEvidence` first).
    #[graphql(default)]
    pub evidence_ids: Vec<ID>,
}

/// The bureau's resolution of an open objection.
#[derive(InputObject)]
pub struct ResolveNoticeObjectionInput {
    /// The objection.
    pub objection_id: ID,
    /// Dismissed, or upheld (the issue goes back to `IN_PROGRESS`).
    pub outcome: ObjectionOutcome,
    /// Why.
    pub note: Option<String>,
}

super::payload!(RecordNoticeObjectionPayload, objection, NoticeObjection, "The objection recorded.");
super::payload!(ResolveNoticeObjectionPayload, objection, NoticeObjection, "The objection, now resolved.");

#[derive(Default)]
pub struct ObjectionMutation;

#[Object]
impl ObjectionMutation {
    /// Records an objection to an issue's public notice (BUREAU), while the notice runs. Until
    /// it is resolved the issue cannot be closed; the lead department is told.
    async fn record_notice_objection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RecordNoticeObjectionInput,
    ) -> async_graphql::Result<RecordNoticeObjectionPayload> {
        let new = NewObjection {
            issue_id: in_input(ids::expect(&input.issue_id, NodeKind::Issue, "issueId"))?,
            source: input.source,
            content: input.content,
            evidence_ids: evidence_ids(&input.evidence_ids)?,
        };
        let recorded = in_input(ctx.services()?.record_notice_objection(ctx.principal()?, new).await)?;
        Ok(RecordNoticeObjectionPayload { objection: NoticeObjection(recorded) })
    }

    /// Resolves an objection (BUREAU), once: `DISMISSED` lets the closure go ahead, `UPHELD`
    /// sends the issue back to `IN_PROGRESS` and counts as a failed acceptance.
    async fn resolve_notice_objection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: ResolveNoticeObjectionInput,
    ) -> async_graphql::Result<ResolveNoticeObjectionPayload> {
        let resolution = Resolution {
            objection_id: in_input(ids::expect(&input.objection_id, NodeKind::NoticeObjection, "objectionId"))?,
            outcome: input.outcome.into(),
            note: input.note,
        };
        let resolved = in_input(ctx.services()?.resolve_notice_objection(ctx.principal()?, resolution).await)?;
        Ok(ResolveNoticeObjectionPayload { objection: NoticeObjection(resolved) })
    }
}
