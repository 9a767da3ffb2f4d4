//! Settings from the environment, each overridable by a flag of the same meaning.
//! Secrets are held in `Secret` so that no `Debug` print or log line shows them.

use std::fmt;
use std::path::PathBuf;

use chrono_tz::Tz;

/// A value that must never be printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseSettings {
    /// SQLite (embedded default) or postgres://… URL.
    #[arg(long = "database-url", env = "RECTIFY_DATABASE_URL", default_value = "sqlite://data/rectify.db?mode=rwc")]
    pub url: String,
    /// Connections this process keeps to the database; unset is 20 on PostgreSQL and 8 on
    /// SQLite. With several instances, their pools together must stay under PostgreSQL's
    /// `max_connections`.
    #[arg(long = "database-pool", env = "RECTIFY_DATABASE_POOL", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pool: Option<u32>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AuthSettings {
    /// HS256 signing key, at least 32 bytes.
    #[arg(long = "jwt-secret", env = "RECTIFY_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// PEM file with the identity provider's RS256 or ES256 public key.
    #[arg(long = "jwt-public-key", env = "RECTIFY_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,
    /// The required `iss` claim.
    #[arg(long = "jwt-issuer", env = "RECTIFY_JWT_ISSUER", default_value = "rectify")]
    pub issuer: String,
    /// The required `aud` claim.
    #[arg(long = "jwt-audience", env = "RECTIFY_JWT_AUDIENCE", default_value = "rectify-api")]
    pub audience: String,
    /// The longest a token may live (`exp - iat`), e.g. 24h: longer tokens are refused, and
    /// `rectify token --ttl` cannot sign them.
    #[arg(long = "jwt-max-lifetime", env = "RECTIFY_JWT_MAX_LIFETIME", default_value = "24h", value_parser = parse_duration)]
    pub max_lifetime: std::time::Duration,
    /// How often an open WebSocket connection's token is checked again against its user, so
    /// that a deactivation, a role change or a revocation closes the socket (4403) within
    /// this time rather than at the token's expiry.
    #[arg(long = "live-token-recheck", env = "RECTIFY_LIVE_TOKEN_RECHECK", default_value = "30s", value_parser = parse_duration)]
    pub live_token_recheck: std::time::Duration,
}

/// The default of `RECTIFY_JWT_MAX_LIFETIME`: a working day and a night.
pub const DEFAULT_JWT_MAX_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The default of `RECTIFY_LIVE_TOKEN_RECHECK`.
pub const DEFAULT_LIVE_TOKEN_RECHECK: std::time::Duration = std::time::Duration::from_secs(30);

