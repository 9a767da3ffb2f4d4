//! The application: built from settings and services, bound to its listener, then run.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::config::Settings;
use crate::graphql::{Documents, IntrospectionSizes, KnownCosts, build_schemas, schema_sdl};
use crate::http::{GraphqlState, routes};
use crate::service::Services;

/// How often the server forgets expired idempotency keys.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Purges expired idempotency keys every hour, starting an hour from now.
fn spawn_key_purge(services: crate::service::Services) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + PURGE_EVERY, PURGE_EVERY);
        loop {
            every.tick().await;
            match services.purge_idempotency_keys().await {
                Ok(purged) => tracing::debug!(purged, "expired idempotency keys purged"),
                Err(error) => error.log(),
            }
        }
    });
}

/// How long after start the first scheduled sweep runs: long enough for the server to be up
/// and answering, short enough that a restart does not delay the day's notices.
const FIRST_SWEEP_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the deadline sweep on `every`. A sweep that fails is logged and tried again at the
/// next tick; its marks make a repeated sweep write nothing twice.
fn spawn_sweep(services: crate::service::Services, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_SWEEP_AFTER, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match services.sweep().await {
                Ok(report) => tracing::info!(?report, "deadline sweep done"),
                Err(error) => error.log(),
            }
        }
    });
}

/// Headers for browsers on every response: no guessing a type other than the one declared (an
/// uploaded file served as script), no `Referer` carrying a URL's query out, and a policy that
/// lets a response load, run or frame nothing. `DefaultHeaders` adds a header only where the
/// handler has not set it, so the GraphiQL page keeps its own policy.
fn browser_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listen address (port 0 picks a free port) and prepares the server.
    pub fn build(settings: &Settings, services: Services) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        // One set of budgets for the whole process: every worker, GraphQL and the downloads.
        let cost_budgets = Arc::new(settings.limits.cost_budgets());
        let state = web::Data::new(GraphqlState {
            schemas: build_schemas(&settings.limits, cost_budgets.clone(), settings.dev_tools.introspection()),
            documents: Documents::default(),
            known_costs: KnownCosts::default(),
            services,
            cost_budgets,
            max_body_bytes: settings.limits.max_body_bytes,
            max_upload_bytes: settings.limits.max_upload_bytes,
            trusted_proxies: settings.trusted_proxies.clone(),
            introspection: settings.dev_tools.introspection(),
            introspection_sizes: IntrospectionSizes::of_schema(&schema_sdl()),
            max_aliases: settings.limits.max_aliases,
            max_response_bytes: settings.limits.max_response_bytes,
            live_token_recheck: settings.auth.live_token_recheck,
        });
        let graphiql = settings.dev_tools.graphiql();
        spawn_key_purge(state.services.clone());
        state.services.start_live_feed();
        state.services.start_webhook_deliveries();
        if let Some(every) = settings.sweep_every.0 {
            spawn_sweep(state.services.clone(), every);
        }
        let server = HttpServer::new(move || {
            App::new()
                .wrap(Compress::default())
                .wrap(browser_headers())
                .app_data(state.clone())
                .configure(|config| routes(config, graphiql))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
