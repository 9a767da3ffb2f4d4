//! Look-back campaigns (回头看): the bureau draws a seeded, stratified sample of the issues
//! closed in a date range (`domain::look_back`); each sampled issue is a task for the
//! inspectors, answered by `recordSiteInspection` with HOLDS or RELAPSED, and RELAPSED reopens
//! the issue as a relapse. A campaign reports its progress and relapse rate.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::enums::{IssueAction, IssueStatus, LookBackOutcome};
use entity::{issue, look_back_campaign, look_back_task};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use super::issue_step::Change;
use super::pagination::{Page, PageArgs, page_by_id, page_by_id_in};
use super::policy::{Action, authorize};
use super::{Services, required_text};
use crate::auth::Principal;
use crate::domain::look_back::{Closed, sample};
use crate::error::{AppError, AppResult};

/// The most issues one campaign may sample.
pub const MAX_SAMPLE: i32 = 1_000;

/// A campaign to draw.
pub struct NewCampaign {
    pub name: String,
    pub closed_from: NaiveDate,
    pub closed_to: NaiveDate,
    pub sample_size: i32,
    pub seed: i64,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub campaign_id: Option<i64>,
    /// `Some(None)` for the pending ones.
    pub outcome: Option<Option<LookBackOutcome>>,
    pub issue_id: Option<i64>,
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CampaignProgress {
    pub tasks: u64,
    pub holds: u64,
    pub relapsed: u64,
}

impl CampaignProgress {
    pub fn answered(&self) -> u64 {
        self.holds + self.relapsed
    }

