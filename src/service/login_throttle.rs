//! Slows password guessing without locking the owner out.
//!
//! Every login attempt is counted before its password is checked, under three counters: the
//! username from this client address, the client address (whatever username it tries) and the
//! username (from anywhere). Past a counter's free failures each further attempt must wait,
//! the wait doubling with every failure up to the counter's longest wait; a success clears the
//! username's counters. An attacker at one address is slowed down at once and for long, while
//! the owner at another address only meets the username's own counter, whose wait stays short,
//! and not even that one from an address where the owner logged in before.
//!
//! With a shared store (`RECTIFY_REDIS_URL`) the counters are kept there, so that a guesser
//! who spreads attempts over several instances meets the same counters: the attempt is counted
//! in one call before the password is checked (the one round trip on the request's path), and
//! a success clears the counters in a second call made off it, which spares any counter a
//! failure touched after the attempt. When the store does not answer, the
//! instance counts on its own (below) until it does again: an outage lets a guesser try at
//! most once more per instance what one instance allows, and never locks anyone out.
//!
//! Usernames are kept as hashes keyed with a secret every instance derives from the token
//! secret, never as text, so that no one can pick usernames that share a counter; the local
//! counters live in a bounded map (least recently used first out), so that a flood of logins
//! cannot grow memory. Argon2 runs a few checks at a time on each instance; an attempt that
//! finds them all busy is refused at once rather than queued without bound.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::{hmac_sha256, verify_password};
use crate::error::{AppError, AppResult};
use crate::shared_store::{LoginCounter, LoginVerdict, SharedStore};

/// Argon2id checks running at once; each takes ~19 MiB and a core for about 50 ms.
const CONCURRENT_PASSWORD_CHECKS: usize = 4;
/// Counters kept at most; the least recently used go first.
const REMEMBERED_COUNTERS: usize = 100_000;
/// A counter with no failure for this long starts again from nothing: well past the longest
/// wait, so that a guesser who waits the longest wait out finds it again, not a fresh start.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How long an address where a username logged in stays exempt from that username's counter.
const KNOWN_ADDRESS_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// What the key that hashes usernames is derived for (see `TokenService::derived_key`).
pub const USERNAME_KEY_PURPOSE: &str = "rectify login throttle: usernames";

/// When a counter makes attempts wait.
#[derive(Debug, Clone, Copy)]
struct Rule {
    /// Failures allowed before the first wait.
    free_failures: u32,
    /// The first wait; each further failure doubles it.
    first_wait: Duration,
    longest_wait: Duration,
}

impl Rule {
    /// How long after the last of `failures` failures the next attempt may start.
    fn wait_after(self, failures: u32) -> Duration {
        if failures < self.free_failures {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_failures).min(20);
        self.first_wait.saturating_mul(1 << doublings).min(self.longest_wait)
    }

    /// The waits after 1, 2, ... failures up to the first longest one, which holds for more
    /// failures: the rule as the shared store's script reads it.
    fn waits(self) -> Vec<Duration> {
        let mut waits = Vec::new();
        for failures in 1.. {
            let wait = self.wait_after(failures);
            waits.push(wait);
            if wait >= self.longest_wait {
                break;
            }
        }
        waits
    }
}

/// One username tried from one address: the guesser's own counter, strict.
const USERNAME_AT_ADDRESS: Rule =
    Rule { free_failures: 5, first_wait: Duration::from_secs(30), longest_wait: Duration::from_secs(15 * 60) };
/// One address trying any usernames: stops spraying one password over many accounts.
const ADDRESS: Rule =
    Rule { free_failures: 20, first_wait: Duration::from_secs(30), longest_wait: Duration::from_secs(15 * 60) };
/// One username from every address: slows a guesser with many addresses, with a wait short
/// enough that the owner is only ever delayed, never locked out.
const USERNAME: Rule =
    Rule { free_failures: 10, first_wait: Duration::from_secs(5), longest_wait: Duration::from_secs(60) };

