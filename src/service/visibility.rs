//! Which rows of an issue's records the actor may see: those of issues visible to the actor
//! and, for the roles that read them, those of suspected problems (no issue yet). Shared by
//! field work and evidence.

use std::collections::HashMap;

use super::Services;
use super::policy::{Action, authorize};
use crate::auth::Principal;
use crate::error::AppResult;

impl Services {
    /// Keeps the rows of issues the actor may see, and the rows of suspected problems (no issue
    /// yet) for the roles that read those.
    pub(crate) async fn visible_or_suspected<T>(
        &self,
        actor: &Principal,
        rows: Vec<T>,
        issue_of: impl Fn(&T) -> Option<i64>,
        id_of: impl Fn(&T) -> i64,
    ) -> AppResult<HashMap<i64, T>> {
        let issue_ids: Vec<i64> = rows.iter().filter_map(&issue_of).collect();
        let visible = self.issues_by_ids(actor, &issue_ids).await?;
        let suspected_ok = authorize(actor, Action::ReadSuspectedProblems).is_ok();
        Ok(rows
            .into_iter()
            .filter(|row| match issue_of(row) {
                Some(issue) => visible.contains_key(&issue),
                None => suspected_ok,
            })
            .map(|row| (id_of(&row), row))
            .collect())
    }

    /// Keeps the rows whose issue the actor may see.
    pub(crate) async fn visible_by_issue<T>(
        &self,
        actor: &Principal,
        rows: Vec<T>,
        issue_of: impl Fn(&T) -> i64,
        id_of: impl Fn(&T) -> i64,
    ) -> AppResult<HashMap<i64, T>> {
        let issue_ids: Vec<i64> = rows.iter().map(&issue_of).collect();
        let visible = self.issues_by_ids(actor, &issue_ids).await?;
        Ok(rows.into_iter().filter(|row| visible.contains_key(&issue_of(row))).map(|row| (id_of(&row), row)).collect())
    }
}
