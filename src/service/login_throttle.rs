//! Slows password guessing without locking the owner out.
//!
//! Every login attempt is counted before its password is checked, under three counters: the
//! username from this client address, the client address (whatever username it tries) and the
//! username (from anywhere). Past a counter's free failures each further attempt must wait,
//! the wait doubling with every failure up to the counter's longest wait; a success clears the
//! username's counters. An attacker at one address is slowed down at once and for long, while
//! the owner at another address only meets the username's own counter, whose wait stays short.
//!
//! Usernames are kept as keyed hashes, never as text, and the counters live in a bounded map
//! (least recently used first out), so that a flood of logins cannot grow memory. Argon2 runs a
//! few checks at a time; an attempt that finds them all busy is refused at once rather than
//! queued without bound.

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::AppError;

/// Argon2id checks running at once; each takes ~19 MiB and a core for about 50 ms.
const CONCURRENT_PASSWORD_CHECKS: usize = 4;
/// Counters kept at most; the least recently used go first.
const REMEMBERED_COUNTERS: usize = 100_000;
/// A counter with no failure for this long starts again from nothing.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// When a counter makes attempts wait.
#[derive(Debug, Clone, Copy)]
struct Rule {
    /// Failures allowed before the first wait.
    free_failures: u32,
    /// The first wait; each further failure doubles it.
    first_wait: Duration,
    longest_wait: Duration,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Counter {
    UsernameAtAddress(u64, IpAddr),
    Address(IpAddr),
    Username(u64),
}

impl Counter {
    fn rule(self) -> Rule {
        match self {
            Counter::UsernameAtAddress(..) => USERNAME_AT_ADDRESS,
            Counter::Address(_) => ADDRESS,
            Counter::Username(_) => USERNAME,
        }
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
        if self.count < rule.free_failures {
            return self.last;
        }
        let doublings = (self.count - rule.free_failures).min(20);
        self.last + rule.first_wait.saturating_mul(1 << doublings).min(rule.longest_wait)
    }
}

/// The counters and the Argon2 slots of one server.
pub struct LoginThrottle {
    counters: Mutex<LruCache<Counter, Failures>>,
    checks: Semaphore,
    /// Keys the username hashes with a secret of this process, so that no one can pick
    /// usernames that share a counter.
    hasher: std::collections::hash_map::RandomState,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(CONCURRENT_PASSWORD_CHECKS)
    }
}

/// An attempt let through: counted as a failure until it is known to have succeeded, and
/// holding one of the Argon2 slots.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    counters: Vec<Counter>,
    _slot: SemaphorePermit<'a>,
}

impl Attempt<'_> {
    /// The password was right: the username's counters start again, and the address is not
    /// charged for this attempt.
    pub fn succeeded(self) {
        let mut counters = self.throttle.lock();
        for counter in &self.counters {
            match counter {
                Counter::Address(_) => {
                    if let Some(failures) = counters.get_mut(counter) {
                        failures.count = failures.count.saturating_sub(1);
                    }
                }
                Counter::UsernameAtAddress(..) | Counter::Username(_) => {
                    counters.pop(counter);
                }
            }
        }
    }
}

impl LoginThrottle {
    fn new(slots: usize) -> Self {
        let capacity = NonZeroUsize::new(REMEMBERED_COUNTERS).unwrap_or(NonZeroUsize::MIN);
        Self {
            counters: Mutex::new(LruCache::new(capacity)),
            checks: Semaphore::new(slots),
            hasher: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Counter, Failures>> {
        self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets an attempt for `username` from `address` start, counting it, or refuses it with
    /// `RATE_LIMITED` and the seconds to wait.
    pub fn begin(&self, username: &str, address: Option<IpAddr>) -> Result<Attempt<'_>, AppError> {
        self.begin_at(username, address, Instant::now())
    }

    fn begin_at(&self, username: &str, address: Option<IpAddr>, now: Instant) -> Result<Attempt<'_>, AppError> {
        let slot = self.checks.try_acquire().map_err(|_| {
            AppError::RateLimited("the server is checking many logins at once; try again in 1 s".into())
        })?;
        let name = self.hasher.hash_one(username);
        let mut counters = vec![Counter::Username(name)];
        if let Some(address) = address {
            counters.extend([Counter::UsernameAtAddress(name, address), Counter::Address(address)]);
        }
        let mut remembered = self.lock();
        let wait = counters
            .iter()
            .filter_map(|counter| {
                let failures = remembered.peek(counter).filter(|f| now.duration_since(f.last) < FORGET_AFTER)?;
                Some(failures.next_allowed(counter.rule()).saturating_duration_since(now))
            })
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(AppError::RateLimited(format!(
                "too many failed logins for this username or from this address; try again in {seconds} s"
            )));
        }
        for counter in &counters {
            let previous =
                remembered.get(counter).filter(|f| now.duration_since(f.last) < FORGET_AFTER).map(|f| f.count);
            remembered.put(*counter, Failures { count: previous.unwrap_or(0) + 1, last: now });
        }
        drop(remembered);
        Ok(Attempt { throttle: self, counters, _slot: slot })
    }

