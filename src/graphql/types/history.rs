//! What verifying the histories answers: broken links and seals, and proofs.

use async_graphql::{Enum, ID, SimpleObject};

use crate::graphql::ids::{NodeKind, encode};
use crate::service::history_chain::{BrokenLink, ChainKind, ChainReport};

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

/// A sealed monthly report whose root the database no longer gives: some chain's events were
/// changed after the report was sealed.
#[derive(SimpleObject, Debug, Clone)]
pub struct BrokenSeal {
    /// The report's month, `YYYY-MM`.
    pub month: String,
    /// The root the report sealed.
    pub sealed_root: String,
    /// The root the database gives now.
    pub recomputed_root: String,
}

/// What checks one issue's history against a sealed monthly report, offline.
#[derive(SimpleObject, Debug, Clone)]
pub struct HistoryProof {
    /// The report's month.
    pub month: String,
    /// The sealed root the proof leads to.
    pub root: String,
    /// The issue's chain head at the month's end.
    pub leaf: String,
    /// The whole proof as a JSON document: save it to a file and check it with
    /// `rectify verify --proof FILE --public-key KEY` (the format is in the docs).
    pub document: String,
}

/// What a verification of the hash chains found.
#[derive(SimpleObject, Debug, Clone)]
pub struct HistoryVerification {
    /// Whether every chain verified holds, and (for the whole history) every sealed report.
    pub holds: bool,
    /// The first sealed report the database no longer matches (whole history only).
    pub broken_seal: Option<BrokenSeal>,
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
            holds: report.holds(),
            broken_seal: report.broken_seal.map(|seal| BrokenSeal {
                month: seal.month,
                sealed_root: seal.sealed_root,
                recomputed_root: seal.recomputed_root,
            }),
            issue_events: report.issue_events,
            case_events: report.case_events,
            first_broken: report.first_broken.map(Into::into),
        }
    }
}
