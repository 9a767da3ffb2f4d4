//! Fair limits: a cost budget per token subject, as a token bucket over the cost of what the
//! subject asks for. A GraphQL query spends its complexity (the number `TOO_COMPLEX` is
//! decided on), a download a fixed amount. Superior agencies read in bulk, so their role gets
//! a larger bucket than the interactive roles. A request without a token (a `login`) is paid
//! for by its client address, from a bucket of its own.
//!
//! The buckets live in this process's memory (a restart fills every bucket), or, with
//! `RECTIFY_REDIS_URL`, in the store every instance shares, so that a subject whose requests
//! land on several instances is limited as by one. When the shared store does not answer, an
//! instance charges its own bucket instead (the budget then holds per instance, not across
//! them) rather than refuse every request: an outage of the store is not an outage of the
//! ledger. Nothing here knows GraphQL or HTTP; the schema extension and the download gate both
//! charge through `CostBudgets::charge`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entity::enums::Role;

use crate::auth::{Actor, ClientAddress, Principal};
use crate::error::AppError;
use crate::shared_store::SharedStore;

/// What one ledger export (CSV or workbook) costs, whatever its length: as much as a query for
/// 100 issues with 100 fields each. A flat price is known before the ledger is read, so a
/// refusal comes before any work; it is high because an export reads every visible issue.
pub const EXPORT_COST: u64 = 10_000;
/// What one `login` costs: above half the default query cost limit, so that one request
/// cannot try two passwords.
pub const LOGIN_COST: u64 = 12_501;
/// The default budget of a client address without a token: ten logins at once.
pub const DEFAULT_ANONYMOUS_BUDGET: u64 = 10 * LOGIN_COST;
/// The default refill of that budget: one login a second.
pub const DEFAULT_ANONYMOUS_REFILL: u64 = LOGIN_COST;

/// What one battle map costs: every located issue too, but with a third of the ledger's
/// columns and no workbook to build.
pub const MAP_COST: u64 = 5_000;

/// Buckets kept before idle ones are swept out. A full bucket is the same as no bucket, so a
/// sweep forgets nothing; it only bounds memory by the subjects active in the last minute or so.
const SWEEP_FLOOR: usize = 10_000;

/// The size and refill of one role class's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetRule {
    /// The most a subject may spend in a burst.
    pub capacity: u64,
    /// Cost restored per second.
    pub refill_per_second: u64,
}

impl BudgetRule {
    /// Raises the capacity to at least `floor` (a smaller bucket could never afford a query the
    /// cost limit allows) and the refill to at least 1 a second (else a spent budget never
    /// comes back, and `Retry-After` would have no answer).
    fn at_least(self, floor: u64) -> Self {
        Self { capacity: self.capacity.max(floor), refill_per_second: self.refill_per_second.max(1) }
    }
}

/// Which bucket a role draws from.
fn rule_for(role: Role, interactive: BudgetRule, superior: BudgetRule) -> BudgetRule {
    // Exhaustive on purpose: a new role must choose its class.
    match role {
        Role::Superior => superior,
        Role::Admin | Role::Bureau | Role::Leader | Role::Department | Role::Inspector => interactive,
    }
}

/// Who pays for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer<'a> {
    /// A signed-in subject, from its role's bucket.
    Subject(&'a Principal),
    /// A request without a token, from its client address's bucket (all requests without an
    /// address share one).
    Anonymous(Option<IpAddr>),
}

impl<'a> Payer<'a> {
    /// Who pays for a request sent by `actor` from `client`.
    pub fn of(actor: &'a Actor, client: ClientAddress) -> Self {
        match actor {
            Actor::User(principal) => Payer::Subject(principal),
            Actor::Anonymous => Payer::Anonymous(client.0),
        }
    }
}

/// Whose bucket: subjects and addresses never share one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BucketKey {
    Subject(String),
    Address(Option<IpAddr>),
}

impl BucketKey {
    /// The bucket's key in `store`; a subject (for a local user, the username) only as a keyed
    /// hash.
    fn shared(&self, store: &SharedStore) -> String {
        match self {
            BucketKey::Subject(sub) => format!("rectify:budget:subject:{}", store.hashed(sub)),
            BucketKey::Address(Some(address)) => format!("rectify:budget:address:{address}"),
            BucketKey::Address(None) => "rectify:budget:address:unknown".into(),
        }
    }
}

/// A subject's bucket after a charge: what clients see in `extensions.cost.throttleStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub maximum_available: u64,
    /// Whole units left (rounded down).
    pub currently_available: u64,
    pub restore_rate: u64,
}