    /// Relapsed of answered; `None` before any answer.
    pub fn relapse_rate(&self) -> Option<f64> {
        (self.answered() > 0).then(|| self.relapsed as f64 / self.answered() as f64)
    }
}

impl Services {
    /// The bureau draws a campaign: its tasks and a `LOOK_BACK_SAMPLED` event on each issue.
    pub async fn create_look_back_campaign(
        &self,
        actor: &Principal,
        input: NewCampaign,
    ) -> AppResult<look_back_campaign::Model> {
        authorize(actor, Action::ManageLookBacks)?;
        let name = required_text("name", &input.name, 200)?;
        if input.closed_to < input.closed_from {
            return Err(AppError::bad_input("closedTo", "`closedTo` cannot be before `closedFrom`"));
        }
        if !(1..=MAX_SAMPLE).contains(&input.sample_size) {
            return Err(AppError::bad_input("sampleSize", format!("`sampleSize` is 1 to {MAX_SAMPLE}")));
        }
        let rows: Vec<(i64, Option<i64>)> = issue::Entity::find()
            .select_only()
            .column(issue::Column::Id)
            .column(issue::Column::LeadDepartmentId)
            .filter(issue::Column::Status.eq(IssueStatus::Closed))
            .filter(issue::Column::ClosedAt.gte(self.clock.start_of(input.closed_from)))
            .filter(issue::Column::ClosedAt.lt(self.clock.start_of(input.closed_to + Duration::days(1))))
            .into_tuple()
            .all(self.conn())
            .await?;
        let population: Vec<Closed> = rows
            .into_iter()
            .filter_map(|(issue_id, lead)| Some(Closed { issue_id, lead_department_id: lead? }))
            .collect();
        let sampled = sample(&population, input.sample_size as usize, input.seed);
        if sampled.is_empty() {
            return Err(AppError::bad_input("closedFrom", "no issue was closed in that range"));
        }
        let txn = self.conn().begin().await?;
        let campaign = look_back_campaign::Entity::insert(look_back_campaign::ActiveModel {
            name: Set(name.clone()),
            closed_from: Set(input.closed_from),
            closed_to: Set(input.closed_to),
            sample_size: Set(input.sample_size),
            seed: Set(input.seed),
            population: Set(i32::try_from(population.len()).unwrap_or(i32::MAX)),
            created_by: Set(actor.sub.clone()),
            created_at: Set(self.clock.now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let tasks = sampled.iter().map(|issue_id| look_back_task::ActiveModel {
            campaign_id: Set(campaign.id),
            issue_id: Set(*issue_id),
            ..Default::default()
        });
        look_back_task::Entity::insert_many(tasks).exec(&txn).await?;
        let notes: Vec<(i64, String)> =
            sampled.iter().map(|id| (*id, format!("sampled by look-back campaign \"{name}\""))).collect();
        self.record_side_events(&txn, actor, IssueAction::LookBackSampled, &notes).await?;
        txn.commit().await?;
        Ok(campaign)
    }

    /// The oldest pending task of an issue, if any.
    pub(crate) async fn pending_look_back(&self, issue_id: i64) -> AppResult<Option<look_back_task::Model>> {
        Ok(look_back_task::Entity::find()
            .filter(look_back_task::Column::IssueId.eq(issue_id))
            .filter(look_back_task::Column::Outcome.is_null())
            .order_by_asc(look_back_task::Column::Id)
            .one(self.conn())
            .await?)
    }

    /// Answers a task with a site inspection in the caller's transaction; RELAPSED reopens the
    /// issue as a relapse.
    pub(crate) async fn answer_look_back(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        (task, outcome): (&look_back_task::Model, LookBackOutcome),
        site_inspection_id: i64,
        issue: issue::Model,
        findings: &str,
    ) -> AppResult<()> {
        let answered = look_back_task::Entity::update_many()
            .set(look_back_task::ActiveModel {
                outcome: Set(Some(outcome)),
                site_inspection_id: Set(Some(site_inspection_id)),
                answered_by: Set(Some(actor.sub.clone())),
                answered_at: Set(Some(self.clock.now())),
                ..Default::default()
            })
            .filter(look_back_task::Column::Id.eq(task.id))
            .filter(look_back_task::Column::Outcome.is_null())
            .exec(txn)
            .await?;
        if answered.rows_affected == 0 {
            return Err(AppError::conflict("the look-back task was answered meanwhile"));
        }
        if outcome == LookBackOutcome::Relapsed {
            let campaign = look_back_campaign::Entity::find_by_id(task.campaign_id).one(txn).await?;
            let name = campaign.map(|c| c.name).unwrap_or_default();
            let change =
                Change::reopening(&issue, format!("relapse found by look-back campaign \"{name}\": {findings}"), None);
            self.apply_in(txn, actor, issue, change).await?;
        }
        Ok(())
    }

    /// Campaigns, newest first.
    pub async fn look_back_campaigns(
        &self,
        actor: &Principal,
        args: &PageArgs,
    ) -> AppResult<Page<look_back_campaign::Model>> {
        authorize(actor, Action::ReadLookBacks)?;
        page_by_id_in(
            self.conn(),
            look_back_campaign::Entity::find(),
            look_back_campaign::Column::Id,
            "campaign",
            args,
            true,
        )
        .await
    }

    pub async fn count_look_back_campaigns(&self, actor: &Principal) -> AppResult<u64> {
        authorize(actor, Action::ReadLookBacks)?;
        Ok(look_back_campaign::Entity::find().count(self.conn()).await?)
    }

    fn task_condition(filter: &TaskFilter) -> Condition {
        let mut condition = Condition::all();
        if let Some(campaign) = filter.campaign_id {
            condition = condition.add(look_back_task::Column::CampaignId.eq(campaign));
        }
        if let Some(issue) = filter.issue_id {
            condition = condition.add(look_back_task::Column::IssueId.eq(issue));
        }
        match filter.outcome {
            None => condition,
            Some(None) => condition.add(look_back_task::Column::Outcome.is_null()),
            Some(Some(outcome)) => condition.add(look_back_task::Column::Outcome.eq(outcome)),
        }
    }

    /// Tasks, in the order drawn.
    pub async fn look_back_tasks(
        &self,
        actor: &Principal,
        filter: &TaskFilter,
        args: &PageArgs,
    ) -> AppResult<Page<look_back_task::Model>> {
        authorize(actor, Action::ReadLookBacks)?;
        let select = look_back_task::Entity::find().filter(Self::task_condition(filter));
        page_by_id(self.conn(), select, look_back_task::Column::Id, "task", args).await
    }

    pub async fn count_look_back_tasks(&self, actor: &Principal, filter: &TaskFilter) -> AppResult<u64> {
        authorize(actor, Action::ReadLookBacks)?;
        Ok(look_back_task::Entity::find().filter(Self::task_condition(filter)).count(self.conn()).await?)
    }

    /// The progress of each campaign, in one grouped statement.
    pub async fn look_back_progress(&self, campaign_ids: &[i64]) -> AppResult<HashMap<i64, CampaignProgress>> {
        let rows: Vec<(i64, Option<LookBackOutcome>, i64)> = look_back_task::Entity::find()
            .select_only()
            .column(look_back_task::Column::CampaignId)
            .column(look_back_task::Column::Outcome)
            .column_as(Expr::col(look_back_task::Column::Id).count(), "n")
            .filter(look_back_task::Column::CampaignId.is_in(campaign_ids.iter().copied()))
            .group_by(look_back_task::Column::CampaignId)
            .group_by(look_back_task::Column::Outcome)
            .into_tuple()
            .all(self.conn())
            .await?;
        let mut progress: HashMap<i64, CampaignProgress> = HashMap::new();
        for (campaign, outcome, n) in rows {
            let n = u64::try_from(n).unwrap_or_default();
            let entry = progress.entry(campaign).or_default();
            entry.tasks += n;
            match outcome {
                Some(LookBackOutcome::Holds) => entry.holds += n,
                Some(LookBackOutcome::Relapsed) => entry.relapsed += n,
                None => {}
            }
        }
        Ok(progress)
    }

    /// Campaigns by id (for the loader and `node`; readers of look-backs only).
    pub async fn look_back_campaigns_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, look_back_campaign::Model>> {
        if authorize(actor, Action::ReadLookBacks).is_err() {
            return Ok(HashMap::new());
        }
        self.campaigns_of_tasks(ids).await
    }

    /// Campaigns by id, for the campaign of a task (read by those who may read the task).
    pub async fn campaigns_of_tasks(&self, ids: &[i64]) -> AppResult<HashMap<i64, look_back_campaign::Model>> {
        let rows = look_back_campaign::Entity::find()
            .filter(look_back_campaign::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    /// Tasks by id (for `node`; readers of look-backs only).
    pub async fn look_back_tasks_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, look_back_task::Model>> {
        if authorize(actor, Action::ReadLookBacks).is_err() {
            return Ok(HashMap::new());
        }
        let rows = look_back_task::Entity::find()
            .filter(look_back_task::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
