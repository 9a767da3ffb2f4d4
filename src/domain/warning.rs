//! The warning light (预警) of an issue: worked out from its deadlines, its status and its plan
//! on the county's date, never stored, so that it changes with the calendar and not only with
//! writes. This is the one rule: the API, the issue filter, the statistics, the ledger export
//! and the battle map all follow it (`service::issues::warning_light_sql` writes it as SQL, and
//! a test compares the two on both databases).
//!
//! From the most serious down, the light is the first that applies:
//! - GREEN when the rectification is completed (ACCEPTED or CLOSED);
//! - RED when the issue is overdue on either deadline (`clock::overdue_deadlines`);
//! - YELLOW when the work is behind its plan: while the lead department works on it (ASSIGNED or
//!   IN_PROGRESS), a milestone of the plan is past its date and not done, or the time elapsed
//!   since the assignment, as a share of the time to the rectification deadline, is at least
//!   `PROGRESS_LAG_POINTS` percentage points ahead of the progress last reported (none reported
//!   counts as 0%);
//! - BLUE when the deadline or the supervision deadline is today or within the next
//!   `blue_within_days` days;
//! - GREEN otherwise (on track, or not yet assigned a deadline).
//!
//! Every condition that holds is a reason, most serious first, so a RED issue whose milestone
//! is also late gives both; a completed issue gives none.

use std::fmt;

use chrono::NaiveDate;
use entity::enums::IssueStatus;
use entity::issue;

use super::clock::{DeadlineKind, is_completed, overdue_deadlines};

/// The default of `RECTIFY_WARNING_DAYS`: a working week and its weekend, enough for a
/// department to act on the warning before the deadline passes.
pub const DEFAULT_WARNING_DAYS: i64 = 7;

/// How far, in percentage points, reported progress may trail the share of time elapsed
/// before the issue counts as behind its plan: a third of the time gone with nothing reported,
/// or half of it gone at 20%.
pub const PROGRESS_LAG_POINTS: i64 = 30;

/// The county's setting of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningRule {
    /// An open issue turns BLUE when a deadline is at most this many days away.
    pub blue_within_days: i64,
}

impl Default for WarningRule {
    fn default() -> Self {
        Self { blue_within_days: DEFAULT_WARNING_DAYS }
    }
}

/// The lights, in order of seriousness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WarningLight {
    /// Completed, on track, or without a deadline yet.
    Green,
    /// A deadline is near.
    Blue,
    /// Behind its plan.
    Yellow,
    /// Overdue.
    Red,
}

impl WarningLight {
    pub const ALL: [WarningLight; 4] =
        [WarningLight::Green, WarningLight::Blue, WarningLight::Yellow, WarningLight::Red];

    /// The name clients read, as the API spells enumerations.
    pub fn api_name(self) -> &'static str {
        match self {
            WarningLight::Green => "GREEN",
            WarningLight::Blue => "BLUE",
            WarningLight::Yellow => "YELLOW",
            WarningLight::Red => "RED",
        }
    }
}

/// Why an issue has the light it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningReason {
    /// Overdue on a deadline.
    Overdue { kind: DeadlineKind, due_on: NaiveDate },
    /// The earliest milestone not done is past its date.
    MilestoneLate { due_on: NaiveDate },
    /// Progress trails the time elapsed.
    ProgressBehind { reported_percent: i32, elapsed_percent: i64 },
    /// A deadline is today or within the rule's days.
    DeadlineNear { kind: DeadlineKind, due_on: NaiveDate, days_left: i64 },
}

impl WarningReason {
    /// The light this reason calls for.
    pub fn light(&self) -> WarningLight {
        match self {
            WarningReason::Overdue { .. } => WarningLight::Red,
            WarningReason::MilestoneLate { .. } | WarningReason::ProgressBehind { .. } => WarningLight::Yellow,
            WarningReason::DeadlineNear { .. } => WarningLight::Blue,
        }
    }
}

fn deadline_name(kind: DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::Deadline => "deadline",
        DeadlineKind::SupervisionDeadline => "supervision deadline",
    }
}