/// A charge the bucket could not afford: nothing was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub cost: u64,
    pub throttle: Throttle,
    /// When the bucket will hold `cost` again, in whole seconds (rounded up, at least 1): the
    /// `Retry-After` header.
    pub retry_after_secs: u64,
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        let Refusal { cost, throttle, retry_after_secs } = refusal;
        AppError::RateLimited(format!(
            "over the cost budget: this request costs {cost}, {} of {} is left, and {} comes back \
             each second; retry in {retry_after_secs} s",
            throttle.currently_available, throttle.maximum_available, throttle.restore_rate
        ))
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    rule: BudgetRule,
}

/// The answer to a charge that left the bucket at `level`, taken or not.
fn verdict(rule: BudgetRule, level: f64, cost: u64, taken: bool) -> Result<Throttle, Refusal> {
    let throttle = Throttle {
        maximum_available: rule.capacity,
        currently_available: level.max(0.0).floor() as u64,
        restore_rate: rule.refill_per_second,
    };
    if taken {
        return Ok(throttle);
    }
    let wait = Duration::from_secs_f64(((cost as f64 - level) / rule.refill_per_second as f64).max(0.0));
    let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Err(Refusal { cost, throttle, retry_after_secs: retry_after_secs.max(1) })
}

impl Bucket {
    /// The bucket's content at `now` (never above its capacity).
    fn level(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * self.rule.refill_per_second as f64).min(self.rule.capacity as f64)
    }
}

struct Buckets {
    by_payer: HashMap<BucketKey, Bucket>,
    /// The size at which the next sweep runs: doubled past what a sweep leaves, so that a
    /// crowd of active subjects does not make every charge sweep.
    sweep_at: usize,
}

/// Every subject's bucket, shared by all workers of the server.
pub struct CostBudgets {
    interactive: BudgetRule,
    superior: BudgetRule,
    anonymous: BudgetRule,
    buckets: Mutex<Buckets>,
    /// The store the instances share, when there is one.
    shared: Option<SharedStore>,
}

impl CostBudgets {
    /// Budgets for the interactive roles, for SUPERIOR and for requests without a token.
    /// `largest_charge` is the most a single request may cost (the query cost limit);
    /// capacities are raised to at least that and to the dearest download, so that no request
    /// the other limits allow is refused forever.
    pub fn new(interactive: BudgetRule, superior: BudgetRule, anonymous: BudgetRule, largest_charge: u64) -> Self {
        let floor = largest_charge.max(EXPORT_COST).max(MAP_COST);
        Self {
            interactive: interactive.at_least(floor),
            superior: superior.at_least(floor),
            anonymous: anonymous.at_least(largest_charge),
            buckets: Mutex::new(Buckets { by_payer: HashMap::new(), sweep_at: SWEEP_FLOOR }),
            shared: None,
        }
    }

    /// The same budgets, kept in `store` for every instance that shares it.
    pub fn shared_in(self, store: Option<SharedStore>) -> Self {
        Self { shared: store, ..self }
    }

    /// The rule that applies to `role`, after the floors.
    pub fn rule(&self, role: Role) -> BudgetRule {
        rule_for(role, self.interactive, self.superior)
    }

    /// The most the payer's bucket holds: a request dearer than that can never be paid for.
    pub fn capacity(&self, payer: Payer<'_>) -> u64 {
        match payer {
            Payer::Subject(principal) => self.rule(principal.role).capacity,
            Payer::Anonymous(_) => self.anonymous.capacity,
        }
    }

    /// Takes `cost` from the payer's bucket, or takes nothing and says when to retry.
    pub async fn charge(&self, payer: Payer<'_>, cost: u64) -> Result<Throttle, Refusal> {
        if let Some(verdict) = self.charge_shared(payer, cost, false).await {
            return verdict;
        }
        self.charge_at(payer, cost, Instant::now())
    }

    /// Takes `cost` from the payer's bucket whatever it holds, for work found only once it was
    /// done: the bucket may go below zero, and the payer waits until it refills.
    pub async fn charge_after(&self, payer: Payer<'_>, cost: u64) -> Throttle {
        let verdict = match self.charge_shared(payer, cost, true).await {
            Some(verdict) => verdict,
            None => self.take(payer, cost, Instant::now(), true),
        };
        match verdict {
            Ok(throttle) | Err(Refusal { throttle, .. }) => throttle,
        }
    }

