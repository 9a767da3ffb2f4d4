//! The hash chains of the histories (`entity::chain`): linking each new event to the head of
//! its issue's or case's chain as it is written, reading the heads, and verifying every
//! chain from the database, streamed a page at a time.

use std::collections::HashMap;

use entity::chain::{GENESIS, case_event_fields, from_hex, issue_event_fields, link, to_hex};
use entity::{case_event, issue_event};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Services;
use super::policy::{Action, authorize};
use crate::auth::Principal;
use crate::error::AppResult;

/// Events read at a time while verifying.
const PAGE: u64 = 5_000;

/// Which history a chain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChainKind {
    Issue,
    Case,
}

/// The first event whose stored hash is not the one its chain gives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokenLink {
    pub kind: ChainKind,
    /// The row id of the issue or case.
    pub owner_id: i64,
    /// The row id of the event.
    pub event_id: i64,
    /// What its hash should be, given the events before it.
    pub expected: String,
    /// What is stored (`null` when nothing is).
    pub stored: Option<String>,
}

/// What a verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    pub issue_events: u64,
    pub case_events: u64,
    /// The first broken link of issue chains then case chains, by event id; `None` when every
    /// chain holds.
    pub first_broken: Option<BrokenLink>,
    /// The first sealed monthly report whose root the database no longer gives (checked when
    /// every chain holds and the whole history is verified).
    pub broken_seal: Option<BrokenSeal>,
}

/// A sealed report that the database no longer matches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokenSeal {
    pub month: String,
    pub sealed_root: String,
    pub recomputed_root: String,
}

impl ChainReport {
    pub fn holds(&self) -> bool {
        self.first_broken.is_none() && self.broken_seal.is_none()
    }
}

/// Which chains to verify.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChainScope {
    pub issue_id: Option<i64>,
    pub case_id: Option<i64>,
}

/// An event as verification reads it.
struct Linked {
    event_id: i64,
    owner_id: i64,
    fields: serde_json::Value,
    stored: Option<String>,
}

/// The hash a new event follows: the head of its chain, or the genesis for the first (or for
/// a head that is unreadable, which verification reports).
fn previous(heads: &HashMap<i64, [u8; 32]>, owner: i64) -> [u8; 32] {
    heads.get(&owner).copied().unwrap_or(GENESIS)
}

/// Links issue events about to be written (in order) to their chains, moving the heads on.
pub(crate) fn link_issue_events(heads: &mut HashMap<i64, [u8; 32]>, events: &mut [issue_event::Model]) {
    for event in events {
        let hash = link(&previous(heads, event.issue_id), &issue_event_fields(event));
        heads.insert(event.issue_id, hash);
        event.hash = Some(to_hex(&hash));
    }
}

/// Links a case event about to be written to its chain, whose head is `head`.
pub(crate) fn link_case_event(head: [u8; 32], event: &mut case_event::Model) {
    event.hash = Some(to_hex(&link(&head, &case_event_fields(event))));
}

