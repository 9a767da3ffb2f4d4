//! The application's use cases, one module per aggregate. Every function takes the acting
//! `Principal` and asks `policy` before it reads or writes; nothing here knows GraphQL or HTTP.

pub mod catalog;
pub mod demo;
pub mod departments;
pub mod issue_lifecycle;
pub mod issues;
pub mod pagination;
pub mod policy;
pub mod users;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::TokenService;
use crate::db::Database;
use crate::domain::clock::CountyClock;
use crate::error::{AppError, AppResult};

/// What every use case needs: the database, the county's clock and the token service.
#[derive(Clone)]
pub struct Services {
    db: Database,
    pub clock: CountyClock,
    pub tokens: Arc<TokenService>,
}

impl Services {
    pub fn new(db: Database, clock: CountyClock, tokens: Arc<TokenService>) -> Self {
        Self { db, clock, tokens }
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.db.conn
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn database_ready(&self) -> bool {
        self.db.conn.ping().await.is_ok()
    }
}

/// Trims a required text input; empty or longer than `max` characters is BAD_USER_INPUT.
pub(crate) fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(field, format!("`{field}` must not be empty")));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(field, format!("`{field}` may have at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// Like `required_text`, for optional inputs: absent or blank becomes `None`.
pub(crate) fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => required_text(field, value, max).map(Some),
    }
}

/// A code as offices write them: letters, digits, `-`, `_`, `/` and `.`, at most `max` long.
pub(crate) fn code_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = required_text(field, value, max)?;
    if !value.chars().all(|c| c.is_alphanumeric() || "-_/.".contains(c)) {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` may contain letters, digits, '-', '_', '/' and '.' only"),
        ));
    }
    Ok(value)
}
