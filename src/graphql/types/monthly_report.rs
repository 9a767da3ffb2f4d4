//! A monthly report: a month's figures frozen as the bureau submitted them.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::monthly_report;

use super::connection::connection;
use super::scalars::{Date, Decimal};
use super::statistics::IssueStatistics;
use crate::error::AppResult;
use crate::graphql::ids::{NodeKind, encode};
use crate::service::monthly_reports::{AccountabilityTotals as Accountability, MonthlyFigures, figures_of};
use crate::service::statistics::Dimension;

/// Accountability in the month.
#[derive(SimpleObject)]
pub struct AccountabilityTotals {
    /// Cases opened in the month.
    pub opened: u64,
    /// Cases decided in the month.
    pub decided: u64,
    /// Of those, against departments.
    pub decided_against_departments: u64,
    /// Of those, against officials.
    pub decided_against_officials: u64,
    /// Of those, against enterprises.
    pub decided_against_enterprises: u64,
}

/// Enforcement against enterprises in the month.
#[derive(SimpleObject)]
pub struct EnforcementTotals {
    /// Cases against enterprises decided in the month.
    pub cases_decided: u64,
    /// Fines and daily fines imposed by those decisions.
    pub fines: u64,
    /// The sum of the one-off fines, in yuan (daily fines are counted above, not summed).
    pub fines_total: Decimal,
}

/// A month's figures, frozen as the bureau submitted them to the superior agencies. Later
/// changes to the ledger do not touch them.
#[derive(Clone)]
pub struct MonthlyReport(pub monthly_report::Model, pub MonthlyFigures);

impl MonthlyReport {
    pub fn new(row: monthly_report::Model) -> AppResult<Self> {
        let figures = figures_of(&row)?;
        Ok(Self(row, figures))
    }
}

/// A month's figures, frozen as the bureau submitted them to the superior agencies. Later
/// changes to the ledger do not touch them.
#[Object]
impl MonthlyReport {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::MonthlyReport, self.0.id)
    }
    /// The month, `YYYY-MM`.
    async fn month(&self) -> &str {
        &self.0.month
    }
    /// The bureau's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The subject of the token that submitted it.
    async fn submitted_by(&self) -> &str {
        &self.0.submitted_by
    }
    /// When it was submitted.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    /// The seal: the Merkle root over every history chain's head at the month's end (64 hex
    /// digits; the tree is in the docs); null for reports submitted before reports were sealed.
    async fn history_root(&self) -> Option<&str> {
        self.0.history_root.as_deref()
    }
    /// How many chains (issues, then cases) the root covers.
    async fn history_leaf_count(&self) -> Option<i64> {
        self.0.history_leaves
    }
    /// The county's Ed25519 signature of the seal (128 hex digits); null when the county had no
    /// signing key.
    async fn signature(&self) -> Option<&str> {
        self.0.signature.as_deref()
    }
    /// The public key that signed it (64 hex digits; compare with
    /// `/.well-known/rectify-signing-key`).
    async fn signing_key(&self) -> Option<&str> {
        self.0.signing_key.as_deref()
    }
    /// The day the ledger was counted at the end of (the month's last day).
    async fn as_of(&self) -> Date {
        self.1.as_of.into()
    }
    /// All issues, grouped by status.
    async fn statistics(&self) -> IssueStatistics {
        IssueStatistics::build(&[Dimension::Status], &self.1.overall)
    }
    /// All issues, grouped by aspect.
    async fn by_aspect(&self) -> IssueStatistics {
        IssueStatistics::build(&[Dimension::Aspect], &self.1.by_aspect)
    }
    /// All issues, grouped by lead department.
    async fn by_department(&self) -> IssueStatistics {
        IssueStatistics::build(&[Dimension::LeadDepartment], &self.1.by_department)
    }
    /// Supervised issues, grouped by supervision level.
    async fn supervised(&self) -> IssueStatistics {
        IssueStatistics::build(&[Dimension::SupervisionLevel], &self.1.supervised)
    }
    /// Reopenings after acceptance or closure during the month (反弹).
    async fn relapses(&self) -> u64 {
        self.1.relapses_in_month
    }
    /// Accountability cases opened and decided in the month.
    async fn accountability(&self) -> AccountabilityTotals {
        let a: &Accountability = &self.1.accountability;
        AccountabilityTotals {
            opened: a.opened,
            decided: a.decided,
            decided_against_departments: a.decided_against_departments,
            decided_against_officials: a.decided_against_officials,
            decided_against_enterprises: a.decided_against_enterprises,
        }
    }
    /// Enforcement against enterprises in the month, with the sum of fines.
    async fn enforcement(&self) -> EnforcementTotals {
        let e = &self.1.enforcement;
        EnforcementTotals { cases_decided: e.cases_decided, fines: e.fines, fines_total: Decimal(e.fines_total) }
    }
}

connection!(
    MonthlyReportConnection,
    MonthlyReportEdge,
    MonthlyReport,
    "A page of monthly reports.",
    "A monthly report in a page, with its cursor."
);
