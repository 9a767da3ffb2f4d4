//! The store that several instances of the server share for what must be counted once across
//! them (`RECTIFY_REDIS_URL`): the cost budgets and the login throttle's counters. Without it
//! each instance counts on its own, as one server always did.
//!
//! Every count is one script run on Redis, so a request waits for one round trip at most: a
//! request with a token for its budget, a login for its throttle (a login's own budget is the
//! instance's; a successful login sends one more call after its answer). The time the
//! counts are measured by is Redis's own clock, so instances whose clocks differ
//! still agree. A call that fails (Redis down or slower than `RESPONSE_TIMEOUT`) answers an
//! error, and the caller counts on its own instance instead: see `CostBudgets::charge` and
//! `LoginThrottle::begin`. The rules themselves (capacities, waits) stay in the callers and
//! come in as arguments: the scripts only keep the counts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long a call waits for Redis before the caller counts locally: a budget check must not
/// make a request wait long for a store that is down.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failed call, how long calls go straight to the local count instead of each waiting
/// for the store's timeout again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Takes `cost` from a token bucket, or takes nothing when it does not hold it (unless told
/// to go into debt). The bucket is a hash {tokens, at}; a missing one is full. Answers
/// {1 when taken else 0, the level after, as text: Lua numbers would be cut to integers}.
const TAKE_FROM_BUCKET: &str = r"
local capacity, refill, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local into_debt = ARGV[4] == '1'
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local level = capacity
if saved[1] then
  level = math.min(capacity, tonumber(saved[1]) + math.max(0, now - tonumber(saved[2])) * refill)
end
local taken = 0
if level >= cost or into_debt then
  level = level - cost
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(level), 'at', tostring(now))
-- Kept until it would be full again: a full bucket is the same as none.
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - level) / refill * 1000) + 1000)
return {taken, tostring(level)}
";

