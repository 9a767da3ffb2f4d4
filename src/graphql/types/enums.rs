//! The enumerations of the contract, mirrored from the stored ones.

use async_graphql::Enum;
use entity::enums as stored;

/// What a user may do; carried in the token's `role` claim.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::Role")]
pub enum Role {
    /// System administrator: users and departments, no rectification decisions.
    Admin,
    /// The coordinating bureau: registers, assigns, supervises, accepts, closes and reopens.
    Bureau,
    /// A county leader in charge of problems: reads everything, rules on disputes.
    Leader,
    /// A responsible department or township: works on the problems it leads.
    Department,
    /// A field inspector: reads problems, records site inspections.
    Inspector,
    /// A superior agency (city, province): reads everything, never writes.
    Superior,
}

/// What kind of unit a department is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::DepartmentKind")]
pub enum DepartmentKind {
    /// The coordinating bureau (rectification office).
    Bureau,
    /// A functional department of the county government.
    Functional,
    /// A township or town government.
    Township,
}

/// The level of the body that ran an inspection.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::InspectionLevel")]
pub enum InspectionLevel {
    /// The central inspection team.
    Central,
    /// A provincial inspection team.
    Provincial,
    /// A municipal inspection team.
    Municipal,
    /// The county's own inspection.
    County,
}

/// The kind of an inspection round.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::InspectionKind")]
pub enum InspectionKind {
    /// A regular round.
    Routine,
    /// A special inspection on one subject.
    Special,
    /// A look-back re-inspection (回头看) of earlier findings.
    LookBack,
}

/// How serious a problem is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::Severity")]
pub enum Severity {
    /// An ordinary problem.
    General,
    /// A major problem ("hard bone"); overdue as lead unit vetoes the assessment.
    Major,
}

/// Where an issue stands in its lifecycle.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::IssueStatus")]
pub enum IssueStatus {
    /// Registered by the bureau, not yet assigned.
    Reported,
    /// Assigned to a lead department with a deadline.
    Assigned,
    /// The lead department is rectifying it.
    InProgress,
    /// The lead department has asked the bureau to check the rectification.
    AwaitingAcceptance,
    /// The bureau accepted the rectification; the public notice runs.
    Accepted,
    /// Struck off the ledger (销号).
    Closed,
}

/// The level at which an issue is listed for special supervision.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::SupervisionLevel")]
pub enum SupervisionLevel {
    /// Listed by the county.
    County,
    /// Listed by the city.
    Municipal,
    /// Listed by the province.
    Provincial,
}

/// A deadline an issue can be overdue on.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::clock::DeadlineKind")]
pub enum DeadlineKind {
    /// The rectification deadline (`Issue.deadline`).
    Deadline,
    /// The deadline of the special-supervision listing (`Issue.supervision.deadline`).
    SupervisionDeadline,
}

