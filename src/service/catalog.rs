//! Reference data set up by the bureau: inspection rounds, aspects and categories.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{InspectionKind, InspectionLevel};
use entity::{aspect, category, department, inspection_round};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, authorize};
use super::{Services, code_text, optional_text, required_text};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

pub struct NewRound {
    pub name: String,
    pub level: InspectionLevel,
    pub kind: InspectionKind,
    pub started_on: NaiveDate,
    pub feedback_on: Option<NaiveDate>,
    pub document_number: Option<String>,
}

pub struct NewCategory {
    pub aspect_id: i64,
    pub code: String,
    pub name: String,
    pub duty_department_id: i64,
}

impl Services {
    pub async fn list_rounds(&self, actor: &Principal, args: &PageArgs) -> AppResult<Page<inspection_round::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        page_by_id(self.conn(), inspection_round::Entity::find(), inspection_round::Column::Id, "round", args).await
    }

    pub async fn count_rounds(&self, actor: &Principal) -> AppResult<u64> {
        authorize(actor, Action::ReadReferenceData)?;
        Ok(inspection_round::Entity::find().count(self.conn()).await?)
    }

    pub async fn rounds_by_ids(&self, ids: &[i64]) -> AppResult<HashMap<i64, inspection_round::Model>> {
        let rows = inspection_round::Entity::find()
            .filter(inspection_round::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn create_round(&self, actor: &Principal, input: NewRound) -> AppResult<inspection_round::Model> {
        authorize(actor, Action::ManageCatalog)?;
        let name = required_text("name", &input.name, 200)?;
        let document_number = optional_text("documentNumber", input.document_number.as_deref(), 100)?;
        if input.feedback_on.is_some_and(|feedback| feedback < input.started_on) {
            return Err(AppError::bad_input("feedbackOn", "`feedbackOn` cannot be before `startedOn`"));
        }
        let row = inspection_round::ActiveModel {
            name: Set(name),
            level: Set(input.level),
            kind: Set(input.kind),
            started_on: Set(input.started_on),
            feedback_on: Set(input.feedback_on),
            document_number: Set(document_number),
            created_at: Set(self.clock.now()),
            ..Default::default()
        };
        let inserted = row.insert(self.conn()).await;
        self.reference_changed();
        Ok(inserted?)
    }

    pub async fn list_aspects(&self, actor: &Principal) -> AppResult<Vec<aspect::Model>> {
        authorize(actor, Action::ReadReferenceData)?;
        Ok(aspect::Entity::find().order_by_asc(aspect::Column::Code).all(self.conn()).await?)
    }

    pub async fn aspects_by_ids(&self, ids: &[i64]) -> AppResult<HashMap<i64, aspect::Model>> {
        let rows =
            aspect::Entity::find().filter(aspect::Column::Id.is_in(ids.iter().copied())).all(self.conn()).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn create_aspect(&self, actor: &Principal, code: &str, name: &str) -> AppResult<aspect::Model> {
        authorize(actor, Action::ManageCatalog)?;
        let code = code_text("code", code, 32)?;
        let name = required_text("name", name, 200)?;
        if aspect::Entity::find().filter(aspect::Column::Code.eq(&code)).one(self.conn()).await?.is_some() {
            return Err(AppError::bad_input("code", format!("an aspect with code {code} already exists")));
        }
        let inserted =
            aspect::ActiveModel { code: Set(code), name: Set(name), ..Default::default() }.insert(self.conn()).await;
        self.reference_changed();
        Ok(inserted?)
    }

    pub async fn categories_by_ids(&self, ids: &[i64]) -> AppResult<HashMap<i64, category::Model>> {
        let rows =
            category::Entity::find().filter(category::Column::Id.is_in(ids.iter().copied())).all(self.conn()).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn create_category(&self, actor: &Principal, input: NewCategory) -> AppResult<category::Model> {
        authorize(actor, Action::ManageCatalog)?;
        let code = code_text("code", &input.code, 32)?;
        let name = required_text("name", &input.name, 200)?;
        if aspect::Entity::find_by_id(input.aspect_id).one(self.conn()).await?.is_none() {
            return Err(AppError::bad_input("aspectId", "no aspect has this id"));
        }
        match department::Entity::find_by_id(input.duty_department_id).one(self.conn()).await? {
            Some(department) if department.active => {}
            _ => return Err(AppError::bad_input("dutyDepartmentId", "no active department has this id")),
        }
        if category::Entity::find().filter(category::Column::Code.eq(&code)).one(self.conn()).await?.is_some() {
            return Err(AppError::bad_input("code", format!("a category with code {code} already exists")));
        }
        let row = category::ActiveModel {
            aspect_id: Set(input.aspect_id),
            code: Set(code),
            name: Set(name),
            duty_department_id: Set(input.duty_department_id),
            ..Default::default()
        };
        let inserted = row.insert(self.conn()).await;
        self.reference_changed();
        Ok(inserted?)
    }
}
