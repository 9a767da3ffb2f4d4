//! Enterprises.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::enterprise;

use super::case::AccountabilityCase;
use super::connection::{connection, list_cost, priced_list};
use super::department::Department;
use super::issue::Issue;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{EnterpriseCasesLoader, EnterpriseIssuesLoader, ViolationCountLoader};

/// A polluting business (企业), identified by its unified social credit code.
#[derive(Clone)]
pub struct Enterprise(pub enterprise::Model);

/// A polluting business (企业), identified by its unified social credit code.
#[Object]
impl Enterprise {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Enterprise, self.0.id)
    }
    /// The registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The 18-character unified social credit code (GB 32100-2015), check character verified.
    async fn credit_code(&self) -> &str {
        &self.0.credit_code
    }
    /// The township it lies in.
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.township_id).await?.map(Department))
    }
    /// Its industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// Its address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Latitude (WGS 84).
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS 84).
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// Decided cases against it inside the repeat-offender window (default 365 days). A public
    /// registry fact, the same for every viewer, even one who may not read the cases (see
    /// `cases`): a count names no official and no measure.
    async fn violation_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(ctx.loader::<ViolationCountLoader>()?.load_one(self.0.id).await?.unwrap_or(0))
    }
    /// Whether it offends again (屡查屡犯): at least the configured number of decided cases
    /// (default 2) inside the window. Public like `violationCount`.
    async fn repeat_offender(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let violations = ctx.loader::<ViolationCountLoader>()?.load_one(self.0.id).await?.unwrap_or(0);
        Ok(ctx.services()?.is_repeat_offender(violations))
    }
    /// The cases against it that the viewer may see, oldest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn cases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AccountabilityCase>> {
        let cases = ctx.loader::<EnterpriseCasesLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, cases.into_iter().map(AccountabilityCase).collect()))
    }
    /// The issues naming it that the viewer may see, by code.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn issues(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Issue>> {
        let issues = ctx.loader::<EnterpriseIssuesLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(priced_list(ctx, issues.into_iter().map(Issue).collect()))
    }
    /// When it was registered here.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

connection!(
    EnterpriseConnection,
    EnterpriseEdge,
    Enterprise,
    "A page of enterprises.",
    "An enterprise in a page, with its cursor."
);
