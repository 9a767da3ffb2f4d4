//! The ledger (台账): every issue a filter selects, read in pages with the caller's
//! visibility, each row carrying the names an office reads (aspect, units, latest progress).
//!
//! Exports and the battle map can run to tens of thousands of issues, so nothing here holds
//! more than one page: pages follow the issue code (a unique key, so a keyset never skips or
//! repeats a row), and each page resolves its relations in a fixed number of batched
//! statements. Names of reference rows are kept once seen; a county has tens of them.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{IssueStatus, Severity, SupervisionLevel};
use entity::{aspect, category, department, issue, progress_report};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Services;
use super::issues::IssueFilter;
use crate::auth::Principal;
use crate::domain::clock::is_overdue;
use crate::domain::warning::{Warning, WarningInputs, warning};
use crate::error::AppResult;

/// Issues per page: large enough that a page's few statements are cheap per row, small enough
/// that a page of rows with their texts stays well under a megabyte.
pub const LEDGER_PAGE_SIZE: u64 = 500;

/// One issue as the ledger shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub status: IssueStatus,
    pub severity: Severity,
    pub aspect: Option<String>,
    pub category: Option<String>,
    pub township: Option<String>,
    pub lead_department: Option<String>,
    /// In the order the `cooperatingDepartments` field lists them.
    pub cooperating_departments: Vec<String>,
    pub leader_name: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    /// The warning light and its reasons (`domain::warning`).
    pub warning: Warning,
    /// The content of the newest progress report.
    pub latest_progress: Option<String>,
    /// The county's date of closure (销号).
    pub closed_on: Option<NaiveDate>,
    pub supervision: Option<SupervisionLevel>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Walks the ledger page by page; see `Services::ledger`.
pub struct LedgerReader {
    services: Services,
    condition: Condition,
    today: NaiveDate,
    /// The code of the last issue read.
    after: Option<String>,
    finished: bool,
    departments: HashMap<i64, String>,
    /// Category id to (category name, aspect id).
    categories: HashMap<i64, (String, i64)>,
    aspects: HashMap<i64, String>,
}

impl Services {
    /// The issues `actor` may see that `filter` selects, in code order. The filter is checked
    /// here, before any row is read, so that a bad one can still be answered as such.
    pub fn ledger(&self, actor: &Principal, filter: &IssueFilter) -> AppResult<LedgerReader> {
        Ok(LedgerReader::new(self.clone(), self.issue_condition(actor, filter)?, self.clock.today()))
    }

    /// Like `ledger`, limited to issues with a place on the map.
    pub fn located_ledger(&self, actor: &Principal, filter: &IssueFilter) -> AppResult<LedgerReader> {
        let condition = self
            .issue_condition(actor, filter)?
            .add(issue::Column::Latitude.is_not_null())
            .add(issue::Column::Longitude.is_not_null());
        Ok(LedgerReader::new(self.clone(), condition, self.clock.today()))
    }
}

impl LedgerReader {
    fn new(services: Services, condition: Condition, today: NaiveDate) -> Self {
        Self {
            services,
            condition,
            today,
            after: None,
            finished: false,
            departments: HashMap::new(),
            categories: HashMap::new(),
            aspects: HashMap::new(),
        }
    }

