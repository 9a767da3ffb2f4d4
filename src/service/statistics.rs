//! Issue statistics for superior agencies: totals, rates and groups by any dimensions, counted
//! by the database with one grouped query, under the caller's visibility and any filter.
//!
//! `asOf` counts the ledger as it stood at the end of a county day. The state of an issue then
//! is that of its last event before the next day began, the rule of `domain::history` (which
//! the assessment folds in memory); here the database picks that event with a window function,
//! so that no event and no issue is loaded into memory. A test checks that both agree.

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use entity::enums::{DisputeDecision, IssueStatus, LookBackOutcome, ObjectionOutcome};
use entity::{assignment_dispute, category, issue, issue_event, look_back_task, notice_objection};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};

use super::Services;
use super::issues::{IssueFilter, overdue_sql};
use crate::auth::Principal;
use crate::domain::api_name;
use crate::error::{AppError, AppResult};

/// What issues can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Status,
    Severity,
    Round,
    Aspect,
    Category,
    LeadDepartment,
    Township,
    SupervisionLevel,
    DeadlineMonth,
    /// Today's warning light (`domain::warning`); not for a past day.
    WarningLight,
}

/// At most this many dimensions at once (each multiplies the groups).
pub const MAX_DIMENSIONS: usize = 4;

/// Counts of a set of issues; rates are derived from them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub total: u64,
    pub open: u64,
    pub overdue: u64,
    pub accepted: u64,
    pub closed: u64,
    /// Completed issues accepted by the end of their deadline day.
    pub completed_on_time: u64,
    pub relapses: u64,
    /// Assignment disputes raised about the issues (reports frozen before these counts read 0).
    #[serde(default)]
    pub disputes_raised: u64,
    /// Of those, the ones that ended in a reassignment.
    #[serde(default)]
    pub disputes_reassigned: u64,
    /// Objections to the issues' public notices, and of those the ones upheld.
    #[serde(default)]
    pub objections: u64,
    #[serde(default)]
    pub objections_upheld: u64,
    /// Look-back tasks on the issues answered, and of those the ones that found a relapse.
    #[serde(default)]
    pub look_back_checked: u64,
    #[serde(default)]
    pub look_back_relapsed: u64,
}

impl Counts {
    fn ratio(part: u64, whole: u64) -> Option<f64> {
        (whole > 0).then(|| part as f64 / whole as f64)
    }
    pub fn completed(&self) -> u64 {
        self.accepted + self.closed
    }
    /// (ACCEPTED + CLOSED) / total; `None` without issues.
    pub fn completion_rate(&self) -> Option<f64> {
        Self::ratio(self.completed(), self.total)
    }
    /// CLOSED / total.
    pub fn closure_rate(&self) -> Option<f64> {
        Self::ratio(self.closed, self.total)
    }
    /// Of the completed issues, the share accepted on or before their deadline.
    pub fn on_time_rate(&self) -> Option<f64> {
        Self::ratio(self.completed_on_time, self.completed())
    }
    /// Of the look-back checks answered, the share that found a relapse.
    pub fn look_back_relapse_rate(&self) -> Option<f64> {
        Self::ratio(self.look_back_relapsed, self.look_back_checked)
    }
    pub(crate) fn add(&mut self, other: &Counts) {
        self.total += other.total;
        self.open += other.open;
        self.overdue += other.overdue;
        self.accepted += other.accepted;
        self.closed += other.closed;
        self.completed_on_time += other.completed_on_time;
        self.relapses += other.relapses;
        self.disputes_raised += other.disputes_raised;
        self.disputes_reassigned += other.disputes_reassigned;
        self.objections += other.objections;
        self.objections_upheld += other.objections_upheld;
        self.look_back_checked += other.look_back_checked;
        self.look_back_relapsed += other.look_back_relapsed;
    }
}

/// One group: the raw key of each dimension (a row id, an enum name, a month; empty for
/// none), its name as counted (a row's name then; the key itself for the rest; `none` for an
/// empty key), and its counts. Monthly reports keep these as they were written, so the names of
/// rows stay those of the month; the API labels enum values and empty keys when it reads them
/// (`graphql::types::statistics`), in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub key: Vec<String>,
    pub labels: Vec<String>,
    pub counts: Counts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Statistics {
    pub counts: Counts,
    pub groups: Vec<Group>,
}

