//! The reference tables (departments, inspection rounds, aspects, categories), kept in memory
//! for the whole process.
//!
//! A county has tens of rows in each, they change only through a handful of bureau and admin
//! mutations, and nearly every answer names some of them (an issue's lead department, its
//! category, the category's aspect, the round). Reading all four per request was four of the
//! six statements of a list page; kept here, a warm page reads none of them.
//!
//! Freshness: every write through these services (`create_department`, `update_department`,
//! `create_round`, `create_aspect`, `create_category`) drops the copy, so this process answers
//! with the change at once. On PostgreSQL it also announces the change on the channel
//! `rectify_reference` (`CHANNEL`), and every server sharing the database drops its copy when
//! the announcement arrives (the live feed's listener hears it, see `live`). A change nobody
//! announces (SQL typed by hand, an announcement lost while a listener reconnected) shows once
//! the copy is older than its time to live, `RECTIFY_REFERENCE_CACHE_SECS` (5 s by default; 0
//! reads the tables for every request): the safety net.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entity::{aspect, category, department, inspection_round};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};

use super::Services;
use crate::error::AppResult;

/// The PostgreSQL channel on which a server announces a change to the reference tables.
pub(crate) const CHANNEL: &str = "rectify_reference";

/// One consistent copy of the four tables, shared by every request that reads it.
pub struct ReferenceTables {
    pub departments: HashMap<i64, Arc<department::Model>>,
    pub rounds: HashMap<i64, Arc<inspection_round::Model>>,
    pub aspects: HashMap<i64, Arc<aspect::Model>>,
    pub categories: HashMap<i64, Arc<category::Model>>,
}

/// The process's copy and what it takes to trust it.
pub(crate) struct ReferenceCache {
    time_to_live: Duration,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    /// Counts the writes seen; a copy read while one happened is not kept.
    generation: u64,
    /// The copy, with the moment its reading began.
    copy: Option<(Instant, Arc<ReferenceTables>)>,
}

impl ReferenceCache {
    pub(crate) fn new(time_to_live: Duration) -> Self {
        Self { time_to_live, state: Mutex::default() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // The lock guards plain data and is never held across an await; a panic elsewhere
        // cannot leave it half written.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn by_id<M>(rows: Vec<M>, id: impl Fn(&M) -> i64) -> HashMap<i64, Arc<M>> {
    rows.into_iter().map(|row| (id(&row), Arc::new(row))).collect()
}

impl Services {
    /// The reference tables: the process's copy while it is fresh, else read now (four
    /// statements) and kept.
    pub async fn reference_tables(&self) -> AppResult<Arc<ReferenceTables>> {
        let generation = {
            let state = self.reference.state();
            if let Some((read_at, tables)) = &state.copy
                && read_at.elapsed() < self.reference.time_to_live
            {
                return Ok(tables.clone());
            }
            state.generation
        };
        let read_at = Instant::now();
        let conn = self.conn();
        let tables = Arc::new(ReferenceTables {
            departments: by_id(department::Entity::find().all(conn).await?, |d| d.id),
            rounds: by_id(inspection_round::Entity::find().all(conn).await?, |r| r.id),
            aspects: by_id(aspect::Entity::find().all(conn).await?, |a| a.id),
            categories: by_id(category::Entity::find().all(conn).await?, |c| c.id),
        });
        let mut state = self.reference.state();
        // A write that landed while this copy was read may be missing from it: use it for this
        // request, which began before the write, but do not keep it.
        if state.generation == generation && !self.reference.time_to_live.is_zero() {
            state.copy = Some((read_at, tables.clone()));
        }
        Ok(tables)
    }

    /// Called after every write to a reference table, whether or not it succeeded: drops this
    /// process's copy and tells the other servers to drop theirs.
    pub(crate) fn reference_changed(&self) {
        self.drop_reference_copy();
        if self.backend() == DbBackend::Postgres {
            let services = self.clone();
            // Not awaited by the request: a lost announcement is caught by the time to live.
            tokio::spawn(async move {
                let notify =
                    Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_notify($1, '')", [CHANNEL.into()]);
                if let Err(error) = services.background_conn().execute_raw(notify).await {
                    tracing::warn!(%error, "a change to the reference tables could not be announced");
                }
            });
        }
    }

    /// Forgets the copy: the next request reads the tables again.
    pub(crate) fn drop_reference_copy(&self) {
        let mut state = self.reference.state();
        state.generation += 1;
        state.copy = None;
    }
}