    /// The charge made in the shared store, or `None` without one or when it did not answer.
    async fn charge_shared(&self, payer: Payer<'_>, cost: u64, into_debt: bool) -> Option<Result<Throttle, Refusal>> {
        let store = self.shared.as_ref()?;
        // A request without a token can only log in: its budget guards this instance's Argon2
        // work, which is this instance's alone, and the login throttle counts its failures
        // across instances already. Kept here, a login makes one round trip to the store.
        if matches!(payer, Payer::Anonymous(_)) {
            return None;
        }
        let (key, rule) = self.bucket_of(payer);
        // A store that does not answer has logged why; this instance counts alone meanwhile.
        let after =
            store.take_from_bucket(&key.shared(store), rule.capacity, rule.refill_per_second, cost, into_debt).await;
        after.ok().map(|after| verdict(rule, after.level, cost, after.taken))
    }

    fn bucket_of(&self, payer: Payer<'_>) -> (BucketKey, BudgetRule) {
        match payer {
            Payer::Subject(principal) => (BucketKey::Subject(principal.sub.clone()), self.rule(principal.role)),
            Payer::Anonymous(address) => (BucketKey::Address(address), self.anonymous),
        }
    }

    /// `charge` at a given instant, so that refill can be tested without sleeping.
    fn charge_at(&self, payer: Payer<'_>, cost: u64, now: Instant) -> Result<Throttle, Refusal> {
        self.take(payer, cost, now, false)
    }

    /// Takes `cost` if the bucket holds it, or whatever it holds when `into_debt`.
    fn take(&self, payer: Payer<'_>, cost: u64, now: Instant, into_debt: bool) -> Result<Throttle, Refusal> {
        let (key, rule) = self.bucket_of(payer);
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.by_payer.len() >= buckets.sweep_at {
            buckets.by_payer.retain(|_, bucket| bucket.level(now) < bucket.rule.capacity as f64);
            buckets.sweep_at = SWEEP_FLOOR.max(buckets.by_payer.len() * 2);
        }
        let bucket = buckets.by_payer.entry(key).or_insert(Bucket { tokens: rule.capacity as f64, at: now, rule });
        // The level is read under the bucket's old rule; a subject whose role changed then
        // continues under the new one, never holding more than its capacity.
        let level = bucket.level(now).min(rule.capacity as f64);
        // The same rule as the shared store's script (`shared_store::TAKE_FROM_BUCKET`).
        let taken = level >= cost as f64 || into_debt;
        let after = if taken { level - cost as f64 } else { level };
        *bucket = Bucket { tokens: after, at: now, rule };
        verdict(rule, after, cost, taken)
    }

    /// Subjects with a bucket that is not (known to be) full.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.buckets.lock().map(|buckets| buckets.by_payer.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: BudgetRule = BudgetRule { capacity: 20_000, refill_per_second: 1_000 };
    const LARGE: BudgetRule = BudgetRule { capacity: 80_000, refill_per_second: 4_000 };

    const TINY: BudgetRule = BudgetRule { capacity: 10_000, refill_per_second: 100 };

    fn who(sub: &str, role: Role) -> Principal {
        Principal { sub: sub.into(), name: None, role, department_id: None }
    }

    fn budgets() -> CostBudgets {
        CostBudgets::new(SMALL, LARGE, TINY, 10_000)
    }

    /// Charges a subject, as the tests below mostly do.
    impl CostBudgets {
        fn charge_subject(&self, principal: &Principal, cost: u64, now: Instant) -> Result<Throttle, Refusal> {
            self.charge_at(Payer::Subject(principal), cost, now)
        }
    }

    #[test]
    fn a_charge_takes_its_cost_and_reports_what_is_left() {
        let budgets = budgets();
        let now = Instant::now();
        let throttle = budgets.charge_subject(&who("a", Role::Bureau), 1_500, now).unwrap();
        assert_eq!(throttle, Throttle { maximum_available: 20_000, currently_available: 18_500, restore_rate: 1_000 });
    }

    #[test]
    fn an_unaffordable_charge_takes_nothing_and_says_when_to_retry() {
        let budgets = budgets();
        let bureau = who("a", Role::Bureau);
        let now = Instant::now();
        budgets.charge_subject(&bureau, 10_000, now).unwrap();
        budgets.charge_subject(&bureau, 9_500, now).unwrap();
        // 500 left; 1 500 more takes 1.5 s of refill, announced as 2 s.
        let refusal = budgets.charge_subject(&bureau, 2_000, now).unwrap_err();
        assert_eq!(refusal.retry_after_secs, 2);
        assert_eq!(refusal.throttle.currently_available, 500, "a refusal takes nothing");
        assert!(budgets.charge_subject(&bureau, 2_000, now + Duration::from_millis(1_400)).is_err());
        let after = budgets.charge_subject(&bureau, 2_000, now + Duration::from_secs(2)).unwrap();
        assert_eq!(after.currently_available, 500);
    }