/// Where the counted state of each issue comes from: the issue row (now), or its last event
/// before a cut-off (as of a day).
struct Source {
    status: SimpleExpr,
    severity: SimpleExpr,
    category: SimpleExpr,
    lead: SimpleExpr,
    deadline: SimpleExpr,
    supervision: SimpleExpr,
    supervision_deadline: SimpleExpr,
    relapses: SimpleExpr,
    /// When the issue was last accepted (as of the day, for `asOf`).
    accepted_at: SimpleExpr,
    /// The county day that "overdue" is judged on.
    day: NaiveDate,
    /// Records of the issues (disputes, objections, look-back checks) count when made before
    /// this instant (the end of the `asOf` day); all of them without one.
    cutoff: Option<DateTime<Utc>>,
}

const STATE: &str = "state";

fn state(column: &str) -> SimpleExpr {
    Expr::col((Alias::new(STATE), Alias::new(column)))
}

fn text(expr: SimpleExpr) -> SimpleExpr {
    expr.cast_as(Alias::new("TEXT"))
}

/// How many rows of a group `condition` holds for, as a 64-bit integer (0 for none).
pub(crate) fn count_if(condition: SimpleExpr) -> SimpleExpr {
    let summed: SimpleExpr = Func::sum(Expr::case(condition, 1).finally(0)).into();
    bigint(Func::coalesce([summed, Expr::val(0)]).into())
}

/// PostgreSQL sums BIGINTs into NUMERIC; every count is read back as a 64-bit integer.
fn bigint(expr: SimpleExpr) -> SimpleExpr {
    expr.cast_as(Alias::new("BIGINT"))
}

impl Services {
    /// Statistics of the issues the actor may see, narrowed by `filter`, grouped by `dimensions`
    /// (in that order), now or as of the end of the county day `as_of`.
    pub async fn issue_statistics(
        &self,
        actor: &Principal,
        filter: &IssueFilter,
        dimensions: &[Dimension],
        as_of: Option<NaiveDate>,
    ) -> AppResult<Statistics> {
        if dimensions.len() > MAX_DIMENSIONS {
            return Err(AppError::bad_input("groupBy", format!("group by at most {MAX_DIMENSIONS} dimensions")));
        }
        if dimensions.iter().enumerate().any(|(n, d)| dimensions[..n].contains(d)) {
            return Err(AppError::bad_input("groupBy", "name each dimension once"));
        }
        let today = self.clock.today();
        if as_of.is_some_and(|day| day > today) {
            return Err(AppError::bad_input("asOf", "`asOf` cannot be after today"));
        }
        if as_of.is_some() && dimensions.contains(&Dimension::WarningLight) {
            return Err(AppError::bad_input(
                "groupBy",
                "`WARNING_LIGHT` is today's light: the plan it reads is not kept for past days, so it cannot be grouped `asOf`",
            ));
        }
        let condition = self.issue_condition(actor, filter)?;
        let mut query = Query::select();
        query.from(issue::Entity).cond_where(condition);
        let source = match as_of {
            None => Source {
                status: Expr::col((issue::Entity, issue::Column::Status)),
                severity: Expr::col((issue::Entity, issue::Column::Severity)),
                category: Expr::col((issue::Entity, issue::Column::CategoryId)),
                lead: Expr::col((issue::Entity, issue::Column::LeadDepartmentId)),
                deadline: Expr::col((issue::Entity, issue::Column::Deadline)),
                supervision: Expr::col((issue::Entity, issue::Column::SupervisionLevel)),
                supervision_deadline: Expr::col((issue::Entity, issue::Column::SupervisionDeadline)),
                relapses: Expr::col((issue::Entity, issue::Column::ReopenCount)),
                accepted_at: Expr::col((issue::Entity, issue::Column::AcceptedAt)),
                day: today,
                cutoff: None,
            },
            Some(day) => {
                query.join_subquery(
                    JoinType::InnerJoin,
                    self.states_before(day),
                    Alias::new(STATE),
                    Expr::col((Alias::new(STATE), Alias::new("issue_id")))
                        .equals((issue::Entity, issue::Column::Id))
                        .and(Expr::col((Alias::new(STATE), Alias::new("latest"))).eq(1)),
                );
                Source {
                    status: state("to_status"),
                    severity: state("severity"),
                    category: state("category_id"),
                    lead: state("lead_department_id"),
                    deadline: state("deadline"),
                    supervision: state("supervision_level"),
                    // Events record the supervision level, not its deadline: an issue under
                    // supervision that day has the deadline it carries now (as the assessment
                    // reads it, `domain::history::states_at`).
                    supervision_deadline: Expr::case(
                        state("supervision_level").is_not_null(),
                        Expr::col((issue::Entity, issue::Column::SupervisionDeadline)),
                    )
                    .into(),
                    relapses: state("relapses"),
                    accepted_at: state("accepted_at"),
                    day,
                    cutoff: Some(self.clock.start_of(day + chrono::Duration::days(1))),
                }
            }
        };
        query.join(
            JoinType::LeftJoin,
            category::Entity,
            Expr::col((category::Entity, category::Column::Id)).eq(source.category.clone()),
        );
        for (n, dimension) in dimensions.iter().enumerate() {
            let expr = self.dimension_expr(*dimension, &source);
            query.expr_as(expr.clone(), Alias::new(format!("k{n}")));
            query.add_group_by([expr]);
        }
        self.aggregates(&mut query, &source);
        let rows = self.conn().query_all(&query).await?;
        let mut statistics = Statistics::default();
        for row in rows {
            let counts = read_counts(&row)?;
            statistics.counts.add(&counts);
            if !dimensions.is_empty() {
                let key = (0..dimensions.len())
                    .map(|n| row.try_get::<Option<String>>("", &format!("k{n}")).map(Option::unwrap_or_default))
                    .collect::<Result<Vec<_>, _>>()?;
                statistics.groups.push(Group { key, labels: Vec::new(), counts });
            }
        }
        // Sorted here, not in SQL: the databases put NULL ("none") at opposite ends.
        statistics.groups.sort_by(|a, b| compare_keys(&a.key, &b.key));
        self.label_groups(dimensions, &mut statistics.groups).await?;
        Ok(statistics)
    }

