//! The issue state machine of `docs/domain.md`: which step is allowed from which status, and where it
//! leads. Roles and departments are decided elsewhere (service/policy.rs).

use entity::enums::{IssueAction, IssueStatus};

/// A step in an issue's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Assign,
    Update,
    Supervise,
    LiftSupervision,
    StartRectification,
    RequestAcceptance,
    Accept,
    Reject,
    Close,
    Reopen,
    AddMilestone,
    CompleteMilestone,
    ReportProgress,
    RecordSiteInspection,
    RequestExtension,
    DecideExtension,
    AddEvidence,
    IssueReminder,
    AnswerReminder,
    EscalateReminder,
    PostInstruction,
    AnswerInstruction,
    DisputeAssignment,
    RuleOnDispute,
    RecordNoticeObjection,
    DismissObjection,
    UpholdObjection,
}

/// The events that count as a failed acceptance: a rejected request, and an objection to the
/// public notice found right (both send the issue back to work after the department said it
/// was done).
pub const FAILED_ACCEPTANCES: [IssueAction; 2] = [IssueAction::Rejected, IssueAction::ObjectionUpheld];

/// The events that make an assignment (the one a dispute is about).
pub const ASSIGNMENTS: [IssueAction; 2] = [IssueAction::Assigned, IssueAction::Reassigned];

/// Where a step leads, and the action its event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub to: IssueStatus,
    pub action: IssueAction,
}

impl Step {
    /// The outcome of taking this step from `from`, or `None` when the status forbids it.
    pub fn apply(self, from: IssueStatus) -> Option<Outcome> {
        use IssueStatus::*;
        let outcome = |to, action| Some(Outcome { to, action });
        match (self, from) {
            (Step::Assign, Reported) => outcome(Assigned, IssueAction::Assigned),
            (Step::Assign, Assigned | InProgress) => outcome(from, IssueAction::Reassigned),
            (Step::Update, Closed) => None,
            (Step::Update, _) => outcome(from, IssueAction::Updated),
            (Step::Supervise, Closed) => None,
            (Step::Supervise, _) => outcome(from, IssueAction::Supervised),
            (Step::LiftSupervision, _) => outcome(from, IssueAction::SupervisionLifted),
            (Step::StartRectification, Assigned) => outcome(InProgress, IssueAction::RectificationStarted),
            (Step::RequestAcceptance, InProgress) => outcome(AwaitingAcceptance, IssueAction::AcceptanceRequested),
            (Step::Accept, AwaitingAcceptance) => outcome(Accepted, IssueAction::Accepted),
            (Step::Reject, AwaitingAcceptance) => outcome(InProgress, IssueAction::Rejected),
            (Step::Close, Accepted) => outcome(Closed, IssueAction::Closed),
            (Step::Reopen, Accepted | Closed) => outcome(InProgress, IssueAction::Reopened),
            (Step::AddMilestone, Assigned | InProgress) => outcome(from, IssueAction::MilestoneAdded),
            (Step::CompleteMilestone, InProgress | AwaitingAcceptance) => {
                outcome(from, IssueAction::MilestoneCompleted)
            }
            (Step::ReportProgress, Assigned | InProgress | AwaitingAcceptance) => {
                outcome(from, IssueAction::ProgressReported)
            }
            // Inspectors look at a problem in any state, closed ones included (look-backs).
            (Step::RecordSiteInspection, _) => outcome(from, IssueAction::SiteInspected),
            (Step::RequestExtension, Assigned | InProgress) => outcome(from, IssueAction::ExtensionRequested),
            (Step::DecideExtension, Assigned | InProgress | AwaitingAcceptance) => {
                outcome(from, IssueAction::ExtensionDecided)
            }
            // Photos and documents may come at any time, look-backs of closed issues included.
            (Step::AddEvidence, _) => outcome(from, IssueAction::EvidenceAdded),
            // Slips chase work that is assigned and not yet accepted.
            (Step::IssueReminder, Assigned | InProgress | AwaitingAcceptance) => {
                outcome(from, IssueAction::ReminderIssued)
            }
            // A slip is answered and escalated whatever became of the issue since it was issued.
            (Step::AnswerReminder, _) => outcome(from, IssueAction::ReminderAnswered),
            (Step::EscalateReminder, _) => outcome(from, IssueAction::ReminderEscalated),
            // A leader steers work that is assigned and not yet closed (a closed issue is
            // reopened first).
            (Step::PostInstruction, Assigned | InProgress | AwaitingAcceptance | Accepted) => {
                outcome(from, IssueAction::InstructionPosted)
            }
            (Step::AnswerInstruction, _) => outcome(from, IssueAction::InstructionAnswered),
            // A lead department disputes before the work is done; a ruling may come later.
            (Step::DisputeAssignment, Assigned | InProgress) => outcome(from, IssueAction::AssignmentDisputed),
            (Step::RuleOnDispute, _) => outcome(from, IssueAction::DisputeRuled),
            // Objections come while the closure is on public notice; an upheld one sends the
            // issue back to work, as a rejected acceptance does.
            (Step::RecordNoticeObjection, Accepted) => outcome(from, IssueAction::NoticeObjectionRecorded),
            (Step::DismissObjection, _) => outcome(from, IssueAction::ObjectionDismissed),
            (Step::UpholdObjection, Accepted) => outcome(InProgress, IssueAction::ObjectionUpheld),
            _ => None,
        }
    }