impl AuthSettings {
    /// The defaults of the contract, with no keys.
    pub fn defaults() -> Self {
        Self {
            jwt_secret: None,
            jwt_public_key: None,
            issuer: "rectify".into(),
            audience: "rectify-api".into(),
            max_lifetime: DEFAULT_JWT_MAX_LIFETIME,
            live_token_recheck: DEFAULT_LIVE_TOKEN_RECHECK,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct CountySettings {
    /// The county's time zone: deadlines end at midnight there.
    #[arg(long = "timezone", env = "RECTIFY_TIMEZONE", default_value = "Asia/Shanghai")]
    pub timezone: Tz,
    /// Decided violations that make an enterprise a repeat offender.
    #[arg(long = "repeat-offender-violations", env = "RECTIFY_REPEAT_OFFENDER_VIOLATIONS", default_value_t = 2)]
    pub repeat_offender_violations: u64,
    /// The rolling window, in days, in which those violations count.
    #[arg(long = "repeat-offender-days", env = "RECTIFY_REPEAT_OFFENDER_DAYS", default_value_t = 365)]
    pub repeat_offender_days: i64,
    /// An open issue's warning light turns BLUE when its deadline or supervision deadline is at
    /// most this many days away.
    #[arg(
        long = "warning-days",
        env = "RECTIFY_WARNING_DAYS",
        default_value_t = crate::domain::warning::DEFAULT_WARNING_DAYS,
        value_parser = clap::value_parser!(i64).range(0..=365)
    )]
    pub warning_days: i64,
    /// Any LEADER may post an instruction on any issue, not only the leader in charge of it.
    #[arg(
        long = "instructions-by-any-leader",
        env = "RECTIFY_INSTRUCTIONS_BY_ANY_LEADER",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        default_value = "false",
        default_missing_value = "true"
    )]
    pub instructions_by_any_leader: bool,
    /// Days after an assignment within which the lead department may dispute it.
    #[arg(
        long = "dispute-days",
        env = "RECTIFY_DISPUTE_DAYS",
        default_value_t = crate::domain::disputes::DEFAULT_DISPUTE_DAYS,
        value_parser = clap::value_parser!(i64).range(0..=365)
    )]
    pub dispute_days: i64,
    /// The rules of the new-project gate in force: a comma-separated list of REPEAT_OFFENDER,
    /// OPEN_CASE, OPEN_ISSUE and REGIONAL_RESTRICTION, or NONE.
    #[arg(
        long = "gate-rules",
        env = "RECTIFY_GATE_RULES",
        default_value = "REPEAT_OFFENDER,OPEN_CASE,OPEN_ISSUE,REGIONAL_RESTRICTION"
    )]
    pub gate_rules: crate::domain::gate::GateRules,
    /// Evidence whose GPS position is farther than this many metres from its issue's place is
    /// marked FAR_FROM_SITE.
    #[arg(
        long = "evidence-far-meters",
        env = "RECTIFY_EVIDENCE_FAR_METERS",
        default_value_t = crate::domain::site_proof::DEFAULT_FAR_FROM_SITE_METERS,
        value_parser = clap::value_parser!(u32).range(10..=100_000)
    )]
    pub evidence_far_meters: u32,
    /// Evidence taken more than this many days before its upload is marked
    /// TAKEN_LONG_BEFORE_UPLOAD.
    #[arg(
        long = "evidence-stale-days",
        env = "RECTIFY_EVIDENCE_STALE_DAYS",
        default_value_t = crate::domain::site_proof::DEFAULT_STALE_PHOTO_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub evidence_stale_days: u32,
    /// The county's Ed25519 key that signs sealed monthly reports: the 32-byte secret seed as
    /// 64 hexadecimal digits (`openssl rand -hex 32`). Without it reports are sealed unsigned.
    #[arg(long = "signing-key", env = "RECTIFY_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<Secret>,
}

impl CountySettings {
    pub fn repeat_offender(&self) -> crate::service::RepeatOffenderRule {
        crate::service::RepeatOffenderRule {
            violations: self.repeat_offender_violations.max(1),
            window_days: self.repeat_offender_days.max(1),
        }
    }

    /// The service settings of a command that is given only the county's (`seed-demo`, which
    /// serves nothing): the others keep their defaults.
    pub fn services(&self) -> crate::service::ServiceSettings {
        crate::service::ServiceSettings {
            timezone: self.timezone,
            repeat_offender: self.repeat_offender(),
            warning: crate::domain::warning::WarningRule { blue_within_days: self.warning_days },
            instructions_by_any_leader: self.instructions_by_any_leader,
            dispute_days: self.dispute_days,
            gate_rules: self.gate_rules.clone(),
            evidence_doubts: crate::domain::site_proof::DoubtRule {
                far_from_site_meters: self.evidence_far_meters,
                stale_photo_days: self.evidence_stale_days,
            },
            signing_key: self.signing_key.clone(),
            reference_time_to_live: crate::service::DEFAULT_REFERENCE_TIME_TO_LIVE,
            upload_quota_bytes: crate::service::DEFAULT_UPLOAD_QUOTA_BYTES,
            max_subscriptions: crate::service::live::DEFAULT_MAX_SUBSCRIPTIONS,
            redis_url: None,
        }
    }
}