impl fmt::Display for WarningReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningReason::Overdue { kind, due_on } => write!(f, "overdue: the {} was {due_on}", deadline_name(*kind)),
            WarningReason::MilestoneLate { due_on } => write!(f, "a milestone due {due_on} is not done"),
            WarningReason::ProgressBehind { reported_percent, elapsed_percent } => {
                write!(f, "progress {reported_percent}% after {elapsed_percent}% of the time to the deadline")
            }
            WarningReason::DeadlineNear { kind, due_on, days_left: 0 } => {
                write!(f, "the {} is today ({due_on})", deadline_name(*kind))
            }
            WarningReason::DeadlineNear { kind, due_on, days_left } => {
                let days = if *days_left == 1 { "day" } else { "days" };
                write!(f, "the {} is in {days_left} {days} ({due_on})", deadline_name(*kind))
            }
        }
    }
}

/// What the rule reads of an issue, all of it columns of its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WarningInputs {
    pub status: IssueStatus,
    pub deadline: Option<NaiveDate>,
    pub supervision_deadline: Option<NaiveDate>,
    /// The county's date of the last assignment.
    pub assigned_on: Option<NaiveDate>,
    /// The date of the earliest milestone not done.
    pub next_milestone_due: Option<NaiveDate>,
    /// The percentage of the newest progress report.
    pub progress_percent: Option<i32>,
}

impl WarningInputs {
    pub fn of(issue: &issue::Model) -> Self {
        Self {
            status: issue.status,
            deadline: issue.deadline,
            supervision_deadline: issue.supervision_deadline,
            assigned_on: issue.assigned_on,
            next_milestone_due: issue.next_milestone_due,
            progress_percent: issue.progress_percent,
        }
    }
}

/// An issue's light and the reasons for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub light: WarningLight,
    pub reasons: Vec<WarningReason>,
}

/// The statuses in which the lead department works on the issue, the time its plan is judged in.
pub const PLAN_RUNNING: [IssueStatus; 2] = [IssueStatus::Assigned, IssueStatus::InProgress];

