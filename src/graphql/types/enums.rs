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
