//! Sealing monthly reports (`domain::seal`): the Merkle root over every history chain's head
//! at the month's end, signed with the county's key; the proofs of one issue's history
//! against a sealed report; and recomputing every sealed root from the database.

use chrono::{DateTime, Months, NaiveDate, Utc};
use ed25519_dalek::{Signer, SigningKey};
use entity::chain::{from_hex, issue_event_fields, to_hex};
use entity::{case_event, issue_event, monthly_report};
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, IntoTableRef, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Services;
use super::policy::{Action, authorize};
use crate::auth::Principal;
use crate::domain::merkle::{Hash, audit_path, leaf_hash, root};
use crate::domain::seal::{HistoryProof, PROOF_FORMAT, ProvenEvent, leaf, statement};
use crate::error::{AppError, AppResult};

/// The county's key from `RECTIFY_SIGNING_KEY` (64 hex digits of a 32-byte seed).
pub fn signing_key(text: &str) -> Option<SigningKey> {
    from_hex(text.trim()).map(|seed| SigningKey::from_bytes(&seed))
}

/// A month's seal.
pub struct Seal {
    pub root: String,
    pub leaves: i64,
    pub signature: Option<String>,
    pub signing_key: Option<String>,
}

/// One leaf of a month's tree: which chain, and its head then.
struct Head {
    kind: &'static str,
    owner_id: i64,
    hash: String,
}

/// The newest event id of each chain among the events written before `cutoff`.
fn newest<C: IntoColumnRef + Copy>(
    cutoff: DateTime<Utc>,
    table: impl IntoTableRef,
    owner: C,
    id: C,
    at: C,
) -> SelectStatement {
    Query::select()
        .expr(Func::max(Expr::col(id)))
        .from(table)
        .and_where(Expr::col(at).lt(cutoff))
        .group_by_col(owner)
        .to_owned()
}

impl Services {
    /// The public key of the county's signing key (hex), if one is set.
    pub fn public_signing_key(&self) -> Option<String> {
        self.signing_key.as_ref().map(|key| to_hex(&key.verifying_key().to_bytes()))
    }

    /// The first instant after `month` (`YYYY-MM`, as reports store it), county time.
    fn end_of_month(&self, month: &str) -> AppResult<DateTime<Utc>> {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::bad_input("month", "`month` is written `YYYY-MM`"))?;
        let next =
            first.checked_add_months(Months::new(1)).ok_or_else(|| AppError::bad_input("month", "out of range"))?;
        Ok(self.clock.start_of(next))
    }

    /// The head of every chain before `cutoff`, issues by id then cases by id: the hash of the
    /// newest event (by id) written before it. Two statements.
    async fn heads_before(&self, db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> AppResult<Vec<Head>> {
        let issues: Vec<(i64, Option<String>)> = issue_event::Entity::find()
            .select_only()
            .columns([issue_event::Column::IssueId, issue_event::Column::Hash])
            .filter(issue_event::Column::Id.in_subquery(newest(
                cutoff,
                issue_event::Entity,
                issue_event::Column::IssueId,
                issue_event::Column::Id,
                issue_event::Column::At,
            )))
            .order_by_asc(issue_event::Column::IssueId)
            .into_tuple()
            .all(db)
            .await?;
        let cases: Vec<(i64, Option<String>)> = case_event::Entity::find()
            .select_only()
            .columns([case_event::Column::CaseId, case_event::Column::Hash])
            .filter(case_event::Column::Id.in_subquery(newest(
                cutoff,
                case_event::Entity,
                case_event::Column::CaseId,
                case_event::Column::Id,
                case_event::Column::At,
            )))
            .order_by_asc(case_event::Column::CaseId)
            .into_tuple()
            .all(db)
            .await?;
        let head =
            |kind, (owner_id, hash): (i64, Option<String>)| Head { kind, owner_id, hash: hash.unwrap_or_default() };
        Ok(issues.into_iter().map(|h| head("issue", h)).chain(cases.into_iter().map(|h| head("case", h))).collect())
    }

    fn leaf_hashes(heads: &[Head]) -> Vec<Hash> {
        heads.iter().map(|h| leaf_hash(leaf(h.kind, h.owner_id, &h.hash).as_bytes())).collect()
    }

    /// Seals `month` as the database holds it now (in the submitting transaction).
    pub(crate) async fn seal_month(&self, db: &impl ConnectionTrait, month: &str) -> AppResult<Seal> {
        let heads = self.heads_before(db, self.end_of_month(month)?).await?;
        let root = to_hex(&root(&Self::leaf_hashes(&heads)));
        let leaves = i64::try_from(heads.len()).map_err(AppError::internal)?;
        let signature =
            self.signing_key.as_ref().map(|key| to_hex(&key.sign(&statement(month, &root, leaves)).to_bytes()));
        Ok(Seal { root, leaves, signature, signing_key: self.public_signing_key() })
    }

    /// The first sealed report whose root the database no longer gives, if any: its month, the
    /// sealed root and the recomputed one.
    pub(crate) async fn broken_seal(&self) -> AppResult<Option<(String, String, String)>> {
        let reports = monthly_report::Entity::find()
            .filter(monthly_report::Column::HistoryRoot.is_not_null())
            .order_by_asc(monthly_report::Column::Id)
            .all(self.background_conn())
            .await?;
        for report in reports {
            let sealed = report.history_root.clone().unwrap_or_default();
            let now = self.seal_month(self.background_conn(), &report.month).await?.root;
            if now != sealed {
                return Ok(Some((report.month, sealed, now)));
            }
        }
        Ok(None)
    }

    /// What checks one issue's history against a sealed report (BUREAU, LEADER, SUPERIOR).
    pub async fn history_proof(&self, actor: &Principal, issue_id: i64, report_id: i64) -> AppResult<HistoryProof> {
        authorize(actor, Action::VerifyHistory)?;
        let report = monthly_report::Entity::find_by_id(report_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("monthly report"))?;
        let Some(sealed_root) = report.history_root.clone() else {
            return Err(AppError::invalid_transition("the report was submitted before reports were sealed"));
        };
        let cutoff = self.end_of_month(&report.month)?;
        let heads = self.heads_before(self.conn(), cutoff).await?;
        let Some(index) = heads.iter().position(|h| h.kind == "issue" && h.owner_id == issue_id) else {
            return Err(AppError::bad_input("issueId", "the issue had no history by the end of the report's month"));
        };
        let events = issue_event::Entity::find()
            .filter(issue_event::Column::IssueId.eq(issue_id))
            .filter(issue_event::Column::At.lt(cutoff))
            .order_by_asc(issue_event::Column::Id)
            .all(self.conn())
            .await?;
        let leaves = Self::leaf_hashes(&heads);
        let head = &heads[index];
        Ok(HistoryProof {
            format: PROOF_FORMAT.to_owned(),
            month: report.month,
            issue_id,
            events: events
                .iter()
                .map(|e| ProvenEvent {
                    id: e.id,
                    canonical: issue_event_fields(e),
                    hash: e.hash.clone().unwrap_or_default(),
                })
                .collect(),
            leaf: leaf(head.kind, head.owner_id, &head.hash),
            leaf_index: index,
            leaf_count: heads.len(),
            audit_path: audit_path(&leaves, index).iter().map(|hash| to_hex(hash)).collect(),
            root: sealed_root,
            signature: report.signature,
            signing_key: report.signing_key,
        })
    }
}
