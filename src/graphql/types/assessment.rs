//! Assessment periods, their rules and results.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{assessment_period, assessment_result};

use super::case::AccountabilityCase;
use super::connection::{connection, list_cost, priced_list};
use super::department::Department;
use super::enums::{AssessmentGrade, AssessmentItemKind, AssessmentPeriodStatus, AssessmentRule};
use super::issue::Issue;
use super::scalars::{Date, Decimal};
use crate::domain::cents::Cents;
use crate::domain::scoring::{Item, ScoringRules as Rules};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{VisibleCaseLoader, VisibleIssueLoader, prime_item_sources};
use crate::service::assessment::{period_rules, readable_items};

/// An assessment period (目标考核), usually a year, with its scoring rules and results.
#[derive(Clone)]
pub struct AssessmentPeriod(pub assessment_period::Model);

/// An assessment period (目标考核), usually a year, with its scoring rules and results.
#[Object]
impl AssessmentPeriod {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::AssessmentPeriod, self.0.id)
    }
    /// What the viewer may do to this period now, one boolean per mutation, decided by the
    /// checks the mutations run.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<super::viewer_can::PeriodActions> {
        Ok(super::viewer_can::PeriodActions::of(ctx, &self.0).await?)
    }
    /// The period's name, e.g. "2026年度生态环境保护目标考核".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first day.
    async fn starts_on(&self) -> Date {
        self.0.starts_on.into()
    }
    /// The last day.
    async fn ends_on(&self) -> Date {
        self.0.ends_on.into()
    }
    /// Open (editable) or finalized (frozen).
    async fn status(&self) -> AssessmentPeriodStatus {
        self.0.status.into()
    }
    /// The scoring rules in force (frozen once finalized).
    async fn rules(&self) -> ScoringRules {
        ScoringRules(period_rules(&self.0))
    }
    /// Increases when the rules change; pass it as `expectedVersion` to `updateScoringRules`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The ranked results the viewer may read (a department: its own only), best first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn results(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AssessmentResult>> {
        let actor = ctx.principal()?;
        let results = ctx.services()?.period_results(actor, self.0.id).await?;
        let items: Vec<Item> = results.iter().flat_map(|r| readable_items(actor, r)).collect();
        let issues = items.iter().filter_map(|i| i.issue_id).collect();
        let cases = items.iter().filter_map(|i| i.case_id).collect();
        prime_item_sources(ctx, issues, cases).await?;
        Ok(priced_list(ctx, results.into_iter().map(AssessmentResult).collect()))
    }
    /// When the results were last computed.
    async fn computed_at(&self) -> Option<DateTime<Utc>> {
        self.0.computed_at
    }
    /// When the period was finalized.
    async fn finalized_at(&self) -> Option<DateTime<Utc>> {
        self.0.finalized_at
    }
}

connection!(
    AssessmentPeriodConnection,
    AssessmentPeriodEdge,
    AssessmentPeriod,
    "A page of assessment periods.",
    "An assessment period in a page, with its cursor."
);

/// How a period scores departments. Points are deducted per occurrence.
pub struct ScoringRules(pub Rules);