/// What an issue event records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::IssueAction")]
pub enum IssueAction {
    /// The issue was registered.
    Registered,
    /// The issue was first assigned.
    Assigned,
    /// The lead, cooperating units, deadline or leader were changed.
    Reassigned,
    /// Descriptive fields were edited.
    Updated,
    /// The issue was listed for special supervision (or its listing changed).
    Supervised,
    /// The supervision listing was lifted.
    SupervisionLifted,
    /// The lead department started rectification with a plan.
    RectificationStarted,
    /// The lead department asked for acceptance.
    AcceptanceRequested,
    /// The bureau accepted the rectification.
    Accepted,
    /// The bureau rejected the rectification; work goes on.
    Rejected,
    /// The bureau closed the issue.
    Closed,
    /// The bureau reopened the issue (a relapse).
    Reopened,
    /// The lead department added a milestone to the plan.
    MilestoneAdded,
    /// The lead department completed a milestone.
    MilestoneCompleted,
    /// A responsible department reported progress.
    ProgressReported,
    /// An inspector or the bureau recorded a site inspection.
    SiteInspected,
    /// The lead department asked for a later deadline.
    ExtensionRequested,
    /// A leader or the bureau approved or rejected a deadline extension.
    ExtensionDecided,
    /// A photo or document was uploaded as evidence.
    EvidenceAdded,
    /// A reminder or supervision slip was issued to a department (the note names its number).
    ReminderIssued,
    /// The addressed department answered a slip.
    ReminderAnswered,
    /// A slip went unanswered past its reply date and was escalated to the leaders.
    ReminderEscalated,
    /// A leader posted a written instruction (批示) to the lead department (the note holds it).
    InstructionPosted,
    /// The lead department answered a leader's instruction (the note holds the answer).
    InstructionAnswered,
    /// The lead department disputed its assignment (the note holds the reason).
    AssignmentDisputed,
    /// A leader ruled on an assignment dispute: upheld, or reassigned (then a `REASSIGNED`
    /// event follows).
    DisputeRuled,
    /// The bureau recorded an objection to the public notice (the note holds its source and
    /// content; the event cites its evidence).
    NoticeObjectionRecorded,
    /// The bureau found an objection unfounded.
    ObjectionDismissed,
    /// The bureau found an objection right: the issue went back to `IN_PROGRESS`, and it counts
    /// as a failed acceptance.
    ObjectionUpheld,
    /// A look-back campaign sampled the closed issue for a check on site (the note names it).
    LookBackSampled,
}

/// What a look-back check found on site.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::LookBackOutcome")]
pub enum LookBackOutcome {
    /// The fix holds.
    Holds,
    /// The problem is back: the issue is reopened as a relapse.
    Relapsed,
}

/// Whether a plan milestone is done.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::MilestoneStatus")]
pub enum MilestoneStatus {
    /// Not done yet.
    Pending,
    /// Done.
    Done,
}

/// What a piece of evidence shows.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::EvidenceKind")]
pub enum EvidenceKind {
    /// A photo of the problem before rectification.
    PhotoBefore,
    /// A photo after rectification.
    PhotoAfter,
    /// A document (a plan, a report, a letter).
    Document,
    /// A monitoring or test report.
    MonitoringReport,
    /// A decision imposing an administrative penalty.
    PenaltyDecision,
    /// Anything else.
    Other,
}

/// What a site inspection found.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::SiteInspectionResult")]
pub enum SiteInspectionResult {
    /// The site complies.
    Compliant,
    /// The site does not comply.
    NonCompliant,
    /// Another visit is needed.
    NeedsFollowUp,
}

/// Where a deadline extension request stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::ExtensionStatus")]
pub enum ExtensionStatus {
    /// Waiting for a leader or the bureau.
    Pending,
    /// Approved: the deadline moved.
    Approved,
    /// Rejected: the deadline stands.
    Rejected,
}

/// The sort key of an issue list.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOrderField {
    /// The issue's code.
    Code,
    /// When the issue was registered.
    CreatedAt,
    /// When the issue last changed (for incremental sync).
    UpdatedAt,
    /// The deadline; issues without one come after every dated one.
    Deadline,
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// Who an accountability case is against.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::AccountabilitySubjectType")]
pub enum AccountabilitySubjectType {
    /// A department or township as a whole.
    Department,
    /// A named official of a department.
    Official,
    /// A polluting enterprise.
    Enterprise,
}

/// Why a case is opened (the wording of the county speech).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::AccountabilityGround")]
pub enum AccountabilityGround {
    /// 工作不力: poor performance.
    PoorPerformance,
    /// 措施落实不到位: measures not implemented.
    MeasuresNotImplemented,
    /// 完不成任务: task not completed.
    TaskNotCompleted,
    /// 搞变通: working around the rules.
    Workaround,
    /// 打折扣: cutting corners.
    CuttingCorners,
    /// 推诿扯皮: passing the buck.
    BuckPassing,
    /// 表面/敷衍整改: fake or perfunctory rectification.
    FakeRectification,
    /// 严重违法: a serious violation of the law.
    SeriousViolation,
    /// 屡查屡犯: offending again; added by itself for repeat offenders.
    RepeatViolation,
}

