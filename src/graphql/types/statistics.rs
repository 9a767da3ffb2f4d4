//! Statistics for superior agencies: counts and rates of issues, whole and in groups.

use async_graphql::{ComplexObject, Context, Enum, InputType, SimpleObject};

use super::department::Department;
use super::enums;
use super::labels::{Locale, language, schema_names};
use super::scalars::Date;
use crate::domain::labels::{self, Locale as Language};

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
    /// Today's warning light (key: `GREEN`, `BLUE`, `YELLOW` or `RED`); not with `asOf`.
    WarningLight,
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
    /// Assignment disputes (交办争议) the lead departments raised about the issues.
    pub disputes_raised: u64,
    /// Of those, the ones a leader ruled into a reassignment.
    pub disputes_reassigned: u64,
    /// Objections to the issues' public notices (公示异议).
    pub objections: u64,
    /// Of those, the ones the bureau upheld (each a failed acceptance).
    pub objections_upheld: u64,
    /// Look-back checks (回头看) of the issues answered on site.
    pub look_back_checked: u64,
    /// Of those, the ones that found the problem back.
    pub look_back_relapsed: u64,
    /// `lookBackRelapsed` of `lookBackChecked`, from 0 to 1; null before any check.
    pub look_back_relapse_rate: Option<f64>,
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
            disputes_raised: c.disputes_raised,
            disputes_reassigned: c.disputes_reassigned,
            objections: c.objections,
            objections_upheld: c.objections_upheld,
            look_back_checked: c.look_back_checked,
            look_back_relapsed: c.look_back_relapsed,
            look_back_relapse_rate: c.look_back_relapse_rate(),
        }
    }
}

/// The issues sharing one value of each dimension asked for.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct IssueStatisticsGroup {
    /// One key per dimension, in the order of `groupBy`: a global id, an enum value or a month;
    /// an empty string for "none".
    pub key: Vec<String>,
    /// Per dimension: the dimension, its raw key, and the name the count gave it.
    #[graphql(skip)]
    pub named: Vec<(Dimension, String, String)>,
    #[graphql(flatten)]
    pub counts: IssueCounts,
}

#[ComplexObject]
impl IssueStatisticsGroup {
    /// One label per dimension, for people, in the order of `groupBy`: a name (of a round,
    /// aspect, category or department, as it was when counted), an enum value's label (see
    /// `enumLabels`) or the month; for an empty key, what the group lacks (e.g. "未指定乡镇" /
    /// "No township").
    async fn labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language; without it, the request's `Accept-Language` header picks, else Chinese.")]
        locale: Option<Locale>,
    ) -> Vec<String> {
        let language = language(ctx, locale);
        self.named.iter().map(|(dimension, key, name)| group_label(*dimension, key, name, language)).collect()
    }
}

/// The label of one dimension of a group. Enum values and empty keys are labelled when read,
/// in the reader's language, never from what a count stored: a monthly report keeps the names
/// of rows as they were, and reads its values and its "none" groups like a count made now.
fn group_label(dimension: Dimension, key: &str, name: &str, language: Language) -> String {
    if key.is_empty() {
        let (enum_name, value) = schema_names(&IssueDimension::from(dimension));
        return labels::empty_group_label(&enum_name, &value, language).to_owned();
    }
    let enumeration = match dimension {
        Dimension::Status => <enums::IssueStatus as InputType>::type_name(),
        Dimension::Severity => <enums::Severity as InputType>::type_name(),
        Dimension::SupervisionLevel => <enums::SupervisionLevel as InputType>::type_name(),
        Dimension::WarningLight => <enums::WarningLight as InputType>::type_name(),
        _ => return name.to_owned(),
    };
    labels::label(&enumeration, key, language).unwrap_or(name).to_owned()
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
    /// The API's view of service statistics: row ids in keys become global ids.
    pub fn build(dimensions: &[Dimension], raw: &Statistics) -> Self {
        let groups = raw
            .groups
            .iter()
            .map(|group| {
                let key = dimensions
                    .iter()
                    .zip(&group.key)
                    .map(|(dimension, value)| {
                        let kind = match dimension {
                            Dimension::Round => Some(NodeKind::InspectionRound),
                            Dimension::Aspect => Some(NodeKind::Aspect),
                            Dimension::Category => Some(NodeKind::Category),
                            Dimension::LeadDepartment | Dimension::Township => Some(NodeKind::Department),
                            _ => None,
                        };
                        match (kind, value.parse::<i64>()) {
                            (Some(kind), Ok(id)) => encode(kind, id).to_string(),
                            _ => value.clone(),
                        }
                    })
                    .collect();
                let named = dimensions
                    .iter()
                    .zip(&group.key)
                    .zip(&group.labels)
                    .map(|((dimension, key), name)| (*dimension, key.clone(), name.clone()))
                    .collect();
                IssueStatisticsGroup { key, named, counts: (&group.counts).into() }
            })
            .collect();
        Self { counts: (&raw.counts).into(), groups }
    }
}