    /// How the step is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Assign => "assign",
            Step::Update => "update",
            Step::Supervise => "list for supervision",
            Step::LiftSupervision => "lift supervision of",
            Step::StartRectification => "start rectification of",
            Step::RequestAcceptance => "request acceptance of",
            Step::Accept => "accept",
            Step::Reject => "reject",
            Step::Close => "close",
            Step::Reopen => "reopen",
            Step::AddMilestone => "add a milestone to",
            Step::CompleteMilestone => "complete a milestone of",
            Step::ReportProgress => "report progress on",
            Step::RecordSiteInspection => "record a site inspection of",
            Step::RequestExtension => "request a deadline extension for",
            Step::DecideExtension => "decide a deadline extension for",
            Step::AddEvidence => "add evidence to",
            Step::IssueReminder => "issue a slip about",
            Step::AnswerReminder => "answer a slip about",
            Step::EscalateReminder => "escalate a slip about",
            Step::PostInstruction => "post an instruction on",
            Step::AnswerInstruction => "answer an instruction on",
            Step::DisputeAssignment => "dispute the assignment of",
            Step::RuleOnDispute => "rule on a dispute about",
            Step::RecordNoticeObjection => "record an objection to the public notice of",
            Step::DismissObjection => "dismiss an objection about",
            Step::UpholdObjection => "uphold an objection about",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IssueStatus::*;

    const ALL: [IssueStatus; 6] = [Reported, Assigned, InProgress, AwaitingAcceptance, Accepted, Closed];

    /// The whole table: every step from every status, with the expected outcome.
    #[test]
    fn every_step_from_every_status_follows_the_lifecycle() {
        let allowed: &[(Step, IssueStatus, IssueStatus)] = &[
            (Step::Assign, Reported, Assigned),
            (Step::Assign, Assigned, Assigned),
            (Step::Assign, InProgress, InProgress),
            (Step::StartRectification, Assigned, InProgress),
            (Step::RequestAcceptance, InProgress, AwaitingAcceptance),
            (Step::Accept, AwaitingAcceptance, Accepted),
            (Step::Reject, AwaitingAcceptance, InProgress),
            (Step::Close, Accepted, Closed),
            (Step::Reopen, Accepted, InProgress),
            (Step::Reopen, Closed, InProgress),
        ];
        let steps = [
            Step::Assign,
            Step::StartRectification,
            Step::RequestAcceptance,
            Step::Accept,
            Step::Reject,
            Step::Close,
            Step::Reopen,
        ];
        for step in steps {
            for from in ALL {
                let expected = allowed.iter().find(|(s, f, _)| *s == step && *f == from).map(|(_, _, to)| *to);
                assert_eq!(step.apply(from).map(|o| o.to), expected, "{step:?} from {from:?}");
            }
        }
    }

    #[test]
    fn reassignment_is_recorded_as_such() {
        assert_eq!(Step::Assign.apply(Reported).unwrap().action, IssueAction::Assigned);
        assert_eq!(Step::Assign.apply(InProgress).unwrap().action, IssueAction::Reassigned);
    }

    #[test]
    fn a_closed_issue_cannot_be_edited_or_supervised() {
        assert!(Step::Update.apply(Closed).is_none());
        assert!(Step::Supervise.apply(Closed).is_none());
        assert!(Step::Update.apply(InProgress).is_some());
    }
}