    #[test]
    fn a_bucket_refills_at_its_rate_up_to_its_capacity() {
        let budgets = budgets();
        let bureau = who("a", Role::Bureau);
        let now = Instant::now();
        budgets.charge_subject(&bureau, 20_000, now).unwrap();
        let later = budgets.charge_subject(&bureau, 0, now + Duration::from_secs(3)).unwrap();
        assert_eq!(later.currently_available, 3_000);
        let much_later = budgets.charge_subject(&bureau, 0, now + Duration::from_secs(3_600)).unwrap();
        assert_eq!(much_later.currently_available, 20_000);
    }

    #[test]
    fn superior_agencies_get_the_larger_bucket() {
        let budgets = budgets();
        let now = Instant::now();
        let throttle = budgets.charge_subject(&who("s", Role::Superior), 30_000, now).unwrap();
        assert_eq!((throttle.maximum_available, throttle.restore_rate), (80_000, 4_000));
        for role in [Role::Admin, Role::Bureau, Role::Leader, Role::Department, Role::Inspector] {
            assert_eq!(budgets.rule(role), SMALL, "{role:?}");
        }
    }

    #[test]
    fn each_subject_has_its_own_bucket() {
        let budgets = budgets();
        let now = Instant::now();
        budgets.charge_subject(&who("a", Role::Bureau), 20_000, now).unwrap();
        assert!(budgets.charge_subject(&who("a", Role::Bureau), 1, now).is_err());
        assert!(budgets.charge_subject(&who("b", Role::Bureau), 20_000, now).is_ok());
    }

    #[test]
    fn capacity_is_never_below_the_largest_single_charge() {
        let tiny = BudgetRule { capacity: 10, refill_per_second: 0 };
        let budgets = CostBudgets::new(tiny, tiny, tiny, 25_000);
        assert_eq!(budgets.rule(Role::Bureau), BudgetRule { capacity: 25_000, refill_per_second: 1 });
        let budgets = CostBudgets::new(tiny, tiny, tiny, 100);
        assert_eq!(budgets.rule(Role::Superior).capacity, EXPORT_COST, "a download must stay possible");
    }

    #[test]
    fn full_buckets_are_forgotten_when_many_subjects_have_come_and_gone() {
        let budgets = budgets();
        let now = Instant::now();
        let busy = who("busy", Role::Bureau);
        budgets.charge_subject(&busy, 20_000, now).unwrap();
        for n in 1..SWEEP_FLOOR {
            budgets.charge_subject(&who(&format!("s{n}"), Role::Bureau), 1_000, now).unwrap();
        }
        assert_eq!(budgets.remembered(), SWEEP_FLOOR);
        // A second on, every other bucket is full again; the busy one is not.
        budgets.charge_subject(&who("next", Role::Bureau), 1, now + Duration::from_secs(1)).unwrap();
        assert_eq!(budgets.remembered(), 2, "only the busy subject and the newcomer are kept");
        assert!(
            budgets.charge_subject(&busy, 2_000, now + Duration::from_secs(1)).is_err(),
            "the busy bucket was kept"
        );
    }

    #[test]
    fn requests_without_a_token_pay_per_client_address_apart_from_subjects() {
        let budgets = budgets();
        let now = Instant::now();
        let here = Some(IpAddr::from([10, 0, 0, 1]));
        budgets.charge_at(Payer::Anonymous(here), 10_000, now).unwrap();
        assert!(budgets.charge_at(Payer::Anonymous(here), 1, now).is_err(), "the address's bucket is spent");
        assert!(budgets.charge_at(Payer::Anonymous(Some(IpAddr::from([10, 0, 0, 2]))), 10_000, now).is_ok());
        assert!(
            budgets.charge_subject(&who("10.0.0.1", Role::Bureau), 10_000, now).is_ok(),
            "a subject never shares it"
        );
    }

    #[test]
    fn work_found_after_the_fact_is_taken_into_debt_and_waited_out() {
        let budgets = budgets();
        let bureau = who("a", Role::Bureau);
        let now = Instant::now();
        budgets.charge_subject(&bureau, 19_000, now).unwrap();
        let throttle = budgets.take(Payer::Subject(&bureau), 3_000, now, true).unwrap();
        assert_eq!(throttle.currently_available, 0);
        let refusal = budgets.charge_subject(&bureau, 1, now + Duration::from_secs(2)).unwrap_err();
        assert_eq!(refusal.retry_after_secs, 1, "2 000 in debt, 2 s of refill later, 1 more is a second away");
        assert!(budgets.charge_subject(&bureau, 1_000, now + Duration::from_secs(3)).is_ok());
    }
}
