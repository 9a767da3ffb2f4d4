//! Enumerations stored as text columns, spelled exactly as the API spells them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Who acts: the `role` claim of a token and the role of a local user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Admin,
    Bureau,
    Leader,
    Department,
    Inspector,
    Superior,
}

/// What kind of unit a department is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DepartmentKind {
    Bureau,
    Functional,
    Township,
}

/// The level of the body that ran an inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InspectionLevel {
    Central,
    Provincial,
    Municipal,
    County,
}

/// The kind of an inspection round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InspectionKind {
    Routine,
    Special,
    LookBack,
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, Default)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    #[default]
    General,
    Major,
}

/// Where an issue stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, Default)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueStatus {
    #[default]
    Reported,
    Assigned,
    InProgress,
    AwaitingAcceptance,
    Accepted,
    Closed,
}

/// The level at which an issue is listed for special supervision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SupervisionLevel {
    County,
    Municipal,
    Provincial,
}

/// What an issue event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueAction {
    Registered,
    Assigned,
    Reassigned,
    Updated,
    Supervised,
    SupervisionLifted,
    RectificationStarted,
    AcceptanceRequested,
    Accepted,
    Rejected,
    Closed,
    Reopened,
    MilestoneAdded,
    MilestoneCompleted,
    ProgressReported,
    SiteInspected,
    ExtensionRequested,
    ExtensionDecided,
    EvidenceAdded,
    ReminderIssued,
    ReminderAnswered,
    ReminderEscalated,
    InstructionPosted,
    InstructionAnswered,
    AssignmentDisputed,
    DisputeRuled,
    NoticeObjectionRecorded,
    ObjectionDismissed,
    ObjectionUpheld,
    LookBackSampled,
}

/// Who an accountability case is against.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountabilitySubjectType {
    Department,
    Official,
    Enterprise,
}

/// Why a case is opened.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountabilityGround {
    PoorPerformance,
    MeasuresNotImplemented,
    TaskNotCompleted,
    Workaround,
    CuttingCorners,
    BuckPassing,
    FakeRectification,
    SeriousViolation,
    RepeatViolation,
}

/// What a decided case imposes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountabilityMeasure {
    AdmonishmentTalk,
    CirculatedCriticism,
    Admonition,
    OrganizationalHandling,
    DisciplinarySanction,
    JudicialReferral,
    OrderToRectify,
    Fine,
    DailyFine,
    SealAndSeize,
    ProductionRestriction,
    ProductionSuspension,
    Closure,
    PoliceReferral,
}

/// Where a case stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    Open,
    Investigating,
    Decided,
    Closed,
    Dismissed,
}

/// What a case event records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseAction {
    Opened,
    InvestigationStarted,
    StatementFiled,
    Decided,
    Closed,
    Dismissed,
}

/// Whether an assessment period can still change.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssessmentPeriodStatus {
    Open,
    Finalized,
}

/// A department's assessment grade.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssessmentGrade {
    Excellent,
    Good,
    Pass,
    Fail,
}

/// Whether a plan milestone is done.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MilestoneStatus {
    Pending,
    Done,
}

/// What a site inspection found.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SiteInspectionResult {
    Compliant,
    NonCompliant,
    NeedsFollowUp,
}

/// Where a deadline extension request stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExtensionStatus {
    Pending,
    Approved,
    Rejected,
}

/// What a piece of evidence shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvidenceKind {
    PhotoBefore,
    PhotoAfter,
    Document,
    MonitoringReport,
    PenaltyDecision,
    Other,
}

/// The kind of a supervision slip.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReminderKind {
    /// A reminder slip (催办单), numbered CB-YYYY-NNNN.
    Reminder,
    /// A supervision slip (督办单), numbered DB-YYYY-NNNN.
    SupervisionNotice,
}

/// What a notification tells.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    /// A deadline is 7, 3 or 1 days away.
    DeadlineNear,
    /// An issue passed a deadline.
    Overdue,
    /// A slip was issued.
    ReminderIssued,
    /// A slip was answered.
    ReminderAnswered,
    /// A slip went unanswered past its reply date.
    ReminderEscalated,
    /// A leader posted an instruction.
    InstructionPosted,
    /// An instruction was answered.
    InstructionAnswered,
    /// A lead department disputed its assignment.
    AssignmentDisputed,
    /// A leader ruled on a dispute.
    DisputeRuled,
    /// An objection to a public notice was recorded.
    NoticeObjectionRecorded,
    /// An objection to a public notice was resolved.
    ObjectionResolved,
}

/// What a look-back check found on site.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LookBackOutcome {
    /// The fix holds.
    Holds,
    /// The problem is back: the issue is reopened as a relapse.
    Relapsed,
}

/// How the bureau resolved an objection to a public notice.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ObjectionOutcome {
    /// Unfounded: the closure may go ahead.
    Dismissed,
    /// Founded: the issue goes back to work.
    Upheld,
}

/// A leader's ruling on an assignment dispute.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DisputeDecision {
    /// The assignment stands.
    Uphold,
    /// Another department is made lead.
    Reassign,
}

/// Where a webhook delivery stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Being sent by a server, which holds it until `next_attempt_at`.
    Sending,
    /// Answered with a 2xx status.
    Delivered,
    /// Given up after the last attempt, or its webhook was deleted.
    Failed,
}

/// Where a project application stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectApplicationStatus {
    /// Registered, not yet decided.
    Pending,
    /// Approved by the bureau.
    Approved,
    /// Refused by the bureau.
    Refused,
}

/// What a project application's event records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
