//! Look-back campaigns (回头看) and their tasks.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{look_back_campaign, look_back_task};

use super::connection::connection;
use super::enums::LookBackOutcome;
use super::issue::Issue;
use super::scalars::Date;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{LookBackCampaignLoader, LookBackProgressLoader, VisibleIssueLoader};
use crate::service::look_back::CampaignProgress;

/// Where a look-back task stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookBackTaskStatus {
    /// Waiting for an inspector's check on site.
    Pending,
    /// Checked: the fix holds.
    Holds,
    /// Checked: the problem is back, and the issue was reopened as a relapse.
    Relapsed,
}

/// A task's status is its outcome, pending while it has none: the one mapping both ways.
impl From<Option<entity::enums::LookBackOutcome>> for LookBackTaskStatus {
    fn from(outcome: Option<entity::enums::LookBackOutcome>) -> Self {
        match outcome {
            None => Self::Pending,
            Some(entity::enums::LookBackOutcome::Holds) => Self::Holds,
            Some(entity::enums::LookBackOutcome::Relapsed) => Self::Relapsed,
        }
    }
}

impl From<LookBackTaskStatus> for Option<entity::enums::LookBackOutcome> {
    fn from(status: LookBackTaskStatus) -> Self {
        [entity::enums::LookBackOutcome::Holds, entity::enums::LookBackOutcome::Relapsed]
            .into_iter()
            .find(|outcome| LookBackTaskStatus::from(Some(*outcome)) == status)
    }
}

/// A look-back campaign (回头看): a seeded sample of the issues closed in a date range,
/// stratified by lead department, each checked again on site.
#[derive(Clone)]
pub struct LookBackCampaign(pub look_back_campaign::Model);

impl LookBackCampaign {
    async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<CampaignProgress> {
        Ok(ctx.loader::<LookBackProgressLoader>()?.load_one(self.0.id).await?.unwrap_or_default())
    }
}

/// A look-back campaign (回头看): a seeded sample of the issues closed in a date range,
/// stratified by lead department, each checked again on site.
#[Object]
impl LookBackCampaign {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::LookBackCampaign, self.0.id)
    }
    /// The campaign's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first day of the range of closures sampled (county time).
    async fn closed_from(&self) -> Date {
        self.0.closed_from.into()
    }
    /// The last day of the range of closures sampled (county time).
    async fn closed_to(&self) -> Date {
        self.0.closed_to.into()
    }
    /// The sample size asked for.
    async fn sample_size(&self) -> i32 {
        self.0.sample_size
    }
    /// The seed of the draw: the same seed over the same closed issues draws the same sample.
    async fn seed(&self) -> i64 {
        self.0.seed
    }
    /// The issues closed in the range when the campaign was drawn.
    async fn population(&self) -> i32 {
        self.0.population
    }
    /// The subject of the token that drew it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was drawn.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its tasks: one per sampled issue.
    async fn task_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.progress(ctx).await?.tasks)
    }
    /// Tasks answered so far.
    async fn answered(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.progress(ctx).await?.answered())
    }
    /// Tasks answered `HOLDS`.
    async fn holds(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.progress(ctx).await?.holds)
    }
    /// Tasks answered `RELAPSED`.
    async fn relapsed(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.progress(ctx).await?.relapsed)
    }
    /// `relapsed` of `answered`, from 0 to 1; null before any answer.
    async fn relapse_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<f64>> {
        Ok(self.progress(ctx).await?.relapse_rate())
    }
}

/// One sampled issue of a look-back campaign, for an inspector to check on site and answer
/// with `recordSiteInspection(input: {lookBack})`.
#[derive(Clone)]
pub struct LookBackTask(pub look_back_task::Model);

/// One sampled issue of a look-back campaign, for an inspector to check on site and answer
/// with `recordSiteInspection(input: {lookBack})`.
#[Object]
impl LookBackTask {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::LookBackTask, self.0.id)
    }
    /// The campaign.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LookBackCampaign>> {
        Ok(ctx.loader::<LookBackCampaignLoader>()?.load_one(self.0.campaign_id).await?.map(LookBackCampaign))
    }
    /// The closed issue to check.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(self.0.issue_id).await?.map(Issue))
    }
    /// Pending, holds or relapsed.
    async fn status(&self) -> LookBackTaskStatus {
        self.0.outcome.into()
    }
    /// What the check found; null while pending.
    async fn outcome(&self) -> Option<LookBackOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// The id of the site inspection that answered it (fetch it with `node`).
    async fn site_inspection_id(&self) -> Option<ID> {
        self.0.site_inspection_id.map(|id| encode(NodeKind::SiteInspection, id))
    }
    /// The subject of the token that answered.
    async fn answered_by(&self) -> Option<&str> {
        self.0.answered_by.as_deref()
    }
    /// When it was answered.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
}

connection!(
    LookBackCampaignConnection,
    LookBackCampaignEdge,
    LookBackCampaign,
    "A page of look-back campaigns, newest first.",
    "A campaign in a page, with its cursor."
);

connection!(
    LookBackTaskConnection,
    LookBackTaskEdge,
    LookBackTask,
    "A page of look-back tasks, in the order drawn.",
    "A task in a page, with its cursor."
);
