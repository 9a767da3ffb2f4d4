//! Assignment disputes (交办争议): when a lead department may dispute, where a dispute stands,
//! and the deadline a reassignment gives the new lead department.

use chrono::NaiveDate;
use entity::enums::DisputeDecision;

/// The default of `RECTIFY_DISPUTE_DAYS`.
pub const DEFAULT_DISPUTE_DAYS: i64 = 5;

/// Where a dispute stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeStatus {
    /// Waiting for a leader's ruling.
    Open,
    /// Ruled: the assignment stands.
    Upheld,
    /// Ruled: another department was made lead.
    Reassigned,
}

pub fn dispute_status(decision: Option<DisputeDecision>) -> DisputeStatus {
    match decision {
        None => DisputeStatus::Open,
        Some(DisputeDecision::Uphold) => DisputeStatus::Upheld,
        Some(DisputeDecision::Reassign) => DisputeStatus::Reassigned,
    }
}

/// An assignment made on `assigned_on` may be disputed through the `days`-th day after it,
/// county time.
pub fn may_dispute(assigned_on: NaiveDate, today: NaiveDate, days: i64) -> bool {
    (today - assigned_on).num_days() <= days
}

/// The deadline keeps running while a dispute is open (the department stays lead until the
/// ruling); a reassignment hands the new lead department the days the dispute took.
pub fn deadline_after_reassignment(deadline: NaiveDate, raised_on: NaiveDate, ruled_on: NaiveDate) -> NaiveDate {
    deadline + (ruled_on - raised_on).max(chrono::Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_assignment_is_disputed_within_its_days() {
        assert!(may_dispute(day("2026-12-01"), day("2026-12-01"), 5));
        assert!(may_dispute(day("2026-12-01"), day("2026-12-06"), 5));
        assert!(!may_dispute(day("2026-12-01"), day("2026-12-07"), 5));
        assert!(!may_dispute(day("2026-12-01"), day("2026-12-02"), 0));
    }

    #[test]
    fn a_reassignment_gives_back_the_days_of_the_dispute() {
        assert_eq!(
            deadline_after_reassignment(day("2027-01-31"), day("2026-12-02"), day("2026-12-06")),
            day("2027-02-04")
        );
        assert_eq!(
            deadline_after_reassignment(day("2027-01-31"), day("2026-12-06"), day("2026-12-06")),
            day("2027-01-31")
        );
    }

    #[test]
    fn a_dispute_stands_as_its_ruling_says() {
        assert_eq!(dispute_status(None), DisputeStatus::Open);
        assert_eq!(dispute_status(Some(DisputeDecision::Uphold)), DisputeStatus::Upheld);
        assert_eq!(dispute_status(Some(DisputeDecision::Reassign)), DisputeStatus::Reassigned);
    }
}
