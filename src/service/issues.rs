//! Reading issues: filters, the department's visibility as a row condition, keyset pages,
//! and the batch look-ups behind the GraphQL loaders.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{IssueStatus, Severity, SupervisionLevel};
use entity::{assignment_dispute, category, issue, issue_cooperator, issue_event, look_back_task, notice_objection};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend, EntityTrait, Order, PaginatorTrait, QueryFilter, QuerySelect};

use super::issue_rows::{IssueColumns, read_issue_rows, read_rows_of};
use super::pagination::{Cursor, Page, PageArgs, keyset_condition};
use super::policy::{IssueScope, issue_scope};
use super::{Services, check_coordinates, contains_text, group_by, search_text};
use crate::auth::Principal;
use crate::domain::distance::{MAX_NEAR_RADIUS_METERS, METRES_PER_DEGREE, Point};
use crate::domain::history::parse_ids;
use crate::domain::warning::{Warning, WarningInputs, WarningLight, WarningRule, warning};
use crate::error::{AppError, AppResult};

/// The filters of `IssueFilter`; every present field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    pub status: Vec<IssueStatus>,
    pub severity: Option<Severity>,
    pub round_id: Option<i64>,
    pub aspect_id: Option<i64>,
    pub category_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    /// Lead or cooperating unit.
    pub department_id: Option<i64>,
    pub supervised: Option<bool>,
    pub overdue: Option<bool>,
    /// Any of these warning lights, as of today.
    pub warning_light: Vec<WarningLight>,
    pub deadline_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub enterprise_id: Option<i64>,
    /// The local LEADER user in charge.
    pub leader_id: Option<i64>,
    /// With (or without) an assignment dispute raised.
    pub disputed: Option<bool>,
    /// With (or without) an objection to a public notice recorded.
    pub objected: Option<bool>,
    /// Sampled (or not) by a look-back campaign.
    pub looked_back: Option<bool>,
    /// In this township.
    pub township_id: Option<i64>,
    /// Needing (or not) engineering works.
    pub requires_engineering: Option<bool>,
    /// Listed for special supervision at any of these levels.
    pub supervision_level: Vec<SupervisionLevel>,
    /// With a deadline on or after this day.
    pub deadline_from: Option<NaiveDate>,
    /// With a place within a radius of a point; the list is then ordered by distance.
    pub near: Option<Near>,
}

/// A point and a radius in metres (see `domain::distance`).
#[derive(Debug, Clone, Copy)]
pub struct Near {
    pub center: Point,
    pub radius_meters: f64,
}

impl Near {
    fn check(self) -> AppResult<()> {
        let Point { latitude, longitude } = self.center;
        check_coordinates(Some(latitude), Some(longitude)).map_err(|error| match error {
            AppError::BadInput { field, message } => {
                AppError::BadInput { field: format!("filter.near.{field}"), message }
            }
            other => other,
        })?;
        if !(1.0..=MAX_NEAR_RADIUS_METERS).contains(&self.radius_meters) {
            return Err(AppError::bad_input(
                "filter.near.radiusMeters",
                format!("`radiusMeters` must be between 1 and {MAX_NEAR_RADIUS_METERS}"),
            ));
        }
        Ok(())
    }
}

/// The most issues `near` may find: they are all read and ordered for each page.
const MAX_NEAR_MATCHES: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssueOrderField {
    Code,
    #[default]
    CreatedAt,
    UpdatedAt,
    Deadline,
}

/// The order of an issue list; ties are broken by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueOrder {
    pub field: IssueOrderField,
    pub descending: bool,
}

impl Default for IssueOrder {
    /// Newest first.
    fn default() -> Self {
        Self { field: IssueOrderField::CreatedAt, descending: true }
    }
}

impl IssueOrder {
    pub fn new(field: IssueOrderField, descending: bool) -> Self {
        Self { field, descending }
    }
}

/// Issues without a deadline sort after every dated one.
const NO_DEADLINE: &str = "9999-12-31";

impl IssueOrder {
    fn name(&self) -> String {
        format!("issue:{:?}:{}", self.field, if self.descending { "DESC" } else { "ASC" })
    }