/// The default of `RECTIFY_MAX_ALIASES`.
pub const DEFAULT_MAX_ALIASES: usize = 100;
/// The default of `RECTIFY_MAX_RESPONSE_BYTES`: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Limits that protect the server from expensive requests.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitSettings {
    /// Larger request bodies are refused with HTTP 413.
    #[arg(long = "max-body-bytes", env = "RECTIFY_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// The deepest selection a query may nest.
    #[arg(long = "max-depth", env = "RECTIFY_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// The highest cost a query may have (a list costs its page size times its children).
    #[arg(long = "max-cost", env = "RECTIFY_MAX_COST", default_value_t = 25_000)]
    pub max_cost: usize,
    /// The largest file one upload may carry (checked while it streams in).
    #[arg(long = "max-upload-bytes", env = "RECTIFY_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// The cost budget of each interactive subject (ADMIN, BUREAU, LEADER, DEPARTMENT,
    /// INSPECTOR): what it may spend in a burst. Raised to at least `max-cost`.
    #[arg(long = "cost-budget", env = "RECTIFY_COST_BUDGET", default_value_t = 200_000)]
    pub cost_budget: u64,
    /// Cost restored to an interactive subject's budget each second (at least 1).
    #[arg(long = "cost-refill", env = "RECTIFY_COST_REFILL", default_value_t = 5_000)]
    pub cost_refill: u64,
    /// The cost budget of each SUPERIOR subject, whose agencies read in bulk.
    #[arg(long = "superior-cost-budget", env = "RECTIFY_SUPERIOR_COST_BUDGET", default_value_t = 800_000)]
    pub superior_cost_budget: u64,
    /// Cost restored to a SUPERIOR subject's budget each second (at least 1).
    #[arg(long = "superior-cost-refill", env = "RECTIFY_SUPERIOR_COST_REFILL", default_value_t = 20_000)]
    pub superior_cost_refill: u64,
    /// The cost budget of each client address sending requests without a token (which can
    /// only `login`, at 12,501 each). Raised to at least `max-cost`.
    #[arg(long = "anonymous-cost-budget", env = "RECTIFY_ANONYMOUS_COST_BUDGET", default_value_t = crate::service::cost_budget::DEFAULT_ANONYMOUS_BUDGET)]
    pub anonymous_cost_budget: u64,
    /// Cost restored to such an address's budget each second (at least 1).
    #[arg(long = "anonymous-cost-refill", env = "RECTIFY_ANONYMOUS_COST_REFILL", default_value_t = crate::service::cost_budget::DEFAULT_ANONYMOUS_REFILL)]
    pub anonymous_cost_refill: u64,
    /// The most aliased fields one request may hold (fragments counted as often as they are
    /// spread); more is TOO_COMPLEX before anything runs.
    #[arg(long = "max-aliases", env = "RECTIFY_MAX_ALIASES", default_value_t = DEFAULT_MAX_ALIASES)]
    pub max_aliases: usize,
    /// The largest answer the server writes; a larger one is replaced by a TOO_COMPLEX error.
    #[arg(long = "max-response-bytes", env = "RECTIFY_MAX_RESPONSE_BYTES", default_value_t = DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: usize,
    /// Bytes of evidence one subject may upload in 24 hours; more is RATE_LIMITED.
    #[arg(long = "upload-quota-bytes", env = "RECTIFY_UPLOAD_QUOTA_BYTES", default_value_t = crate::service::DEFAULT_UPLOAD_QUOTA_BYTES)]
    pub upload_quota_bytes: u64,
    /// GraphQL subscriptions one subject may hold open at once on this server, over all its
    /// connections; more is RATE_LIMITED.
    #[arg(long = "max-subscriptions", env = "RECTIFY_MAX_SUBSCRIPTIONS", default_value_t = crate::service::live::DEFAULT_MAX_SUBSCRIPTIONS)]
    pub max_subscriptions: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1_048_576,
            max_depth: 15,
            max_cost: 25_000,
            max_upload_bytes: 20 * 1024 * 1024,
            cost_budget: 200_000,
            cost_refill: 5_000,
            superior_cost_budget: 800_000,
            superior_cost_refill: 20_000,
            anonymous_cost_budget: crate::service::cost_budget::DEFAULT_ANONYMOUS_BUDGET,
            anonymous_cost_refill: crate::service::cost_budget::DEFAULT_ANONYMOUS_REFILL,
            max_aliases: DEFAULT_MAX_ALIASES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            upload_quota_bytes: crate::service::DEFAULT_UPLOAD_QUOTA_BYTES,
            max_subscriptions: crate::service::live::DEFAULT_MAX_SUBSCRIPTIONS,
        }
    }
}

