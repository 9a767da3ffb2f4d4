//! Dates in the county's time zone: a deadline ends at the county's midnight, not UTC's.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Tz;
use entity::enums::IssueStatus;

#[derive(Debug, Clone, Copy)]
pub struct CountyClock {
    tz: Tz,
}

impl CountyClock {
    pub fn new(tz: Tz) -> Self {
        Self { tz }
    }

    /// The county's time zone.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The county's offset from UTC now, in days (for SQL date arithmetic on SQLite).
    pub fn utc_offset_days(&self) -> f64 {
        use chrono::Offset;
        let offset = Utc::now().with_timezone(&self.tz).offset().fix().local_minus_utc();
        f64::from(offset) / 86_400.0
    }

    /// The current instant, at the microsecond precision both databases store.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }

    /// The county's calendar date at `instant`.
    pub fn date_at(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.tz).date_naive()
    }

    pub fn today(&self) -> NaiveDate {
        self.date_at(Utc::now())
    }

    /// The instant the county's day `day` begins.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        use chrono::TimeZone;
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.tz
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| midnight.and_utc())
    }
}

/// An issue is completed once its rectification has been accepted.
pub fn is_completed(status: IssueStatus) -> bool {
    matches!(status, IssueStatus::Accepted | IssueStatus::Closed)
}

/// Overdue from the day after the deadline, until the rectification is accepted.
pub fn is_overdue(deadline: Option<NaiveDate>, status: IssueStatus, today: NaiveDate) -> bool {
    deadline.is_some_and(|deadline| today > deadline) && !is_completed(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_issue_is_overdue_from_the_day_after_its_deadline() {
        let deadline = Some(date("2026-03-31"));
        assert!(!is_overdue(deadline, IssueStatus::InProgress, date("2026-03-31")));
        assert!(is_overdue(deadline, IssueStatus::InProgress, date("2026-04-01")));
        assert!(!is_overdue(deadline, IssueStatus::Accepted, date("2026-04-01")));
        assert!(!is_overdue(deadline, IssueStatus::Closed, date("2026-04-01")));
        assert!(!is_overdue(None, IssueStatus::Reported, date("2026-04-01")));
    }

    #[test]
    fn the_county_day_starts_at_its_own_midnight() {
        let clock = CountyClock::new(chrono_tz::Asia::Shanghai);
        // 16:30 UTC on 31 March is 00:30 on 1 April in Shanghai.
        let instant: DateTime<Utc> = "2026-03-31T16:30:00Z".parse().unwrap();
        assert_eq!(clock.date_at(instant), date("2026-04-01"));
        let utc = CountyClock::new(chrono_tz::UTC);
        assert_eq!(utc.date_at(instant), date("2026-03-31"));
    }
}
