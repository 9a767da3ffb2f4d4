//! Departments: the bureau, functional departments and townships.

use std::collections::HashMap;

use entity::department;
use entity::enums::DepartmentKind;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, authorize};
use super::{Services, code_text, optional_text, required_text};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

pub struct NewDepartment {
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    pub head_name: Option<String>,
}

pub struct DepartmentChanges {
    pub id: i64,
    pub expected_version: i32,
    pub name: Option<String>,
    pub head_name: Option<String>,
    pub active: Option<bool>,
}

impl Services {
    pub async fn list_departments(
        &self,
        actor: &Principal,
        kind: Option<DepartmentKind>,
        include_inactive: bool,
        args: &PageArgs,
    ) -> AppResult<Page<department::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        let mut select = department::Entity::find();
        if let Some(kind) = kind {
            select = select.filter(department::Column::Kind.eq(kind));
        }
        if !include_inactive {
            select = select.filter(department::Column::Active.eq(true));
        }
        page_by_id(self.conn(), select, department::Column::Id, "department", args).await
    }

    pub async fn count_departments(
        &self,
        actor: &Principal,
        kind: Option<DepartmentKind>,
        include_inactive: bool,
    ) -> AppResult<u64> {
        use sea_orm::PaginatorTrait;
        authorize(actor, Action::ReadReferenceData)?;
        let mut select = department::Entity::find();
        if let Some(kind) = kind {
            select = select.filter(department::Column::Kind.eq(kind));
        }
        if !include_inactive {
            select = select.filter(department::Column::Active.eq(true));
        }
        Ok(select.count(self.conn()).await?)
    }

    pub async fn department_by_code(&self, actor: &Principal, code: &str) -> AppResult<Option<department::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        Ok(department::Entity::find().filter(department::Column::Code.eq(code)).one(self.conn()).await?)
    }

    /// For `nodes`: departments are reference data every signed-in role may read.
    pub async fn departments_by_ids(&self, ids: &[i64]) -> AppResult<HashMap<i64, department::Model>> {
        let rows = department::Entity::find()
            .filter(department::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn create_department(&self, actor: &Principal, input: NewDepartment) -> AppResult<department::Model> {
        authorize(actor, Action::ManageDepartments)?;
        let code = code_text("code", &input.code, 32)?;
        let name = required_text("name", &input.name, 200)?;
        let head_name = optional_text("headName", input.head_name.as_deref(), 100)?;
        if department::Entity::find().filter(department::Column::Code.eq(&code)).one(self.conn()).await?.is_some() {
            return Err(AppError::bad_input("code", format!("a department with code {code} already exists")));
        }
        let now = self.clock.now();
        let row = department::ActiveModel {
            code: Set(code),
            name: Set(name),
            kind: Set(input.kind),
            head_name: Set(head_name),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let inserted = row.insert(self.conn()).await;
        self.reference_changed();
        Ok(inserted?)
    }

    pub async fn update_department(&self, actor: &Principal, input: DepartmentChanges) -> AppResult<department::Model> {
        authorize(actor, Action::ManageDepartments)?;
        let current = department::Entity::find_by_id(input.id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("department"))?;
        let mut changes = department::ActiveModel { ..Default::default() };
        if let Some(name) = &input.name {
            changes.name = Set(required_text("name", name, 200)?);
        }
        if let Some(head) = &input.head_name {
            changes.head_name = Set(optional_text("headName", Some(head), 100)?);
        }
        if let Some(active) = input.active {
            changes.active = Set(active);
        }
        if current.version != input.expected_version {
            return Err(AppError::conflict(format!(
                "the department was changed meanwhile (now at version {})",
                current.version
            )));
        }
        changes.version = Set(current.version + 1);
        changes.updated_at = Set(self.clock.now());
        let updated = department::Entity::update_many()
            .set(changes)
            .filter(department::Column::Id.eq(current.id))
            .filter(department::Column::Version.eq(current.version))
            .exec(self.conn())
            .await;
        self.reference_changed();
        if updated?.rows_affected == 0 {
            return Err(AppError::conflict("the department was changed meanwhile"));
        }
        department::Entity::find_by_id(current.id)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("department"))
    }
}
