//! The ledger as it stood at a moment, rebuilt from the events: each event records the
//! issue's state after it, so the state at `t` is that of the last event at or before `t`.
//! The assessment reads history through this module (and so do as-of statistics).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{IssueStatus, Severity, SupervisionLevel};
use entity::issue_event;

use super::clock::{DeadlineKind, is_overdue, overdue_deadlines};

/// One issue as it stood at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueState {
    pub issue_id: i64,
    pub status: IssueStatus,
    pub lead_department_id: Option<i64>,
    pub cooperating_department_ids: Vec<i64>,
    pub deadline: Option<NaiveDate>,
    pub severity: Option<Severity>,
    pub category_id: Option<i64>,
    pub supervision_level: Option<SupervisionLevel>,
    /// The supervision's own deadline. Events record the supervision level but not this
    /// deadline, so it is the one the issue carries now, for a state under supervision (see
    /// `states_at`).
    pub supervision_deadline: Option<NaiveDate>,
}

impl IssueState {
    pub fn from_event(event: &issue_event::Model) -> Self {
        IssueState {
            issue_id: event.issue_id,
            status: event.to_status,
            lead_department_id: event.lead_department_id,
            cooperating_department_ids: parse_ids(event.cooperating_department_ids.as_deref()),
            deadline: event.deadline,
            severity: event.severity,
            category_id: event.category_id,
            supervision_level: event.supervision_level,
            supervision_deadline: None,
        }
    }

    /// Overdue as of the county date `day`.
    pub fn overdue_on(&self, day: NaiveDate) -> bool {
        is_overdue(self.deadline, self.supervision_deadline, self.status, day)
    }

    /// The deadlines passed as of the county date `day`.
    pub fn overdue_deadlines_on(&self, day: NaiveDate) -> impl Iterator<Item = DeadlineKind> {
        overdue_deadlines(self.deadline, self.supervision_deadline, self.status, day)
    }
}

/// Writes cooperating ids for an event row.
pub fn format_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The ids `format_ids` wrote.
pub fn parse_ids(text: Option<&str>) -> Vec<i64> {
    text.unwrap_or_default().split(',').filter_map(|id| id.trim().parse().ok()).collect()
}

/// The state of every issue just before `until` (exclusive), from events in any order;
/// issues registered later are absent. The result is ordered by issue id.
///
/// `supervision_deadlines` are the issues' supervision deadlines as they stand now: an issue
/// under supervision at `until` has the one it carries now (none if the listing has been
/// lifted since), as the events do not record it.
pub fn states_at(
    events: &[issue_event::Model],
    until: DateTime<Utc>,
    supervision_deadlines: &std::collections::HashMap<i64, NaiveDate>,
) -> Vec<IssueState> {
    let mut latest: std::collections::BTreeMap<i64, &issue_event::Model> = std::collections::BTreeMap::new();
    for event in events.iter().filter(|e| e.at < until) {
        match latest.get(&event.issue_id) {
            Some(current) if (current.at, current.id) > (event.at, event.id) => {}
            _ => {
                latest.insert(event.issue_id, event);
            }
        }
    }
    latest
        .values()
        .map(|event| {
            let mut state = IssueState::from_event(event);
            if state.supervision_level.is_some() {
                state.supervision_deadline = supervision_deadlines.get(&state.issue_id).copied();
            }
            state
        })
        .collect()
}