/// How a period scores departments. Points are deducted per occurrence.
#[Object]
impl ScoringRules {
    /// Every department starts from this score (default 100).
    async fn base_score(&self) -> Decimal {
        Decimal(self.0.base_score)
    }
    /// Per issue overdue as lead unit (default 5).
    async fn overdue_as_lead(&self) -> Decimal {
        Decimal(self.0.overdue_as_lead)
    }
    /// Per issue overdue as cooperating unit (default 2).
    async fn overdue_as_cooperating(&self) -> Decimal {
        Decimal(self.0.overdue_as_cooperating)
    }
    /// Per failed acceptance (default 1).
    async fn failed_acceptance(&self) -> Decimal {
        Decimal(self.0.failed_acceptance)
    }
    /// Per relapse of a closed issue (default 5).
    async fn relapse(&self) -> Decimal {
        Decimal(self.0.relapse)
    }
    /// Per reminder or supervision slip not answered by its reply date (default 1).
    async fn unanswered_reminder(&self) -> Decimal {
        Decimal(self.0.unanswered_reminder)
    }
    /// Per admonishment talk decided (default 3).
    async fn admonishment_talk(&self) -> Decimal {
        Decimal(self.0.admonishment_talk)
    }
    /// Per circulated criticism decided (default 5).
    async fn circulated_criticism(&self) -> Decimal {
        Decimal(self.0.circulated_criticism)
    }
    /// Per admonition decided (default 5).
    async fn admonition(&self) -> Decimal {
        Decimal(self.0.admonition)
    }
    /// Per organizational handling decided (default 10).
    async fn organizational_handling(&self) -> Decimal {
        Decimal(self.0.organizational_handling)
    }
    /// Bonus per issue accepted on time as lead unit (default 0: no bonus).
    async fn on_time_bonus(&self) -> Decimal {
        Decimal(self.0.on_time_bonus)
    }
    /// The most bonus a department can earn in the period (default 0).
    async fn max_bonus(&self) -> Decimal {
        Decimal(self.0.max_bonus)
    }
    /// Veto when a MAJOR or supervised issue is overdue as lead unit (default on).
    async fn veto_major_or_supervised_overdue(&self) -> bool {
        self.0.veto_major_or_supervised_overdue
    }
    /// Veto on a relapse (default on).
    async fn veto_relapse(&self) -> bool {
        self.0.veto_relapse
    }
    /// Veto on a disciplinary sanction or judicial referral (default on).
    async fn veto_heavy_sanction(&self) -> bool {
        self.0.veto_heavy_sanction
    }
    /// Veto when the score falls below `floor` (default on).
    async fn veto_below_floor(&self) -> bool {
        self.0.veto_below_floor
    }
    /// The veto floor (default 60).
    async fn floor(&self) -> Decimal {
        Decimal(self.0.floor)
    }
    /// EXCELLENT from this score (default 90).
    async fn excellent_from(&self) -> Decimal {
        Decimal(self.0.excellent_from)
    }
    /// GOOD from this score (default 75).
    async fn good_from(&self) -> Decimal {
        Decimal(self.0.good_from)
    }
    /// PASS from this score (default 60).
    async fn pass_from(&self) -> Decimal {
        Decimal(self.0.pass_from)
    }
}

/// Scoring rules to set; each field left out keeps the default of the domain.
#[derive(InputObject, Default)]
pub struct ScoringRulesInput {
    /// Every department starts from this score (default 100).
    pub base_score: Option<Decimal>,
    /// Per issue overdue as lead unit (default 5).
    pub overdue_as_lead: Option<Decimal>,
    /// Per issue overdue as cooperating unit (default 2).
    pub overdue_as_cooperating: Option<Decimal>,
    /// Per failed acceptance (default 1).
    pub failed_acceptance: Option<Decimal>,
    /// Per relapse (default 5).
    pub relapse: Option<Decimal>,
    /// Per slip not answered by its reply date (default 1).
    pub unanswered_reminder: Option<Decimal>,
    /// Per admonishment talk (default 3).
    pub admonishment_talk: Option<Decimal>,
    /// Per circulated criticism (default 5).
    pub circulated_criticism: Option<Decimal>,
    /// Per admonition (default 5).
    pub admonition: Option<Decimal>,
    /// Per organizational handling (default 10).
    pub organizational_handling: Option<Decimal>,
    /// Bonus per on-time acceptance as lead unit (default 0).
    pub on_time_bonus: Option<Decimal>,
    /// The most bonus per period (default 0).
    pub max_bonus: Option<Decimal>,
    /// Veto a MAJOR or supervised issue overdue as lead unit (default true).
    pub veto_major_or_supervised_overdue: Option<bool>,
    /// Veto a relapse (default true).
    pub veto_relapse: Option<bool>,
    /// Veto a disciplinary sanction or judicial referral (default true).
    pub veto_heavy_sanction: Option<bool>,
    /// Veto a score below the floor (default true).
    pub veto_below_floor: Option<bool>,
    /// The veto floor (default 60).
    pub floor: Option<Decimal>,
    /// EXCELLENT from (default 90).
    pub excellent_from: Option<Decimal>,
    /// GOOD from (default 75).
    pub good_from: Option<Decimal>,
    /// PASS from (default 60).
    pub pass_from: Option<Decimal>,
}