impl LimitSettings {
    /// The per-subject cost budgets these settings describe, each able to afford the
    /// costliest query `max_cost` allows.
    pub fn cost_budgets(&self) -> crate::service::cost_budget::CostBudgets {
        use crate::service::cost_budget::{BudgetRule, CostBudgets};
        CostBudgets::new(
            BudgetRule { capacity: self.cost_budget, refill_per_second: self.cost_refill },
            BudgetRule { capacity: self.superior_cost_budget, refill_per_second: self.superior_cost_refill },
            BudgetRule { capacity: self.anonymous_cost_budget, refill_per_second: self.anonymous_cost_refill },
            u64::try_from(self.max_cost).unwrap_or(u64::MAX),
        )
    }
}

/// Where uploaded evidence is kept.
#[derive(Debug, Clone, clap::Args)]
pub struct EvidenceSettings {
    /// `file://DIR` (relative or absolute) or, in a build with the `s3` feature, `s3://bucket/prefix`.
    #[arg(long = "evidence-store", env = "RECTIFY_EVIDENCE_STORE", default_value = "file://data/evidence")]
    pub store: String,
}

/// The tools that show developers the API: the schema's introspection and GraphiQL. Each is
/// `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`; the flag alone means `true`). Left
/// unset, `serve --demo` turns it on and plain `serve` leaves it off (`with_demo_defaults`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DevToolSettings {
    /// Answer `__schema` and `__type` (how GraphiQL and code generators learn the schema).
    /// Default: on with --demo, off otherwise.
    #[arg(
        long = "introspection",
        env = "RECTIFY_INTROSPECTION",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub introspection: Option<bool>,
    /// Serve GraphiQL at /graphiql. Default: on with --demo, off otherwise.
    #[arg(
        long = "graphiql",
        env = "RECTIFY_GRAPHIQL",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub graphiql: Option<bool>,
}

impl DevToolSettings {
    /// Both on: a demo is for looking around. Both off otherwise: in production they show
    /// anyone with a token the whole API, and GraphiQL is a page where tokens get pasted.
    pub fn with_demo_defaults(self, demo: bool) -> Self {
        Self { introspection: self.introspection.or(Some(demo)), graphiql: self.graphiql.or(Some(demo)) }
    }

    /// Whether `__schema` and `__type` are answered; unset is off.
    pub fn introspection(&self) -> bool {
        self.introspection.unwrap_or(false)
    }

