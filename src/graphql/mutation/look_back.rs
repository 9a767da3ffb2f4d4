//! Look-back campaigns: drawn by the bureau (answered through `recordSiteInspection`).

use async_graphql::{Context, InputObject, Object};

use super::in_input;
use crate::graphql::context::ContextExt;
use crate::graphql::types::look_back::LookBackCampaign;
use crate::graphql::types::scalars::Date;
use crate::service::look_back::NewCampaign;

/// A look-back campaign to draw.
#[derive(InputObject)]
pub struct CreateLookBackCampaignInput {
    /// Its name (at most 200 characters), e.g. "2026年第四季度回头看".
    pub name: String,
    /// Sample the issues closed from this day (county time)…
    pub closed_from: Date,
    /// …through this day.
    pub closed_to: Date,
    /// How many issues to sample, 1 to 1,000 (all of them if fewer were closed).
    pub sample_size: i32,
    /// The seed of the draw: the same seed over the same closed issues draws the same sample.
    pub seed: i64,
}

super::payload!(CreateLookBackCampaignPayload, campaign, LookBackCampaign, "The campaign drawn.");

#[derive(Default)]
pub struct LookBackMutation;

#[Object]
impl LookBackMutation {
    /// Draws a look-back campaign (BUREAU): a sample of the issues closed in the range,
    /// stratified by lead department and deterministic for the seed (the rule is in the
    /// docs). Each sampled issue becomes a task for the inspectors and gets a
    /// `LOOK_BACK_SAMPLED` event.
    async fn create_look_back_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CreateLookBackCampaignInput,
    ) -> async_graphql::Result<CreateLookBackCampaignPayload> {
        let new = NewCampaign {
            name: input.name,
            closed_from: input.closed_from.0,
            closed_to: input.closed_to.0,
            sample_size: input.sample_size,
            seed: input.seed,
        };
        let campaign = in_input(ctx.services()?.create_look_back_campaign(ctx.principal()?, new).await)?;
        Ok(CreateLookBackCampaignPayload { campaign: LookBackCampaign(campaign) })
    }
}
