//! The warning light (预警) of the battle map, worked out from the deadline and the status and
//! never stored, so that it changes with the county's calendar and not only with writes.

use chrono::NaiveDate;
use entity::enums::IssueStatus;

use super::clock::{first_deadline, is_completed, is_overdue};

/// How many days before its deadline an open issue turns blue: a working week and its weekend,
/// enough for a department to act on the warning before the deadline passes.
pub const BLUE_WITHIN_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningLight {
    /// The deadline is today or within the next `BLUE_WITHIN_DAYS` days, and the work is open.
    Blue,
    /// Overdue: past the deadline and not completed.
    Red,
    /// Completed: the rectification has been accepted (ACCEPTED or CLOSED).
    Green,
}

impl WarningLight {
    /// The name clients read, as the API spells enumerations.
    pub fn api_name(self) -> &'static str {
        match self {
            WarningLight::Blue => "BLUE",
            WarningLight::Red => "RED",
            WarningLight::Green => "GREEN",
        }
    }
}

/// The light of an issue on `today` (the county's date); `None` when nothing calls for one:
/// no deadline yet, or a deadline further away than `BLUE_WITHIN_DAYS`. Of the deadline and
/// the supervision deadline, the first is the one that counts, as it does for overdue.
pub fn warning_light(
    deadline: Option<NaiveDate>,
    supervision_deadline: Option<NaiveDate>,
    status: IssueStatus,
    today: NaiveDate,
) -> Option<WarningLight> {
    if is_completed(status) {
        return Some(WarningLight::Green);
    }
    if is_overdue(deadline, supervision_deadline, status, today) {
        return Some(WarningLight::Red);
    }
    let days_left = (first_deadline(deadline, supervision_deadline)? - today).num_days();
    (0..=BLUE_WITHIN_DAYS).contains(&days_left).then_some(WarningLight::Blue)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_light_follows_the_deadline_and_the_status() {
        let today = date("2026-04-10");
        let light = |deadline: Option<&str>, status| warning_light(deadline.map(date), None, status, today);
        assert_eq!(light(Some("2026-04-09"), IssueStatus::InProgress), Some(WarningLight::Red));
        assert_eq!(light(Some("2026-04-10"), IssueStatus::InProgress), Some(WarningLight::Blue), "the last day");
        assert_eq!(light(Some("2026-04-17"), IssueStatus::Assigned), Some(WarningLight::Blue), "7 days left");
        assert_eq!(light(Some("2026-04-18"), IssueStatus::Assigned), None, "8 days left");
        assert_eq!(light(Some("2026-04-09"), IssueStatus::Accepted), Some(WarningLight::Green), "late but done");
        assert_eq!(light(None, IssueStatus::Closed), Some(WarningLight::Green));
        assert_eq!(light(None, IssueStatus::Reported), None);
        assert_eq!(light(Some("2026-04-12"), IssueStatus::AwaitingAcceptance), Some(WarningLight::Blue));
        let supervised = |deadline: &str, supervision: &str| {
            warning_light(Some(date(deadline)), Some(date(supervision)), IssueStatus::InProgress, today)
        };
        assert_eq!(supervised("2026-06-30", "2026-04-09"), Some(WarningLight::Red), "supervision deadline passed");
        assert_eq!(supervised("2026-06-30", "2026-04-15"), Some(WarningLight::Blue), "supervision deadline near");
        assert_eq!(supervised("2026-04-15", "2026-06-30"), Some(WarningLight::Blue));
    }
}
