//! The ledger over time: per week or month, the issues registered, completed and closed, and
//! those overdue and still open when the interval ended.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::IssueAction;
use entity::{issue, issue_event};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend};

use super::Services;
use super::issues::IssueFilter;
use crate::auth::Principal;
use crate::domain::api_name;
use crate::error::{AppError, AppResult};

/// At most this many points in one trend.
pub const MAX_POINTS: usize = 120;

/// The number of points a trend from `from` to `to` has (counted up to one past the most
/// allowed, so that a request for too many is priced over any limit and refused).
pub fn point_count(from: NaiveDate, to: NaiveDate, interval: Interval) -> usize {
    if !within_range(from, to) {
        // Refused as bad input when it runs; priced as one point until then.
        return 1;
    }
    let mut start = interval.start_of(from);
    let mut points = 0;
    while start <= to && points <= MAX_POINTS {
        points += 1;
        start = interval.next(start);
    }
    points.max(1)
}

/// Whether a trend's days lie between 1900 and 2200, where interval arithmetic cannot overflow.
fn within_range(from: NaiveDate, to: NaiveDate) -> bool {
    let (earliest, latest) = (NaiveDate::from_ymd_opt(1900, 1, 1), NaiveDate::from_ymd_opt(2200, 12, 31));
    !(earliest.is_some_and(|d| from < d) || latest.is_some_and(|d| to > d))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// Monday to Sunday.
    Week,
    Month,
}

impl Interval {
    /// The first day of the interval that holds `day`.
    fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Interval::Week => day - Duration::days(day.weekday().num_days_from_monday().into()),
            Interval::Month => day.with_day(1).unwrap_or(day),
        }
    }

    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Interval::Week => start + Duration::days(7),
            Interval::Month => start.checked_add_months(chrono::Months::new(1)).unwrap_or(start),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub period_start: NaiveDate,
    pub registered: u64,
    /// Acceptances in the interval (an issue accepted again after a relapse counts again).
    pub completed: u64,
    pub closed: u64,
    /// Overdue and not completed at the end of the interval's last day (or today, for the
    /// interval still running); `None` for intervals that have not begun.
    pub overdue_open_at_end: Option<u64>,
}

impl Services {
    pub async fn issue_trend(
        &self,
        actor: &Principal,
        filter: &IssueFilter,
        from: NaiveDate,
        to: NaiveDate,
        interval: Interval,
    ) -> AppResult<Vec<TrendPoint>> {
        if from > to {
            return Err(AppError::bad_input("to", "`to` must not be before `from`"));
        }
        if !within_range(from, to) {
            return Err(AppError::bad_input("from", "a trend lies between 1900 and 2200"));
        }
        let mut starts = vec![interval.start_of(from)];
        while let Some(&last) = starts.last() {
            let next = interval.next(last);
            if next > to {
                break;
            }
            if starts.len() == MAX_POINTS {
                return Err(AppError::bad_input("to", format!("a trend has at most {MAX_POINTS} points")));
            }
            starts.push(next);
        }
        let end = interval.next(*starts.last().unwrap_or(&from));
        let per_day = self.events_per_day(actor, filter, starts[0], end).await?;
        let today = self.clock.today();
        let mut points = Vec::with_capacity(starts.len());
        for start in starts {
            let next = interval.next(start);
            let mut point =
                TrendPoint { period_start: start, registered: 0, completed: 0, closed: 0, overdue_open_at_end: None };
            for ((day, action), count) in &per_day {
                if *day < start || *day >= next {
                    continue;
                }
                match action {
                    IssueAction::Registered => point.registered += count,
                    IssueAction::Accepted => point.completed += count,
                    IssueAction::Closed => point.closed += count,
                    _ => {}
                }
            }
            if start <= today {
                let last_day = Ord::min(next - Duration::days(1), today);
                let counted = self.issue_statistics(actor, filter, &[], Some(last_day)).await?;
                point.overdue_open_at_end = Some(counted.counts.overdue);
            }
            points.push(point);
        }
        Ok(points)
    }

    /// Registrations, acceptances and closures of the visible, filtered issues per county day in
    /// `[from, until)`, counted by the database.
    async fn events_per_day(
        &self,
        actor: &Principal,
        filter: &IssueFilter,
        from: NaiveDate,
        until: NaiveDate,
    ) -> AppResult<HashMap<(NaiveDate, IssueAction), u64>> {
        let at: SimpleExpr = Expr::col((issue_event::Entity, issue_event::Column::At));
        let day: SimpleExpr = match self.backend() {
            DbBackend::Postgres => {
                // to_char, not a cast to text: a cast follows the server's DateStyle.
                let zone = self.clock.timezone().name().replace('\'', "");
                Expr::cust_with_exprs(format!("to_char(($1 AT TIME ZONE '{zone}'), 'YYYY-MM-DD')"), [at])
            }
            _ => {
                let minutes = (self.clock.utc_offset_days() * 1440.0).round() as i64;
                Expr::cust_with_exprs(format!("date(?, '{minutes:+} minutes')"), [at])
            }
        };
        let actions = [IssueAction::Registered, IssueAction::Accepted, IssueAction::Closed];
        let query = Query::select()
            .expr_as(day.clone(), Alias::new("day"))
            .column(issue_event::Column::Action)
            .expr_as(Func::count(Expr::col(issue_event::Column::Id)).cast_as(Alias::new("BIGINT")), Alias::new("n"))
            .from(issue_event::Entity)
            .and_where(Expr::col(issue_event::Column::Action).is_in(actions.iter().map(api_name)))
            .and_where(Expr::col(issue_event::Column::At).gte(self.clock.start_of(from)))
            .and_where(Expr::col(issue_event::Column::At).lt(self.clock.start_of(until)))
            .and_where(
                Expr::col(issue_event::Column::IssueId).in_subquery(
                    Query::select()
                        .column((issue::Entity, issue::Column::Id))
                        .from(issue::Entity)
                        .cond_where(self.issue_condition(actor, filter)?)
                        .to_owned(),
                ),
            )
            .add_group_by([day, Expr::col(issue_event::Column::Action)])
            .to_owned();
        let mut counted = HashMap::new();
        for row in self.conn().query_all(&query).await? {
            let day: String = row.try_get("", "day")?;
            let action: String = row.try_get("", "action")?;
            let n: i64 = row.try_get("", "n")?;
            let day = day.parse::<NaiveDate>().map_err(AppError::internal)?;
            let Some(action) = actions.iter().find(|a| api_name(*a) == action) else { continue };
            counted.insert((day, *action), u64::try_from(n).unwrap_or_default());
        }
        Ok(counted)
    }
}
