//! What a resolver reads from the request: the services, the acting principal, the loaders.

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};

use super::loaders::{Loaders, ReferenceData};
use crate::auth::{Actor, Principal};
use crate::error::AppResult;
use crate::service::Services;

pub trait ContextExt {
    fn services(&self) -> &Services;
    /// The signed-in principal, or UNAUTHENTICATED.
    fn principal(&self) -> AppResult<&Principal>;
    fn loader<T: Send + Sync + 'static>(&self) -> &DataLoader<T, HashMapCache>;
    /// The reference tables, read at most once per request.
    fn reference(&self) -> &ReferenceData;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Services {
        self.data_unchecked::<Services>()
    }

    fn principal(&self) -> AppResult<&Principal> {
        self.data::<Actor>().unwrap_or(&Actor::Anonymous).principal()
    }

    fn loader<T: Send + Sync + 'static>(&self) -> &DataLoader<T, HashMapCache> {
        self.data_unchecked::<DataLoader<T, HashMapCache>>()
    }

    fn reference(&self) -> &ReferenceData {
        self.data_unchecked::<ReferenceData>()
    }
}

/// Attaches the actor and fresh loaders to a request before it runs.
pub trait RequestExt {
    fn for_actor(self, actor: Actor, services: &Services) -> Self;
}

impl RequestExt for async_graphql::Request {
    fn for_actor(self, actor: Actor, services: &Services) -> Self {
        Loaders::register(self.data(actor), services)
    }
}