    /// Names each group's keys: rounds, aspects, categories and departments by name, the rest
    /// as they are. Names are kept with frozen reports, so they are resolved here, when counted.
    async fn label_groups(&self, dimensions: &[Dimension], groups: &mut [Group]) -> AppResult<()> {
        let named =
            [Dimension::Round, Dimension::Aspect, Dimension::Category, Dimension::LeadDepartment, Dimension::Township];
        let tables = match dimensions.iter().any(|d| named.contains(d)) {
            true => Some(self.reference_tables().await?),
            false => None,
        };
        for group in groups {
            group.labels = dimensions
                .iter()
                .zip(&group.key)
                .map(|(dimension, key)| {
                    if key.is_empty() {
                        return "none".to_owned();
                    }
                    let (Some(tables), Ok(id)) = (&tables, key.parse::<i64>()) else { return key.clone() };
                    let name = match dimension {
                        Dimension::Round => tables.rounds.get(&id).map(|r| &r.name),
                        Dimension::Aspect => tables.aspects.get(&id).map(|a| &a.name),
                        Dimension::Category => tables.categories.get(&id).map(|c| &c.name),
                        Dimension::LeadDepartment | Dimension::Township => tables.departments.get(&id).map(|d| &d.name),
                        _ => None,
                    };
                    name.unwrap_or(key).clone()
                })
                .collect();
        }
        Ok(())
    }

    /// Every event before the end of `day` (county time), each with `latest = 1` on the issue's
    /// last one and the issue's relapses so far.
    fn states_before(&self, day: NaiveDate) -> SelectStatement {
        let cutoff = self.clock.start_of(day + chrono::Duration::days(1));
        Query::select()
            .columns([
                issue_event::Column::IssueId,
                issue_event::Column::ToStatus,
                issue_event::Column::Severity,
                issue_event::Column::CategoryId,
                issue_event::Column::LeadDepartmentId,
                issue_event::Column::Deadline,
                issue_event::Column::SupervisionLevel,
            ])
            .expr_as(
                Expr::cust("ROW_NUMBER() OVER (PARTITION BY issue_id ORDER BY at DESC, id DESC)"),
                Alias::new("latest"),
            )
            .expr_as(
                Expr::cust("SUM(CASE WHEN action = 'REOPENED' THEN 1 ELSE 0 END) OVER (PARTITION BY issue_id)"),
                Alias::new("relapses"),
            )
            // The acceptance in force that day, not a later one after a relapse.
            .expr_as(
                Expr::cust("MAX(CASE WHEN action = 'ACCEPTED' THEN at END) OVER (PARTITION BY issue_id)"),
                Alias::new("accepted_at"),
            )
            .from(issue_event::Entity)
            .and_where(Expr::col(issue_event::Column::At).lt(cutoff))
            .to_owned()
    }

