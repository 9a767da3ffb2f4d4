//! Registering issues and walking them through their lifecycle.

use async_graphql::{Context, ID, InputObject, Object};

use super::field_work::request_key;
use super::{in_input, payload};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::enums::{Severity, SupervisionLevel};
use crate::graphql::types::issue::Issue;
use crate::graphql::types::scalars::Date;
use crate::service::field_work::MilestonePlan;
use crate::service::issue_lifecycle::{
    Acceptance, Assignment, IssueChanges, NewIssue, StartInput, StepInput, Supervision,
};

/// A problem from an inspection team's list.
#[derive(InputObject)]
pub struct RegisterIssueInput {
    /// The feedback number; unique.
    pub code: String,
    /// A one-line title.
    pub title: String,
    /// The problem as the inspection team described it.
    pub description: String,
    /// The inspection round that found it.
    pub round_id: ID,
    /// Its category.
    pub category_id: ID,
    /// General or major.
    pub severity: Severity,
    /// Where it is, in words.
    pub location: Option<String>,
    /// The township it lies in.
    pub township_id: Option<ID>,
    /// Latitude (WGS 84); give it with `longitude`.
    pub latitude: Option<f64>,
    /// Longitude (WGS 84); give it with `latitude`.
    pub longitude: Option<f64>,
    /// Whether fixing it needs engineering works.
    #[graphql(default = false)]
    pub requires_engineering: bool,
    /// The enterprise responsible for the problem, if any.
    pub enterprise_id: Option<ID>,
    /// The site inspection of a suspected problem this issue is registered from; it is linked.
    pub site_inspection_id: Option<ID>,
    /// Any string of 1–255 characters unique to this request; a retry with it registers once
    /// and answers the issue the first request registered, though its code is now taken.
    pub idempotency_key: Option<String>,
}

/// Who is responsible, by when. Assigning again reassigns.
#[derive(InputObject)]
pub struct AssignIssueInput {
    /// The issue.
    pub issue_id: ID,
    /// The lead unit. The bureau may lead only where the category names it as duty department.
    pub lead_department_id: ID,
    /// Cooperating units (not the lead).
    #[graphql(default)]
    pub cooperating_department_ids: Vec<ID>,
    /// The last day for the rectification, county time.
    pub deadline: Date,
    /// The county leader in charge, by name. Required unless `leaderId` is given (then it
    /// defaults to that user's display name, or username).
    pub leader_name: Option<String>,
    /// The LEADER user in charge (a local user, active): they may post instructions on the
    /// issue and find it with `IssueFilter.leaderId`.
    pub leader_id: Option<ID>,
    /// If given, the version you last read (CONFLICT when the issue changed since).
    pub expected_version: Option<i32>,
}

/// Edits to an issue's description; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateIssueInput {
    /// The issue.
    pub issue_id: ID,
    /// The version you last read; a newer one means someone else changed it (CONFLICT).
    pub expected_version: i32,
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new location text (an empty string clears it).
    pub location: Option<String>,
    /// A new latitude; give it with `longitude`.
    pub latitude: Option<f64>,
    /// A new longitude; give it with `latitude`.
    pub longitude: Option<f64>,
    /// A new severity.
    pub severity: Option<Severity>,
    /// A new category.
    pub category_id: Option<ID>,
    /// Whether engineering works are needed.
    pub requires_engineering: Option<bool>,
    /// The enterprise responsible for the problem.
    pub enterprise_id: Option<ID>,
}

