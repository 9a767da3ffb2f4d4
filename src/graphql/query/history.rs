//! Verifying the hash chains of the histories.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind, encode};
use crate::service::history_chain::{BrokenLink, ChainKind, ChainReport, ChainScope};

/// Which history a chain is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::history_chain::ChainKind")]
pub enum HistoryKind {
    /// An issue's events.
    Issue,
    /// An accountability case's events.
    Case,
}

/// The first event whose stored hash is not the one its chain gives: it, or an event before
/// it in the same chain, was changed after it was written.
#[derive(SimpleObject, Debug, Clone)]
pub struct BrokenHistoryLink {
    /// An issue's chain or a case's.
    pub kind: HistoryKind,
    /// The issue or case.
    pub owner_id: ID,
    /// The event (an `IssueEvent` or `CaseEvent` id).
    pub event_id: ID,
    /// Its hash as the events before it and its own fields give it.
    pub expected: String,
    /// Its hash as stored; null when none is.
    pub stored: Option<String>,
}

impl From<BrokenLink> for BrokenHistoryLink {
    fn from(link: BrokenLink) -> Self {
        let (owner, event) = match link.kind {
            ChainKind::Issue => (NodeKind::Issue, NodeKind::IssueEvent),
            ChainKind::Case => (NodeKind::AccountabilityCase, NodeKind::CaseEvent),
        };
        Self {
            kind: link.kind.into(),
            owner_id: encode(owner, link.owner_id),
            event_id: encode(event, link.event_id),
            expected: link.expected,
            stored: link.stored,
        }
    }
}

/// What a verification of the hash chains found.
#[derive(SimpleObject, Debug, Clone)]
pub struct HistoryVerification {
    /// Whether every chain verified holds.
    pub holds: bool,
    /// Issue events checked (up to the first broken link).
    pub issue_events: u64,
    /// Case events checked (up to the first broken link).
    pub case_events: u64,
    /// The first broken link, issue chains before case chains, in event order; null when every
    /// chain holds.
    pub first_broken: Option<BrokenHistoryLink>,
}

impl From<ChainReport> for HistoryVerification {
    fn from(report: ChainReport) -> Self {
        Self {
            holds: report.first_broken.is_none(),
            issue_events: report.issue_events,
            case_events: report.case_events,
            first_broken: report.first_broken.map(Into::into),
        }
    }
}

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
}