    fn dimension_expr(&self, dimension: Dimension, source: &Source) -> SimpleExpr {
        match dimension {
            Dimension::Status => text(source.status.clone()),
            Dimension::Severity => text(source.severity.clone()),
            Dimension::Round => text(Expr::col((issue::Entity, issue::Column::RoundId))),
            Dimension::Aspect => text(Expr::col((category::Entity, category::Column::AspectId))),
            Dimension::Category => text(source.category.clone()),
            Dimension::LeadDepartment => text(source.lead.clone()),
            Dimension::Township => text(Expr::col((issue::Entity, issue::Column::TownshipId))),
            Dimension::SupervisionLevel => text(source.supervision.clone()),
            Dimension::DeadlineMonth => match self.backend() {
                // The format is written into the SQL, not bound: PostgreSQL matches the select and
                // GROUP BY expressions by their text, and two bound parameters never match.
                DbBackend::Postgres => Expr::cust_with_exprs("to_char($1, 'YYYY-MM')", [source.deadline.clone()]),
                _ => Expr::cust_with_exprs("strftime('%Y-%m', ?)", [source.deadline.clone()]),
            },
            Dimension::WarningLight => self.warning_light_today_sql(),
        }
    }

    /// The counts of each group, as SQL aggregates.
    fn aggregates(&self, query: &mut SelectStatement, source: &Source) {
        let completed = || source.status.clone().is_in(["ACCEPTED", "CLOSED"]);
        let overdue = overdue_sql(
            source.status.clone(),
            source.deadline.clone(),
            source.supervision_deadline.clone(),
            source.day,
        );
        let accepted_at = source.accepted_at.clone();
        // Accepted before the county's midnight that ends the deadline day.
        let on_time = match self.backend() {
            DbBackend::Postgres => {
                let zone = self.clock.timezone().name().replace('\'', "");
                let sql = format!("$1 < (($2 + 1)::timestamp AT TIME ZONE '{zone}')");
                Expr::cust_with_exprs(sql, [accepted_at, source.deadline.clone()])
            }
            _ => {
                let julian = |expr: SimpleExpr| -> SimpleExpr { Func::cust("julianday").arg(expr).into() };
                let end_of_deadline = julian(source.deadline.clone()).add(1.0 - self.clock.utc_offset_days());
                julian(accepted_at).lt(end_of_deadline)
            }
        };
        let on_time = completed().and(source.deadline.clone().is_not_null()).and(on_time);
        query
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("total"))
            .expr_as(count_if(completed().not()), Alias::new("open"))
            .expr_as(count_if(overdue), Alias::new("overdue"))
            .expr_as(count_if(source.status.clone().eq(api_name(&IssueStatus::Accepted))), Alias::new("accepted"))
            .expr_as(count_if(source.status.clone().eq(api_name(&IssueStatus::Closed))), Alias::new("closed"))
            .expr_as(count_if(on_time), Alias::new("on_time"))
            .expr_as(
                bigint(Func::coalesce([SimpleExpr::from(Func::sum(source.relapses.clone())), Expr::val(0)]).into()),
                Alias::new("relapses"),
            );
        let sum = |records: SimpleExpr| -> SimpleExpr {
            bigint(Func::coalesce([SimpleExpr::from(Func::sum(records)), Expr::val(0)]).into())
        };
        for (name, records) in [
            ("disputes_raised", related(source, RelatedRecords::Disputes, None)),
            (
                "disputes_reassigned",
                related(
                    source,
                    RelatedRecords::Disputes,
                    Some(Expr::col(assignment_dispute::Column::Decision).eq(api_name(&DisputeDecision::Reassign))),
                ),
            ),
            ("objections", related(source, RelatedRecords::Objections, None)),
            (
                "objections_upheld",
                related(
                    source,
                    RelatedRecords::Objections,
                    Some(Expr::col(notice_objection::Column::Outcome).eq(api_name(&ObjectionOutcome::Upheld))),
                ),
            ),
            ("look_back_checked", related(source, RelatedRecords::LookBackChecks, None)),
            (
                "look_back_relapsed",
                related(
                    source,
                    RelatedRecords::LookBackChecks,
                    Some(Expr::col(look_back_task::Column::Outcome).eq(api_name(&LookBackOutcome::Relapsed))),
                ),
            ),
        ] {
            query.expr_as(sum(records), Alias::new(name));
        }
    }
}

