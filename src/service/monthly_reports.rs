//! Monthly reports: the bureau freezes a month's figures as submitted to the superior
//! agencies. The figures are counted as the ledger stood at the end of the month's last day,
//! stored as JSON, and never recomputed: later changes to the ledger do not touch them, and
//! the table refuses UPDATE and DELETE.

use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::{AccountabilityMeasure, AccountabilitySubjectType, CaseStatus, IssueAction};
use entity::{accountability_case, case_measure, issue_event, monthly_report};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, SqlErr};
use serde::{Deserialize, Serialize};

use super::Services;
use super::issues::IssueFilter;
use super::optional_text;
use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, authorize};
use super::statistics::{Dimension, Statistics};
use crate::auth::Principal;
use crate::domain::cents::Cents;
use crate::error::{AppError, AppResult};

/// Accountability in the month: cases opened and decided, by whom they pursue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountabilityTotals {
    pub opened: u64,
    pub decided: u64,
    pub decided_against_departments: u64,
    pub decided_against_officials: u64,
    pub decided_against_enterprises: u64,
}

/// Enforcement against enterprises in the month: decided cases and their fines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnforcementTotals {
    pub cases_decided: u64,
    pub fines: u64,
    /// The one-off fines' sum, in fen (daily fines are counted, their running sums are not).
    pub fines_total: Cents,
}

/// Everything a report freezes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyFigures {
    /// The day the ledger was counted at the end of.
    pub as_of: NaiveDate,
    /// By status.
    pub overall: Statistics,
    pub by_aspect: Statistics,
    pub by_department: Statistics,
    /// Supervised issues, by supervision level.
    pub supervised: Statistics,
    /// Reopenings during the month.
    pub relapses_in_month: u64,
    pub accountability: AccountabilityTotals,
    pub enforcement: EnforcementTotals,
}

/// A month as `YYYY-MM`: its first and last days.
fn parse_month(text: &str) -> AppResult<(String, NaiveDate, NaiveDate)> {
    let bad = || AppError::bad_input("month", "`month` is written `YYYY-MM`, e.g. `2026-04`");
    let text = text.trim();
    if text.len() != 7 {
        return Err(bad());
    }
    let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?;
    Ok((format!("{:04}-{:02}", first.year(), first.month()), first, next - Duration::days(1)))
}

