//! `AppError`: every way a request can fail, and its one mapping to `extensions.code`.
//!
//! Client errors carry a message written for people. Internal errors keep their cause for the
//! log and show the client only a plain sentence: no SQL, driver text or path leaves this file.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// The stable error codes of the API contract.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const INVALID_TRANSITION: &str = "INVALID_TRANSITION";
    pub const CONFLICT: &str = "CONFLICT";
    pub const TOO_COMPLEX: &str = "TOO_COMPLEX";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid token where one is needed.
    #[error("{0}")]
    Unauthenticated(String),
    /// The actor's role or department may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist, or the actor may not see it (the two are not told apart).
    #[error("{0}")]
    NotFound(String),
    /// An input value is wrong; `field` is its path in the input (`input.deadline`).
    #[error("{message}")]
    BadInput { field: String, message: String },
    /// The object's state does not allow this step.
    #[error("{0}")]
    InvalidTransition(String),
    /// Someone else changed the object first, or a unique value is taken.
    #[error("{0}")]
    Conflict(String),
    /// Over the request budget.
    #[error("{0}")]
    RateLimited(String),
    /// The request asks for more than one request may (cost, aliases, answer size).
    #[error("{0}")]
    TooComplex(String),
    /// A database failure; the cause is logged, never shown.
    #[error("database error")]
    Database(#[source] DbErr),
    /// Anything else that is our fault; the cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    /// Places an input error's field under `prefix` (`title` becomes `input.title`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::BadInput { field, message } => Self::BadInput { field: format!("{prefix}.{field}"), message },
            other => other,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn invalid_transition(message: impl Into<String>) -> Self {
        Self::InvalidTransition(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// The contract code of this error. Exhaustive on purpose: a new variant must choose one.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::BadInput { .. } => code::BAD_USER_INPUT,
            Self::InvalidTransition(_) => code::INVALID_TRANSITION,
            Self::Conflict(_) => code::CONFLICT,
            Self::RateLimited(_) => code::RATE_LIMITED,
            Self::TooComplex(_) => code::TOO_COMPLEX,
            Self::Database(_) | Self::Internal(_) => code::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client reads: the message for client errors, a fixed sentence for ours.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(_) | Self::Internal(_) => {
                "The server could not complete the request; the failure has been logged.".into()
            }
            other => other.to_string(),
        }
    }

    /// Logs internal failures in full (with the cause chain) and client errors briefly.
    pub fn log(&self) {
        match self {
            Self::Database(e) => tracing::error!(error = %e, "database failure"),
            Self::Internal(e) => tracing::error!(error = ?e, "internal failure"),
            other => tracing::debug!(code = other.code(), message = %other, "request refused"),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        // A unique index losing a race is the client's conflict, not our failure.
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("a record with the same unique value already exists".into())
            }
            _ => Self::Database(error),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.log();
        let code = error.code();
        let field = match &error {
            AppError::BadInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(error.public_message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}