/// Counts a login attempt on the counters in KEYS unless one of them makes it wait. KEYS[1]
/// is the username's counter, skipped when ARGV[2] is '1' and the last key (the username's
/// known address) exists; the other keys are counters. A counter is a hash {count, last (ms)}
/// that expires ARGV[1] ms after its last failure; ARGV[3..] are the waits of KEYS[1..] after
/// 1, 2, ... failures, in ms, comma-separated, the last one holding for more failures.
/// Answers {1 when counted else 0, the wait in ms, 1 when the username's counter was skipped,
/// the time of the attempt in ms}.
const BEGIN_LOGIN: &str = r"
local forget_after = tonumber(ARGV[1])
local counters, first = #KEYS, 1
if ARGV[2] == '1' then
  counters = counters - 1
  if redis.call('EXISTS', KEYS[#KEYS]) == 1 then first = 2 end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = 0
for i = first, counters do
  local saved = redis.call('HMGET', KEYS[i], 'count', 'last')
  local count = tonumber(saved[1] or '0')
  if count > 0 then
    local waits = {}
    for each in string.gmatch(ARGV[2 + i], '%d+') do waits[#waits + 1] = tonumber(each) end
    wait = math.max(wait, tonumber(saved[2]) + waits[math.min(count, #waits)] - now)
  end
end
if wait > 0 then return {0, wait, first - 1, now} end
for i = first, counters do
  redis.call('HINCRBY', KEYS[i], 'count', 1)
  redis.call('HSET', KEYS[i], 'last', now)
  redis.call('PEXPIRE', KEYS[i], forget_after)
end
return {1, 0, first - 1, now}
";

/// A login succeeded: deletes the counters in KEYS that no failure has touched since the
/// attempt (ARGV[3], its time in ms), except that when ARGV[2] is '1' the last two keys are
/// the address's counter, which forgets one failure, and the username's known address,
/// remembered for ARGV[1] ms.
const LOGIN_SUCCEEDED: &str = r"
local attempted = tonumber(ARGV[3])
local cleared = #KEYS
if ARGV[2] == '1' then
  cleared = cleared - 2
  local address = KEYS[#KEYS - 1]
  if tonumber(redis.call('HGET', address, 'count') or '0') > 0 then
    redis.call('HINCRBY', address, 'count', -1)
  end
  redis.call('SET', KEYS[#KEYS], '1', 'PX', ARGV[1])
end
for i = 1, cleared do
  local last = redis.call('HGET', KEYS[i], 'last')
  if last and tonumber(last) <= attempted then redis.call('DEL', KEYS[i]) end
end
return 1
";

/// A connection to the shared store, made on first use and remade after a failure by the
/// connection manager itself.
#[derive(Clone)]
pub struct SharedStore {
    connection: ConnectionManager,
    take_from_bucket: Arc<redis::Script>,
    begin_login: Arc<redis::Script>,
    login_succeeded: Arc<redis::Script>,
    /// Until when calls are not tried, after a failure.
    resting_until: Arc<Mutex<Option<Instant>>>,
    /// Whether the last call failed: the change either way is logged once.
    down: Arc<AtomicBool>,
    /// Keys the hashes that stand for names (subjects, usernames) in keys, so that the store
    /// holds none as text and no one can pick names that share a key.
    name_key: [u8; 32],
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedStore(..)")
    }
}

/// Why a call to the shared store has no answer: the caller counts locally.
#[derive(Debug, thiserror::Error)]
pub enum StoreDown {
    #[error("the shared store failed: {0}")]
    Failed(#[from] redis::RedisError),
    #[error("the shared store failed less than a second ago; not tried")]
    Resting,
}

/// What the shared counters say of a login attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoginVerdict {
    /// Counted at `at` (Redis's clock, ms); `familiar` when the username's own counter was
    /// skipped because it logged in from this address before.
    Counted { familiar: bool, at: u64 },
    /// Not counted: the attempt must wait this long.
    Wait(Duration),
}

/// A login counter for `BEGIN_LOGIN`: its key and its waits after 1, 2, ... failures.
pub struct LoginCounter {
    pub key: String,
    pub waits: Vec<Duration>,
}

/// What a bucket held after a charge, and whether the charge was taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLevel {
    pub taken: bool,
    pub level: f64,
}

impl SharedStore {
    /// A store at `url` (`redis://host:port/db`), connected on first use, hashing names with
    /// `name_key` (the same on every instance). Fails only on a URL that is not one.
    pub fn open(url: &str, name_key: [u8; 32]) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).map_err(|error| anyhow::anyhow!("RECTIFY_REDIS_URL: {error}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| anyhow::anyhow!("RECTIFY_REDIS_URL: {error}"))?;
        Ok(Self {
            connection,
            take_from_bucket: Arc::new(redis::Script::new(TAKE_FROM_BUCKET)),
            begin_login: Arc::new(redis::Script::new(BEGIN_LOGIN)),
            login_succeeded: Arc::new(redis::Script::new(LOGIN_SUCCEEDED)),
            resting_until: Arc::default(),
            down: Arc::default(),
            name_key,
        })
    }

    /// Runs `call` unless the store failed a moment ago; a failure rests the store.
    async fn attempt<T>(&self, call: impl std::future::Future<Output = redis::RedisResult<T>>) -> Result<T, StoreDown> {
        let resting = {
            let until = self.resting_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            until.is_some_and(|until| Instant::now() < until)
        };
        if resting {
            return Err(StoreDown::Resting);
        }
        match call.await {
            Ok(answer) => {
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!("the shared store answers again: budgets and login counters are shared again");
                }
                Ok(answer)
            }
            Err(error) => {
                *self.resting_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some(Instant::now() + RETRY_AFTER_FAILURE);
                if !self.down.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, "the shared store does not answer: this instance counts budgets and logins alone");
                }
                Err(StoreDown::Failed(error))
            }
        }
    }

    /// `name` as it appears in keys: 32 hexadecimal digits of its keyed hash.
    pub fn hashed(&self, name: &str) -> String {
        let digest = crate::auth::hmac_sha256(&self.name_key, name.as_bytes());
        hex::encode(&digest[..16])
    }

    /// Whether the store answers now (`/readyz`), asked even while resting.
    pub async fn ready(&self) -> bool {
        let mut connection = self.connection.clone();
        redis::cmd("PING").query_async::<String>(&mut connection).await.is_ok()
    }

    /// Takes `cost` from the bucket `key` of `capacity` refilled by `refill_per_second`.
    pub async fn take_from_bucket(
        &self,
        key: &str,
        capacity: u64,
        refill_per_second: u64,
        cost: u64,
        into_debt: bool,
    ) -> Result<BucketLevel, StoreDown> {
        let mut connection = self.connection.clone();
        let mut invocation = self.take_from_bucket.key(key);
        invocation.arg(capacity).arg(refill_per_second).arg(cost).arg(if into_debt { "1" } else { "0" });
        let (taken, level): (i64, String) = self.attempt(invocation.invoke_async(&mut connection)).await?;
        let level = level.parse().map_err(|_| {
            redis::RedisError::from((redis::ErrorKind::Parse, "the bucket script answered a level that is no number"))
        })?;
        Ok(BucketLevel { taken: taken == 1, level })
    }

    /// Counts a login attempt on `counters` (the username's first) unless one makes it wait;
    /// `known` is the username's known-address key, whose presence skips the username's
    /// counter. Counters are forgotten `forget_after` their last failure.
    pub async fn begin_login(
        &self,
        counters: &[LoginCounter],
        known: Option<&str>,
        forget_after: Duration,
    ) -> Result<LoginVerdict, StoreDown> {
        let mut connection = self.connection.clone();
        let mut invocation = self.begin_login.prepare_invoke();
        for counter in counters {
            invocation.key(&counter.key);
        }
        if let Some(known) = known {
            invocation.key(known);
        }
        invocation.arg(milliseconds(forget_after)).arg(if known.is_some() { "1" } else { "0" });
        for counter in counters {
            let waits: Vec<String> = counter.waits.iter().map(|wait| milliseconds(*wait).to_string()).collect();
            invocation.arg(waits.join(","));
        }
        let (counted, wait, familiar, at): (i64, u64, i64, u64) =
            self.attempt(invocation.invoke_async(&mut connection)).await?;
        Ok(if counted == 1 {
            LoginVerdict::Counted { familiar: familiar == 1, at }
        } else {
            LoginVerdict::Wait(Duration::from_millis(wait))
        })
    }

    /// A login counted at `attempted` succeeded: the `cleared` counters go unless a failure
    /// touched them since; with `address`, its counter (the first) forgets one failure and the
    /// username's known-address key (the second) is kept for `known_for`.
    pub async fn login_succeeded(
        &self,
        cleared: &[String],
        address: Option<[&str; 2]>,
        known_for: Duration,
        attempted: u64,
    ) -> Result<(), StoreDown> {
        let mut connection = self.connection.clone();
        let mut invocation = self.login_succeeded.prepare_invoke();
        for key in cleared.iter().map(String::as_str).chain(address.into_iter().flatten()) {
            invocation.key(key);
        }
        invocation.arg(milliseconds(known_for)).arg(if address.is_some() { "1" } else { "0" }).arg(attempted);
        self.attempt(invocation.invoke_async::<i64>(&mut connection)).await.map(drop)
    }
}

fn milliseconds(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
