//! Every batched look-up a request makes, registered in one place.
//!
//! Reference tables (departments, rounds, aspects, categories) come from the process's copy
//! (`service::reference`): a warm request reads none of them. Relations keyed by issue
//! (cooperating units, events) go through DataLoaders; a list of issues primes them for its
//! whole page in one statement each (`prime_issue_relations`), because a DataLoader's own
//! batching depends on timing: a long list that yields mid-way would split into two batches. Either way a list costs the same
//! number of statements at any page size.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    accountability_case, aspect, case_event, case_measure, category, department, enterprise, inspection_round, issue,
    issue_event,
};
use tokio::sync::OnceCell;

use crate::auth::{Actor, Principal};
use crate::error::AppResult;
use crate::graphql::types::issue::event_columns;
use crate::service::Services;
use crate::service::evidence::Citer;
use crate::service::reference::ReferenceTables;

/// The reference tables as one request sees them: the process's copy (see
/// `service::reference`), taken on first use and kept for the rest of the request, so that
/// every field of one answer names the same version of a department.
pub struct ReferenceData {
    services: Services,
    tables: OnceCell<Arc<ReferenceTables>>,
}

impl ReferenceData {
    fn new(services: Services) -> Self {
        Self { services, tables: OnceCell::new() }
    }

    async fn tables(&self) -> AppResult<&ReferenceTables> {
        if let Some(tables) = self.tables.get() {
            return Ok(tables);
        }
        // Boxed: the read behind it is a future of some 2 KiB, and unboxed it would be part of
        // the future of every field that names a department, category or round, which
        // async-graphql allocates and moves once per field of every answer.
        let read: Pin<Box<dyn Future<Output = AppResult<Arc<ReferenceTables>>> + Send + '_>> =
            Box::pin(self.services.reference_tables());
        Ok(self.tables.get_or_try_init(|| read).await?)
    }

    pub async fn department(&self, id: i64) -> AppResult<Option<Arc<department::Model>>> {
        Ok(self.tables().await?.departments.get(&id).cloned())
    }

    /// The departments with these ids, in the order given (unknown ids are left out).
    pub async fn departments_in_order(&self, ids: &[i64]) -> AppResult<Vec<Arc<department::Model>>> {
        let all = &self.tables().await?.departments;
        Ok(ids.iter().filter_map(|id| all.get(id).cloned()).collect())
    }

    pub async fn round(&self, id: i64) -> AppResult<Option<Arc<inspection_round::Model>>> {
        Ok(self.tables().await?.rounds.get(&id).cloned())
    }

    pub async fn aspect(&self, id: i64) -> AppResult<Option<Arc<aspect::Model>>> {
        Ok(self.tables().await?.aspects.get(&id).cloned())
    }

    pub async fn category(&self, id: i64) -> AppResult<Option<Arc<category::Model>>> {
        Ok(self.tables().await?.categories.get(&id).cloned())
    }

    /// The categories of an aspect, ordered by code.
    pub async fn categories_of(&self, aspect_id: i64) -> AppResult<Vec<Arc<category::Model>>> {
        let mut found: Vec<Arc<category::Model>> =
            self.tables().await?.categories.values().filter(|c| c.aspect_id == aspect_id).cloned().collect();
        found.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(found)
    }
}

/// The cooperating units of the issues of the request's first list page, read in one
/// statement by `prime_issue_relations`. A field of one of those issues finds its units here
/// at once, with no loader future to wait on; later lists of the same request feed the loader.
#[derive(Default)]
pub struct ListedCooperators(OnceLock<HashMap<i64, Vec<i64>>>);

/// The cooperating department ids of `issue`, if it was on the request's first list page.
pub fn listed_cooperators<'a>(ctx: &Context<'a>, issue: i64) -> Option<&'a [i64]> {
    ctx.data::<ListedCooperators>().ok()?.0.get()?.get(&issue).map(Vec::as_slice)
}

/// Whether the request holds its copy of the reference tables already, so that a field that
/// reads them finishes at once (see `graphql::fast_object`).
pub fn reference_held(ctx: &Context<'_>) -> bool {
    ctx.data::<ReferenceData>().is_ok_and(|reference| reference.tables.initialized())
}

macro_rules! batch_loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, $method:ident) => {
        $(#[$doc])*
        pub struct $name(Services);

        impl Made for $name {
            fn make(services: &Services, _viewer: Option<&Principal>) -> Option<Self> {
                Some(Self(services.clone()))
            }
        }

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                Ok(self.0.$method(keys).await?)
            }
        }
    };
}