impl ScoringRulesInput {
    /// The rules: the defaults of the domain with the given fields in place.
    pub fn into_rules(self) -> Rules {
        let d = Rules::default();
        let pick = |value: Option<Decimal>, default: Cents| value.map(|v| v.0).unwrap_or(default);
        Rules {
            base_score: pick(self.base_score, d.base_score),
            overdue_as_lead: pick(self.overdue_as_lead, d.overdue_as_lead),
            overdue_as_cooperating: pick(self.overdue_as_cooperating, d.overdue_as_cooperating),
            failed_acceptance: pick(self.failed_acceptance, d.failed_acceptance),
            relapse: pick(self.relapse, d.relapse),
            unanswered_reminder: pick(self.unanswered_reminder, d.unanswered_reminder),
            admonishment_talk: pick(self.admonishment_talk, d.admonishment_talk),
            circulated_criticism: pick(self.circulated_criticism, d.circulated_criticism),
            admonition: pick(self.admonition, d.admonition),
            organizational_handling: pick(self.organizational_handling, d.organizational_handling),
            on_time_bonus: pick(self.on_time_bonus, d.on_time_bonus),
            max_bonus: pick(self.max_bonus, d.max_bonus),
            veto_major_or_supervised_overdue: self
                .veto_major_or_supervised_overdue
                .unwrap_or(d.veto_major_or_supervised_overdue),
            veto_relapse: self.veto_relapse.unwrap_or(d.veto_relapse),
            veto_heavy_sanction: self.veto_heavy_sanction.unwrap_or(d.veto_heavy_sanction),
            veto_below_floor: self.veto_below_floor.unwrap_or(d.veto_below_floor),
            floor: pick(self.floor, d.floor),
            excellent_from: pick(self.excellent_from, d.excellent_from),
            good_from: pick(self.good_from, d.good_from),
            pass_from: pick(self.pass_from, d.pass_from),
        }
    }
}

/// One department's result in a period.
pub struct AssessmentResult(pub assessment_result::Model);

/// One department's result in a period.
#[Object]
impl AssessmentResult {
    /// The department.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        Ok(ctx.reference()?.department(self.0.department_id).await?.map(Department))
    }
    /// Base − deductions + bonus, floored at 0.
    async fn score(&self) -> Decimal {
        Decimal(Cents(self.0.score_centi))
    }
    /// Whether any veto applies: the grade is then FAIL whatever the score.
    async fn vetoed(&self) -> bool {
        self.0.vetoed
    }
    /// The grade.
    async fn grade(&self) -> AssessmentGrade {
        self.0.grade.into()
    }
    /// 1 for the best; equal results share a rank; vetoed departments come last.
    async fn rank(&self) -> i32 {
        self.0.rank
    }
    /// Every deduction, bonus and veto, with the reason and its source. An item from an
    /// accountability case the viewer may not read (an administrator reads results but no
    /// cases) keeps its kind, points and rule, but its reason names no case, official or
    /// measure, and `case` is null.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AssessmentItem>> {
        Ok(priced_list(ctx, readable_items(ctx.principal()?, &self.0).into_iter().map(AssessmentItem).collect()))
    }
}

/// One line of a result: a deduction, a bonus or a veto, with its rule, a sentence a
/// department head can read, and the issue or case it comes from.
pub struct AssessmentItem(pub Item);

/// One line of a result: a deduction, a bonus or a veto, with its rule, a sentence a
/// department head can read, and the issue or case it comes from.
#[Object]
impl AssessmentItem {
    /// Deduction, bonus or veto.
    async fn kind(&self) -> AssessmentItemKind {
        self.0.kind.into()
    }
    /// Points deducted or added (0 for a veto).
    async fn points(&self) -> Decimal {
        Decimal(self.0.points)
    }
    /// The rule applied.
    async fn rule(&self) -> AssessmentRule {
        self.0.rule.into()
    }
    /// Why, in a sentence; for an item from a case the viewer may not read, a neutral one
    /// without names or measures.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The issue it comes from, if the viewer may see it.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        let Some(id) = self.0.issue_id else { return Ok(None) };
        Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(id).await?.map(Issue))
    }
    /// The case it comes from, if the viewer may see it.
    #[graphql(name = "case")]
    async fn case_(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AccountabilityCase>> {
        let Some(id) = self.0.case_id else { return Ok(None) };
        Ok(ctx.loader::<VisibleCaseLoader>()?.load_one(id).await?.map(AccountabilityCase))
    }
}