    /// Counters held now (for tests: the map is bounded and keeps no usernames).
    #[doc(hidden)]
    pub fn remembered(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

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
        let throttle = LoginThrottle::new(4);
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
        let throttle = LoginThrottle::new(4);
        let now = Instant::now();
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err());
        throttle.begin_at("wang", at(2), now).expect("the owner's attempt starts").succeeded();
    }

    #[test]
    fn many_addresses_guessing_one_username_are_slowed_for_a_minute_at_most() {
        let throttle = LoginThrottle::new(4);
        let now = Instant::now();
        for n in 1..=40 {
            if let Ok(attempt) = throttle.begin_at("wang", at(n), now) {
                drop(attempt);
            }
        }
        let refused = throttle.begin_at("wang", at(100), now);
        assert!(refused.is_err(), "every address meets the username's counter");
        assert!(throttle.begin_at("wang", at(100), now + USERNAME.longest_wait).is_ok(), "but a minute at most");
    }

    #[test]
    fn one_address_trying_many_usernames_is_slowed() {
        let throttle = LoginThrottle::new(4);
        let now = Instant::now();
        for n in 0..ADDRESS.free_failures {
            fail(&throttle, &format!("user{n}"), at(1), now, 1);
        }
        assert!(throttle.begin_at("another", at(1), now).is_err());
        assert!(throttle.begin_at("another", at(2), now).is_ok());
    }

    #[test]
    fn a_success_clears_the_username_and_counts_nothing_against_the_address() {
        let throttle = LoginThrottle::new(4);
        let now = Instant::now();
        fail(&throttle, "wang", at(1), now, 4);
        throttle.begin_at("wang", at(1), now).unwrap().succeeded();
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err(), "five fresh failures are free again, not one");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let throttle = LoginThrottle::new(4);
        let now = Instant::now();
        fail(&throttle, "wang", at(1), now, 5);
        assert!(throttle.begin_at("wang", at(1), now).is_err());
        fail(&throttle, "wang", at(1), now + FORGET_AFTER, 5);
        assert!(throttle.begin_at("wang", at(1), now + FORGET_AFTER).is_err(), "five free ones again, no more");
    }

    #[test]
    fn an_attempt_finding_every_argon2_slot_busy_is_refused_at_once() {
        let throttle = LoginThrottle::new(1);
        let now = Instant::now();
        let busy = throttle.begin_at("li", at(1), now).unwrap();
        let refused = throttle.begin_at("wang", at(2), now);
        assert!(matches!(refused, Err(AppError::RateLimited(_))));
        drop(busy);
        assert!(throttle.begin_at("wang", at(2), now).is_ok());
    }

    #[test]
    fn the_counters_are_bounded_whatever_the_flood() {
        let throttle = LoginThrottle::new(4);
        let now = Instant::now();
        for n in 0..(REMEMBERED_COUNTERS as u32 / 2 + 100) {
            let address = IpAddr::V4(Ipv4Addr::from(n));
            drop(throttle.begin_at(&format!("{n}"), Some(address), now).unwrap());
        }
        assert_eq!(throttle.remembered(), REMEMBERED_COUNTERS);
    }
}