    fn key_expr(&self) -> SimpleExpr {
        match self.field {
            IssueOrderField::Code => Expr::col((issue::Entity, issue::Column::Code)),
            IssueOrderField::CreatedAt => Expr::col((issue::Entity, issue::Column::CreatedAt)),
            IssueOrderField::UpdatedAt => Expr::col((issue::Entity, issue::Column::UpdatedAt)),
            IssueOrderField::Deadline => {
                Func::coalesce([Expr::col((issue::Entity, issue::Column::Deadline)), Expr::val(no_deadline())]).into()
            }
        }
    }

    /// The column `key_of` reads.
    fn key_column(&self) -> issue::Column {
        match self.field {
            IssueOrderField::Code => issue::Column::Code,
            IssueOrderField::CreatedAt => issue::Column::CreatedAt,
            IssueOrderField::UpdatedAt => issue::Column::UpdatedAt,
            IssueOrderField::Deadline => issue::Column::Deadline,
        }
    }

    /// The row's sort key as written into its cursor.
    fn key_of(&self, row: &issue::Model) -> String {
        match self.field {
            IssueOrderField::Code => row.code.clone(),
            IssueOrderField::CreatedAt => row.created_at.timestamp_micros().to_string(),
            IssueOrderField::UpdatedAt => row.updated_at.timestamp_micros().to_string(),
            IssueOrderField::Deadline => row.deadline.unwrap_or_else(no_deadline).to_string(),
        }
    }

    /// The cursor's sort key as a value to compare with.
    fn key_value(&self, key: &str, field: &str) -> AppResult<SimpleExpr> {
        let invalid = || AppError::bad_input(field, format!("`{field}` is not a cursor of this list and ordering"));
        Ok(match self.field {
            IssueOrderField::Code => Expr::val(key.to_owned()),
            IssueOrderField::CreatedAt | IssueOrderField::UpdatedAt => {
                let micros: i64 = key.parse().map_err(|_| invalid())?;
                Expr::val(DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(invalid)?)
            }
            IssueOrderField::Deadline => Expr::val(key.parse::<NaiveDate>().map_err(|_| invalid())?),
        })
    }
}

fn no_deadline() -> NaiveDate {
    NO_DEADLINE.parse().unwrap_or(NaiveDate::MAX)
}

/// `issue.id IN (issues where the department cooperates)`.
fn cooperating_on(department_id: i64) -> SimpleExpr {
    issue::Column::Id.in_subquery(
        Query::select()
            .column(issue_cooperator::Column::IssueId)
            .from(issue_cooperator::Entity)
            .and_where(issue_cooperator::Column::DepartmentId.eq(department_id))
            .to_owned(),
    )
}

fn lead_or_cooperating(department_id: i64) -> Condition {
    Condition::any().add(issue::Column::LeadDepartmentId.eq(department_id)).add(cooperating_on(department_id))
}

const COMPLETED: [IssueStatus; 2] = [IssueStatus::Accepted, IssueStatus::Closed];

/// "Overdue on `day`" as SQL, the rule of `domain::clock::overdue_deadlines`: not completed,
/// and past the deadline or the supervision deadline. Every statement that counts or picks
/// overdue issues builds it here, from the issue's row (now) or from its history (as of a
/// day). It is never unknown: an issue without deadlines is not overdue, so that its negation
/// reads "not overdue".
pub fn overdue_sql(
    status: SimpleExpr,
    deadline: SimpleExpr,
    supervision_deadline: SimpleExpr,
    day: NaiveDate,
) -> SimpleExpr {
    use sea_orm::sea_query::ExprTrait;
    let passed = |deadline: SimpleExpr| deadline.clone().is_not_null().and(deadline.lt(day));
    let completed = COMPLETED.iter().map(|status| Expr::val(crate::domain::api_name(status)));
    status.is_not_in(completed).and(passed(deadline).or(passed(supervision_deadline)))
}