/// A username as the throttle knows it: its keyed hash.
type Name = u128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Counter {
    UsernameAtAddress(Name, IpAddr),
    Address(IpAddr),
    Username(Name),
    /// Not a counter: the last time the username logged in from the address (as `last`).
    KnownAddress(Name, IpAddr),
}

impl Counter {
    fn rule(self) -> Rule {
        match self {
            Counter::UsernameAtAddress(..) => USERNAME_AT_ADDRESS,
            Counter::Address(_) => ADDRESS,
            Counter::Username(_) => USERNAME,
            Counter::KnownAddress(..) => {
                Rule { free_failures: u32::MAX, first_wait: Duration::ZERO, longest_wait: Duration::ZERO }
            }
        }
    }

    /// Its key in the shared store.
    fn shared_key(self) -> String {
        match self {
            Counter::UsernameAtAddress(name, address) => format!("rectify:login:username-at:{name:032x}:{address}"),
            Counter::Address(address) => format!("rectify:login:address:{address}"),
            Counter::Username(name) => format!("rectify:login:username:{name:032x}"),
            Counter::KnownAddress(name, address) => format!("rectify:login:known:{name:032x}:{address}"),
        }
    }

    fn shared(self) -> LoginCounter {
        LoginCounter { key: self.shared_key(), waits: self.rule().waits() }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next attempt may start.
    fn next_allowed(self, rule: Rule) -> Instant {
        self.last + rule.wait_after(self.count)
    }
}

/// The counters and the Argon2 slots of one server.
pub struct LoginThrottle {
    counters: Mutex<LruCache<Counter, Failures>>,
    checks: std::sync::Arc<Semaphore>,
    /// Keys the username hashes (see the module's comment).
    username_key: [u8; 32],
    /// Where the counters are kept when the instances share them.
    shared: Option<SharedStore>,
}

/// An attempt let through: counted as a failure until it is known to have succeeded, and
/// holding one of the Argon2 slots.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    counted: Counted,
    /// The Argon2 slot, until `verify` hands it to the check.
    slot: Option<OwnedSemaphorePermit>,
}

/// The counters an attempt was counted on, and where.
struct Counted {
    counters: Vec<Counter>,
    /// The username at this address, remembered as known once the password is right.
    known: Option<Counter>,
    /// When the shared store counted it (its clock, ms); `None` when this instance's map did.
    shared_at: Option<u64>,
}

impl Attempt<'_> {
    /// Checks `password` against `hash` off the async workers (once per attempt). The slot
    /// goes with the check, not with the request: a client that hangs up cannot free it while
    /// Argon2 still runs.
    pub async fn verify(&mut self, password: &str, hash: &str) -> AppResult<bool> {
        let held = self.slot.take();
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || {
            let _held = held;
            verify_password(&password, &hash)
        })
        .await
        .map_err(AppError::internal)
    }

    /// The password was right: the username's counters start again, the address is not
    /// charged for this attempt, and the address is known for the username from now on.
    pub fn succeeded(self) {
        let Counted { counters, known, shared_at } = self.counted;
        match (shared_at, &self.throttle.shared) {
            (Some(attempted), Some(store)) => {
                let cleared = counters
                    .iter()
                    .filter(|counter| !matches!(counter, Counter::Address(_)))
                    .map(|counter| counter.shared_key())
                    .collect::<Vec<_>>();
                let address = counters.iter().find(|counter| matches!(counter, Counter::Address(_)));
                let keys = address.zip(known).map(|(address, known)| [address.shared_key(), known.shared_key()]);
                let store = store.clone();
                // Off the request's path: a counter a failure touched since this attempt is
                // kept, so clearing late wipes nothing newer. A store that fails here has
                // logged why; the counters it keeps run out by themselves.
                tokio::spawn(async move {
                    let address = keys.as_ref().map(|[address, known]| [address.as_str(), known.as_str()]);
                    let _ = store.login_succeeded(&cleared, address, KNOWN_ADDRESS_FOR, attempted).await;
                });
            }
            _ => self.throttle.succeeded_here(&counters, known),
        }
    }
}

