//! Refuses a query deeper or costlier than the limits (`TOO_COMPLEX`), then charges its cost
//! to its subject's budget, after validation (which computes the depth and the cost), and
//! reports the charge in
//! `extensions.cost` so that clients can pace themselves. The shape is Shopify's:
//! `{ requestedQueryCost, actualQueryCost, throttleStatus { maximumAvailable,
//! currentlyAvailable, restoreRate } }`.
//!
//! A request without a token (which can only be one `login`) is charged to its client
//! address. A request over budget executes nothing; its error is `RATE_LIMITED`, and the
//! response carries a `Retry-After` header for the HTTP endpoint to send with its 429.
//!
//! It sits on the charging instance of the schema (see `schema`), which executes nothing:
//! its answer is the charge, and the executing instance runs the request afterwards.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest, NextValidation,
};
use async_graphql::{ErrorExtensionValues, Response, ServerError, ValidationResult, Value};

use super::request_shape::RequestShape;
use crate::auth::{Actor, ClientAddress};
use crate::error::AppError;
use crate::service::cost_budget::{CostBudgets, Payer, Refusal, Throttle};

/// What a request's unpaged lists answered beyond the page their price assumed (see
/// `types::connection::priced_list`), charged once the request has run (`charge_overage`).
#[derive(Debug, Default)]
pub struct ListOverage(std::sync::atomic::AtomicU64);

impl ListOverage {
    pub fn add(&self, cost: usize) {
        let cost = u64::try_from(cost).unwrap_or(u64::MAX);
        self.0.fetch_add(cost, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn total(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Takes what a request's lists answered beyond their price from the payer's budget, even
/// into debt (the request has run; the next ones wait), and reports the charge as the
/// answer's `actualQueryCost`.
pub async fn charge_overage(response: &mut Response, budgets: &CostBudgets, payer: Payer<'_>, overage: u64) {
    if overage == 0 {
        return;
    }
    let throttle = budgets.charge_after(payer, overage).await;
    let requested = charged_cost(response).unwrap_or(0);
    response.extensions.insert("cost".into(), cost_value(requested, Some(requested.saturating_add(overage)), throttle));
}

/// The schema extension; holds the budgets every request charges and the limits a query is
/// refused over.
pub struct CostBudget {
    pub budgets: Arc<CostBudgets>,
    pub limits: QueryLimits,
}

/// The deepest nesting and the highest cost a query may have (`RECTIFY_MAX_DEPTH`,
/// `RECTIFY_MAX_COST`). Checked here rather than by async-graphql's own limits, whose
/// errors differ from others only by their text: here they are `AppError::TooComplex`.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_cost: usize,
}

impl QueryLimits {
    /// Refuses a validated query over either limit, the cost first (as async-graphql does).
    fn check(&self, result: &ValidationResult) -> Result<(), AppError> {
        if result.complexity > self.max_cost {
            return Err(AppError::TooComplex(format!(
                "Query is too complex: it costs {}, over the limit of {} (RECTIFY_MAX_COST).",
                result.complexity, self.max_cost
            )));
        }
        if result.depth > self.max_depth {
            return Err(AppError::TooComplex(format!(
                "Query is nested too deep: {} levels, over the limit of {} (RECTIFY_MAX_DEPTH).",
                result.depth, self.max_depth
            )));
        }
        Ok(())
    }
}

impl ExtensionFactory for CostBudget {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Charging { budgets: self.budgets.clone(), limits: self.limits, outcome: Mutex::new(None) })
    }
}

/// What the charge of one request came to.
enum Outcome {
    Charged { cost: u64, throttle: Throttle },
    Refused(Refusal),
}

/// One request's extension: the factory makes one per request, so `outcome` carries the
/// charge from the validation hook to the request hook, which writes the response.
struct Charging {
    budgets: Arc<CostBudgets>,
    limits: QueryLimits,
    outcome: Mutex<Option<Outcome>>,
}

impl Charging {
    fn remember(&self, outcome: Outcome) {
        *self.outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(outcome);
    }