/// Lists an issue for special supervision (or changes its listing).
#[derive(InputObject)]
pub struct SuperviseIssueInput {
    /// The issue.
    pub issue_id: ID,
    /// County, city or province.
    pub level: SupervisionLevel,
    /// The supervision's own deadline.
    pub deadline: Date,
    /// Why it is listed.
    pub note: Option<String>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// Lifts an issue's supervision listing.
#[derive(InputObject)]
pub struct LiftSupervisionInput {
    /// The issue.
    pub issue_id: ID,
    /// Why it is lifted.
    pub note: Option<String>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The lead department starts work on an assigned issue.
#[derive(InputObject)]
pub struct StartRectificationInput {
    /// The issue.
    pub issue_id: ID,
    /// The rectification plan's summary: measures, target, timetable.
    pub plan: String,
    /// The plan's timetable (整改时间表): its milestones.
    #[graphql(default)]
    pub milestones: Vec<super::MilestoneInput>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The lead department reports the work done and asks the bureau to check it.
#[derive(InputObject)]
pub struct RequestAcceptanceInput {
    /// The issue.
    pub issue_id: ID,
    /// What was done.
    pub summary: String,
    /// The proof: at least one evidence item of this issue (uploaded first with `uploadEvidence`).
    pub evidence_ids: Vec<ID>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The bureau accepts a rectification after checking it on site.
#[derive(InputObject)]
pub struct AcceptRectificationInput {
    /// The issue.
    pub issue_id: ID,
    /// The acceptance opinion.
    pub opinion: String,
    /// Days of public notice before the issue may be closed (0 to 90; 0 allows closing at once).
    #[graphql(default = 7)]
    pub notice_days: i32,
    /// The site inspection of this issue that checked the fix, if any.
    pub site_inspection_id: Option<ID>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The bureau sends a claimed rectification back; work goes on.
#[derive(InputObject)]
pub struct RejectRectificationInput {
    /// The issue.
    pub issue_id: ID,
    /// Why it failed.
    pub reason: String,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The bureau strikes an accepted issue off the ledger, once its notice has run.
#[derive(InputObject)]
pub struct CloseIssueInput {
    /// The issue.
    pub issue_id: ID,
    /// A closing note.
    pub note: Option<String>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The bureau reopens an accepted or closed issue that came back (a relapse).
#[derive(InputObject)]
pub struct ReopenIssueInput {
    /// The issue.
    pub issue_id: ID,
    /// What was found.
    pub reason: String,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

payload!(RegisterIssuePayload, issue, Issue, "The issue just registered.");
payload!(AssignIssuePayload, issue, Issue, "The issue as assigned.");
payload!(UpdateIssuePayload, issue, Issue, "The issue as edited.");
payload!(SuperviseIssuePayload, issue, Issue, "The issue as listed.");
payload!(LiftSupervisionPayload, issue, Issue, "The issue with its listing lifted.");
payload!(StartRectificationPayload, issue, Issue, "The issue, now in progress.");
payload!(RequestAcceptancePayload, issue, Issue, "The issue, now awaiting acceptance.");
payload!(AcceptRectificationPayload, issue, Issue, "The issue, now accepted.");
payload!(RejectRectificationPayload, issue, Issue, "The issue, back in progress.");
payload!(CloseIssuePayload, issue, Issue, "The issue, now closed.");
payload!(ReopenIssuePayload, issue, Issue, "The issue, back in progress.");

fn issue_id(id: &ID) -> AppResult<i64> {
    in_input(ids::expect(id, NodeKind::Issue, "issueId"))
}

fn step(id: &ID, text: Option<String>, expected_version: Option<i32>) -> AppResult<StepInput> {
    Ok(StepInput { issue_id: issue_id(id)?, text, expected_version })
}

#[derive(Default)]
pub struct IssueMutation;

#[Object]
impl IssueMutation {
    /// Registers a problem in status REPORTED (BUREAU).
    async fn register_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RegisterIssueInput,
    ) -> async_graphql::Result<RegisterIssuePayload> {
        let new = NewIssue {
            code: input.code,
            title: input.title,
            description: input.description,
            round_id: in_input(ids::expect(&input.round_id, NodeKind::InspectionRound, "roundId"))?,
            category_id: in_input(ids::expect(&input.category_id, NodeKind::Category, "categoryId"))?,
            severity: input.severity.into(),
            location: input.location,
            township_id: in_input(ids::expect_opt(input.township_id.as_ref(), NodeKind::Department, "townshipId"))?,
            latitude: input.latitude,
            longitude: input.longitude,
            requires_engineering: input.requires_engineering,
            enterprise_id: in_input(ids::expect_opt(
                input.enterprise_id.as_ref(),
                NodeKind::Enterprise,
                "enterpriseId",
            ))?,
            site_inspection_id: in_input(ids::expect_opt(
                input.site_inspection_id.as_ref(),
                NodeKind::SiteInspection,
                "siteInspectionId",
            ))?,
        };
        let key = request_key(input.idempotency_key.as_deref(), "registerIssue", &new)?;
        let issue = in_input(ctx.services()?.register_issue(ctx.principal()?, new, key).await)?;
        Ok(RegisterIssuePayload { issue: Issue(issue) })
    }

    /// Assigns (or reassigns) the lead unit, cooperating units, deadline and leader (BUREAU).
    async fn assign_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: AssignIssueInput,
    ) -> async_graphql::Result<AssignIssuePayload> {
        let assignment = Assignment {
            issue_id: issue_id(&input.issue_id)?,
            lead_department_id: in_input(ids::expect(
                &input.lead_department_id,
                NodeKind::Department,
                "leadDepartmentId",
            ))?,
            cooperating_department_ids: in_input(ids::expect_many(
                &input.cooperating_department_ids,
                NodeKind::Department,
                "cooperatingDepartmentIds",
            ))?,
            deadline: input.deadline.0,
            leader_name: input.leader_name,
            leader_user_id: in_input(ids::expect_opt(input.leader_id.as_ref(), NodeKind::User, "leaderId"))?,
            expected_version: input.expected_version,
        };
        let issue = in_input(ctx.services()?.assign_issue(ctx.principal()?, assignment).await)?;
        Ok(AssignIssuePayload { issue: Issue(issue) })
    }

    /// Edits an issue's description, place, severity or category (BUREAU).
    async fn update_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: UpdateIssueInput,
    ) -> async_graphql::Result<UpdateIssuePayload> {
        let changes = IssueChanges {
            issue_id: issue_id(&input.issue_id)?,
            expected_version: input.expected_version,
            title: input.title,
            description: input.description,
            location: input.location,
            latitude: input.latitude,
            longitude: input.longitude,
            severity: input.severity.map(Into::into),
            category_id: in_input(ids::expect_opt(input.category_id.as_ref(), NodeKind::Category, "categoryId"))?,
            requires_engineering: input.requires_engineering,
            enterprise_id: in_input(ids::expect_opt(
                input.enterprise_id.as_ref(),
                NodeKind::Enterprise,
                "enterpriseId",
            ))?,
        };
        let issue = in_input(ctx.services()?.update_issue(ctx.principal()?, changes).await)?;
        Ok(UpdateIssuePayload { issue: Issue(issue) })
    }