/// The records about an issue that statistics count.
#[derive(Clone, Copy)]
enum RelatedRecords {
    Disputes,
    Objections,
    /// Answered look-back tasks.
    LookBackChecks,
}

/// How many records of a kind each issue has (a correlated subquery), made before the cutoff
/// and matching `only`. A ruling, a resolution or an answer made after the cutoff reads as
/// not made then.
fn related(source: &Source, records: RelatedRecords, only: Option<SimpleExpr>) -> SimpleExpr {
    let mut query = Query::select();
    query.expr(Expr::cust("COUNT(*)"));
    let (issue_column, made_at, decided_at): (SimpleExpr, SimpleExpr, Option<SimpleExpr>) = match records {
        RelatedRecords::Disputes => {
            query.from(assignment_dispute::Entity);
            (
                Expr::col((assignment_dispute::Entity, assignment_dispute::Column::IssueId)),
                Expr::col((assignment_dispute::Entity, assignment_dispute::Column::RaisedAt)),
                Some(Expr::col((assignment_dispute::Entity, assignment_dispute::Column::RuledAt))),
            )
        }
        RelatedRecords::Objections => {
            query.from(notice_objection::Entity);
            (
                Expr::col((notice_objection::Entity, notice_objection::Column::IssueId)),
                Expr::col((notice_objection::Entity, notice_objection::Column::RecordedAt)),
                Some(Expr::col((notice_objection::Entity, notice_objection::Column::ResolvedAt))),
            )
        }
        RelatedRecords::LookBackChecks => {
            query.from(look_back_task::Entity);
            let answered: SimpleExpr = Expr::col((look_back_task::Entity, look_back_task::Column::AnsweredAt));
            query.and_where(answered.clone().is_not_null());
            (Expr::col((look_back_task::Entity, look_back_task::Column::IssueId)), answered, None)
        }
    };
    query.and_where(issue_column.eq(Expr::col((issue::Entity, issue::Column::Id))));
    if let Some(cutoff) = source.cutoff {
        query.and_where(made_at.lt(cutoff));
        if let (Some(decided_at), Some(_)) = (decided_at, &only) {
            query.and_where(decided_at.lt(cutoff));
        }
    }
    if let Some(only) = only {
        query.and_where(only);
    }
    SimpleExpr::SubQuery(None, Box::new(query.into()))
}

/// Keys in order: "none" first, numbers as numbers, the rest as text.
fn compare_keys(a: &[String], b: &[String]) -> std::cmp::Ordering {
    let rank = |k: &String| (!k.is_empty(), k.parse::<i64>().ok(), k.clone());
    a.iter().map(rank).cmp(b.iter().map(rank))
}

fn read_counts(row: &QueryResult) -> AppResult<Counts> {
    let get = |name: &str| -> AppResult<u64> {
        let value: i64 = row.try_get("", name)?;
        Ok(u64::try_from(value).unwrap_or_default())
    };
    Ok(Counts {
        total: get("total")?,
        open: get("open")?,
        overdue: get("overdue")?,
        accepted: get("accepted")?,
        closed: get("closed")?,
        completed_on_time: get("on_time")?,
        relapses: get("relapses")?,
        disputes_raised: get("disputes_raised")?,
        disputes_reassigned: get("disputes_reassigned")?,
        objections: get("objections")?,
        objections_upheld: get("objections_upheld")?,
        look_back_checked: get("look_back_checked")?,
        look_back_relapsed: get("look_back_relapsed")?,
    })
}
