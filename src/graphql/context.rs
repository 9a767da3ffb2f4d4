//! What a resolver reads from the request: the services, the acting principal, the loaders.

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};

use super::loaders::{self, ReferenceData, RequestLoader, RequestLoaders};
use crate::auth::{Actor, Principal};
use crate::domain::labels::Locale;
use crate::error::{AppError, AppResult};
use crate::service::Services;

pub trait ContextExt {
    fn services(&self) -> AppResult<&Services>;
    /// The signed-in principal, or UNAUTHENTICATED.
    fn principal(&self) -> AppResult<&Principal>;
    fn loader<T: RequestLoader>(&self) -> AppResult<&DataLoader<T, HashMapCache>>;
    /// The reference tables, read at most once per request.
    fn reference(&self) -> AppResult<&ReferenceData>;
    /// The language the request prefers for labels (`Accept-Language`), or Chinese.
    fn preferred_locale(&self) -> Locale;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> AppResult<&Services> {
        request_data(self)
    }

    fn principal(&self) -> AppResult<&Principal> {
        self.data::<Actor>().unwrap_or(&Actor::Anonymous).principal()
    }

    fn loader<T: RequestLoader>(&self) -> AppResult<&DataLoader<T, HashMapCache>> {
        loaders::loader(self)
    }

    fn reference(&self) -> AppResult<&ReferenceData> {
        request_data(self)
    }

    fn preferred_locale(&self) -> Locale {
        self.data_opt::<Locale>().copied().unwrap_or_default()
    }
}

/// Data every request carries (see `RequestExt::for_actor`); missing means a request was run
/// without it, which is our bug, not the client's.
fn request_data<'a, T: std::any::Any + Send + Sync>(ctx: &'a Context<'_>) -> AppResult<&'a T> {
    ctx.data::<T>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("request data {} missing", std::any::type_name::<T>())))
}

/// Attaches the actor and fresh loaders to a request before it runs.
pub trait RequestExt {
    fn for_actor(self, actor: Actor, services: &Services) -> Self;
}

impl RequestExt for async_graphql::Request {
    fn for_actor(self, actor: Actor, services: &Services) -> Self {
        RequestLoaders::register(self.data(actor.clone()), services, &actor)
    }
}

/// Attaches the actor and loaders that keep nothing to a subscription's request, which lives
/// as long as the subscription: each event is answered from fresh rows.
pub trait LiveRequestExt {
    fn for_live_actor(self, actor: Actor, services: &Services) -> Self;
}

impl LiveRequestExt for async_graphql::Request {
    fn for_live_actor(self, actor: Actor, services: &Services) -> Self {
        RequestLoaders::register_live(self.data(actor.clone()), services, &actor)
    }
}