    fn take(&self) -> Option<Outcome> {
        self.outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

fn cost_value(requested: u64, actual: Option<u64>, throttle: Throttle) -> Value {
    async_graphql::value!({
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": throttle.maximum_available,
            "currentlyAvailable": throttle.currently_available,
            "restoreRate": throttle.restore_rate,
        },
    })
}

/// The request-level error of a refused query: a code and a message, no path.
fn refused(refusal: Refusal) -> ServerError {
    request_error(AppError::from(refusal))
}

/// A request-level error (no path) with its contract code.
pub fn request_error(error: AppError) -> ServerError {
    error.log();
    let mut server_error = ServerError::new(error.public_message(), None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", error.code());
    server_error.extensions = Some(extensions);
    server_error
}

/// Writes a charge into the answer: `extensions.cost`.
pub fn mark_charged(response: &mut Response, cost: u64, throttle: Throttle) {
    // Nothing is refunded for what a query did not read: the actual cost is the requested one.
    response.extensions.insert("cost".into(), cost_value(cost, Some(cost), throttle));
}

/// The answer to a request refused for its cost, before anything executed: the error,
/// `extensions.cost` without an actual cost, and the `Retry-After` header.
pub fn refused_response(refusal: Refusal) -> Response {
    let mut response = Response::from_errors(vec![refused(refusal)]);
    mark_refused(&mut response, refusal);
    response
}

fn mark_refused(response: &mut Response, refusal: Refusal) {
    response.extensions.insert("cost".into(), cost_value(refusal.cost, None, refusal.throttle));
    // The header value's type is inferred (async-graphql's `http` is not ours to name); whole
    // seconds always parse.
    if let Ok(seconds) = refusal.retry_after_secs.to_string().parse() {
        response.http_headers.insert("retry-after", seconds);
    }
}

/// The cost a charged answer reports (`extensions.cost.requestedQueryCost`).
pub fn charged_cost(response: &Response) -> Option<u64> {
    match response.extensions.get("cost") {
        Some(Value::Object(cost)) => match cost.get("requestedQueryCost") {
            Some(Value::Number(number)) => number.as_u64(),
            _ => None,
        },
        _ => None,
    }
}

#[async_trait::async_trait]
impl Extension for Charging {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        match self.take() {
            None => {}
            Some(Outcome::Charged { cost, throttle }) => mark_charged(&mut response, cost, throttle),
            Some(Outcome::Refused(refusal)) => mark_refused(&mut response, refusal),
        }
        response
    }

    /// Nothing executes here: the executing instance runs what this one charged for.
    async fn execute(&self, _ctx: &ExtensionContext<'_>, _operation: Option<&str>, _next: NextExecute<'_>) -> Response {
        Response::default()
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        // Over a limit, nothing is charged: the query is refused as it stands.
        self.limits.check(&result).map_err(|error| vec![request_error(error)])?;
        let actor = ctx.data_opt::<Actor>().unwrap_or(&Actor::Anonymous);
        let payer = Payer::of(actor, ctx.data_opt::<ClientAddress>().copied().unwrap_or_default());
        // async-graphql counts an introspection field as 1 whatever it answers, and knows
        // nothing of uploaded files; both are measured beside (`RequestShape`) and charged too.
        let extra = ctx.data_opt::<RequestShape>().map_or(0, RequestShape::extra_cost);
        let cost = u64::try_from(result.complexity).unwrap_or(u64::MAX).saturating_add(extra);
        let capacity = self.budgets.capacity(payer);
        if cost > capacity {
            // Waiting would never help (its introspection or files priced it past the bucket).
            let message = format!("the request costs {cost}, more than the whole budget of {capacity}");
            return Err(vec![request_error(AppError::TooComplex(message))]);
        }
        match self.budgets.charge(payer, cost).await {
            Ok(throttle) => {
                self.remember(Outcome::Charged { cost, throttle });
                Ok(result)
            }
            Err(refusal) => {
                self.remember(Outcome::Refused(refusal));
                Err(vec![refused(refusal)])
            }
        }
    }
}
