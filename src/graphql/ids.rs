//! Opaque global ids (`base64("Issue:42")`) for the `Node` interface and every id argument.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Department,
    InspectionRound,
    Aspect,
    Category,
    Issue,
    IssueEvent,
    User,
    Enterprise,
    AccountabilityCase,
    CaseEvent,
    AssessmentPeriod,
    Milestone,
    ProgressReport,
    SiteInspection,
    DeadlineExtension,
    Evidence,
    MonthlyReport,
    Reminder,
    Instruction,
    AssignmentDispute,
    NoticeObjection,
    LookBackCampaign,
    LookBackTask,
    ProjectApplication,
    ProjectInstruction,
    Notification,
    Webhook,
    WebhookDelivery,
}

impl NodeKind {
    const ALL: [NodeKind; 28] = [
        NodeKind::Department,
        NodeKind::InspectionRound,
        NodeKind::Aspect,
        NodeKind::Category,
        NodeKind::Issue,
        NodeKind::IssueEvent,
        NodeKind::User,
        NodeKind::Enterprise,
        NodeKind::AccountabilityCase,
        NodeKind::CaseEvent,
        NodeKind::AssessmentPeriod,
        NodeKind::Milestone,
        NodeKind::ProgressReport,
        NodeKind::SiteInspection,
        NodeKind::DeadlineExtension,
        NodeKind::Evidence,
        NodeKind::MonthlyReport,
        NodeKind::Reminder,
        NodeKind::Instruction,
        NodeKind::AssignmentDispute,
        NodeKind::NoticeObjection,
        NodeKind::LookBackCampaign,
        NodeKind::LookBackTask,
        NodeKind::ProjectApplication,
        NodeKind::ProjectInstruction,
        NodeKind::Notification,
        NodeKind::Webhook,
        NodeKind::WebhookDelivery,
    ];

    fn name(self) -> &'static str {
        match self {
            NodeKind::Department => "Department",
            NodeKind::InspectionRound => "InspectionRound",
            NodeKind::Aspect => "Aspect",
            NodeKind::Category => "Category",
            NodeKind::Issue => "Issue",
            NodeKind::IssueEvent => "IssueEvent",
            NodeKind::User => "User",
            NodeKind::Enterprise => "Enterprise",
            NodeKind::AccountabilityCase => "AccountabilityCase",
            NodeKind::CaseEvent => "CaseEvent",
            NodeKind::AssessmentPeriod => "AssessmentPeriod",
            NodeKind::Milestone => "Milestone",
            NodeKind::ProgressReport => "ProgressReport",
            NodeKind::SiteInspection => "SiteInspection",
            NodeKind::DeadlineExtension => "DeadlineExtension",
            NodeKind::Evidence => "Evidence",
            NodeKind::MonthlyReport => "MonthlyReport",
            NodeKind::Reminder => "Reminder",
            NodeKind::Instruction => "Instruction",
            NodeKind::AssignmentDispute => "AssignmentDispute",
            NodeKind::NoticeObjection => "NoticeObjection",
            NodeKind::LookBackCampaign => "LookBackCampaign",
            NodeKind::LookBackTask => "LookBackTask",
            NodeKind::ProjectApplication => "ProjectApplication",
            NodeKind::ProjectInstruction => "ProjectInstruction",
            NodeKind::Notification => "Notification",
            NodeKind::Webhook => "Webhook",
            NodeKind::WebhookDelivery => "WebhookDelivery",
        }
    }
}

pub fn encode(kind: NodeKind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The kind and row id of a global id, or `None` for anything we did not issue.
pub fn decode(id: &ID) -> Option<(NodeKind, i64)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id.as_str()).ok()?).ok()?;
    let (name, raw) = text.split_once(':')?;
    let kind = NodeKind::ALL.into_iter().find(|kind| kind.name() == name)?;
    Some((kind, raw.parse().ok()?))
}

/// The row id of an id argument that must be of `kind`; `field` names the argument in errors.
pub fn expect(id: &ID, kind: NodeKind, field: &str) -> AppResult<i64> {
    match decode(id) {
        Some((found, row)) if found == kind => Ok(row),
        _ => Err(AppError::bad_input(field, format!("`{field}` is not the id of a {}", kind.name()))),
    }
}

pub fn expect_many(ids: &[ID], kind: NodeKind, field: &str) -> AppResult<Vec<i64>> {
    ids.iter().map(|id| expect(id, kind, field)).collect()
}

pub fn expect_opt(id: Option<&ID>, kind: NodeKind, field: &str) -> AppResult<Option<i64>> {
    id.map(|id| expect(id, kind, field)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let id = encode(NodeKind::Issue, 42);
        assert_eq!(decode(&id), Some((NodeKind::Issue, 42)));
        assert_eq!(expect(&id, NodeKind::Issue, "issueId").unwrap(), 42);
        assert_eq!(expect(&id, NodeKind::Department, "departmentId").unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(decode(&ID("not-an-id".into())), None);
    }
}