fn busy() -> AppError {
    AppError::RateLimited("the server is checking many logins at once; try again in 1 s".into())
}

fn must_wait(wait: Duration) -> AppError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    AppError::RateLimited(format!(
        "too many failed logins for this username or from this address; try again in {seconds} s"
    ))
}

impl LoginThrottle {
    /// A throttle hashing usernames with `username_key`, keeping its counters in `shared`
    /// when there is such a store.
    pub fn new(username_key: [u8; 32], shared: Option<SharedStore>) -> Self {
        Self::with_slots(CONCURRENT_PASSWORD_CHECKS, username_key, shared)
    }

    fn with_slots(slots: usize, username_key: [u8; 32], shared: Option<SharedStore>) -> Self {
        let capacity = NonZeroUsize::new(REMEMBERED_COUNTERS).unwrap_or(NonZeroUsize::MIN);
        Self {
            counters: Mutex::new(LruCache::new(capacity)),
            checks: std::sync::Arc::new(Semaphore::new(slots)),
            username_key,
            shared,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Counter, Failures>> {
        self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn name(&self, username: &str) -> Name {
        let digest = hmac_sha256(&self.username_key, username.as_bytes());
        let mut first = [0; 16];
        first.copy_from_slice(&digest[..16]);
        Name::from_be_bytes(first)
    }

    fn slot(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.checks.clone().try_acquire_owned().map_err(|_| busy())
    }

    /// Lets an attempt for `username` from `address` start, counting it, or refuses it with
    /// `RATE_LIMITED` and the seconds to wait.
    pub async fn begin(&self, username: &str, address: Option<IpAddr>) -> Result<Attempt<'_>, AppError> {
        let slot = self.slot()?;
        let name = self.name(username);
        let counted = match self.count_shared(name, address).await {
            Some(counted) => counted?,
            None => self.count_here(name, address, Instant::now())?,
        };
        Ok(Attempt { throttle: self, counted, slot: Some(slot) })
    }

    /// `begin` on this instance's counters at a given instant, so that waits can be tested
    /// without sleeping.
    #[cfg(test)]
    fn begin_at(&self, username: &str, address: Option<IpAddr>, now: Instant) -> Result<Attempt<'_>, AppError> {
        let slot = self.slot()?;
        let counted = self.count_here(self.name(username), address, now)?;
        Ok(Attempt { throttle: self, counted, slot: Some(slot) })
    }

    /// The counters an attempt meets: the username's first, skipped from a familiar address.
    fn counters_of(name: Name, address: Option<IpAddr>) -> (Vec<Counter>, Option<Counter>) {
        let mut counters = vec![Counter::Username(name)];
        if let Some(address) = address {
            counters.extend([Counter::UsernameAtAddress(name, address), Counter::Address(address)]);
        }
        (counters, address.map(|address| Counter::KnownAddress(name, address)))
    }

    /// Counts the attempt in the shared store; `None` without one or when it does not answer.
    async fn count_shared(&self, name: Name, address: Option<IpAddr>) -> Option<Result<Counted, AppError>> {
        let store = self.shared.as_ref()?;
        let (mut counters, known) = Self::counters_of(name, address);
        let shared: Vec<LoginCounter> = counters.iter().map(|counter| counter.shared()).collect();
        let known_key = known.map(Counter::shared_key);
        match store.begin_login(&shared, known_key.as_deref(), FORGET_AFTER).await.ok()? {
            LoginVerdict::Wait(wait) => Some(Err(must_wait(wait))),
            LoginVerdict::Counted { familiar, at } => {
                if familiar {
                    counters.remove(0);
                }
                Some(Ok(Counted { counters, known, shared_at: Some(at) }))
            }
        }
    }

    fn count_here(&self, name: Name, address: Option<IpAddr>, now: Instant) -> Result<Counted, AppError> {
        let (mut counters, known) = Self::counters_of(name, address);
        let mut remembered = self.lock();
        // The owner, from an address where they logged in before, is not held back by what
        // guessers elsewhere did to the username.
        let familiar = known.is_some_and(|known| {
            remembered.peek(&known).is_some_and(|seen| now.duration_since(seen.last) < KNOWN_ADDRESS_FOR)
        });
        if familiar {
            counters.remove(0);
        }
        let wait = counters
            .iter()
            .filter_map(|counter| {
                let failures = remembered.peek(counter).filter(|f| now.duration_since(f.last) < FORGET_AFTER)?;
                Some(failures.next_allowed(counter.rule()).saturating_duration_since(now))
            })
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(must_wait(wait));
        }
        for counter in &counters {
            let previous =
                remembered.get(counter).filter(|f| now.duration_since(f.last) < FORGET_AFTER).map(|f| f.count);
            remembered.put(*counter, Failures { count: previous.unwrap_or(0) + 1, last: now });
        }
        Ok(Counted { counters, known, shared_at: None })
    }