impl Services {
    /// The head hash of each issue's chain, in one statement (in the writing transaction).
    pub(crate) async fn issue_chain_heads(
        &self,
        db: &impl ConnectionTrait,
        issue_ids: &[i64],
    ) -> AppResult<HashMap<i64, [u8; 32]>> {
        let last = Query::select()
            .expr(Func::max(Expr::col(issue_event::Column::Id)))
            .from(issue_event::Entity)
            .and_where(issue_event::Column::IssueId.is_in(issue_ids.iter().copied()))
            .group_by_col(issue_event::Column::IssueId)
            .to_owned();
        let rows: Vec<(i64, Option<String>)> = issue_event::Entity::find()
            .select_only()
            .column(issue_event::Column::IssueId)
            .column(issue_event::Column::Hash)
            .filter(issue_event::Column::Id.in_subquery(last))
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows.into_iter().filter_map(|(issue, hash)| Some((issue, from_hex(&hash?)?))).collect())
    }

    /// The head hash of a case's chain (in the writing transaction).
    pub(crate) async fn case_chain_head(&self, db: &impl ConnectionTrait, case_id: i64) -> AppResult<[u8; 32]> {
        let hash: Option<Option<String>> = case_event::Entity::find()
            .select_only()
            .column(case_event::Column::Hash)
            .filter(case_event::Column::CaseId.eq(case_id))
            .order_by_desc(case_event::Column::Id)
            .into_tuple()
            .one(db)
            .await?;
        Ok(hash.flatten().as_deref().and_then(from_hex).unwrap_or(GENESIS))
    }

    /// Recomputes every chain in scope from the database and names the first broken link
    /// (BUREAU, LEADER, SUPERIOR; the command line passes no actor).
    pub async fn verify_history(&self, actor: Option<&Principal>, scope: ChainScope) -> AppResult<ChainReport> {
        if let Some(actor) = actor {
            authorize(actor, Action::VerifyHistory)?;
        }
        let mut report = ChainReport::default();
        let whole = scope.issue_id.is_none() && scope.case_id.is_none();
        if whole || scope.issue_id.is_some() {
            let (checked, broken) = self.verify_chains(ChainKind::Issue, scope.issue_id).await?;
            report.issue_events = checked;
            report.first_broken = broken;
        }
        if report.first_broken.is_none() && (whole || scope.case_id.is_some()) {
            let (checked, broken) = self.verify_chains(ChainKind::Case, scope.case_id).await?;
            report.case_events = checked;
            report.first_broken = broken;
        }
        if report.first_broken.is_none() && whole {
            report.broken_seal = self.broken_seal().await?.map(|(month, sealed_root, recomputed_root)| BrokenSeal {
                month,
                sealed_root,
                recomputed_root,
            });
        }
        Ok(report)
    }

    /// Walks the chains of one kind in event order, a page at a time, holding one hash per
    /// chain; stops at the first broken link.
    async fn verify_chains(&self, kind: ChainKind, only: Option<i64>) -> AppResult<(u64, Option<BrokenLink>)> {
        let mut heads: HashMap<i64, [u8; 32]> = HashMap::new();
        let (mut after, mut checked) = (0, 0);
        loop {
            let page = match kind {
                ChainKind::Issue => self.issue_event_page(after, only).await?,
                ChainKind::Case => self.case_event_page(after, only).await?,
            };
            let Some(last) = page.last() else { return Ok((checked, None)) };
            after = last.event_id;
            for event in page {
                checked += 1;
                let expected = link(&previous(&heads, event.owner_id), &event.fields);
                if event.stored.as_deref().and_then(from_hex) != Some(expected) {
                    let broken = BrokenLink {
                        kind,
                        owner_id: event.owner_id,
                        event_id: event.event_id,
                        expected: to_hex(&expected),
                        stored: event.stored,
                    };
                    return Ok((checked, Some(broken)));
                }
                heads.insert(event.owner_id, expected);
            }
        }
    }

    async fn issue_event_page(&self, after: i64, only: Option<i64>) -> AppResult<Vec<Linked>> {
        let mut select = issue_event::Entity::find().filter(issue_event::Column::Id.gt(after));
        if let Some(issue) = only {
            select = select.filter(issue_event::Column::IssueId.eq(issue));
        }
        let rows = select.order_by_asc(issue_event::Column::Id).limit(PAGE).all(self.background_conn()).await?;
        Ok(rows
            .into_iter()
            .map(|e| Linked { event_id: e.id, owner_id: e.issue_id, fields: issue_event_fields(&e), stored: e.hash })
            .collect())
    }

    async fn case_event_page(&self, after: i64, only: Option<i64>) -> AppResult<Vec<Linked>> {
        let mut select = case_event::Entity::find().filter(case_event::Column::Id.gt(after));
        if let Some(case) = only {
            select = select.filter(case_event::Column::CaseId.eq(case));
        }
        let rows = select.order_by_asc(case_event::Column::Id).limit(PAGE).all(self.background_conn()).await?;
        Ok(rows
            .into_iter()
            .map(|e| Linked { event_id: e.id, owner_id: e.case_id, fields: case_event_fields(&e), stored: e.hash })
            .collect())
    }
}
