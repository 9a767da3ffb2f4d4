//! The `Node` interface: any object with a global id, fetched by `node` and `nodes`.

use async_graphql::{ID, Interface};

use super::assessment::AssessmentPeriod;
use super::case::{AccountabilityCase, CaseEvent};
use super::catalog::{Aspect, Category, InspectionRound};
use super::department::Department;
use super::enterprise::Enterprise;
use super::evidence::Evidence;
use super::field_work::{DeadlineExtension, Milestone, ProgressReport, SiteInspection};
use super::issue::{Issue, IssueEvent};
use super::monthly_report::MonthlyReport;
use super::user::User;

/// An object with a global id.
// An issue row is larger than the other variants; a Node lives for one resolver call, so
// boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "ID", desc = "The global id."))]
pub enum Node {
    Department(Department),
    InspectionRound(InspectionRound),
    Aspect(Aspect),
    Category(Category),
    Issue(Issue),
    IssueEvent(IssueEvent),
    User(User),
    Enterprise(Enterprise),
    AccountabilityCase(AccountabilityCase),
    CaseEvent(CaseEvent),
    AssessmentPeriod(AssessmentPeriod),
    Milestone(Milestone),
    ProgressReport(ProgressReport),
    SiteInspection(SiteInspection),
    DeadlineExtension(DeadlineExtension),
    Evidence(Evidence),
    MonthlyReport(MonthlyReport),
    Reminder(super::supervision::Reminder),
    Instruction(super::instruction::Instruction),
    AssignmentDispute(super::dispute::AssignmentDispute),
    NoticeObjection(super::objection::NoticeObjection),
    LookBackCampaign(super::look_back::LookBackCampaign),
    LookBackTask(super::look_back::LookBackTask),
    ProjectApplication(super::project::ProjectApplication),
    ProjectInstruction(super::project::ProjectInstruction),
}