/// The length of a trend's intervals.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::trend::Interval")]
pub enum TrendInterval {
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

/// One interval of a trend.
#[derive(SimpleObject, Debug, Clone)]
pub struct TrendPoint {
    /// The interval's first day (a Monday, or the first of a month).
    pub period_start: Date,
    /// Issues registered in the interval.
    pub registered: u64,
    /// Acceptances in the interval (an issue accepted again after a relapse counts again).
    pub completed: u64,
    /// Issues closed (销号) in the interval.
    pub closed: u64,
    /// Issues overdue and not yet accepted or closed at the end of the interval's last day (or
    /// today, for the interval still running); null for an interval that has not begun.
    pub overdue_open_at_end: Option<u64>,
}

impl From<crate::service::trend::TrendPoint> for TrendPoint {
    fn from(p: crate::service::trend::TrendPoint) -> Self {
        Self {
            period_start: p.period_start.into(),
            registered: p.registered,
            completed: p.completed,
            closed: p.closed,
            overdue_open_at_end: p.overdue_open_at_end,
        }
    }
}

/// One department's line on the scoreboard: the issues it leads now, and its record.
pub struct DepartmentScore(pub crate::service::scoreboard::DepartmentScore);

/// One department's line on the scoreboard: the issues it leads now, and its record.
#[async_graphql::Object]
impl DepartmentScore {
    /// The department.
    async fn department(&self) -> Department {
        Department(self.0.department.clone())
    }
    /// Issues it leads (under the filter).
    async fn assigned(&self) -> u64 {
        self.0.counts.total
    }
    /// Of those, not yet accepted or closed.
    async fn open(&self) -> u64 {
        self.0.counts.open
    }
    /// Of those, overdue.
    async fn overdue(&self) -> u64 {
        self.0.counts.overdue
    }
    /// Of those, accepted or closed.
    async fn completed(&self) -> u64 {
        self.0.counts.completed()
    }
    /// Of those, closed.
    async fn closed(&self) -> u64 {
        self.0.counts.closed
    }
    /// Of the completed ones, the share accepted by the end of the deadline day; null when none
    /// is completed.
    async fn on_time_rate(&self) -> Option<f64> {
        self.0.counts.on_time_rate()
    }
    /// Mean days from an issue's first assignment to its acceptance, over the completed ones;
    /// null when none is completed.
    async fn average_days_to_complete(&self) -> Option<f64> {
        self.0.average_days_to_complete
    }
    /// Acceptance requests the bureau rejected, and objections to a public notice it upheld, while
    /// the department led the issue.
    async fn failed_acceptances(&self) -> u64 {
        self.0.failed_acceptances
    }
    /// Reopenings after acceptance or closure while the department led the issue (反弹).
    async fn relapses(&self) -> u64 {
        self.0.relapses
    }
    /// Reminder and supervision slips addressed to the department about these issues and
    /// unanswered past their reply date, as of today.
    async fn overdue_reminders(&self) -> u64 {
        self.0.overdue_reminders
    }
    /// Disputes the department raised against its assignments, about the issues of the filter
    /// that the viewer can see (all time).
    async fn disputes_raised(&self) -> u64 {
        self.0.disputes.raised
    }
    /// Of those, the ones a leader dismissed: the assignment stood.
    async fn disputes_upheld(&self) -> u64 {
        self.0.disputes.upheld
    }
    /// Of those, the ones that ended in a reassignment to another department.
    async fn disputes_reassigned(&self) -> u64 {
        self.0.disputes.reassigned
    }
    /// Accountability cases decided against the department or its officials (all time); null
    /// for a viewer who may not read accountability cases (ADMIN, INSPECTOR).
    async fn cases_decided(&self) -> Option<u64> {
        self.0.cases_decided
    }
}
