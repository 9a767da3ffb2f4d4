//! Every batched look-up a request makes, registered in one place.
//!
//! Reference tables (departments, rounds, aspects, categories) are small — a county has tens
//! of each — so a request reads each table at most once, on first use, and answers every
//! later look-up from memory. Relations keyed by issue (cooperating units, events) go through
//! DataLoaders, which turn the keys of one list level into a single statement. Either way a
//! list costs the same number of statements at any page size, independent of timing.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{aspect, category, department, inspection_round, issue_event};
use tokio::sync::OnceCell;

use crate::error::AppResult;
use crate::service::Services;

/// The reference tables, each read at most once per request.
pub struct ReferenceData {
    services: Services,
    departments: OnceCell<HashMap<i64, department::Model>>,
    rounds: OnceCell<HashMap<i64, inspection_round::Model>>,
    aspects: OnceCell<HashMap<i64, aspect::Model>>,
    categories: OnceCell<HashMap<i64, category::Model>>,
}

impl ReferenceData {
    fn new(services: Services) -> Self {
        Self {
            services,
            departments: OnceCell::new(),
            rounds: OnceCell::new(),
            aspects: OnceCell::new(),
            categories: OnceCell::new(),
        }
    }

    async fn departments(&self) -> AppResult<&HashMap<i64, department::Model>> {
        self.departments.get_or_try_init(|| self.services.all_departments()).await
    }

    pub async fn department(&self, id: i64) -> AppResult<Option<department::Model>> {
        Ok(self.departments().await?.get(&id).cloned())
    }

    /// The departments with these ids, in the order given (unknown ids are left out).
    pub async fn departments_in_order(&self, ids: &[i64]) -> AppResult<Vec<department::Model>> {
        let all = self.departments().await?;
        Ok(ids.iter().filter_map(|id| all.get(id).cloned()).collect())
    }

    pub async fn round(&self, id: i64) -> AppResult<Option<inspection_round::Model>> {
        Ok(self.rounds.get_or_try_init(|| self.services.all_rounds()).await?.get(&id).cloned())
    }

    pub async fn aspect(&self, id: i64) -> AppResult<Option<aspect::Model>> {
        Ok(self.aspects.get_or_try_init(|| self.services.all_aspects()).await?.get(&id).cloned())
    }

    async fn categories(&self) -> AppResult<&HashMap<i64, category::Model>> {
        self.categories.get_or_try_init(|| self.services.all_categories()).await
    }

    pub async fn category(&self, id: i64) -> AppResult<Option<category::Model>> {
        Ok(self.categories().await?.get(&id).cloned())
    }

    /// The categories of an aspect, ordered by code.
    pub async fn categories_of(&self, aspect_id: i64) -> AppResult<Vec<category::Model>> {
        let mut found: Vec<category::Model> =
            self.categories().await?.values().filter(|c| c.aspect_id == aspect_id).cloned().collect();
        found.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(found)
    }
}

macro_rules! issue_loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, $method:ident) => {
        $(#[$doc])*
        pub struct $name(Services);

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                Ok(self.0.$method(keys).await?)
            }
        }
    };
}

issue_loader!(
    /// The cooperating department ids of each issue, by issue id.
    CooperatorsLoader, Vec<i64>, cooperators_of
);
issue_loader!(
    /// All events of each issue, oldest first, by issue id.
    IssueEventsLoader, Vec<issue_event::Model>, events_of
);

pub struct Loaders;

impl Loaders {
    /// Gives a request its own loaders: their caches live exactly as long as the request.
    pub fn register(request: async_graphql::Request, services: &Services) -> async_graphql::Request {
        request
            .data(services.clone())
            .data(ReferenceData::new(services.clone()))
            .data(DataLoader::new(CooperatorsLoader(services.clone()), tokio::spawn))
            .data(DataLoader::new(IssueEventsLoader(services.clone()), tokio::spawn))
    }
}