batch_loader!(
    /// The cooperating department ids of each issue, by issue id.
    CooperatorsLoader, Vec<i64>, cooperators_of
);
/// All events of each issue, oldest first, by issue id, with the columns that the fields of
/// `IssueEvent` read (`event_columns`; the others NULL).
pub struct IssueEventsLoader(Services);

impl Made for IssueEventsLoader {
    fn make(services: &Services, _viewer: Option<&Principal>) -> Option<Self> {
        Some(Self(services.clone()))
    }
}

impl Loader<i64> for IssueEventsLoader {
    type Value = Vec<issue_event::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(self.0.events_of(keys, event_columns()).await?)
    }
}
batch_loader!(
    /// Enterprises by id.
    EnterpriseLoader, enterprise::Model, enterprises_by_ids
);
batch_loader!(
    /// Decided cases inside the repeat-offender window, by enterprise id.
    ViolationCountLoader, u64, violation_counts
);
batch_loader!(
    /// The measures of each case, by case id.
    CaseMeasuresLoader, Vec<case_measure::Model>, measures_of
);
batch_loader!(
    /// All events of each case, oldest first, by case id.
    CaseEventsLoader, Vec<case_event::Model>, case_events_of
);
batch_loader!(
    /// The plan milestones of each issue, by issue id.
    MilestonesLoader, Vec<entity::milestone::Model>, milestones_of
);
batch_loader!(
    /// The progress reports of each issue, newest first, by issue id.
    ProgressReportsLoader, Vec<entity::progress_report::Model>, progress_reports_of
);
batch_loader!(
    /// The site inspections of each issue, by issue id.
    SiteInspectionsLoader, Vec<entity::site_inspection::Model>, site_inspections_of
);
batch_loader!(
    /// An issue's originating site inspection, by inspection id (visible with its issue).
    OriginInspectionLoader, entity::site_inspection::Model, site_inspections_of_issues_by_ids
);
batch_loader!(
    /// The deadline extensions of each issue, by issue id.
    ExtensionsLoader, Vec<entity::deadline_extension::Model>, extensions_of
);
batch_loader!(
    /// The slips of each issue, newest first, by issue id.
    RemindersLoader, Vec<entity::reminder::Model>, reminders_of
);
batch_loader!(
    /// The instructions of each issue, newest first, by issue id.
    InstructionsLoader, Vec<entity::instruction::Model>, instructions_of
);
batch_loader!(
    /// The assignment disputes of each issue, newest first, by issue id.
    DisputesLoader, Vec<entity::assignment_dispute::Model>, disputes_of
);
batch_loader!(
    /// The objections to each issue's public notices, newest first, by issue id.
    NoticeObjectionsLoader, Vec<entity::notice_objection::Model>, notice_objections_of
);
batch_loader!(
    /// The progress of each look-back campaign, by campaign id.
    LookBackProgressLoader, crate::service::look_back::CampaignProgress, look_back_progress
);
batch_loader!(
    /// Look-back campaigns by id, for their tasks.
    LookBackCampaignLoader, entity::look_back_campaign::Model, campaigns_of_tasks
);
batch_loader!(
    /// The gate of each project application as the ledger reads now, by application id.
    ProjectGateLoader, Vec<crate::domain::gate::Finding>, gates_of
);
batch_loader!(
    /// The history of each project application, oldest first, by application id.
    ProjectEventsLoader, Vec<entity::project_application_event::Model>, application_events_of
);
batch_loader!(
    /// The leaders' instructions on each project application, oldest first, by application id.
    ProjectInstructionsLoader, Vec<entity::project_instruction::Model>, project_instructions_of
);
batch_loader!(
    /// The LEADER users in charge of issues, by user id.
    LeaderLoader, entity::user::Model, leaders_by_ids
);
batch_loader!(
    /// The linked issue ids of each case, by case id.
    CaseIssuesLoader, Vec<i64>, case_issue_ids
);

batch_loader!(
    /// The evidence of each issue, newest first, by issue id.
    EvidenceLoader, Vec<entity::evidence::Model>, evidence_of
);

/// The evidence each progress report, site inspection or acceptance request cites.
pub struct CitedEvidenceLoader(Services);

impl Made for CitedEvidenceLoader {
    fn make(services: &Services, _viewer: Option<&Principal>) -> Option<Self> {
        Some(Self(services.clone()))
    }
}

impl Loader<Citer> for CitedEvidenceLoader {
    type Value = Vec<entity::evidence::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Citer]) -> Result<HashMap<Citer, Self::Value>, Self::Error> {
        Ok(self.0.evidence_cited_by(keys).await?)
    }
}

