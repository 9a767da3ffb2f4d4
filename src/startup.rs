//! The application: built from settings and services, bound to its listener, then run.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::config::Settings;
use crate::graphql::{Documents, IntrospectionSizes, KnownCosts, build_schemas, schema_sdl};
use crate::http::{Compression, GraphqlState, ServerPhase, routes};
use crate::service::Services;
use crate::service::scheduler::{Job, POLL_EVERY};

/// How often the server forgets expired idempotency keys.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// How long after start the first scheduled sweep runs: long enough for the server to be up
/// and answering, short enough that a restart does not delay the day's notices.
const FIRST_SWEEP_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// This process's name in `scheduled_job.leased_by`: unique among the instances.
fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "rectify".into());
    format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>())
}

/// Runs `job` whenever it is due and this instance claims it (see `service::scheduler`). A run
/// that fails is logged and its error kept as the job's outcome; the job is due again
/// `job.every` later either way (the sweep's marks make a repeated sweep write nothing twice).
fn spawn_job<F, Fut>(services: Services, job: Job, instance: Arc<str>, run: F)
where
    F: Fn(Services) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = crate::error::AppResult<String>> + Send,
{
    tokio::spawn(async move {
        let poll = POLL_EVERY.min(job.every);
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match services.claim_job(job, &instance).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    error.log();
                    continue;
                }
            }
            let outcome = match run(services.clone()).await {
                Ok(outcome) => {
                    tracing::info!(job = job.name, %outcome, "scheduled job done");
                    outcome
                }
                Err(error) => {
                    error.log();
                    format!("failed: {error}")
                }
            };
            if let Err(error) = services.finish_job(job, &instance, &outcome).await {
                error.log();
            }
        }
    });
}

/// The periodic jobs: the purge of expired idempotency keys every hour, and the deadline
/// sweep on `sweep_every` unless it is off (run from cron instead).
fn spawn_jobs(services: &Services, sweep_every: Option<std::time::Duration>) {
    let instance: Arc<str> = instance_name().into();
    let purge = Job { name: "purge-idempotency-keys", every: PURGE_EVERY, first_after: PURGE_EVERY };
    spawn_job(services.clone(), purge, instance.clone(), |services| async move {
        Ok(format!("{} expired keys purged", services.purge_idempotency_keys().await?))
    });
    if let Some(every) = sweep_every {
        let sweep = Job { name: "sweep", every, first_after: FIRST_SWEEP_AFTER };
        spawn_job(services.clone(), sweep, instance, |services| async move {
            let report = services.sweep().await?;
            Ok(serde_json::to_string(&report).unwrap_or_default())
        });
    }
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
    /// Tells `/readyz` and the subscriptions that the server stops.
    phase: tokio::sync::watch::Sender<ServerPhase>,
    /// For the live feed to catch up before the subscriptions close.
    services: Services,
    /// How long a stopping server keeps serving while `/readyz` fails, before it closes its
    /// listener: long enough for a load balancer's checks to take it out, so that requests go
    /// elsewhere rather than meet a refused connection.
    unready_grace: std::time::Duration,
}

/// The HTTP workers: one thread each, one per core. The database gives each a pool of its own
/// (`db::Database`).
pub fn http_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get())
}

/// The longest `unready_grace`: two checks of a balancer checking every second.
const UNREADY_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

impl Application {
    /// Binds the listen address (port 0 picks a free port) and prepares the server.
    pub fn build(settings: &Settings, services: Services) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        // One set of budgets for the whole process: every worker, GraphQL and the downloads.
        let cost_budgets = Arc::new(settings.limits.cost_budgets().shared_in(services.shared_store()));
        let (phase, phase_seen) = tokio::sync::watch::channel(ServerPhase::Serving);
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
            phase: phase_seen,
        });
        let graphiql = settings.dev_tools.graphiql();
        let services = state.services.clone();
        spawn_jobs(&state.services, settings.sweep_every.0);
        state.services.start_live_feed();
        state.services.start_webhook_deliveries();
        let server = HttpServer::new(move || {
            // Runs once on each worker's thread as it starts.
            state.services.enter_http_worker();
            App::new()
                .wrap(Compression)
                .wrap(browser_headers())
                .app_data(state.clone())
                .configure(|config| routes(config, graphiql))
        })
        // The stop on a signal is ours (`run_until_stopped`), so that it can first turn
        // `/readyz` away and close the subscriptions.
        .disable_signals()
        .workers(http_workers())
        // A reply sent in pieces (a stream, a subscription's messages) goes out as written,
        // not held back until the client acknowledges the piece before (Nagle's algorithm,
        // which with the client's delayed acknowledgements cost 40 ms a reply).
        .tcp_nodelay(true)
        .shutdown_timeout(settings.shutdown_secs)
        .listen(listener)?
        .run();
        let unready_grace = UNREADY_GRACE.min(std::time::Duration::from_secs(settings.shutdown_secs) / 2);
        Ok(Self { port, server, phase, services, unready_grace })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then drains: `/readyz` answers 503; once the live feed
    /// has handed the subscriptions every row committed before the signal, they send it and
    /// close with 1001, so that their clients reconnect elsewhere having missed nothing
    /// written before; after `unready_grace` no new connection is accepted, and requests under
    /// way get `RECTIFY_SHUTDOWN_SECS` to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (handle, phase, services, grace) = (self.server.handle(), self.phase, self.services, self.unready_grace);
        tokio::spawn(async move {
            stop_signal().await;
            tracing::info!("stopping: draining requests and subscriptions");
            let began = tokio::time::Instant::now();
            phase.send_replace(ServerPhase::Stopping);
            services.flush_live_feed(grace / 2).await;
            phase.send_replace(ServerPhase::ClosingSubscriptions);
            tokio::time::sleep_until(began + grace).await;
            handle.stop(true).await;
        });
        self.server.await
    }
}

/// SIGTERM (what systemd, containers and orchestrators send) or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