/// What a decided case imposes. The first six are for departments and officials, the rest
/// for enterprises.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::AccountabilityMeasure")]
pub enum AccountabilityMeasure {
    /// 约谈: an admonishment talk.
    AdmonishmentTalk,
    /// 通报批评: circulated criticism.
    CirculatedCriticism,
    /// 诫勉: an admonition.
    Admonition,
    /// 组织处理: organizational handling.
    OrganizationalHandling,
    /// 党纪政务处分: a disciplinary sanction (vetoes the assessment).
    DisciplinarySanction,
    /// 移送司法机关: referral to the judiciary (vetoes the assessment).
    JudicialReferral,
    /// 责令整改: an order to rectify.
    OrderToRectify,
    /// 罚款: a fine; needs `amount`.
    Fine,
    /// 按日连续处罚: a daily fine; needs `dailyAmount` and `startsOn`.
    DailyFine,
    /// 查封扣押: sealing and seizure.
    SealAndSeize,
    /// 限产: restricted production.
    ProductionRestriction,
    /// 停产整治: production suspended for rectification.
    ProductionSuspension,
    /// 责令关闭: ordered closure.
    Closure,
    /// 移送公安: referral to the police.
    PoliceReferral,
}

/// Where a case stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::CaseStatus")]
pub enum CaseStatus {
    /// Opened by the bureau.
    Open,
    /// Under investigation; the subject department may file its statement.
    Investigating,
    /// Decided, with its measures.
    Decided,
    /// Closed after the decision was carried out.
    Closed,
    /// Dismissed without a decision.
    Dismissed,
}

/// What a case event records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::CaseAction")]
pub enum CaseAction {
    /// The case was opened.
    Opened,
    /// The investigation started.
    InvestigationStarted,
    /// The subject department filed its statement.
    StatementFiled,
    /// The case was decided.
    Decided,
    /// The case was closed.
    Closed,
    /// The case was dismissed.
    Dismissed,
}

/// Whether an assessment period can still change.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::AssessmentPeriodStatus")]
pub enum AssessmentPeriodStatus {
    /// Rules may be edited and results recomputed.
    Open,
    /// Results and rules are frozen.
    Finalized,
}

/// A department's grade.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::AssessmentGrade")]
pub enum AssessmentGrade {
    /// At or above `excellentFrom` (default 90).
    Excellent,
    /// At or above `goodFrom` (default 75).
    Good,
    /// At or above `passFrom` (default 60).
    Pass,
    /// Below `passFrom`, or vetoed whatever the score.
    Fail,
}

/// What kind of line an assessment item is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::scoring::ItemKind")]
pub enum AssessmentItemKind {
    /// Points taken off.
    Deduction,
    /// Points added.
    Bonus,
    /// A one-vote veto: the department fails whatever its score.
    Veto,
}

/// The rule an assessment item applies.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::scoring::Rule")]
pub enum AssessmentRule {
    /// An issue led by the department was overdue (`overdueAsLead`).
    OverdueAsLead,
    /// An issue the department cooperates on was overdue (`overdueAsCooperating`).
    OverdueAsCooperating,
    /// A rectification failed acceptance (`failedAcceptance`).
    FailedAcceptance,
    /// A closed issue relapsed (`relapse`).
    Relapse,
    /// A reminder or supervision slip was not answered by its reply date (`unansweredReminder`).
    UnansweredReminder,
    /// A decided case imposed a measure on the department or its official.
    CaseMeasure,
    /// An issue was accepted on time (`onTimeBonus`).
    OnTimeCompletion,
    /// Veto: a major or supervised issue was overdue as lead unit.
    MajorOrSupervisedOverdue,
    /// Veto: a closed issue relapsed.
    RelapseVeto,
    /// Veto: a disciplinary sanction or judicial referral.
    HeavySanction,
    /// Veto: the score fell below the floor.
    BelowFloor,
    /// Veto: recorded by the bureau with a written reason.
    ManualVeto,
}