/// Loaders whose answers depend on who asks: they hold the viewer and return only what the
/// viewer may see.
macro_rules! viewer_loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, $method:ident) => {
        $(#[$doc])*
        pub struct $name(Services, Principal);

        impl Made for $name {
            fn make(services: &Services, viewer: Option<&Principal>) -> Option<Self> {
                Some(Self(services.clone(), viewer?.clone()))
            }
        }

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                Ok(self.0.$method(&self.1, keys).await?)
            }
        }
    };
}

viewer_loader!(
    /// Issues the viewer may see, by id.
    VisibleIssueLoader, issue::Model, issues_by_ids
);
viewer_loader!(
    /// Cases the viewer may see, by id.
    VisibleCaseLoader, accountability_case::Model, cases_by_ids
);
viewer_loader!(
    /// The cases about each enterprise that the viewer may see, by enterprise id.
    EnterpriseCasesLoader, Vec<accountability_case::Model>, cases_of_enterprises
);
viewer_loader!(
    /// The issues naming each enterprise that the viewer may see, by enterprise id.
    EnterpriseIssuesLoader, Vec<issue::Model>, issues_of_enterprises
);

/// A loader whose answers are kept for the rest of the request (and can be primed), or, with
/// `keep` false, a loader that batches but keeps nothing (a subscription's, whose request
/// lives as long as the subscription and answers each event with fresh rows).
///
/// It loads as soon as the request's task yields, without async-graphql's default wait of
/// 1 ms: the fields that ask for the same loader (one per issue of a page) are polled
/// together before the task yields, so the batch is whole without waiting. The wait cost the
/// issue page a tenth to a fifth of its throughput: async-graphql keeps it on async-io's
/// timer thread, so every load paid a hand-off to that thread and back (with its `tokio-timer`
/// feature it would be the busy worker's own timer, read late). async-io's timer with no
/// wait is ready at its first poll and never leaves the worker's thread.
fn cached<T: Send + Sync + 'static>(loader: T, keep: bool) -> DataLoader<T, HashMapCache> {
    let loader = DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()).delay(std::time::Duration::ZERO);
    loader.enable_all_cache(keep);
    loader
}

/// How a request makes one of its loaders: `None` for a loader of what the viewer may see when
/// there is no viewer.
pub trait Made: Sized + Send + Sync + 'static {
    fn make(services: &Services, viewer: Option<&Principal>) -> Option<Self>;
}

/// A loader that a request holds in its `RequestLoaders`.
pub trait RequestLoader: Made {
    fn slot(loaders: &RequestLoaders) -> &OnceLock<DataLoader<Self, HashMapCache>>;
}

/// Declares the request's loaders: one slot each, filled the first time a field asks.
macro_rules! request_loaders {
    ($($name:ident),* $(,)?) => {
        /// A request's loaders, each made the first time a field asks for it: an answer uses a
        /// few of the thirty, and making all of them for every request was 3% of the
        /// instructions of an `issue(id)` answer. Their caches live as long as the request.
        #[allow(non_snake_case, reason = "a slot is named by its loader's type")]
        pub struct RequestLoaders {
            services: Services,
            viewer: Option<Principal>,
            keep: bool,
            $($name: OnceLock<DataLoader<$name, HashMapCache>>,)*
        }

        impl RequestLoaders {
            fn new(services: &Services, actor: &Actor, keep: bool) -> Self {
                let viewer = match actor {
                    Actor::User(principal) => Some(principal.clone()),
                    Actor::Anonymous => None,
                };
                Self { services: services.clone(), viewer, keep, $($name: OnceLock::new(),)* }
            }
        }

        $(impl RequestLoader for $name {
            fn slot(loaders: &RequestLoaders) -> &OnceLock<DataLoader<Self, HashMapCache>> {
                &loaders.$name
            }
        })*
    };
}

request_loaders!(
    VisibleIssueLoader,
    VisibleCaseLoader,
    EnterpriseCasesLoader,
    EnterpriseIssuesLoader,
    CooperatorsLoader,
    IssueEventsLoader,
    EnterpriseLoader,
    ViolationCountLoader,
    CaseMeasuresLoader,
    CaseEventsLoader,
    CaseIssuesLoader,
    MilestonesLoader,
    ProgressReportsLoader,
    SiteInspectionsLoader,
    ExtensionsLoader,
    RemindersLoader,
    InstructionsLoader,
    LeaderLoader,
    DisputesLoader,
    NoticeObjectionsLoader,
    LookBackProgressLoader,
    LookBackCampaignLoader,
    ProjectGateLoader,
    ProjectEventsLoader,
    ProjectInstructionsLoader,
    OriginInspectionLoader,
    EvidenceLoader,
    CitedEvidenceLoader,
);

