//! The costs of requests the charging instance has validated, so that a repeated request is
//! charged without being validated in full again.
//!
//! Validation and its cost depend on the document, the operation chosen and the variables,
//! and on nothing else (no field's visibility depends on who asks): the same three give the
//! same verdict. Clients send the same few queries with the same variables over and over, and
//! the full validation was about 5% of a list page's instructions. Only requests that
//! passed are remembered; one that failed is validated, and fails, every time.
//!
//! The executing instance still checks depth and cost on every request (`ValidationMode::Fast`),
//! so a wrong entry here could at worst misreport a charge, never run a query over the limits.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::Variables;
use lru::LruCache;

/// Distinct (document, operation, variables) remembered.
const CAPACITY: usize = 4096;
/// Requests whose variables take more text than this are validated every time and not
/// remembered, so that the store stays within CAPACITY × this many bytes of keys.
const MAX_REMEMBERED_VARIABLES_BYTES: usize = 2048;

/// What identifies a request's validation: the SHA-256 of its document's text (see
/// `Documents`), its operation name and its variables as JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CostKey(String);

impl CostKey {
    /// The key of a request, or `None` for one whose variables are too long to remember.
    pub fn of(document_hash: &str, operation_name: Option<&str>, variables: &Variables) -> Option<Self> {
        let variables = serde_json::to_string(variables).ok()?;
        if variables.len() > MAX_REMEMBERED_VARIABLES_BYTES {
            return None;
        }
        // The hash is hex and the operation a GraphQL name, so neither holds the separator.
        Some(Self(format!("{document_hash} {} {variables}", operation_name.unwrap_or(""))))
    }
}

/// The store, shared by every worker.
pub struct KnownCosts {
    costs: Mutex<LruCache<CostKey, u64>>,
}

impl Default for KnownCosts {
    fn default() -> Self {
        Self { costs: Mutex::new(LruCache::new(NonZeroUsize::new(CAPACITY).expect("a positive capacity"))) }
    }
}

impl KnownCosts {
    /// The cost of a request that passed validation before.
    pub fn get(&self, key: &CostKey) -> Option<u64> {
        self.costs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(key).copied()
    }

    /// Remembers that a request passed validation with this cost.
    pub fn remember(&self, key: CostKey, cost: u64) {
        self.costs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).put(key, cost);
    }
}
