//! The `rectify` command line: wires configuration, telemetry and the application.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use rand::RngCore;
use rectify::auth::{TokenService, ensure_crypto_backend};
use rectify::config::{
    AuthSettings, CountySettings, DatabaseSettings, EvidenceSettings, Secret, Settings, parse_duration,
};
use rectify::db::{Database, redact_url};
use rectify::evidence_store::EvidenceStore;
use rectify::graphql::schema_sdl;
use rectify::service::Services;
use rectify::startup::Application;

/// A list page allocates thousands of small values (fields, strings, futures); glibc's malloc
/// spent about a quarter of the server's CPU on them (bench/RESULTS.md, hot spot 4). It is
/// built to commit memory as it is used (`.cargo/config.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rectify",
    version,
    about = "The rectification ledger for environmental inspection findings, over GraphQL"
)]
struct Cli {
    /// Log filter (e.g. `info`, `rectify=debug`).
    #[arg(long = "log", env = "RECTIFY_LOG", default_value = "info", global = true)]
    log: String,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start and moved into the command that runs: boxing the settings would buy
// nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve HTTP.
    Serve {
        #[command(flatten)]
        settings: Settings,
        /// Seed demo data into an empty database, print a token per role, and allow running
        /// without RECTIFY_JWT_SECRET (a random one is made for the run).
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Seed demo data into an empty database.
    SeedDemo {
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        county: CountySettings,
        #[command(flatten)]
        evidence: EvidenceSettings,
    },
    /// Print a signed token (needs RECTIFY_JWT_SECRET).
    Token {
        #[command(flatten)]
        auth: AuthSettings,
        /// ADMIN, BUREAU, LEADER, DEPARTMENT, INSPECTOR or SUPERIOR.
        #[arg(long)]
        role: String,
        /// The subject: who acts.
        #[arg(long)]
        sub: String,
        /// The department's code (DEPARTMENT tokens).
        #[arg(long)]
        dept: Option<String>,
        /// A display name.
        #[arg(long)]
        name: Option<String>,
        /// Lifetime, e.g. 8h, 30m, 2d.
        #[arg(long, default_value = "8h", value_parser = parse_duration)]
        ttl: Duration,
    },
    /// Run the deadline sweep once, for cron (notices 7, 3 and 1 days before a deadline,
    /// overdue notices, automatic reminder slips, escalations), and print what it wrote as
    /// JSON. Safe beside a running server: each notice is written once.
    Sweep {
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        county: CountySettings,
        #[command(flatten)]
        evidence: EvidenceSettings,
    },
    /// Recompute every hash chain of the histories and every sealed report's root from the
    /// database and print what was checked as JSON; exit with status 1, naming the first broken
    /// link, when one is broken. With --proof, check a proof file offline instead.
    Verify {
        /// A proof from `historyProof` (its `document`), checked without a database.
        #[arg(long, requires = "public_key")]
        proof: Option<PathBuf>,
        /// The county's public key (64 hex digits), as published at
        /// /.well-known/rectify-signing-key and printed by `rectify signing-key`.
        #[arg(long)]
        public_key: Option<String>,
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        county: CountySettings,
        #[command(flatten)]
        evidence: EvidenceSettings,
    },
    /// Print the public key of RECTIFY_SIGNING_KEY (64 hex digits), which verifies sealed
    /// monthly reports.
    SigningKey {
        #[command(flatten)]
        county: CountySettings,
    },
    /// Print the GraphQL schema (SDL).
    Schema {
        /// Compare with this file instead, and fail when it differs.
        #[arg(long)]
        check: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { settings, demo } => serve(settings, demo).await,
        Command::Migrate { database } => {
            open_database(&database, Some(COMMAND_POOL)).await?;
            eprintln!("migrations are up to date");
            Ok(())
        }
        Command::SeedDemo { database, county, evidence } => {
            offline_services(&database, &county, &evidence).await?.seed_demo().await?;
            eprintln!("demo data seeded");
            Ok(())
        }
        Command::Sweep { database, county, evidence } => {
            let report = offline_services(&database, &county, &evidence).await?.sweep().await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::Verify { proof: Some(path), public_key: Some(key), .. } => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let proof: rectify::domain::seal::HistoryProof =
                serde_json::from_str(&text).with_context(|| format!("{} is not a history proof", path.display()))?;
            if let Err(broken) = rectify::domain::seal::verify_proof(&proof, &key) {
                bail!("the proof does not hold: {broken}");
            }
            eprintln!(
                "the proof holds: issue {}'s {} events are in the report of {}, signed by {key}",
                proof.issue_id,
                proof.events.len(),
                proof.month
            );
            Ok(())
        }
        Command::Verify { database, county, evidence, .. } => {
            let services = offline_services(&database, &county, &evidence).await?;
            let report = services.verify_history(None, Default::default()).await?;
            println!("{}", serde_json::to_string(&report)?);
            if let Some(broken) = report.first_broken {
                bail!(
                    "the history is broken: {:?} {} event {} has hash {}, its chain gives {}",
                    broken.kind,
                    broken.owner_id,
                    broken.event_id,
                    broken.stored.as_deref().unwrap_or("(none)"),
                    broken.expected
                );
            }
            if let Some(seal) = report.broken_seal {
                bail!(
                    "the report of {} sealed root {}, the database now gives {}",
                    seal.month,
                    seal.sealed_root,
                    seal.recomputed_root
                );
            }
            eprintln!("every chain and every sealed report holds");
            Ok(())
        }
        Command::SigningKey { county } => {
            let Some(key) = county.signing_key else { bail!("RECTIFY_SIGNING_KEY is not set") };
            let Some(key) = rectify::service::seals::signing_key(key.expose()) else {
                bail!("RECTIFY_SIGNING_KEY must be 64 hexadecimal digits (openssl rand -hex 32)");
            };
            println!("{}", entity::chain::to_hex(&key.verifying_key().to_bytes()));
            Ok(())
        }
        Command::Token { auth, role, sub, dept, name, ttl } => {
            ensure_crypto_backend()?;
            let Some(secret) = auth.jwt_secret.clone() else {
                bail!("RECTIFY_JWT_SECRET is not set: tokens are signed with the server's key");
            };
            let role = serde_json::from_value(serde_json::Value::String(role.to_uppercase())).map_err(|_| {
                anyhow::anyhow!("unknown role; use ADMIN, BUREAU, LEADER, DEPARTMENT, INSPECTOR or SUPERIOR")
            })?;
            if role == entity::enums::Role::Department && dept.is_none() {
                bail!("a DEPARTMENT token needs --dept CODE");
            }
            let tokens = TokenService::new(&auth, secret.expose())?;
            println!("{}", tokens.issue(&sub, role, dept.as_deref(), name.as_deref(), ttl)?.token);
            Ok(())
        }
        Command::Schema { check: None } => {
            print!("{}", schema_sdl());
            Ok(())
        }
        Command::Schema { check: Some(path) } => {
            let committed = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            if committed != schema_sdl() {
                bail!(
                    "{} differs from the schema in the code: run `rectify schema > {}`",
                    path.display(),
                    path.display()
                );
            }
            eprintln!("{} matches the code", path.display());
            Ok(())
        }
    }
}

/// The services of a command that serves nothing (`seed-demo`, `sweep`): it signs no tokens,
/// so a throwaway key satisfies the token service.
async fn offline_services(
    database: &DatabaseSettings,
    county: &CountySettings,
    evidence: &EvidenceSettings,
) -> anyhow::Result<Services> {
    let db = open_database(database, Some(COMMAND_POOL)).await?;
    let tokens = TokenService::new(&AuthSettings::defaults(), &random_secret())?;
    let store = EvidenceStore::open(&evidence.store)?;
    Ok(Services::from_settings(db, &county.services(), Arc::new(tokens), store))
}

/// The pool of a command that serves nothing (`migrate`, `seed-demo`, `sweep`, `verify`): it
/// works one statement at a time, and each PostgreSQL connection opened up front costs about a
/// tenth of a second of its start.
const COMMAND_POOL: u32 = 2;

/// Opens the database with `RECTIFY_DATABASE_POOL` connections, else `default_pool` (else the
/// server's default), and runs pending migrations.
async fn open_database(settings: &DatabaseSettings, default_pool: Option<u32>) -> anyhow::Result<Database> {
    let db = Database::connect_pooled(&settings.url, settings.pool.or(default_pool)).await?;
    db.migrate().await?;
    Ok(db)
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn serve(mut settings: Settings, demo: bool) -> anyhow::Result<()> {
    ensure_crypto_backend()?;
    settings.dev_tools = settings.dev_tools.with_demo_defaults(demo);
    let secret = match (&settings.auth.jwt_secret, demo) {
        (Some(secret), _) => secret.clone(),
        (None, true) => {
            eprintln!(
                "RECTIFY_JWT_SECRET is not set: using a random key for this run (tokens stop working when it ends)"
            );
            Secret::new(random_secret())
        }
        (None, false) => bail!(
            "RECTIFY_JWT_SECRET is not set. Set it to a random string of at least 32 bytes \
             (e.g. `export RECTIFY_JWT_SECRET=$(openssl rand -hex 32)`), or try `rectify serve --demo`"
        ),
    };
    let tokens = Arc::new(TokenService::new(&settings.auth, secret.expose())?);
    if demo && settings.county.signing_key.is_none() {
        // The demo seals its reports with a key made for the run, as it signs its tokens.
        settings.county.signing_key = Some(Secret::new(random_secret()));
    }
    if let Some(key) = &settings.county.signing_key
        && rectify::service::seals::signing_key(key.expose()).is_none()
    {
        bail!("RECTIFY_SIGNING_KEY must be 64 hexadecimal digits (make one with `openssl rand -hex 32`)");
    }
    let db = open_database(&settings.database, None).await?;
    tracing::info!(database = %redact_url(&settings.database.url), "database ready");
    let store = EvidenceStore::open(&settings.evidence.store)?;
    let services = Services::from_settings(db, &settings.services(), tokens.clone(), store);
    // Demo tokens are printed only when they are signed with a key made for this run: one
    // signed with an operator's key would open every ledger that key guards, for a day.
    let print_tokens = demo && settings.auth.jwt_secret.is_none();
    if demo {
        match services.seed_demo().await {
            Ok(()) => eprintln!("demo data seeded"),
            Err(rectify::error::AppError::InvalidTransition(_)) => {
                eprintln!("the database already holds data: demo seeding skipped")
            }
            Err(error) => return Err(anyhow::anyhow!("seeding demo data failed: {error}")),
        }
    }
    let app = Application::build(&settings, services)?;
    let address = format!(
        "http://{}:{}",
        settings.bind.rsplit_once(':').map(|(host, _)| host).unwrap_or("127.0.0.1"),
        app.port()
    );
    if print_tokens {
        print_demo_tokens(&tokens, settings.auth.max_lifetime)?;
    } else if demo {
        eprintln!("no demo tokens printed: RECTIFY_JWT_SECRET is yours, so sign them with `rectify token`");
    }
    let graphiql = if settings.dev_tools.graphiql() { format!("{address}/graphiql") } else { "off".into() };
    let introspection = if settings.dev_tools.introspection() { "on" } else { "off" };
    eprintln!("Rectify is listening on {address}/graphql (GraphiQL: {graphiql}; introspection: {introspection})");
    app.run_until_stopped().await.context("the server stopped with an error")
}

fn print_demo_tokens(tokens: &TokenService, max_lifetime: Duration) -> anyhow::Result<()> {
    use entity::enums::Role;
    let ttl = Duration::from_secs(24 * 3600).min(max_lifetime);
    println!("Demo tokens (valid {} min; send as `Authorization: Bearer <token>`):", ttl.as_secs() / 60);
    for (role, sub, dept) in [
        (Role::Admin, "admin", None),
        (Role::Bureau, "bureau-officer", None),
        (Role::Leader, rectify::service::demo::DEMO_LEADER, None),
        (Role::Department, "water-officer", Some("WATER")),
        (Role::Inspector, "field-inspector", None),
        (Role::Superior, "city-agency", None),
    ] {
        let token = tokens.issue(sub, role, dept, None, ttl)?;
        let label = format!("{role:?}").to_uppercase();
        println!("{label:<11} {}", token.token);
    }
    Ok(())
}