/// The warning light of each issue on `today` as SQL, the rule of `domain::warning::warning`:
/// a `CASE` that yields the light's API name from the issue's row. The dates and numbers are
/// written into the text rather than bound, so that PostgreSQL can match the expression of a
/// grouped select with its `GROUP BY` (two bound parameters never match); each is a date or an
/// integer formatted here, never text from a request.
pub fn warning_light_sql(backend: DbBackend, today: NaiveDate, rule: WarningRule) -> SimpleExpr {
    use crate::domain::api_name;
    use crate::domain::warning::{PLAN_RUNNING, PROGRESS_LAG_POINTS, WarningLight};
    let column = |name: &str| format!("\"issue\".\"{name}\"");
    let date = |day: NaiveDate| match backend {
        DbBackend::Postgres => format!("DATE '{}'", day.format("%Y-%m-%d")),
        _ => format!("'{}'", day.format("%Y-%m-%d")),
    };
    // Days since 1970-01-01, for the share of time elapsed.
    let day_number = |name: &str| match backend {
        DbBackend::Postgres => format!("({} - DATE '1970-01-01')", column(name)),
        _ => format!("CAST(julianday({}) - 2440587.5 AS INTEGER)", column(name)),
    };
    let statuses =
        |list: &[IssueStatus]| list.iter().map(|s| format!("'{}'", api_name(s))).collect::<Vec<_>>().join(", ");
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let (today_number, last_blue_day) =
        ((today - epoch).num_days(), today + chrono::Duration::days(rule.blue_within_days));
    let (deadline, supervision_deadline) = (column("deadline"), column("supervision_deadline"));
    let (assigned, due) = (day_number("assigned_on"), day_number("deadline"));
    let name = |light: WarningLight| format!("'{}'", light.api_name());
    let sql = format!(
        "CASE \
         WHEN {status} IN ({completed}) THEN {green} \
         WHEN {deadline} < {today} OR {supervision_deadline} < {today} THEN {red} \
         WHEN {status} IN ({running}) AND ({next_milestone} < {today} \
              OR ({due} > {assigned} AND 100 * ({today_number} - {assigned}) >= \
                  (COALESCE({percent}, 0) + {lag}) * ({due} - {assigned}))) THEN {yellow} \
         WHEN {deadline} BETWEEN {today} AND {last_blue} \
              OR {supervision_deadline} BETWEEN {today} AND {last_blue} THEN {blue} \
         ELSE {green} END",
        status = column("status"),
        completed = statuses(&COMPLETED),
        running = statuses(&PLAN_RUNNING),
        today = date(today),
        last_blue = date(last_blue_day),
        next_milestone = column("next_milestone_due"),
        percent = column("progress_percent"),
        lag = PROGRESS_LAG_POINTS,
        green = name(WarningLight::Green),
        blue = name(WarningLight::Blue),
        yellow = name(WarningLight::Yellow),
        red = name(WarningLight::Red),
    );
    Expr::cust(sql)
}

impl Services {
    /// An issue's warning light and its reasons today, under the county's rule.
    pub fn warning_today(&self, issue: &issue::Model) -> Warning {
        warning(&WarningInputs::of(issue), self.clock.today(), self.warning)
    }

    /// `warning_light_sql` for today and the county's rule.
    pub(crate) fn warning_light_today_sql(&self) -> SimpleExpr {
        warning_light_sql(self.backend(), self.clock.today(), self.warning)
    }