    /// Lists an issue for special supervision (BUREAU).
    async fn supervise_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: SuperviseIssueInput,
    ) -> async_graphql::Result<SuperviseIssuePayload> {
        let supervision = Supervision {
            issue_id: issue_id(&input.issue_id)?,
            level: input.level.into(),
            deadline: input.deadline.0,
            note: input.note,
            expected_version: input.expected_version,
        };
        let issue = in_input(ctx.services()?.supervise_issue(ctx.principal()?, supervision).await)?;
        Ok(SuperviseIssuePayload { issue: Issue(issue) })
    }

    /// Lifts an issue's supervision listing (BUREAU).
    async fn lift_supervision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: LiftSupervisionInput,
    ) -> async_graphql::Result<LiftSupervisionPayload> {
        let step = step(&input.issue_id, input.note, input.expected_version)?;
        let issue = in_input(ctx.services()?.lift_supervision(ctx.principal()?, step).await)?;
        Ok(LiftSupervisionPayload { issue: Issue(issue) })
    }

    /// Starts rectification with a plan: ASSIGNED → IN_PROGRESS (the lead DEPARTMENT).
    async fn start_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: StartRectificationInput,
    ) -> async_graphql::Result<StartRectificationPayload> {
        let start = StartInput {
            issue_id: issue_id(&input.issue_id)?,
            plan: input.plan,
            milestones: input
                .milestones
                .into_iter()
                .map(|m| MilestonePlan { title: m.title, due_on: m.due_on.0 })
                .collect(),
            expected_version: input.expected_version,
        };
        let issue = in_input(ctx.services()?.start_rectification(ctx.principal()?, start).await)?;
        Ok(StartRectificationPayload { issue: Issue(issue) })
    }

    /// Asks the bureau to check the work: IN_PROGRESS → AWAITING_ACCEPTANCE (the lead DEPARTMENT).
    async fn request_acceptance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RequestAcceptanceInput,
    ) -> async_graphql::Result<RequestAcceptancePayload> {
        let step = step(&input.issue_id, Some(input.summary), input.expected_version)?;
        let evidence = super::field_work::evidence_ids(&input.evidence_ids)?;
        let issue = in_input(ctx.services()?.request_acceptance(ctx.principal()?, step, &evidence).await)?;
        Ok(RequestAcceptancePayload { issue: Issue(issue) })
    }

    /// Accepts the rectification and starts the public notice: AWAITING_ACCEPTANCE → ACCEPTED (BUREAU).
    async fn accept_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: AcceptRectificationInput,
    ) -> async_graphql::Result<AcceptRectificationPayload> {
        let acceptance = Acceptance {
            issue_id: issue_id(&input.issue_id)?,
            opinion: input.opinion,
            notice_days: input.notice_days,
            site_inspection_id: in_input(ids::expect_opt(
                input.site_inspection_id.as_ref(),
                NodeKind::SiteInspection,
                "siteInspectionId",
            ))?,
            expected_version: input.expected_version,
        };
        let issue = in_input(ctx.services()?.accept_rectification(ctx.principal()?, acceptance).await)?;
        Ok(AcceptRectificationPayload { issue: Issue(issue) })
    }

    /// Rejects the rectification: AWAITING_ACCEPTANCE → IN_PROGRESS (BUREAU).
    async fn reject_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RejectRectificationInput,
    ) -> async_graphql::Result<RejectRectificationPayload> {
        let step = step(&input.issue_id, Some(input.reason), input.expected_version)?;
        let issue = in_input(ctx.services()?.reject_rectification(ctx.principal()?, step).await)?;
        Ok(RejectRectificationPayload { issue: Issue(issue) })
    }

    /// Closes (销号) an accepted issue once its public notice has run: ACCEPTED → CLOSED (BUREAU).
    async fn close_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CloseIssueInput,
    ) -> async_graphql::Result<CloseIssuePayload> {
        let step = step(&input.issue_id, input.note, input.expected_version)?;
        let issue = in_input(ctx.services()?.close_issue(ctx.principal()?, step).await)?;
        Ok(CloseIssuePayload { issue: Issue(issue) })
    }

    /// Reopens a relapsed issue: ACCEPTED or CLOSED → IN_PROGRESS, counting a relapse (BUREAU).
    async fn reopen_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: ReopenIssueInput,
    ) -> async_graphql::Result<ReopenIssuePayload> {
        let step = step(&input.issue_id, Some(input.reason), input.expected_version)?;
        let issue = in_input(ctx.services()?.reopen_issue(ctx.principal()?, step).await)?;
        Ok(ReopenIssuePayload { issue: Issue(issue) })
    }
}
