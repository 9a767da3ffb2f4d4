//! What the deadline sweep owes an issue on a day: a notice as a deadline comes within 7, 3
//! and 1 days, an overdue notice for each deadline passed, and an automatic reminder slip when
//! the issue turns RED. Each notice has a key (`mark`) that names it completely, so that
//! writing the key under a unique constraint writes the notice once, however often and on
//! however many servers the sweep runs. A key carries the deadline's date, so that a deadline
//! moved by an extension is announced again.

use chrono::NaiveDate;
use entity::enums::IssueStatus;

use super::clock::{DeadlineKind, is_completed, overdue_deadlines};

/// Days before a deadline at which its notice is due, nearest first. A sweep that missed a day
/// sends the notice of the nearest threshold passed, not every one it missed.
pub const NEAR_THRESHOLDS: [i64; 3] = [1, 3, 7];

/// The furthest threshold: issues with a deadline further away owe nothing yet.
pub const FURTHEST_THRESHOLD: i64 = 7;

/// Days a department has to answer an automatic reminder slip.
pub const AUTOMATIC_REPLY_DAYS: i64 = 3;

/// A notice the sweep owes an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The deadline is at most `threshold` days away.
    Near { kind: DeadlineKind, due_on: NaiveDate, threshold: i64 },
    /// The deadline has passed.
    Overdue { kind: DeadlineKind, due_on: NaiveDate },
    /// The issue turned RED the day after `since` (its first deadline passed): an automatic
    /// reminder slip is due.
    TurnedRed { since: NaiveDate },
}

fn kind_name(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::Deadline => "DEADLINE",
        DeadlineKind::SupervisionDeadline => "SUPERVISION_DEADLINE",
    }
}

impl Notice {
    /// The notice's unique key among the issue's notices.
    pub fn mark(&self) -> String {
        match self {
            Notice::Near { kind, due_on, threshold } => format!("NEAR:{}:{due_on}:{threshold}", kind_name(*kind)),
            Notice::Overdue { kind, due_on } => format!("OVERDUE:{}:{due_on}", kind_name(*kind)),
            Notice::TurnedRed { since } => format!("RED:{since}"),
        }
    }
}

/// The key of the escalation of slip `reminder_id`.
pub fn escalation_mark(reminder_id: i64) -> String {
    format!("ESCALATED:{reminder_id}")
}

/// Every notice an issue owes on `today`. The sweep writes those whose key is new.
pub fn notices_due(
    deadline: Option<NaiveDate>,
    supervision_deadline: Option<NaiveDate>,
    status: IssueStatus,
    today: NaiveDate,
) -> Vec<Notice> {
    if is_completed(status) {
        return Vec::new();
    }
    let date_of = |kind| match kind {
        DeadlineKind::Deadline => deadline,
        DeadlineKind::SupervisionDeadline => supervision_deadline,
    };
    let mut notices = Vec::new();
    let passed: Vec<DeadlineKind> = overdue_deadlines(deadline, supervision_deadline, status, today).collect();
    for kind in [DeadlineKind::Deadline, DeadlineKind::SupervisionDeadline] {
        let Some(due_on) = date_of(kind) else { continue };
        if passed.contains(&kind) {
            notices.push(Notice::Overdue { kind, due_on });
            continue;
        }
        let days_left = (due_on - today).num_days();
        if let Some(threshold) = NEAR_THRESHOLDS.into_iter().find(|threshold| (0..=*threshold).contains(&days_left)) {
            notices.push(Notice::Near { kind, due_on, threshold });
        }
    }
    if let Some(since) = passed.iter().filter_map(|kind| date_of(*kind)).min() {
        notices.push(Notice::TurnedRed { since });
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn marks(deadline: &str, supervision: Option<&str>, today: &str) -> Vec<String> {
        notices_due(Some(day(deadline)), supervision.map(day), IssueStatus::InProgress, day(today))
            .iter()
            .map(Notice::mark)
            .collect()
    }

    #[test]
    fn a_deadline_is_announced_at_seven_three_and_one_days_then_as_overdue() {
        assert_eq!(marks("2026-12-20", None, "2026-12-12"), Vec::<String>::new(), "8 days left");
        assert_eq!(marks("2026-12-20", None, "2026-12-13"), ["NEAR:DEADLINE:2026-12-20:7"]);
        assert_eq!(marks("2026-12-20", None, "2026-12-16"), ["NEAR:DEADLINE:2026-12-20:7"], "4 days left");
        assert_eq!(marks("2026-12-20", None, "2026-12-17"), ["NEAR:DEADLINE:2026-12-20:3"]);
        assert_eq!(marks("2026-12-20", None, "2026-12-19"), ["NEAR:DEADLINE:2026-12-20:1"]);
        assert_eq!(marks("2026-12-20", None, "2026-12-20"), ["NEAR:DEADLINE:2026-12-20:1"], "the last day");
        assert_eq!(marks("2026-12-20", None, "2026-12-21"), ["OVERDUE:DEADLINE:2026-12-20", "RED:2026-12-20"]);
    }

    #[test]
    fn the_issue_turns_red_once_on_its_first_deadline_passed() {
        assert_eq!(
            marks("2026-12-20", Some("2026-12-10"), "2026-12-13"),
            ["NEAR:DEADLINE:2026-12-20:7", "OVERDUE:SUPERVISION_DEADLINE:2026-12-10", "RED:2026-12-10"]
        );
        assert_eq!(
            marks("2026-12-20", Some("2026-12-10"), "2026-12-21"),
            ["OVERDUE:DEADLINE:2026-12-20", "OVERDUE:SUPERVISION_DEADLINE:2026-12-10", "RED:2026-12-10"]
        );
        let done = notices_due(Some(day("2026-12-01")), None, IssueStatus::Accepted, day("2026-12-21"));
        assert!(done.is_empty(), "a completed issue owes nothing");
        assert_eq!(escalation_mark(42), "ESCALATED:42");
    }
}
