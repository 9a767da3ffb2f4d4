//! Reminder and supervision slips (催办单, 督办单): how they are numbered and when one counts as
//! overdue.

use chrono::NaiveDate;
use entity::enums::ReminderKind;

/// The prefix of a kind's numbers: CB for 催办 (reminder), DB for 督办 (supervision).
pub fn prefix(kind: ReminderKind) -> &'static str {
    match kind {
        ReminderKind::Reminder => "CB",
        ReminderKind::SupervisionNotice => "DB",
    }
}

/// The series a slip issued in `year` draws its number from (`CB-2026`).
pub fn series(kind: ReminderKind, year: i32) -> String {
    format!("{}-{year}", prefix(kind))
}

/// The slip's number: the series and its place in it, four digits at least (`CB-2026-0042`).
pub fn number(series: &str, place: i64) -> String {
    format!("{series}-{place:04}")
}

/// Where a slip stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlipStatus {
    /// Waiting for the department's reply, within its reply date.
    Open,
    /// Answered.
    Answered,
    /// Unanswered past its reply date (from the day after it, county time).
    Overdue,
}

pub fn slip_status(answered: bool, reply_by: NaiveDate, today: NaiveDate) -> SlipStatus {
    match (answered, today > reply_by) {
        (true, _) => SlipStatus::Answered,
        (false, true) => SlipStatus::Overdue,
        (false, false) => SlipStatus::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_numbered_per_kind_and_year() {
        assert_eq!(number(&series(ReminderKind::Reminder, 2026), 7), "CB-2026-0007");
        assert_eq!(number(&series(ReminderKind::SupervisionNotice, 2027), 12345), "DB-2027-12345");
    }

    #[test]
    fn an_unanswered_slip_is_overdue_from_the_day_after_its_reply_date() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(slip_status(false, day("2026-12-10"), day("2026-12-10")), SlipStatus::Open);
        assert_eq!(slip_status(false, day("2026-12-10"), day("2026-12-11")), SlipStatus::Overdue);
        assert_eq!(slip_status(true, day("2026-12-10"), day("2026-12-11")), SlipStatus::Answered);
    }
}
