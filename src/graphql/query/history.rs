//! Verifying the hash chains of the histories.

use async_graphql::{Context, ID, Object};

use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::history::{HistoryProof, HistoryVerification};
use crate::service::history_chain::ChainScope;

/// Verification of the histories.
#[derive(Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// Recomputes the hash chains from the stored events and names the first broken link
    /// (BUREAU, LEADER, SUPERIOR): every chain, or one issue's or one case's. The same check
    /// as `rectify verify`.
    #[graphql(complexity = "5000 + child_complexity")]
    async fn verify_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this issue's chain.")] issue_id: Option<ID>,
        #[graphql(desc = "Only this case's chain.")] case_id: Option<ID>,
    ) -> async_graphql::Result<HistoryVerification> {
        let scope = ChainScope {
            issue_id: ids::expect_opt(issue_id.as_ref(), NodeKind::Issue, "issueId")?,
            case_id: ids::expect_opt(case_id.as_ref(), NodeKind::AccountabilityCase, "caseId")?,
        };
        Ok(ctx.services()?.verify_history(Some(ctx.principal()?), scope).await?.into())
    }

    /// What checks one issue's history against a sealed monthly report without trusting the
    /// county's database (BUREAU, LEADER, SUPERIOR): its events to the month's end, the chain,
    /// the Merkle path and the signed root.
    #[graphql(complexity = "1000 + child_complexity")]
    async fn history_proof(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue.")] issue_id: ID,
        #[graphql(desc = "A sealed monthly report.")] monthly_report_id: ID,
    ) -> async_graphql::Result<HistoryProof> {
        let issue_id = ids::expect(&issue_id, NodeKind::Issue, "issueId")?;
        let report_id = ids::expect(&monthly_report_id, NodeKind::MonthlyReport, "monthlyReportId")?;
        let proof = ctx.services()?.history_proof(ctx.principal()?, issue_id, report_id).await?;
        Ok(HistoryProof {
            month: proof.month.clone(),
            root: proof.root.clone(),
            leaf: proof.leaf.clone(),
            document: serde_json::to_string_pretty(&proof).map_err(crate::error::AppError::internal)?,
        })
    }
}