    /// Whether `/graphiql` is served; unset is off.
    pub fn graphiql(&self) -> bool {
        self.graphiql.unwrap_or(false)
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    #[command(flatten)]
    pub database: DatabaseSettings,
    /// The listen address.
    #[arg(long = "bind", env = "RECTIFY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed (comma-separated).
    /// Behind them, limits kept per client address use the address they forward.
    #[arg(long = "trusted-proxies", env = "RECTIFY_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub county: CountySettings,
    #[command(flatten)]
    pub limits: LimitSettings,
    #[command(flatten)]
    pub evidence: EvidenceSettings,
    #[command(flatten)]
    pub dev_tools: DevToolSettings,
    /// Seconds this process trusts its copy of the reference tables (departments, rounds,
    /// aspects, categories) when nothing wrote them through it: how soon a change made by
    /// another server on the same database shows. 0 reads them for every request.
    #[arg(
        long = "reference-cache-secs",
        env = "RECTIFY_REFERENCE_CACHE_SECS",
        default_value_t = crate::service::DEFAULT_REFERENCE_TIME_TO_LIVE.as_secs()
    )]
    pub reference_cache_secs: u64,
    /// The Redis that several instances share, so that cost budgets count across them
    /// (`redis://[:password@]host:6379/0`; this build speaks no TLS to Redis); unset, each
    /// instance counts alone.
    #[arg(long = "redis-url", env = "RECTIFY_REDIS_URL", hide_env_values = true, value_parser = parse_redis_url)]
    pub redis_url: Option<Secret>,
    /// Seconds a stopping server (SIGTERM, SIGINT) gives its requests and subscriptions to
    /// finish before it closes what is left.
    #[arg(long = "shutdown-secs", env = "RECTIFY_SHUTDOWN_SECS", default_value_t = 30)]
    pub shutdown_secs: u64,
    /// How often the server runs the deadline sweep (notices, automatic slips, escalations),
    /// as `15m`, `1h`…, or `off` where `rectify sweep` runs from cron instead.
    #[arg(long = "sweep-every", env = "RECTIFY_SWEEP_EVERY", default_value = "15m", value_parser = parse_schedule)]
    pub sweep_every: Schedule,
}

/// How often a periodic job runs: `None` is never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule(pub Option<std::time::Duration>);

/// Parses `off` or a duration such as `15m`.
pub fn parse_schedule(text: &str) -> Result<Schedule, String> {
    match text.trim() {
        "off" => Ok(Schedule(None)),
        "0" | "0s" | "0m" | "0h" => Err("use `off` to turn the schedule off".into()),
        other => parse_duration(other).map(|every| Schedule(Some(every))),
    }
}

impl Settings {
    /// What the use cases read of these settings (see `Services::from_settings`).
    pub fn services(&self) -> crate::service::ServiceSettings {
        crate::service::ServiceSettings {
            reference_time_to_live: std::time::Duration::from_secs(self.reference_cache_secs),
            upload_quota_bytes: self.limits.upload_quota_bytes,
            max_subscriptions: self.limits.max_subscriptions,
            redis_url: self.redis_url.clone(),
            ..self.county.services()
        }
    }
}

/// Checks that `text` is a Redis URL the client can use, keeping it secret (it may hold a
/// password).
fn parse_redis_url(text: &str) -> Result<Secret, String> {
    redis::Client::open(text).map(|_| Secret::new(text)).map_err(|error| format!("not a Redis URL: {error}"))
}

/// Parses a lifetime such as `8h`, `30m`, `90s` or `2d`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 8h, 30m or 90s"))?;
    let seconds = match unit {
        "s" | "" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => return Err(format!("`{text}`: use s, m, h or d")),
    };
    if seconds == 0 {
        return Err("a token lifetime must be positive".into());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_operators_write_them() {
        assert_eq!(parse_duration("8h").unwrap().as_secs(), 8 * 3600);
        assert_eq!(parse_duration("30m").unwrap().as_secs(), 1800);
        assert_eq!(parse_duration("90").unwrap().as_secs(), 90);
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("8 hours").is_err());
    }

    #[test]
    fn developer_tools_follow_the_demo_unless_set() {
        let unset = DevToolSettings::default();
        assert!(!unset.introspection() && !unset.graphiql(), "production: off");
        let demo = unset.clone().with_demo_defaults(true);
        assert!(demo.introspection() && demo.graphiql());
        assert!(!unset.with_demo_defaults(false).graphiql());
        let chosen = DevToolSettings { introspection: Some(false), graphiql: Some(true) }.with_demo_defaults(true);
        assert!(!chosen.introspection() && chosen.graphiql(), "a setting wins over the demo");
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2hunter2")), "Secret(..)");
    }
}
