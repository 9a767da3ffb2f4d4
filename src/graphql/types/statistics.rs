//! Statistics for superior agencies: counts and rates of issues, whole and in groups.

use async_graphql::{Context, Enum, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::service::statistics::{Counts, Dimension, Statistics};

/// What issues can be grouped by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::statistics::Dimension")]
pub enum IssueDimension {
    /// The status (key: `IN_PROGRESS`, …).
    Status,
    /// The severity (key: `GENERAL` or `MAJOR`).
    Severity,
    /// The inspection round that found the issue (key: the round's id).
    Round,
    /// The aspect of the issue's category (key: the aspect's id).
    Aspect,
    /// The category (key: the category's id).
    Category,
    /// The lead department (key: its id; empty while unassigned).
    LeadDepartment,
    /// The township where the problem is (key: its id; empty when none is recorded).
    Township,
    /// The special-supervision level (key: `COUNTY`, …; empty when not supervised).
    SupervisionLevel,
    /// The month of the deadline (key: `2026-04`; empty without a deadline).
    DeadlineMonth,
}

/// Counts and rates of a set of issues.
#[derive(SimpleObject, Debug, Clone)]
pub struct IssueCounts {
    /// Issues counted.
    pub total: u64,
    /// Not yet accepted or closed.
    pub open: u64,
    /// Past the deadline (from the day after it, county time) and not yet accepted or closed.
    pub overdue: u64,
    /// ACCEPTED (in public notice, not yet closed).
    pub accepted: u64,
    /// CLOSED (销号).
    pub closed: u64,
    /// Accepted or closed, and accepted by the end of the deadline day (county time).
    pub completed_on_time: u64,
    /// (ACCEPTED + CLOSED) / total, between 0 and 1; null when there are no issues.
    pub completion_rate: Option<f64>,
    /// CLOSED / total; null when there are no issues.
    pub closure_rate: Option<f64>,
    /// Of the completed issues, the share accepted on or before the deadline; null when none is
    /// completed.
    pub on_time_rate: Option<f64>,
    /// Times the issues were reopened after acceptance or closure (反弹).
    pub relapses: u64,
}

impl From<&Counts> for IssueCounts {
    fn from(c: &Counts) -> Self {
        Self {
            total: c.total,
            open: c.open,
            overdue: c.overdue,
            accepted: c.accepted,
            closed: c.closed,
            completed_on_time: c.completed_on_time,
            completion_rate: c.completion_rate(),
            closure_rate: c.closure_rate(),
            on_time_rate: c.on_time_rate(),
            relapses: c.relapses,
        }
    }
}

/// The issues sharing one value of each dimension asked for.
#[derive(SimpleObject, Debug, Clone)]
pub struct IssueStatisticsGroup {
    /// One key per dimension, in the order of `groupBy`: a global id, an enum value or a month;
    /// an empty string for "none".
    pub key: Vec<String>,
    /// One label per dimension, for people: a name, the enum value or the month; `none` for an
    /// empty key.
    pub labels: Vec<String>,
    #[graphql(flatten)]
    pub counts: IssueCounts,
}

/// Counts and rates of the issues asked for, in total and by group.
#[derive(SimpleObject, Debug, Clone)]
pub struct IssueStatistics {
    #[graphql(flatten)]
    pub counts: IssueCounts,
    /// One entry per combination of dimension values that has issues, ordered by key; empty
    /// without `groupBy`.
    pub groups: Vec<IssueStatisticsGroup>,
}

impl IssueStatistics {
    /// Turns raw keys into global ids and labels.
    pub async fn build(ctx: &Context<'_>, dimensions: &[Dimension], raw: Statistics) -> async_graphql::Result<Self> {
        let reference = ctx.reference()?;
        let mut groups = Vec::with_capacity(raw.groups.len());
        for group in raw.groups {
            let mut key = Vec::with_capacity(dimensions.len());
            let mut labels = Vec::with_capacity(dimensions.len());
            for (dimension, value) in dimensions.iter().zip(group.key) {
                if value.is_empty() {
                    key.push(String::new());
                    labels.push("none".to_owned());
                    continue;
                }
                let id = value.parse::<i64>().ok();
                let (kind, label) = match (dimension, id) {
                    (Dimension::Round, Some(id)) => {
                        (Some(NodeKind::InspectionRound), reference.round(id).await?.map(|r| r.name))
                    }
                    (Dimension::Aspect, Some(id)) => {
                        (Some(NodeKind::Aspect), reference.aspect(id).await?.map(|a| a.name))
                    }
                    (Dimension::Category, Some(id)) => {
                        (Some(NodeKind::Category), reference.category(id).await?.map(|c| c.name))
                    }
                    (Dimension::LeadDepartment | Dimension::Township, Some(id)) => {
                        (Some(NodeKind::Department), reference.department(id).await?.map(|d| d.name))
                    }
                    _ => (None, None),
                };
                match (kind, id) {
                    (Some(kind), Some(id)) => key.push(encode(kind, id).to_string()),
                    _ => key.push(value.clone()),
                }
                labels.push(label.unwrap_or(value));
            }
            groups.push(IssueStatisticsGroup { key, labels, counts: (&group.counts).into() });
        }
        Ok(Self { counts: (&raw.counts).into(), groups })
    }
}
