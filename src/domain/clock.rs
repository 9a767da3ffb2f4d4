//! Dates in the county's time zone: a deadline ends at the county's midnight, not UTC's.

use chrono::{DateTime, NaiveDate, SubsecRound, TimeDelta, Utc};
use chrono_tz::Tz;
use entity::enums::IssueStatus;

#[derive(Debug, Clone, Copy)]
pub struct CountyClock {
    tz: Tz,
    /// How far this clock runs behind the real one: zero, except for the demo, which writes
    /// part of its history as if it had happened last month.
    behind: TimeDelta,
}

impl CountyClock {
    pub fn new(tz: Tz) -> Self {
        Self { tz, behind: TimeDelta::zero() }
    }

    /// The same county's clock, `by` in the past.
    pub fn set_back(self, by: TimeDelta) -> Self {
        Self { behind: self.behind + by, ..self }
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
        (Utc::now() - self.behind).trunc_subsecs(6)
    }

    /// The county's calendar date at `instant`.
    pub fn date_at(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.tz).date_naive()
    }

    pub fn today(&self) -> NaiveDate {
        self.date_at(self.now())
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

/// A deadline an issue can pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeadlineKind {
    /// The rectification deadline.
    Deadline,
    /// The deadline of the special-supervision listing (挂牌督办), which may come first.
    SupervisionDeadline,
}

/// The deadlines an issue has passed on `today`: the rule of "overdue", which the API, the
/// filters, the statistics (`service::issues::overdue_sql` writes it as SQL), the exports, the
/// map and the assessment all follow. An issue is overdue from the day after its deadline or
/// from the day after its supervision deadline, whichever comes first, until the
/// rectification is accepted.
pub fn overdue_deadlines(
    deadline: Option<NaiveDate>,
    supervision_deadline: Option<NaiveDate>,
    status: IssueStatus,
    today: NaiveDate,
) -> impl Iterator<Item = DeadlineKind> {
    let open = !is_completed(status);
    [(DeadlineKind::Deadline, deadline), (DeadlineKind::SupervisionDeadline, supervision_deadline)]
        .into_iter()
        .filter_map(move |(kind, day)| (open && day.is_some_and(|day| today > day)).then_some(kind))
}

/// Whether the issue has passed any of its deadlines (see `overdue_deadlines`).
pub fn is_overdue(
    deadline: Option<NaiveDate>,
    supervision_deadline: Option<NaiveDate>,
    status: IssueStatus,
    today: NaiveDate,
) -> bool {
    overdue_deadlines(deadline, supervision_deadline, status, today).next().is_some()
}

/// The deadline that comes first, the one the issue is overdue from the day after.
pub fn first_deadline(deadline: Option<NaiveDate>, supervision_deadline: Option<NaiveDate>) -> Option<NaiveDate> {
    deadline.into_iter().chain(supervision_deadline).min()
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
        assert!(!is_overdue(deadline, None, IssueStatus::InProgress, date("2026-03-31")));
        assert!(is_overdue(deadline, None, IssueStatus::InProgress, date("2026-04-01")));
        assert!(!is_overdue(deadline, None, IssueStatus::Accepted, date("2026-04-01")));
        assert!(!is_overdue(deadline, None, IssueStatus::Closed, date("2026-04-01")));
        assert!(!is_overdue(None, None, IssueStatus::Reported, date("2026-04-01")));
    }

    #[test]
    fn an_issue_is_overdue_from_the_day_after_whichever_deadline_comes_first() {
        use DeadlineKind::*;
        let passed = |deadline: &str, supervision: &str, status, today: &str| -> Vec<DeadlineKind> {
            overdue_deadlines(Some(date(deadline)), Some(date(supervision)), status, date(today)).collect()
        };
        let open = IssueStatus::InProgress;
        assert_eq!(passed("2026-06-30", "2026-03-31", open, "2026-03-31"), []);
        assert_eq!(passed("2026-06-30", "2026-03-31", open, "2026-04-01"), [SupervisionDeadline]);
        assert_eq!(passed("2026-03-31", "2026-06-30", open, "2026-04-01"), [Deadline]);
        assert_eq!(passed("2026-03-31", "2026-03-31", open, "2026-04-01"), [Deadline, SupervisionDeadline]);
        assert_eq!(passed("2026-06-30", "2026-03-31", IssueStatus::Accepted, "2026-07-01"), []);
        assert!(is_overdue(None, Some(date("2026-03-31")), IssueStatus::Assigned, date("2026-04-01")));
        assert_eq!(first_deadline(Some(date("2026-06-30")), Some(date("2026-03-31"))), Some(date("2026-03-31")));
        assert_eq!(first_deadline(None, None), None);
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

    #[test]
    fn a_clock_set_back_runs_that_far_behind() {
        let clock = CountyClock::new(chrono_tz::Asia::Shanghai);
        let behind = clock.set_back(TimeDelta::days(21));
        assert_eq!(behind.today(), clock.today() - TimeDelta::days(21));
        let gap = clock.now() - behind.now();
        assert!((gap - TimeDelta::days(21)).abs() < TimeDelta::seconds(5), "{gap}");
    }
}
