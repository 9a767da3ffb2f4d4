//! Every batch loader, registered in one place. Each turns the keys one request level asks
//! for into a single statement, so lists cost the same number of statements at any size.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{aspect, category, department, inspection_round, issue_event};

use crate::service::Services;

macro_rules! batch_loader {
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

batch_loader!(
    /// Departments by id.
    DepartmentLoader, department::Model, departments_by_ids
);
batch_loader!(
    /// Inspection rounds by id.
    RoundLoader, inspection_round::Model, rounds_by_ids
);
batch_loader!(
    /// Aspects by id.
    AspectLoader, aspect::Model, aspects_by_ids
);
batch_loader!(
    /// Categories by id.
    CategoryLoader, category::Model, categories_by_ids
);
batch_loader!(
    /// The categories of each aspect, by aspect id.
    AspectCategoriesLoader, Vec<category::Model>, categories_by_aspects
);
batch_loader!(
    /// The cooperating department ids of each issue, by issue id.
    CooperatorsLoader, Vec<i64>, cooperators_of
);
batch_loader!(
    /// All events of each issue, oldest first, by issue id.
    IssueEventsLoader, Vec<issue_event::Model>, events_of
);

pub struct Loaders;

impl Loaders {
    /// Gives a request its own loaders (their caches live as long as the request).
    pub fn register(request: async_graphql::Request, services: &Services) -> async_graphql::Request {
        let s = || services.clone();
        request
            .data(services.clone())
            .data(DataLoader::new(DepartmentLoader(s()), tokio::spawn))
            .data(DataLoader::new(RoundLoader(s()), tokio::spawn))
            .data(DataLoader::new(AspectLoader(s()), tokio::spawn))
            .data(DataLoader::new(CategoryLoader(s()), tokio::spawn))
            .data(DataLoader::new(AspectCategoriesLoader(s()), tokio::spawn))
            .data(DataLoader::new(CooperatorsLoader(s()), tokio::spawn))
            .data(DataLoader::new(IssueEventsLoader(s()), tokio::spawn))
    }
}