    /// The rows an actor may read, narrowed by `filter`.
    pub(crate) fn issue_condition(&self, actor: &Principal, filter: &IssueFilter) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let IssueScope::Department(id) = issue_scope(actor) {
            condition = condition.add(lead_or_cooperating(id));
        }
        if !filter.status.is_empty() {
            let mut status = filter.status.clone();
            status.sort_by_key(|s| *s as u8);
            status.dedup();
            condition = condition.add(issue::Column::Status.is_in(status));
        }
        if let Some(severity) = filter.severity {
            condition = condition.add(issue::Column::Severity.eq(severity));
        }
        if let Some(round) = filter.round_id {
            condition = condition.add(issue::Column::RoundId.eq(round));
        }
        if let Some(aspect) = filter.aspect_id {
            condition = condition.add(
                issue::Column::CategoryId.in_subquery(
                    Query::select()
                        .column(category::Column::Id)
                        .from(category::Entity)
                        .and_where(category::Column::AspectId.eq(aspect))
                        .to_owned(),
                ),
            );
        }
        if let Some(category) = filter.category_id {
            condition = condition.add(issue::Column::CategoryId.eq(category));
        }
        if let Some(lead) = filter.lead_department_id {
            condition = condition.add(issue::Column::LeadDepartmentId.eq(lead));
        }
        if let Some(department) = filter.department_id {
            condition = condition.add(lead_or_cooperating(department));
        }
        match filter.supervised {
            Some(true) => condition = condition.add(issue::Column::SupervisionLevel.is_not_null()),
            Some(false) => condition = condition.add(issue::Column::SupervisionLevel.is_null()),
            None => {}
        }
        if let Some(overdue) = filter.overdue {
            let column = |c: issue::Column| Expr::col((issue::Entity, c));
            let is_overdue = overdue_sql(
                column(issue::Column::Status),
                column(issue::Column::Deadline),
                column(issue::Column::SupervisionDeadline),
                self.clock.today(),
            );
            let is_overdue = Condition::all().add(is_overdue);
            condition = condition.add(if overdue { is_overdue } else { is_overdue.not() });
        }
        if !filter.warning_light.is_empty() {
            let names = filter.warning_light.iter().map(|light| light.api_name());
            condition = condition.add(sea_orm::sea_query::ExprTrait::is_in(self.warning_light_today_sql(), names));
        }
        if let Some(before) = filter.deadline_before {
            condition = condition.add(issue::Column::Deadline.lt(before));
        }
        if let Some(from) = filter.deadline_from {
            condition = condition.add(issue::Column::Deadline.gte(from));
        }
        if let Some(near) = filter.near {
            near.check()?;
            // The box finds the candidates through the location index; the sum of squares is
            // the distance of `domain::distance`, which SQL computes as well as Rust.
            let (latitudes, longitudes) = near.center.bounding_box(near.radius_meters);
            let column = |c: issue::Column| Expr::col((issue::Entity, c));
            let north = column(issue::Column::Latitude).sub(near.center.latitude).mul(METRES_PER_DEGREE);
            let east = column(issue::Column::Longitude)
                .sub(near.center.longitude)
                .mul(near.center.metres_per_degree_of_longitude());
            condition = condition
                .add(issue::Column::Latitude.between(*latitudes.start(), *latitudes.end()))
                .add(issue::Column::Longitude.between(*longitudes.start(), *longitudes.end()))
                .add(north.clone().mul(north).add(east.clone().mul(east)).lte(near.radius_meters * near.radius_meters));
        }
        if let Some(township) = filter.township_id {
            condition = condition.add(issue::Column::TownshipId.eq(township));
        }
        if let Some(engineering) = filter.requires_engineering {
            condition = condition.add(issue::Column::RequiresEngineering.eq(engineering));
        }
        if !filter.supervision_level.is_empty() {
            condition = condition.add(issue::Column::SupervisionLevel.is_in(filter.supervision_level.iter().copied()));
        }
        if let Some(since) = filter.updated_since {
            condition = condition.add(issue::Column::UpdatedAt.gte(since));
        }
        if let Some(enterprise) = filter.enterprise_id {
            condition = condition.add(issue::Column::EnterpriseId.eq(enterprise));
        }
        if let Some(leader) = filter.leader_id {
            condition = condition.add(issue::Column::LeaderUserId.eq(leader));
        }
        let with_records = [
            (
                filter.disputed,
                Query::select().column(assignment_dispute::Column::IssueId).from(assignment_dispute::Entity).to_owned(),
            ),
            (
                filter.objected,
                Query::select().column(notice_objection::Column::IssueId).from(notice_objection::Entity).to_owned(),
            ),
            (
                filter.looked_back,
                Query::select().column(look_back_task::Column::IssueId).from(look_back_task::Entity).to_owned(),
            ),
        ];
        for (wanted, issue_ids) in with_records {
            match wanted {
                Some(true) => condition = condition.add(issue::Column::Id.in_subquery(issue_ids)),
                Some(false) => condition = condition.add(issue::Column::Id.not_in_subquery(issue_ids)),
                None => {}
            }
        }
        if let Some(search) = search_text(filter.search.as_deref())? {
            let column = |c: issue::Column| contains_text(self.backend(), (issue::Entity, c), search);
            condition = condition.add(
                Condition::any()
                    .add(column(issue::Column::Code))
                    .add(column(issue::Column::Title))
                    .add(column(issue::Column::Description))
                    .add(column(issue::Column::Location)),
            );
        }
        Ok(condition)
    }

    /// A page of the issues the actor may see. Only `columns` and the sort key are read: the
    /// other fields of each row hold placeholders (see `issue_rows`).
    pub async fn list_issues(
        &self,
        actor: &Principal,
        filter: &IssueFilter,
        order: IssueOrder,
        args: &PageArgs,
        columns: IssueColumns,
    ) -> AppResult<Page<issue::Model>> {
        if let Some(near) = filter.near {
            return self.list_issues_near(actor, filter, near, args, columns).await;
        }
        let window = args.window()?;
        let ordering = order.name();
        // Walking backwards reverses the order; the page is turned round again at the end.
        let ascending = order.descending == window.backward;
        let mut select =
            Query::select().from(issue::Entity).cond_where(self.issue_condition(actor, filter)?).to_owned();
        if let Some(raw) = &window.cursor {
            let field = if window.backward { "before" } else { "after" };
            let cursor = Cursor::decode(raw, &ordering, field)?;
            let key = order.key_value(&cursor.key, field)?;
            select.cond_where(keyset_condition(
                order.key_expr(),
                key,
                (issue::Entity, issue::Column::Id),
                cursor.id,
                ascending,
            ));
        }
        let direction = if ascending { Order::Asc } else { Order::Desc };
        select
            .order_by_expr(order.key_expr(), direction.clone())
            .order_by((issue::Entity, issue::Column::Id), direction);
        // The cursors are written from the sort key.
        let rows = read_issue_rows(&self.db, select, columns.with(&[order.key_column()]), window.limit + 1).await?;
        Ok(Page::from_fetched(rows, &window, &ordering, |row| (order.key_of(row), row.id)))
    }

    /// A page of the issues within `near`, nearest first (ties by id). The candidates' places
    /// are read and ordered here, so that the cursors hold distances computed exactly as the
    /// order compares them.
    async fn list_issues_near(
        &self,
        actor: &Principal,
        filter: &IssueFilter,
        near: Near,
        args: &PageArgs,
        columns: IssueColumns,
    ) -> AppResult<Page<issue::Model>> {
        let window = args.window()?;
        // A cursor holds a distance from this point, and from no other.
        let ordering =
            format!("nearest:{:016x}:{:016x}", near.center.latitude.to_bits(), near.center.longitude.to_bits());
        let located: Vec<(i64, Option<f64>, Option<f64>)> = issue::Entity::find()
            .select_only()
            .columns([issue::Column::Id, issue::Column::Latitude, issue::Column::Longitude])
            .filter(self.issue_condition(actor, filter)?)
            .limit(MAX_NEAR_MATCHES as u64 + 1)
            .into_tuple()
            .all(self.conn())
            .await?;
        if located.len() > MAX_NEAR_MATCHES {
            return Err(AppError::bad_input(
                "filter.near.radiusMeters",
                format!(
                    "more than {MAX_NEAR_MATCHES} issues lie within this radius; choose a smaller one or narrow the filter"
                ),
            ));
        }
        let key = |latitude: Option<f64>, longitude: Option<f64>| {
            let place = Point { latitude: latitude.unwrap_or_default(), longitude: longitude.unwrap_or_default() };
            near.center.squared_distance_to(place)
        };
        let mut nearest: Vec<(f64, i64)> =
            located.into_iter().map(|(id, latitude, longitude)| (key(latitude, longitude), id)).collect();
        let compare = |a: &(f64, i64), b: &(f64, i64)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        nearest.sort_by(compare);
        if window.backward {
            nearest.reverse();
        }
        let start = match &window.cursor {
            None => 0,
            Some(raw) => {
                let field = if window.backward { "before" } else { "after" };
                let cursor = Cursor::decode(raw, &ordering, field)?;
                let bits = u64::from_str_radix(&cursor.key, 16).map_err(|_| {
                    AppError::bad_input(field, format!("`{field}` is not a cursor of this list and ordering"))
                })?;
                let at = (f64::from_bits(bits), cursor.id);
                let past = if window.backward { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater };
                nearest.iter().position(|item| compare(item, &at) == past).unwrap_or(nearest.len())
            }
        };
        let page: Vec<i64> = nearest[start..].iter().take(window.limit as usize + 1).map(|(_, id)| *id).collect();
        let select =
            Query::select().from(issue::Entity).and_where(issue::Column::Id.is_in(page.iter().copied())).to_owned();
        let columns = columns.with(&[issue::Column::Latitude, issue::Column::Longitude]);
        let mut rows: HashMap<i64, issue::Model> = read_issue_rows(&self.db, select, columns, page.len() as u64)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let rows = page.iter().filter_map(|id| rows.remove(id)).collect();
        Ok(Page::from_fetched(rows, &window, &ordering, |row| {
            (format!("{:016x}", key(row.latitude, row.longitude).to_bits()), row.id)
        }))
    }

    pub async fn count_issues(&self, actor: &Principal, filter: &IssueFilter) -> AppResult<u64> {
        Ok(issue::Entity::find().filter(self.issue_condition(actor, filter)?).count(self.conn()).await?)
    }

    /// The codes of issues, for the words of notices.
    pub(crate) async fn issue_codes(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        ids: impl Iterator<Item = i64>,
    ) -> AppResult<HashMap<i64, String>> {
        let mut ids: Vec<i64> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        let rows: Vec<(i64, String)> = issue::Entity::find()
            .select_only()
            .columns([issue::Column::Id, issue::Column::Code])
            .filter(issue::Column::Id.is_in(ids))
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The issue with this id, if the actor may see it, with only `columns` read (the other
    /// fields hold placeholders, see `issue_rows`).
    pub async fn issue_reading(
        &self,
        actor: &Principal,
        id: i64,
        columns: IssueColumns,
    ) -> AppResult<Option<issue::Model>> {
        let select = Query::select()
            .from(issue::Entity)
            .cond_where(self.issue_condition(actor, &IssueFilter::default())?)
            .and_where(Expr::col((issue::Entity, issue::Column::Id)).eq(id))
            .to_owned();
        Ok(read_issue_rows(&self.db, select, columns, 1).await?.pop())
    }

    /// The issue with this id, whole, if the actor may see it.
    pub async fn issue(&self, actor: &Principal, id: i64) -> AppResult<Option<issue::Model>> {
        let condition = self.issue_condition(actor, &IssueFilter::default())?;
        Ok(issue::Entity::find_by_id(id).filter(condition).one(self.conn()).await?)
    }

    pub async fn issue_by_code(&self, actor: &Principal, code: &str) -> AppResult<Option<issue::Model>> {
        let condition = self.issue_condition(actor, &IssueFilter::default())?;
        Ok(issue::Entity::find().filter(issue::Column::Code.eq(code.trim())).filter(condition).one(self.conn()).await?)
    }

    /// The issues that the actor's department worked on (as lead or cooperating unit, at any
    /// time), that changed at or after `since`, and that it may no longer see: what an app
    /// synced since then holds and must drop. Roles that see every issue lose none. Issues are
    /// never deleted, so a change of who works on one is the only way one goes.
    pub async fn issues_no_longer_visible(&self, actor: &Principal, since: DateTime<Utc>) -> AppResult<Vec<i64>> {
        let IssueScope::Department(department) = issue_scope(actor) else { return Ok(Vec::new()) };
        let changed = Query::select()
            .column(issue_event::Column::IssueId)
            .from(issue_event::Entity)
            .and_where(issue_event::Column::At.gte(since))
            .to_owned();
        // The events that name the department; the text match of the cooperating units is
        // only a first sieve, decided exactly below.
        let naming: Vec<(i64, Option<i64>, Option<String>)> = issue_event::Entity::find()
            .select_only()
            .columns([
                issue_event::Column::IssueId,
                issue_event::Column::LeadDepartmentId,
                issue_event::Column::CooperatingDepartmentIds,
            ])
            .filter(issue_event::Column::IssueId.in_subquery(changed))
            .filter(issue_event::Column::IssueId.not_in_subquery(self.visible_issue_ids(actor)?))
            .filter(
                Condition::any()
                    .add(issue_event::Column::LeadDepartmentId.eq(department))
                    .add(issue_event::Column::CooperatingDepartmentIds.like(format!("%{department}%"))),
            )
            .into_tuple()
            .all(self.conn())
            .await?;
        let mut gone: Vec<i64> = naming
            .into_iter()
            .filter(|(_, lead, cooperating)| {
                *lead == Some(department) || parse_ids(cooperating.as_deref()).contains(&department)
            })
            .map(|(issue, _, _)| issue)
            .collect();
        gone.sort_unstable();
        gone.dedup();
        Ok(gone)
    }

    /// The ids of the issues the actor may read, as a subquery (for rows about issues: slips,
    /// notices).
    pub(crate) fn visible_issue_ids(&self, actor: &Principal) -> AppResult<sea_orm::sea_query::SelectStatement> {
        Ok(Query::select()
            .column(issue::Column::Id)
            .from(issue::Entity)
            .cond_where(self.visible_issues_condition(actor)?)
            .to_owned())
    }

    /// The rows an actor may read, for other services' queries on issues.
    pub(crate) fn visible_issues_condition(&self, actor: &Principal) -> AppResult<Condition> {
        self.issue_condition(actor, &IssueFilter::default())
    }

    /// Issues with these ids that the actor may see, in one statement.
    pub async fn issues_by_ids(&self, actor: &Principal, ids: &[i64]) -> AppResult<HashMap<i64, issue::Model>> {
        let condition = self.issue_condition(actor, &IssueFilter::default())?;
        let rows = issue::Entity::find()
            .filter(issue::Column::Id.is_in(ids.iter().copied()))
            .filter(condition)
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// Events with these ids whose issues the actor may see, in two statements.
    pub async fn issue_events_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, issue_event::Model>> {
        let events = issue_event::Entity::find()
            .filter(issue_event::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        let issue_ids: Vec<i64> = events.iter().map(|event| event.issue_id).collect();
        let visible = self.issues_by_ids(actor, &issue_ids).await?;
        Ok(events
            .into_iter()
            .filter(|event| visible.contains_key(&event.issue_id))
            .map(|event| (event.id, event))
            .collect())
    }

    /// Cooperating department ids of each issue (for the loader; the issues are already visible).
    pub async fn cooperators_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<i64>>> {
        // Read by position: a list page asks this for 50 issues on every request, and whole
        // rows decoded by column name cost more than the query itself.
        let statement = Query::select()
            .from(issue_cooperator::Entity)
            .and_where(issue_cooperator::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by(issue_cooperator::Column::DepartmentId, Order::Asc)
            .to_owned();
        let read = [issue_cooperator::Column::IssueId, issue_cooperator::Column::DepartmentId];
        let rows = read_rows_of::<issue_cooperator::ActiveModel>(&self.db, statement, &read).await?;
        Ok(group_by(rows, |row| Some((row.issue_id, row.department_id))))
    }

    /// All events of each issue, oldest first, with the columns `read` and the others NULL
    /// (for the loader; the issues are already visible). Decoded by position: SeaORM's
    /// decoder formats an error message for every NULL column before it discards it.
    pub async fn events_of(
        &self,
        issue_ids: &[i64],
        read: &[issue_event::Column],
    ) -> AppResult<HashMap<i64, Vec<issue_event::Model>>> {
        let statement = Query::select()
            .from(issue_event::Entity)
            .and_where(issue_event::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by(issue_event::Column::Id, Order::Asc)
            .to_owned();
        let rows = read_rows_of::<issue_event::ActiveModel>(&self.db, statement, read).await?;
        Ok(group_by(rows, |row| Some((row.issue_id, row))))
    }
}