impl RequestLoaders {
    /// Gives a request its loaders and the rest of what its fields read (the services, the
    /// request's copy of the reference tables): their caches live exactly as long as the request.
    pub fn register(request: async_graphql::Request, services: &Services, actor: &Actor) -> async_graphql::Request {
        Self::register_keeping(request, services, actor, true)
    }

    /// Gives a subscription its own loaders, which keep nothing between its events.
    pub fn register_live(
        request: async_graphql::Request,
        services: &Services,
        actor: &Actor,
    ) -> async_graphql::Request {
        Self::register_keeping(request, services, actor, false)
    }

    fn register_keeping(
        request: async_graphql::Request,
        services: &Services,
        actor: &Actor,
        keep: bool,
    ) -> async_graphql::Request {
        request
            .data(services.clone())
            .data(ReferenceData::new(services.clone()))
            .data(ListedCooperators::default())
            .data(Self::new(services, actor, keep))
    }

    /// The request's loader `T`, made now if no field asked for it before.
    pub fn get<T: RequestLoader>(&self) -> AppResult<&DataLoader<T, HashMapCache>> {
        let slot = T::slot(self);
        if let Some(loader) = slot.get() {
            return Ok(loader);
        }
        let made = T::make(&self.services, self.viewer.as_ref()).ok_or_else(missing_loader)?;
        Ok(slot.get_or_init(|| cached(made, self.keep)))
    }
}

/// The request's loader `T`.
pub fn loader<'a, T: RequestLoader>(ctx: &'a Context<'_>) -> AppResult<&'a DataLoader<T, HashMapCache>> {
    ctx.data::<RequestLoaders>().map_err(|_| missing_loader())?.get::<T>()
}

fn missing_loader() -> crate::error::AppError {
    crate::error::AppError::internal(anyhow::anyhow!(
        "a loader is missing from the request, or one of what the viewer may see was asked without a viewer"
    ))
}

/// Loads, in one statement each, the issues and cases that a list of assessment items names,
/// when the query asks for them.
pub async fn prime_item_sources(ctx: &Context<'_>, issue_ids: Vec<i64>, case_ids: Vec<i64>) -> AppResult<()> {
    let (services, principal) = (
        ctx.data::<Services>().map_err(|_| missing_loader())?,
        ctx.data::<Actor>().map_err(|_| missing_loader())?.principal()?,
    );
    let items = ctx.look_ahead().field("items");
    if items.field("issue").exists() && !issue_ids.is_empty() {
        let found = services.issues_by_ids(principal, &issue_ids).await?;
        loader::<VisibleIssueLoader>(ctx)?.feed_many(found).await;
    }
    if items.field("case").exists() && !case_ids.is_empty() {
        let found = services.cases_by_ids(principal, &case_ids).await?;
        loader::<VisibleCaseLoader>(ctx)?.feed_many(found).await;
    }
    Ok(())
}

/// Whether a connection's selection asks for `field` of its nodes (through `nodes` or `edges`).
fn asks_for(ctx: &Context<'_>, field: &str) -> bool {
    let look = ctx.look_ahead();
    look.field("nodes").field(field).exists() || look.field("edges").field("node").field(field).exists()
}

/// Loads the cooperating units and events of a page of issues in one statement each, when
/// the query asks for them, so that every issue of the page finds them already loaded.
pub async fn prime_issue_relations(ctx: &Context<'_>, services: &Services, issue_ids: &[i64]) -> AppResult<()> {
    if issue_ids.is_empty() {
        return Ok(());
    }
    if asks_for(ctx, "cooperatingDepartments") {
        let mut found = services.cooperators_of(issue_ids).await?;
        let all: HashMap<i64, Vec<i64>> =
            issue_ids.iter().map(|id| (*id, found.remove(id).unwrap_or_default())).collect();
        let listed = ctx.data::<ListedCooperators>().map_err(|_| missing_loader())?;
        if let Err(all) = listed.0.set(all) {
            loader::<CooperatorsLoader>(ctx)?.feed_many(all).await;
        }
    }
    if asks_for(ctx, "events") {
        let mut found = services.events_of(issue_ids, event_columns()).await?;
        let all = issue_ids.iter().map(|id| (*id, found.remove(id).unwrap_or_default()));
        loader::<IssueEventsLoader>(ctx)?.feed_many(all).await;
    }
    Ok(())
}
