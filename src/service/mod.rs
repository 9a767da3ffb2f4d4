//! The application's use cases, one module per aggregate. Every function takes the acting
//! `Principal` and asks `policy` before it reads or writes; nothing here knows GraphQL or HTTP.

pub mod assessment;
pub mod cases;
pub mod catalog;
pub mod cost_budget;
pub mod demo;
pub mod departments;
pub mod disputes;
pub mod enterprises;
pub mod evidence;
pub mod field_work;
pub mod history_chain;
pub mod idempotency;
pub mod instructions;
pub mod issue_checks;
pub mod issue_lifecycle;
pub mod issue_rows;
pub mod issue_step;
pub mod issues;
pub mod ledger;
pub mod live;
pub mod login_throttle;
pub mod look_back;
#[cfg(test)]
mod module_graph;
pub mod monthly_reports;
pub mod notice;
pub mod notifications;
pub mod objections;
pub mod pagination;
pub mod policy;
pub mod project_gate;
pub mod project_statistics;
pub mod reference;
pub mod reminders;
pub mod scheduler;
pub mod scoreboard;
pub mod seals;
pub mod statistics;
pub mod sweep;
pub mod todo;
pub mod trend;
pub mod users;
pub mod visibility;
pub mod webhooks;

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::TokenService;
use crate::db::Database;
use crate::domain::clock::CountyClock;
use crate::domain::warning::WarningRule;
use crate::error::{AppError, AppResult};
use crate::evidence_store::EvidenceStore;
use crate::shared_store::SharedStore;
pub use enterprises::RepeatOffenderRule;

/// See `reference`: the default of `RECTIFY_REFERENCE_CACHE_SECS`.
pub const DEFAULT_REFERENCE_TIME_TO_LIVE: std::time::Duration = std::time::Duration::from_secs(5);

/// The default of `RECTIFY_UPLOAD_QUOTA_BYTES`: 500 MiB a subject a day.
pub const DEFAULT_UPLOAD_QUOTA_BYTES: u64 = 500 * 1024 * 1024;

/// What every use case needs: the database, the county's clock and the token service.
#[derive(Clone)]
pub struct Services {
    db: Database,
    pub clock: CountyClock,
    pub tokens: Arc<TokenService>,
    pub repeat_offender: RepeatOffenderRule,
    /// The warning light's setting (`RECTIFY_WARNING_DAYS`).
    pub warning: WarningRule,
    /// Whether any LEADER may instruct (`RECTIFY_INSTRUCTIONS_BY_ANY_LEADER`).
    pub instructions_by_any_leader: bool,
    /// Days within which an assignment may be disputed (`RECTIFY_DISPUTE_DAYS`).
    pub dispute_days: i64,
    /// The rules of the new-project gate in force (`RECTIFY_GATE_RULES`).
    pub gate_rules: Arc<crate::domain::gate::GateRules>,
    /// When evidence is doubted as proof of its site (`RECTIFY_EVIDENCE_FAR_METERS`,
    /// `RECTIFY_EVIDENCE_STALE_DAYS`).
    pub evidence_doubts: crate::domain::site_proof::DoubtRule,
    /// The key that signs sealed reports; `None` seals them unsigned.
    signing_key: Option<Arc<ed25519_dalek::SigningKey>>,
    login_throttle: Arc<login_throttle::LoginThrottle>,
    standings: Arc<users::Standings>,
    pub(crate) evidence_store: EvidenceStore,
    /// Bytes of evidence one subject may upload in 24 hours.
    upload_quota_bytes: u64,
    reference: Arc<reference::ReferenceCache>,
    /// This process's end of the live feed of subscriptions.
    pub live: Arc<live::LiveFeed>,
    /// Wakes this process's sender of webhook deliveries when it queues one.
    outbox: Arc<tokio::sync::Notify>,
    /// The store several instances share for what they count together, when there is one.
    shared_store: Option<SharedStore>,
}

/// What the use cases read from the configuration, gathered so that `Services` is built from
/// it in one place (`Services::from_settings`) by every command and by the tests.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// The county's time zone: deadlines end at midnight there.
    pub timezone: chrono_tz::Tz,
    /// When an enterprise counts as a repeat offender.
    pub repeat_offender: RepeatOffenderRule,
    /// When an open issue's warning light turns BLUE.
    pub warning: WarningRule,
    /// Whether any LEADER may post an instruction, not only the leader in charge.
    pub instructions_by_any_leader: bool,
    /// Days after an assignment within which the lead department may dispute it.
    pub dispute_days: i64,
    /// The rules of the new-project gate in force.
    pub gate_rules: crate::domain::gate::GateRules,
    /// When evidence is doubted as proof of its site.
    pub evidence_doubts: crate::domain::site_proof::DoubtRule,
    /// The county's key for sealed reports (`RECTIFY_SIGNING_KEY`), as configured.
    pub signing_key: Option<crate::config::Secret>,
    /// How long the process's copy of the reference tables is trusted without a write through
    /// these services (see `reference`); zero reads them for every request.
    pub reference_time_to_live: std::time::Duration,
    /// Bytes of evidence one subject may upload in 24 hours.
    pub upload_quota_bytes: u64,
    /// Subscriptions one subject may hold open at once.
    pub max_subscriptions: usize,
    /// The store several instances share (`RECTIFY_REDIS_URL`), checked when it was read.
    pub redis_url: Option<crate::config::Secret>,
}

/// What the key that hashes names in the shared store's keys is derived for (see
/// `TokenService::derived_key`).
const SHARED_NAMES_KEY_PURPOSE: &str = "rectify shared store: names";

/// The longest text a report, a finding, a reason, a slip or a note may have.
pub(crate) const MAX_TEXT: usize = 20_000;

