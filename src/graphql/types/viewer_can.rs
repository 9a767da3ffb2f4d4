//! `viewerCan`: what the viewer may do to a record now, one boolean per mutation, each the
//! answer of the same check the mutation runs first (`service::issue_checks` for issues,
//! `check_case_step` and `check_period_step` for cases and periods).

use async_graphql::{Context, SimpleObject};
use entity::{
    accountability_case, assessment_period, assignment_dispute, deadline_extension, instruction, issue, milestone,
    notice_objection, reminder,
};

use crate::domain::accountability::CaseStep;
use crate::domain::lifecycle::{ASSIGNMENTS, Step};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{
    CooperatorsLoader, DisputesLoader, ExtensionsLoader, InstructionsLoader, IssueEventsLoader, LeaderLoader,
    MilestonesLoader, NoticeObjectionsLoader, RemindersLoader, RequestLoader,
};
use crate::service::assessment::PeriodStep;
use crate::service::issue_checks::IssueFacts;

/// Whether a check let the step through. Refusals are answers; any other error (the
/// database) is the request's.
fn allowed(checked: AppResult<()>) -> AppResult<bool> {
    match checked {
        Ok(()) => Ok(true),
        Err(AppError::Forbidden(_) | AppError::InvalidTransition(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Declares a `viewerCan` type: one boolean per mutation, each declared once with the step
/// whose check decides it.
macro_rules! viewer_actions {
    (
        $(#[doc = $doc:literal])*
        struct $name:ident for $model:ty;
        check($ctx:ident, $record:ident, $step:ident) $check:block
        $($(#[doc = $field_doc:literal])* $field:ident: $value:expr,)*
    ) => {
        $(#[doc = $doc])*
        #[derive(SimpleObject, Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            $($(#[doc = $field_doc])* pub $field: bool,)*
        }

        impl $name {
            pub async fn of($ctx: &Context<'_>, $record: &$model) -> AppResult<Self> {
                Ok(Self { $($field: { let $step = $value; allowed($check)? },)* })
            }
        }
    };
}

viewer_actions! {
    /// What the viewer may do to the issue now, one field per mutation: `true` exactly when
    /// the mutation would pass its checks of role, relation to the issue (lead,
    /// cooperating, leader in charge), status and state (a running public notice, a
    /// request awaiting a decision). Input is not judged: a mutation allowed here can still
    /// refuse a bad argument. The answer is as of the request; another user's change may
    /// come first (the mutation then answers INVALID_TRANSITION or CONFLICT).
    struct IssueActions for issue::Model;
    check(ctx, issue, step) {
        let facts = LoadedFacts { ctx, issue };
        ctx.services()?.check_issue_step(ctx.principal()?, step, issue, &facts).await
    }
    /// `assignIssue`: assign or reassign the lead department, cooperating units and deadline.
    assign: Step::Assign,
    /// `updateIssue`: correct the issue's description, place, severity or category.
    update: Step::Update,
    /// `superviseIssue`: list the issue for special supervision.
    supervise: Step::Supervise,
    /// `liftSupervision`: take the issue off the supervision list.
    lift_supervision: Step::LiftSupervision,
    /// `startRectification`: the lead department starts work with its plan.
    start: Step::StartRectification,
    /// `requestAcceptance`: the lead department reports the work done and asks for acceptance.
    request_acceptance: Step::RequestAcceptance,
    /// `acceptRectification`: accept the rectification after checking it.
    accept: Step::Accept,
    /// `rejectRectification`: send the rectification back to work.
    reject: Step::Reject,
    /// `closeIssue`: close (销号) the accepted issue once its public notice is over.
    close: Step::Close,
    /// `reopenIssue`: reopen an accepted or closed issue whose problem is back.
    reopen: Step::Reopen,
    /// `addMilestone`: add a milestone to the plan.
    add_milestone: Step::AddMilestone,
    /// `completeMilestone`: mark a pending milestone of the issue done.
    complete_milestone: Step::CompleteMilestone,
    /// `submitProgressReport`: report progress (the lead or a cooperating department).
    report_progress: Step::ReportProgress,
    /// `recordSiteInspection` with this issue: record what was found on site.
    record_site_inspection: Step::RecordSiteInspection,
    /// `uploadEvidence` with this issue: add a photo or document.
    upload_evidence: Step::AddEvidence,
    /// `requestDeadlineExtension`: ask for a later deadline (none may be pending).
    request_extension: Step::RequestExtension,
    /// `decideDeadlineExtension`: approve or reject the extension request pending on the issue.
    decide_extension: Step::DecideExtension,
    /// `issueReminder`: send the responsible departments a reminder or supervision slip.
    issue_reminder: Step::IssueReminder,
    /// `replyToReminder`: answer a slip about the issue addressed to the viewer's department.
    reply_to_reminder: Step::AnswerReminder,
    /// `postInstruction`: post a leader's written instruction.
    post_instruction: Step::PostInstruction,
    /// `replyToInstruction`: answer an instruction on the issue that awaits an answer.
    reply_to_instruction: Step::AnswerInstruction,
    /// `disputeAssignment`: the lead department disputes its assignment.
    dispute_assignment: Step::DisputeAssignment,
    /// `ruleOnDispute`: rule on the dispute about the issue that awaits a ruling.
    rule_on_dispute: Step::RuleOnDispute,
    /// `recordNoticeObjection`: record an objection received during the public notice.
    record_notice_objection: Step::RecordNoticeObjection,
    /// `resolveNoticeObjection`: resolve an unresolved objection to the issue's public notice
    /// (dismiss it; upholding also needs the objection to be to the current acceptance).
    resolve_notice_objection: Step::DismissObjection,
}

viewer_actions! {
    /// What the viewer may do to the case now, one field per mutation: `true` exactly when
    /// the mutation would pass its checks of role, relation (the department the case is
    /// about) and status. Input is not judged.
    struct CaseActions for accountability_case::Model;
    check(ctx, case, step) { ctx.services()?.check_case_step(ctx.principal()?, step, case) }
    /// `startCaseInvestigation`.
    start_investigation: CaseStep::StartInvestigation,
    /// `fileCaseStatement`: the subject department's one statement, while investigated.
    file_statement: CaseStep::FileStatement,
    /// `decideAccountabilityCase`.
    decide: CaseStep::Decide,
    /// `closeAccountabilityCase`.
    close: CaseStep::Close,
    /// `dismissAccountabilityCase`.
    dismiss: CaseStep::Dismiss,
}

viewer_actions! {
    /// What the viewer may do to the assessment period now, one field per mutation: `true`
    /// exactly when the mutation would pass its checks of role, status and (to finalize) the
    /// period being over. Input is not judged.
    struct PeriodActions for assessment_period::Model;
    check(ctx, period, step) { ctx.services()?.check_period_step(ctx.principal()?, step, period) }
    /// `updateScoringRules`.
    update_scoring_rules: PeriodStep::UpdateRules,
    /// `vetoDepartment`.
    veto_department: PeriodStep::Veto,
    /// `computeAssessment`.
    compute: PeriodStep::Compute,
    /// `finalizeAssessmentPeriod`.
    finalize: PeriodStep::Finalize,
}

/// An issue's facts through the request's loaders: a page of issues asking `viewerCan` reads
/// each relation in one statement.
struct LoadedFacts<'a> {
    ctx: &'a Context<'a>,
    issue: &'a issue::Model,
}

fn loader_error(error: async_graphql::Error) -> AppError {
    AppError::internal(anyhow::anyhow!("loading an issue's facts: {}", error.message))
}

impl LoadedFacts<'_> {
    async fn rows<L, V>(&self) -> AppResult<Vec<V>>
    where
        L: async_graphql::dataloader::Loader<i64, Value = Vec<V>, Error = async_graphql::Error> + RequestLoader,
        V: Clone + Send + Sync + 'static,
    {
        Ok(self.ctx.loader::<L>()?.load_one(self.issue.id).await.map_err(loader_error)?.unwrap_or_default())
    }
}

impl IssueFacts for LoadedFacts<'_> {
    async fn cooperating(&self) -> AppResult<Vec<i64>> {
        self.rows::<CooperatorsLoader, _>().await
    }

    async fn leader_in_charge(&self) -> AppResult<Option<String>> {
        let Some(id) = self.issue.leader_user_id else { return Ok(None) };
        let leader = self.ctx.loader::<LeaderLoader>()?.load_one(id).await.map_err(loader_error)?;
        Ok(leader.map(|user| user.username))
    }

    async fn last_assignment_event(&self) -> AppResult<Option<i64>> {
        let events = self.rows::<IssueEventsLoader, _>().await?;
        Ok(events.iter().filter(|event| ASSIGNMENTS.contains(&event.action)).map(|event| event.id).max())
    }

    async fn disputes(&self) -> AppResult<Vec<assignment_dispute::Model>> {
        self.rows::<DisputesLoader, _>().await
    }

    async fn extensions(&self) -> AppResult<Vec<deadline_extension::Model>> {
        self.rows::<ExtensionsLoader, _>().await
    }

    async fn objections(&self) -> AppResult<Vec<notice_objection::Model>> {
        self.rows::<NoticeObjectionsLoader, _>().await
    }

    async fn slips(&self) -> AppResult<Vec<reminder::Model>> {
        self.rows::<RemindersLoader, _>().await
    }

    async fn instructions(&self) -> AppResult<Vec<instruction::Model>> {
        self.rows::<InstructionsLoader, _>().await
    }

    async fn milestones(&self) -> AppResult<Vec<milestone::Model>> {
        self.rows::<MilestonesLoader, _>().await
    }
}