    /// The county's date that `overdue` and the warning light are judged on, the same for
    /// every page of one reading.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The next page of rows, or `None` once the ledger is read to its end.
    pub async fn next_page(&mut self) -> AppResult<Option<Vec<LedgerRow>>> {
        if self.finished {
            return Ok(None);
        }
        let mut select = issue::Entity::find().filter(self.condition.clone());
        if let Some(code) = &self.after {
            select = select.filter(issue::Column::Code.gt(code.as_str()));
        }
        let issues = select.order_by_asc(issue::Column::Code).limit(LEDGER_PAGE_SIZE).all(self.services.conn()).await?;
        self.finished = (issues.len() as u64) < LEDGER_PAGE_SIZE;
        let Some(last) = issues.last() else { return Ok(None) };
        self.after = Some(last.code.clone());

        let ids: Vec<i64> = issues.iter().map(|issue| issue.id).collect();
        let cooperators = self.services.cooperators_of(&ids).await?;
        let progress = self.services.latest_progress_of(&ids).await?;
        let department_ids = issues
            .iter()
            .flat_map(|issue| [issue.lead_department_id, issue.township_id])
            .flatten()
            .chain(cooperators.values().flatten().copied());
        self.learn_departments(department_ids).await?;
        self.learn_categories(issues.iter().map(|issue| issue.category_id)).await?;

        let rows = issues
            .into_iter()
            .map(|issue| {
                let name = |id: Option<i64>| id.and_then(|id| self.departments.get(&id).cloned());
                let category = self.categories.get(&issue.category_id);
                LedgerRow {
                    aspect: category.and_then(|(_, aspect)| self.aspects.get(aspect).cloned()),
                    category: category.map(|(name, _)| name.clone()),
                    township: name(issue.township_id),
                    lead_department: name(issue.lead_department_id),
                    cooperating_departments: cooperators
                        .get(&issue.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|id| name(Some(*id)))
                        .collect(),
                    overdue: is_overdue(issue.deadline, issue.supervision_deadline, issue.status, self.today),
                    warning: warning(&WarningInputs::of(&issue), self.today, self.services.warning),
                    latest_progress: progress.get(&issue.id).cloned(),
                    closed_on: issue.closed_at.map(|at| self.services.clock.date_at(at)),
                    supervision: issue.supervision_level,
                    id: issue.id,
                    code: issue.code,
                    title: issue.title,
                    status: issue.status,
                    severity: issue.severity,
                    leader_name: issue.leader_name,
                    deadline: issue.deadline,
                    latitude: issue.latitude,
                    longitude: issue.longitude,
                }
            })
            .collect();
        Ok(Some(rows))
    }

    /// Reads the names of departments not seen before, in one statement.
    async fn learn_departments(&mut self, ids: impl Iterator<Item = i64>) -> AppResult<()> {
        let missing = unseen(ids, &self.departments);
        if !missing.is_empty() {
            let found = department::Entity::find()
                .filter(department::Column::Id.is_in(missing))
                .all(self.services.conn())
                .await?;
            self.departments.extend(found.into_iter().map(|row| (row.id, row.name)));
        }
        Ok(())
    }

    /// Reads categories not seen before and their aspects, in a statement each.
    async fn learn_categories(&mut self, ids: impl Iterator<Item = i64>) -> AppResult<()> {
        let missing = unseen(ids, &self.categories);
        if missing.is_empty() {
            return Ok(());
        }
        let found =
            category::Entity::find().filter(category::Column::Id.is_in(missing)).all(self.services.conn()).await?;
        self.categories.extend(found.into_iter().map(|row| (row.id, (row.name, row.aspect_id))));
        let aspects = unseen(self.categories.values().map(|(_, aspect)| *aspect), &self.aspects);
        if !aspects.is_empty() {
            let found =
                aspect::Entity::find().filter(aspect::Column::Id.is_in(aspects)).all(self.services.conn()).await?;
            self.aspects.extend(found.into_iter().map(|row| (row.id, row.name)));
        }
        Ok(())
    }
}

/// The ids not yet in `known`, each once.
fn unseen<V>(ids: impl Iterator<Item = i64>, known: &HashMap<i64, V>) -> Vec<i64> {
    let mut missing: Vec<i64> = ids.filter(|id| !known.contains_key(id)).collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

impl Services {
    /// The content of each issue's newest progress report, in one statement whatever the
    /// number of reports (the index on `(issue_id, id)` answers the `MAX`).
    pub async fn latest_progress_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, String>> {
        let newest = Query::select()
            .expr(Func::max(Expr::col(progress_report::Column::Id)))
            .from(progress_report::Entity)
            .and_where(progress_report::Column::IssueId.is_in(issue_ids.iter().copied()))
            .group_by_col(progress_report::Column::IssueId)
            .to_owned();
        let rows = progress_report::Entity::find()
            .filter(progress_report::Column::Id.in_subquery(newest))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.issue_id, row.content)).collect())
    }
}