impl Services {
    pub fn from_settings(
        db: Database,
        settings: &ServiceSettings,
        tokens: Arc<TokenService>,
        evidence_store: EvidenceStore,
    ) -> Self {
        let name_key = tokens.derived_key(SHARED_NAMES_KEY_PURPOSE);
        let shared_store =
            settings.redis_url.as_ref().and_then(|url| match SharedStore::open(url.expose(), name_key) {
                Ok(store) => Some(store),
                Err(error) => {
                    // Only a URL built without the setting's check gets here.
                    tracing::error!(%error, "RECTIFY_REDIS_URL cannot be used: this instance counts alone");
                    None
                }
            });
        let username_key = tokens.derived_key(login_throttle::USERNAME_KEY_PURPOSE);
        Self {
            db,
            clock: CountyClock::new(settings.timezone),
            tokens,
            repeat_offender: settings.repeat_offender,
            warning: settings.warning,
            instructions_by_any_leader: settings.instructions_by_any_leader,
            dispute_days: settings.dispute_days,
            gate_rules: Arc::new(settings.gate_rules.clone()),
            evidence_doubts: settings.evidence_doubts,
            signing_key: settings.signing_key.as_ref().and_then(|key| seals::signing_key(key.expose())).map(Arc::new),
            login_throttle: Arc::new(login_throttle::LoginThrottle::new(username_key, shared_store.clone())),
            standings: Arc::default(),
            evidence_store,
            upload_quota_bytes: settings.upload_quota_bytes,
            reference: Arc::new(reference::ReferenceCache::new(settings.reference_time_to_live)),
            live: Arc::new(live::LiveFeed::new(settings.max_subscriptions)),
            outbox: Arc::default(),
            shared_store,
        }
    }

    /// The store several instances share, when `RECTIFY_REDIS_URL` names one.
    pub fn shared_store(&self) -> Option<SharedStore> {
        self.shared_store.clone()
    }

    /// The login throttle's counters held now (tests check that a flood leaves none behind).
    #[doc(hidden)]
    pub fn remembered_login_counters(&self) -> usize {
        self.login_throttle.remembered()
    }

    /// The pool for this thread's statements: an HTTP worker's own, or the shared one.
    pub(crate) fn conn(&self) -> &DatabaseConnection {
        self.db.here()
    }

    /// Gives this thread, an HTTP worker starting, a pool of its own (see `db::Database`).
    pub(crate) fn enter_http_worker(&self) {
        self.db.enter_worker();
    }

    /// The pool for background work, whose statements are not counted (see `Database`).
    pub(crate) fn background_conn(&self) -> &DatabaseConnection {
        &self.db.background
    }

    pub(crate) fn backend(&self) -> sea_orm::DbBackend {
        self.db.conn.get_database_backend()
    }

    /// What keeps this instance from serving, if anything (for `/readyz`): the database or
    /// the shared store not answering.
    pub async fn unready(&self) -> Option<&'static str> {
        if self.db.conn.ping().await.is_err() {
            return Some("database unavailable");
        }
        match &self.shared_store {
            Some(store) if !store.ready().await => Some("shared store unavailable"),
            _ => None,
        }
    }
}

/// Groups rows under an id, keeping their order; rows `split` maps to `None` are left out.
pub(crate) fn group_by<K: std::hash::Hash + Eq, T, V>(
    rows: impl IntoIterator<Item = T>,
    split: impl Fn(T) -> Option<(K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut grouped: HashMap<K, Vec<V>> = HashMap::new();
    for (key, value) in rows.into_iter().filter_map(split) {
        grouped.entry(key).or_default().push(value);
    }
    grouped
}

/// Latitude and longitude come together and stay on the globe.
pub(crate) fn check_coordinates(latitude: Option<f64>, longitude: Option<f64>) -> AppResult<()> {
    match (latitude, longitude) {
        (None, None) => Ok(()),
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(AppError::bad_input("latitude", "`latitude` must be between -90 and 90"));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(AppError::bad_input("longitude", "`longitude` must be between -180 and 180"));
            }
            Ok(())
        }
        (Some(_), None) => Err(AppError::bad_input("longitude", "give `longitude` with `latitude`")),
        (None, Some(_)) => Err(AppError::bad_input("latitude", "give `latitude` with `longitude`")),
    }
}

/// The longest text a `search` filter takes.
pub(crate) const MAX_SEARCH_CHARS: usize = 200;

/// `column` contains `text`, ignoring case: the position of `lower(text)` in `lower(column)`
/// (`instr` on SQLite, `strpos` on PostgreSQL), so no character of `text` is a wildcard. Both
/// sides are lower-cased by the database, so the two agree on exact-case matches (SQLite folds
/// ASCII letters only, PostgreSQL all of Unicode).
pub(crate) fn contains_text(
    backend: sea_orm::DbBackend,
    column: impl sea_orm::sea_query::IntoColumnRef,
    text: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let position = match backend {
        sea_orm::DbBackend::Postgres => Func::cust("strpos"),
        _ => Func::cust("instr"),
    };
    Expr::expr(position.arg(Func::lower(Expr::col(column))).arg(Func::lower(Expr::val(text.to_owned())))).gt(0)
}

/// A `search` filter: trimmed, empty means none, longer than `MAX_SEARCH_CHARS` is refused.
pub(crate) fn search_text(search: Option<&str>) -> AppResult<Option<&str>> {
    match search.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) if text.chars().count() > MAX_SEARCH_CHARS => Err(AppError::bad_input(
            "filter.search",
            format!("`search` may have at most {MAX_SEARCH_CHARS} characters"),
        )),
        other => Ok(other),
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