impl Services {
    /// Freezes `month`'s figures. Only a month that has ended can be reported, and only once.
    pub async fn submit_monthly_report(
        &self,
        actor: &Principal,
        month: &str,
        note: Option<&str>,
    ) -> AppResult<monthly_report::Model> {
        authorize(actor, Action::SubmitMonthlyReports)?;
        let (month, first, last) = parse_month(month)?;
        let note = optional_text("note", note, 20_000)?;
        if last >= self.clock.today() {
            return Err(AppError::bad_input("month", format!("{month} has not ended yet")));
        }
        let exists = monthly_report::Entity::find().filter(monthly_report::Column::Month.eq(&month)).count(self.conn());
        if exists.await? > 0 {
            return Err(AppError::conflict(format!("the report for {month} was submitted already; it cannot change")));
        }
        let figures = self.monthly_figures(actor, first, last).await?;
        let seal = self.seal_month(self.conn(), &month).await?;
        let row = monthly_report::ActiveModel {
            history_root: Set(Some(seal.root)),
            history_leaves: Set(Some(seal.leaves)),
            signature: Set(seal.signature),
            signing_key: Set(seal.signing_key),
            month: Set(month.clone()),
            note: Set(note),
            submitted_by: Set(actor.sub.clone()),
            submitted_at: Set(self.clock.now()),
            figures: Set(serde_json::to_string(&figures).map_err(AppError::internal)?),
            ..Default::default()
        };
        match row.insert(self.conn()).await {
            Ok(saved) => Ok(saved),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Err(AppError::conflict(format!("the report for {month} was submitted already; it cannot change")))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn monthly_figures(&self, actor: &Principal, first: NaiveDate, last: NaiveDate) -> AppResult<MonthlyFigures> {
        let all = IssueFilter::default();
        let at = Some(last);
        let (start, end) = (self.clock.start_of(first), self.clock.start_of(last + Duration::days(1)));
        let relapses_in_month = issue_event::Entity::find()
            .filter(issue_event::Column::Action.eq(IssueAction::Reopened))
            .filter(issue_event::Column::At.gte(start))
            .filter(issue_event::Column::At.lt(end))
            .count(self.conn())
            .await?;
        let opened = accountability_case::Entity::find()
            .filter(accountability_case::Column::OpenedAt.gte(start))
            .filter(accountability_case::Column::OpenedAt.lt(end))
            .count(self.conn())
            .await?;
        let decided = accountability_case::Entity::find()
            .filter(accountability_case::Column::DecidedAt.gte(start))
            .filter(accountability_case::Column::DecidedAt.lt(end))
            .filter(accountability_case::Column::Status.is_in([CaseStatus::Decided, CaseStatus::Closed]))
            .all(self.conn())
            .await?;
        let against = |kind| decided.iter().filter(|c| c.subject_type == kind).count() as u64;
        let enterprise_cases: Vec<i64> =
            decided.iter().filter(|c| c.subject_type == AccountabilitySubjectType::Enterprise).map(|c| c.id).collect();
        let fines = case_measure::Entity::find()
            .filter(case_measure::Column::CaseId.is_in(enterprise_cases.iter().copied()))
            .filter(
                case_measure::Column::Measure.is_in([AccountabilityMeasure::Fine, AccountabilityMeasure::DailyFine]),
            )
            .all(self.conn())
            .await?;
        Ok(MonthlyFigures {
            as_of: last,
            overall: self.issue_statistics(actor, &all, &[Dimension::Status], at).await?,
            by_aspect: self.issue_statistics(actor, &all, &[Dimension::Aspect], at).await?,
            by_department: self.issue_statistics(actor, &all, &[Dimension::LeadDepartment], at).await?,
            supervised: self.supervised_at(actor, last).await?,
            relapses_in_month,
            accountability: AccountabilityTotals {
                opened,
                decided: decided.len() as u64,
                decided_against_departments: against(AccountabilitySubjectType::Department),
                decided_against_officials: against(AccountabilitySubjectType::Official),
                decided_against_enterprises: against(AccountabilitySubjectType::Enterprise),
            },
            enforcement: EnforcementTotals {
                cases_decided: enterprise_cases.len() as u64,
                fines: fines.len() as u64,
                fines_total: Cents(fines.iter().filter_map(|m| m.amount_fen).sum()),
            },
        })
    }

    /// The issues under supervision at the end of `day`, by level. Supervision is read from
    /// each issue's state that day (not from today's `supervised` filter): the "none" group of
    /// the grouping is what is left out.
    async fn supervised_at(&self, actor: &Principal, day: NaiveDate) -> AppResult<Statistics> {
        let all = IssueFilter::default();
        let by_level = self.issue_statistics(actor, &all, &[Dimension::SupervisionLevel], Some(day)).await?;
        let mut supervised = Statistics::default();
        for group in by_level.groups.into_iter().filter(|g| g.key.iter().all(|k| !k.is_empty())) {
            supervised.counts.add(&group.counts);
            supervised.groups.push(group);
        }
        Ok(supervised)
    }

    /// Submitted reports, in the order they were submitted.
    pub async fn monthly_reports(&self, actor: &Principal, args: &PageArgs) -> AppResult<Page<monthly_report::Model>> {
        authorize(actor, Action::ReadMonthlyReports)?;
        page_by_id(self.conn(), monthly_report::Entity::find(), monthly_report::Column::Id, "report", args).await
    }

    pub async fn count_monthly_reports(&self, actor: &Principal) -> AppResult<u64> {
        authorize(actor, Action::ReadMonthlyReports)?;
        Ok(monthly_report::Entity::find().count(self.conn()).await?)
    }

    pub async fn monthly_reports_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<std::collections::HashMap<i64, monthly_report::Model>> {
        if authorize(actor, Action::ReadMonthlyReports).is_err() {
            return Ok(Default::default());
        }
        let rows = monthly_report::Entity::find()
            .filter(monthly_report::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// The frozen figures of a stored report.
pub fn figures_of(report: &monthly_report::Model) -> AppResult<MonthlyFigures> {
    serde_json::from_str(&report.figures).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::parse_month;

    #[test]
    fn months_are_written_year_dash_month() {
        let (month, first, last) = parse_month("2026-02").unwrap();
        assert_eq!(
            (month.as_str(), first.to_string(), last.to_string()),
            ("2026-02", "2026-02-01".into(), "2026-02-28".into())
        );
        assert_eq!(parse_month("2024-02").unwrap().2.to_string(), "2024-02-29");
        for bad in ["2026-13", "2026-4", "26-04", "april", "2026-04-01"] {
            assert_eq!(parse_month(bad).unwrap_err().code(), "BAD_USER_INPUT", "{bad}");
        }
    }
}