/// The issue's warning on `today` (the county's date) under `rule`.
pub fn warning(inputs: &WarningInputs, today: NaiveDate, rule: WarningRule) -> Warning {
    let mut reasons = Vec::new();
    if is_completed(inputs.status) {
        return Warning { light: WarningLight::Green, reasons };
    }
    let due_on = |kind| match kind {
        DeadlineKind::Deadline => inputs.deadline,
        DeadlineKind::SupervisionDeadline => inputs.supervision_deadline,
    };
    for kind in overdue_deadlines(inputs.deadline, inputs.supervision_deadline, inputs.status, today) {
        reasons.extend(due_on(kind).map(|due_on| WarningReason::Overdue { kind, due_on }));
    }
    if PLAN_RUNNING.contains(&inputs.status) {
        if let Some(due_on) = inputs.next_milestone_due.filter(|due| today > *due) {
            reasons.push(WarningReason::MilestoneLate { due_on });
        }
        if let (Some(assigned), Some(deadline)) = (inputs.assigned_on, inputs.deadline) {
            let span = (deadline - assigned).num_days();
            let elapsed = (today - assigned).num_days();
            let reported = inputs.progress_percent.unwrap_or(0);
            if span > 0 && 100 * elapsed >= (i64::from(reported) + PROGRESS_LAG_POINTS) * span {
                let elapsed_percent = (100 * elapsed / span).min(100);
                reasons.push(WarningReason::ProgressBehind { reported_percent: reported, elapsed_percent });
            }
        }
    }
    for kind in [DeadlineKind::Deadline, DeadlineKind::SupervisionDeadline] {
        let Some(day) = due_on(kind) else { continue };
        let days_left = (day - today).num_days();
        if (0..=rule.blue_within_days).contains(&days_left) {
            reasons.push(WarningReason::DeadlineNear { kind, due_on: day, days_left });
        }
    }
    let light = reasons.iter().map(WarningReason::light).max().unwrap_or(WarningLight::Green);
    Warning { light, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn light(inputs: WarningInputs, today: &str) -> WarningLight {
        warning(&inputs, date(today), WarningRule::default()).light
    }

    fn with_deadline(deadline: &str, status: IssueStatus) -> WarningInputs {
        WarningInputs { status, deadline: Some(date(deadline)), ..Default::default() }
    }

    #[test]
    fn the_light_follows_the_deadlines_and_the_status() {
        use IssueStatus::*;
        let today = "2026-04-10";
        assert_eq!(light(with_deadline("2026-04-09", InProgress), today), WarningLight::Red);
        assert_eq!(light(with_deadline("2026-04-10", InProgress), today), WarningLight::Blue, "the last day");
        assert_eq!(light(with_deadline("2026-04-17", Assigned), today), WarningLight::Blue, "7 days left");
        assert_eq!(light(with_deadline("2026-04-18", Assigned), today), WarningLight::Green, "8 days left");
        assert_eq!(light(with_deadline("2026-04-09", Accepted), today), WarningLight::Green, "late but done");
        assert_eq!(light(WarningInputs { status: Reported, ..Default::default() }, today), WarningLight::Green);
        assert_eq!(light(with_deadline("2026-04-12", AwaitingAcceptance), today), WarningLight::Blue);
        let supervised = |deadline: &str, supervision: &str| WarningInputs {
            supervision_deadline: Some(date(supervision)),
            ..with_deadline(deadline, InProgress)
        };
        assert_eq!(light(supervised("2026-06-30", "2026-04-09"), today), WarningLight::Red);
        assert_eq!(light(supervised("2026-06-30", "2026-04-15"), today), WarningLight::Blue);
        assert_eq!(light(supervised("2026-04-15", "2026-06-30"), today), WarningLight::Blue);
    }

    #[test]
    fn the_setting_moves_blue() {
        let inputs = with_deadline("2026-04-13", IssueStatus::InProgress);
        let rule = WarningRule { blue_within_days: 2 };
        assert_eq!(warning(&inputs, date("2026-04-10"), rule).light, WarningLight::Green);
        assert_eq!(warning(&inputs, date("2026-04-11"), rule).light, WarningLight::Blue);
    }

    #[test]
    fn a_late_milestone_or_lagging_progress_is_yellow_while_the_work_runs() {
        use IssueStatus::*;
        // Assigned on 1 March with 100 days to the deadline.
        let plan = |status, milestone: Option<&str>, percent: Option<i32>| WarningInputs {
            status,
            deadline: Some(date("2026-06-09")),
            assigned_on: Some(date("2026-03-01")),
            next_milestone_due: milestone.map(date),
            progress_percent: percent,
            ..Default::default()
        };
        assert_eq!(light(plan(InProgress, Some("2026-03-20"), Some(50)), "2026-03-20"), WarningLight::Green);
        assert_eq!(light(plan(InProgress, Some("2026-03-20"), Some(50)), "2026-03-21"), WarningLight::Yellow);
        // 29 of 100 days gone with nothing reported is on track; 30 is not.
        assert_eq!(light(plan(Assigned, None, None), "2026-03-30"), WarningLight::Green);
        assert_eq!(light(plan(Assigned, None, None), "2026-03-31"), WarningLight::Yellow);
        assert_eq!(light(plan(InProgress, None, Some(40)), "2026-05-10"), WarningLight::Yellow, "70 days, 40%");
        assert_eq!(light(plan(InProgress, None, Some(41)), "2026-05-10"), WarningLight::Green);
        // Work handed in for acceptance is no longer judged against its plan.
        assert_eq!(light(plan(AwaitingAcceptance, Some("2026-03-20"), None), "2026-05-10"), WarningLight::Green);
        // Yellow outranks blue, red outranks both, and every reason is given.
        let near = warning(&plan(InProgress, Some("2026-06-01"), Some(10)), date("2026-06-05"), WarningRule::default());
        assert_eq!(near.light, WarningLight::Yellow);
        let texts: Vec<String> = near.reasons.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "a milestone due 2026-06-01 is not done",
                "progress 10% after 96% of the time to the deadline",
                "the deadline is in 4 days (2026-06-09)"
            ]
        );
        let late = warning(&plan(InProgress, Some("2026-06-01"), Some(10)), date("2026-06-10"), WarningRule::default());
        assert_eq!(late.light, WarningLight::Red);
        assert_eq!(late.reasons[0].to_string(), "overdue: the deadline was 2026-06-09");
        assert_eq!(late.reasons.len(), 3);
    }
}