/// An issue's warning light (预警), from the most serious down: RED overdue, YELLOW behind its
/// plan, BLUE a deadline near, GREEN on track or completed. `Issue.warningReasons` says why.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::warning::WarningLight")]
pub enum WarningLight {
    /// Completed, on track, or without a deadline yet.
    Green,
    /// The deadline or the supervision deadline is today or within the county's warning days
    /// (`RECTIFY_WARNING_DAYS`, 7 unless set).
    Blue,
    /// Behind its plan while the lead department works on it: a milestone past its date and not
    /// done, or reported progress at least 30 percentage points behind the share of the time to
    /// the deadline already elapsed since the assignment.
    Yellow,
    /// Overdue on the deadline or the supervision deadline.
    Red,
}

/// The kind of a supervision slip.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::ReminderKind")]
pub enum ReminderKind {
    /// A reminder slip (催办单), numbered `CB-YYYY-NNNN`: the work is late or at risk.
    Reminder,
    /// A supervision slip (督办单), numbered `DB-YYYY-NNNN`: a formal notice that must be
    /// answered in writing.
    SupervisionNotice,
}

/// What a notification tells.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::NotificationKind")]
pub enum NotificationKind {
    /// A deadline (or supervision deadline) is 7, 3 or 1 days away.
    DeadlineNear,
    /// The issue passed a deadline.
    Overdue,
    /// A slip was issued to the department.
    ReminderIssued,
    /// A slip you issued was answered.
    ReminderAnswered,
    /// A slip went unanswered past its reply date.
    ReminderEscalated,
    /// A leader posted an instruction to the department.
    InstructionPosted,
    /// An instruction you posted was answered.
    InstructionAnswered,
    /// A lead department disputed its assignment, for a leader to rule on.
    AssignmentDisputed,
    /// A leader ruled on the department's dispute.
    DisputeRuled,
    /// Someone objected to the public notice of an issue the department leads.
    NoticeObjectionRecorded,
    /// The bureau resolved an objection about an issue the department leads.
    ObjectionResolved,
}

/// How the bureau resolved an objection to a public notice.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::ObjectionOutcome")]
pub enum ObjectionOutcome {
    /// Unfounded: the closure may go ahead once no other objection is open.
    Dismissed,
    /// Founded: the issue goes back to `IN_PROGRESS`; it counts as a failed acceptance.
    Upheld,
}

/// A leader's ruling on an assignment dispute.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::DisputeDecision")]
pub enum DisputeDecision {
    /// The assignment stands; the department stays lead.
    Uphold,
    /// Another department is made lead, by the rules of `assignIssue`.
    Reassign,
}

/// Where a webhook delivery stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (`nextAttemptAt`).
    Pending,
    /// Being sent by a server now.
    Sending,
    /// The gateway answered with a 2xx status.
    Delivered,
    /// Given up after the last attempt, or its webhook was deleted.
    Failed,
}

/// Where a project application stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::ProjectApplicationStatus")]
pub enum ProjectApplicationStatus {
    /// Registered, not yet decided.
    Pending,
    /// Approved by the bureau.
    Approved,
    /// Refused by the bureau.
    Refused,
}

/// What an entry of a project application's history records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stored::ProjectApplicationAction")]
pub enum ProjectApplicationAction {
    /// The bureau registered the application.
    Registered,
    /// A leader posted an instruction on it.
    Instructed,
    /// The bureau approved it.
    Approved,
    /// The bureau refused it.
    Refused,
}

/// Why a piece of evidence may not show its site as it is (a flag for whoever decides on
/// acceptance, not a refusal; the thresholds are the county's settings).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::site_proof::Doubt")]
pub enum EvidenceDoubt {
    /// Its GPS position is farther from the issue's place than the county allows
    /// (`RECTIFY_EVIDENCE_FAR_METERS`).
    FarFromSite,
    /// It was taken longer before it was uploaded than the county allows
    /// (`RECTIFY_EVIDENCE_STALE_DAYS`).
    TakenLongBeforeUpload,
}
