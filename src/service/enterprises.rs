//! Enterprises, and whether they offend again.

use std::collections::HashMap;

use chrono::Duration;
use entity::enums::{AccountabilitySubjectType, CaseStatus, DepartmentKind};
use entity::{accountability_case, department, enterprise, issue};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, authorize};
use super::{Services, check_coordinates, contains_text, group_by, optional_text, required_text, search_text};
use crate::auth::Principal;
use crate::domain::credit_code;
use crate::error::{AppError, AppResult};

/// An enterprise with at least `violations` decided cases within `window_days` is a repeat
/// offender (屡查屡犯).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatOffenderRule {
    pub violations: u64,
    pub window_days: i64,
}

impl Default for RepeatOffenderRule {
    fn default() -> Self {
        Self { violations: 2, window_days: 365 }
    }
}

pub struct NewEnterprise {
    pub name: String,
    pub credit_code: String,
    pub township_id: i64,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    /// Text in the name or credit code.
    pub search: Option<String>,
    pub township_id: Option<i64>,
    pub repeat_offender: Option<bool>,
}

impl Services {
    /// Cases that count as violations towards the repeat-offender rule: decided (or decided
    /// and closed) inside the window.
    pub(crate) fn violations_in_window(&self) -> Condition {
        let cutoff = self.clock.now() - Duration::days(self.repeat_offender.window_days);
        Condition::all()
            .add(accountability_case::Column::Status.is_in([CaseStatus::Decided, CaseStatus::Closed]))
            .add(accountability_case::Column::DecidedAt.gte(cutoff))
    }

    /// Enterprises with decided cases inside the window, as a subquery of ids.
    fn repeat_offenders(&self) -> SimpleExpr {
        enterprise::Column::Id.in_subquery(
            Query::select()
                .column(accountability_case::Column::EnterpriseId)
                .from(accountability_case::Entity)
                .and_where(accountability_case::Column::SubjectType.eq(AccountabilitySubjectType::Enterprise))
                .cond_where(self.violations_in_window())
                .group_by_col(accountability_case::Column::EnterpriseId)
                .and_having(
                    Expr::expr(Func::count(Expr::col(accountability_case::Column::Id)))
                        .gte(self.repeat_offender.violations as i64),
                )
                .to_owned(),
        )
    }

    fn enterprise_condition(&self, filter: &EnterpriseFilter) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let Some(search) = search_text(filter.search.as_deref())? {
            condition = condition.add(
                Condition::any()
                    .add(contains_text(self.backend(), (enterprise::Entity, enterprise::Column::Name), search))
                    .add(contains_text(self.backend(), (enterprise::Entity, enterprise::Column::CreditCode), search)),
            );
        }
        if let Some(township) = filter.township_id {
            condition = condition.add(enterprise::Column::TownshipId.eq(township));
        }
        match filter.repeat_offender {
            Some(true) => condition = condition.add(self.repeat_offenders()),
            Some(false) => condition = condition.add(Condition::all().add(self.repeat_offenders()).not()),
            None => {}
        }
        Ok(condition)
    }

    pub async fn list_enterprises(
        &self,
        actor: &Principal,
        filter: &EnterpriseFilter,
        args: &PageArgs,
    ) -> AppResult<Page<enterprise::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        let select = enterprise::Entity::find().filter(self.enterprise_condition(filter)?);
        page_by_id(self.conn(), select, enterprise::Column::Id, "enterprise", args).await
    }

    pub async fn count_enterprises(&self, actor: &Principal, filter: &EnterpriseFilter) -> AppResult<u64> {
        authorize(actor, Action::ReadReferenceData)?;
        Ok(enterprise::Entity::find().filter(self.enterprise_condition(filter)?).count(self.conn()).await?)
    }

    pub async fn enterprise_by_credit_code(
        &self,
        actor: &Principal,
        code: &str,
    ) -> AppResult<Option<enterprise::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        let code = code.trim().to_ascii_uppercase();
        Ok(enterprise::Entity::find().filter(enterprise::Column::CreditCode.eq(code)).one(self.conn()).await?)
    }

    /// Enterprises by id (for loaders and `nodes`; enterprises are public registry data).
    pub async fn enterprises_by_ids(&self, ids: &[i64]) -> AppResult<HashMap<i64, enterprise::Model>> {
        let rows = enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub(crate) async fn existing_enterprise(&self, id: i64, field: &str) -> AppResult<enterprise::Model> {
        enterprise::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::bad_input(field, "no enterprise has this id"))
    }

    /// Decided cases of each enterprise inside the repeat-offender window, in one statement.
    pub async fn violation_counts(&self, enterprise_ids: &[i64]) -> AppResult<HashMap<i64, u64>> {
        let rows: Vec<(Option<i64>, i64)> = accountability_case::Entity::find()
            .select_only()
            .column(accountability_case::Column::EnterpriseId)
            .column_as(accountability_case::Column::Id.count(), "violations")
            .filter(accountability_case::Column::EnterpriseId.is_in(enterprise_ids.iter().copied()))
            .filter(self.violations_in_window())
            .group_by(accountability_case::Column::EnterpriseId)
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().filter_map(|(id, count)| Some((id?, u64::try_from(count).unwrap_or(0)))).collect())
    }

    pub fn is_repeat_offender(&self, violations: u64) -> bool {
        violations >= self.repeat_offender.violations
    }

    /// Issues naming each enterprise that the actor may see, ordered by code, in one statement.
    pub async fn issues_of_enterprises(
        &self,
        actor: &Principal,
        enterprise_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<issue::Model>>> {
        let visible = self.visible_issues_condition(actor)?;
        let rows = issue::Entity::find()
            .filter(issue::Column::EnterpriseId.is_in(enterprise_ids.iter().copied()))
            .filter(visible)
            .order_by_asc(issue::Column::Code)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.enterprise_id?, row))))
    }

    pub async fn register_enterprise(&self, actor: &Principal, input: NewEnterprise) -> AppResult<enterprise::Model> {
        authorize(actor, Action::ManageEnterprises)?;
        let name = required_text("name", &input.name, 200)?;
        let credit_code =
            credit_code::validate(&input.credit_code).map_err(|e| AppError::bad_input("creditCode", e.message()))?;
        let industry = optional_text("industry", input.industry.as_deref(), 100)?;
        let address = optional_text("address", input.address.as_deref(), 300)?;
        check_coordinates(input.latitude, input.longitude)?;
        match department::Entity::find_by_id(input.township_id).one(self.conn()).await? {
            Some(township) if township.active && township.kind == DepartmentKind::Township => {}
            _ => return Err(AppError::bad_input("townshipId", "`townshipId` must name an active township")),
        }
        if enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.eq(&credit_code))
            .one(self.conn())
            .await?
            .is_some()
        {
            return Err(AppError::bad_input("creditCode", "an enterprise with this credit code is already registered"));
        }
        let row = enterprise::ActiveModel {
            name: Set(name),
            credit_code: Set(credit_code),
            township_id: Set(input.township_id),
            industry: Set(industry),
            address: Set(address),
            latitude: Set(input.latitude),
            longitude: Set(input.longitude),
            created_at: Set(self.clock.now()),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }
}