    fn succeeded_here(&self, counted: &[Counter], known: Option<Counter>) {
        let mut counters = self.lock();
        for counter in counted {
            match counter {
                Counter::Address(_) => {
                    if let Some(failures) = counters.get_mut(counter) {
                        failures.count = failures.count.saturating_sub(1);
                    }
                }
                Counter::UsernameAtAddress(..) | Counter::Username(_) | Counter::KnownAddress(..) => {
                    counters.pop(counter);
                }
            }
        }
        if let Some(known) = known {
            counters.put(known, Failures { count: 0, last: Instant::now() });
        }
    }

    /// Counters held now on this instance (for tests: the map is bounded and keeps no
    /// usernames).
    #[doc(hidden)]
    pub fn remembered(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn throttle(slots: usize) -> LoginThrottle {
        LoginThrottle::with_slots(slots, [7; 32], None)
    }

    fn at(n: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)))
    }

    /// `n` failed attempts, each let through.
    fn fail(throttle: &LoginThrottle, username: &str, address: Option<IpAddr>, now: Instant, n: u32) {
        for _ in 0..n {
            drop(throttle.begin_at(username, address, now).expect("let through"));
        }
    }

    #[test]
    fn the_attempt_after_the_free_failures_waits_and_each_failure_doubles_the_wait() {
        let throttle = throttle(4);
        let now = Instant::now();
        let first = USERNAME_AT_ADDRESS.first_wait;
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err(), "the sixth attempt at once waits");
        assert!(throttle.begin_at("wang", at(1), now + first - Duration::from_millis(1)).is_err());
        let later = now + first;
        fail(&throttle, "wang", at(1), later, 1);
        assert!(
            throttle.begin_at("wang", at(1), later + first * 2 - Duration::from_millis(1)).is_err(),
            "then twice as long"
        );
        assert!(throttle.begin_at("wang", at(1), later + first * 2).is_ok());
    }

    #[test]
    fn the_owner_at_another_address_is_not_kept_out_by_a_guesser() {
        let throttle = throttle(4);
        let now = Instant::now();
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err());
        throttle.begin_at("wang", at(2), now).expect("the owner's attempt starts").succeeded();
    }

    #[test]
    fn many_addresses_guessing_one_username_are_slowed_for_a_minute_at_most() {
        let throttle = throttle(4);
        let mut now = Instant::now();
        // Each guess from a fresh address, each as soon as the username's wait allows: the
        // wait doubles up to its longest and stays there.
        for n in 1..=20 {
            loop {
                if let Ok(attempt) = throttle.begin_at("wang", at(n), now) {
                    drop(attempt);
                    break;
                }
                now += Duration::from_secs(1);
            }
        }
        let last = now;
        assert!(throttle.begin_at("wang", at(100), last + USERNAME.longest_wait - Duration::from_secs(1)).is_err());
        assert!(throttle.begin_at("wang", at(100), last + USERNAME.longest_wait).is_ok(), "a minute at most");
    }

    #[test]
    fn the_owner_at_a_familiar_address_skips_the_usernames_counter() {
        let throttle = throttle(4);
        let now = Instant::now();
        throttle.begin_at("wang", at(7), now).unwrap().succeeded();
        for n in 1..=12 {
            drop(throttle.begin_at("wang", at(n + 20), now));
        }
        assert!(throttle.begin_at("wang", at(99), now).is_err(), "a stranger waits on the username");
        assert!(throttle.begin_at("wang", at(7), now).is_ok(), "the owner's usual address does not");
    }

    #[test]
    fn the_longest_wait_holds_and_is_not_forgotten_at_its_end() {
        let throttle = throttle(4);
        let mut now = Instant::now();
        for _ in 0..20 {
            loop {
                if let Ok(attempt) = throttle.begin_at("wang", at(1), now) {
                    drop(attempt);
                    break;
                }
                now += Duration::from_secs(30);
            }
        }
        let longest = USERNAME_AT_ADDRESS.longest_wait;
        assert!(throttle.begin_at("wang", at(1), now + longest - Duration::from_secs(1)).is_err());
        assert!(throttle.begin_at("wang", at(1), now + longest).is_ok());
        drop(throttle.begin_at("wang", at(1), now + longest));
        assert!(
            throttle.begin_at("wang", at(1), now + longest * 2 - Duration::from_secs(1)).is_err(),
            "still the longest wait"
        );
    }

    #[test]
    fn one_address_trying_many_usernames_is_slowed() {
        let throttle = throttle(4);
        let now = Instant::now();
        for n in 0..ADDRESS.free_failures {
            fail(&throttle, &format!("user{n}"), at(1), now, 1);
        }
        assert!(throttle.begin_at("another", at(1), now).is_err());
        assert!(throttle.begin_at("another", at(2), now).is_ok());
    }

    #[test]
    fn a_success_clears_the_username_and_counts_nothing_against_the_address() {
        let throttle = throttle(4);
        let now = Instant::now();
        fail(&throttle, "wang", at(1), now, 4);
        throttle.begin_at("wang", at(1), now).unwrap().succeeded();
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err(), "five fresh failures are free again, not one");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let throttle = throttle(4);
        let now = Instant::now();
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err());
        fail(&throttle, "wang", at(1), now + FORGET_AFTER, 5);
        assert!(throttle.begin_at("wang", at(1), now + FORGET_AFTER).is_err(), "five free ones again, no more");
    }

    #[test]
    fn an_attempt_finding_every_argon2_slot_busy_is_refused_at_once() {
        let throttle = throttle(1);
        let now = Instant::now();
        let busy = throttle.begin_at("li", at(1), now).unwrap();
        let refused = throttle.begin_at("wang", at(2), now);
        assert!(matches!(refused, Err(AppError::RateLimited(_))));
        drop(busy);
        assert!(throttle.begin_at("wang", at(2), now).is_ok());
    }

    #[test]
    fn the_waits_the_shared_store_reads_are_the_rule_itself() {
        for rule in [USERNAME_AT_ADDRESS, ADDRESS, USERNAME] {
            let waits = rule.waits();
            assert_eq!(waits.last(), Some(&rule.longest_wait));
            for failures in 1..=60 {
                // What BEGIN_LOGIN does: the entry for the count, the last one past the end.
                let read = waits[(failures as usize).min(waits.len()) - 1];
                assert_eq!(read, rule.wait_after(failures), "{rule:?} after {failures} failures");
            }
        }
    }

    #[test]
    fn the_counters_are_bounded_whatever_the_flood() {
        let throttle = throttle(4);
        let now = Instant::now();
        for n in 0..(REMEMBERED_COUNTERS as u32 / 2 + 100) {
            let address = IpAddr::V4(Ipv4Addr::from(n));
            drop(throttle.begin_at(&format!("{n}"), Some(address), now).unwrap());
        }
        assert_eq!(throttle.remembered(), REMEMBERED_COUNTERS);
    }
}
