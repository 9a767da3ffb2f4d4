//! The store that several instances of the server share for what must be counted once across
//! them: the cost budgets (`RECTIFY_REDIS_URL`; the login throttle is not kept here yet).
//! Without it each instance counts on its own, as one server always did.
//!
//! Every count is one script run on Redis, so a request makes one round trip at most, and the
//! time that refills a bucket is Redis's own clock, so instances whose clocks differ still
//! agree. A call that fails (Redis down or slower than `RESPONSE_TIMEOUT`) answers an error,
//! and the caller counts on its own instance instead: see `CostBudgets::charge`.

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

/// A connection to the shared store, made on first use and remade after a failure by the
/// connection manager itself.
#[derive(Clone)]
pub struct SharedStore {
    connection: ConnectionManager,
    take_from_bucket: Arc<redis::Script>,
    /// Until when calls are not tried, after a failure.
    resting_until: Arc<Mutex<Option<Instant>>>,
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

/// What a bucket held after a charge, and whether the charge was taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLevel {
    pub taken: bool,
    pub level: f64,
}

impl SharedStore {
    /// A store at `url` (`redis://host:port/db`), connected on first use. Fails only on a URL
    /// that is not one.
    pub fn open(url: &str) -> anyhow::Result<Self> {
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
            resting_until: Arc::default(),
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
        call.await.map_err(|error| {
            *self.resting_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
                Some(Instant::now() + RETRY_AFTER_FAILURE);
            StoreDown::Failed(error)
        })
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
}
