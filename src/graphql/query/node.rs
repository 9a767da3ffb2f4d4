//! Any object by its global id (`node`, `nodes`), fetched in one statement a kind.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::assessment::AssessmentPeriod;
use crate::graphql::types::case::{AccountabilityCase, CaseEvent};
use crate::graphql::types::catalog::{Aspect, Category, InspectionRound};
use crate::graphql::types::department::Department;
use crate::graphql::types::enterprise::Enterprise;
use crate::graphql::types::field_work::{DeadlineExtension, Milestone, ProgressReport, SiteInspection};
use crate::graphql::types::issue::{Issue, IssueEvent};
use crate::graphql::types::monthly_report::MonthlyReport;
use crate::graphql::types::node::Node;
use crate::graphql::types::user::User;
use crate::service::Services;

/// Objects by global id.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; `null` when it does not exist or the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let mut found = resolve_nodes(ctx.services()?, ctx.principal()?, std::slice::from_ref(&id)).await?;
        Ok(found.pop().flatten())
    }

    /// Objects by their global ids, in the order asked (at most 100); each is `null` when it
    /// does not exist or the viewer may not see it.
    #[graphql(complexity = "ids.len().max(1) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most 100).")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input("ids", format!("`ids` may hold at most {MAX_NODES} ids")).into());
        }
        Ok(resolve_nodes(ctx.services()?, ctx.principal()?, &ids).await?)
    }
}

/// The most ids `nodes` takes at once.
const MAX_NODES: usize = 100;

/// Fetches global ids in as few statements as there are kinds among them, keeping the order.
async fn resolve_nodes(services: &Services, principal: &Principal, wanted: &[ID]) -> AppResult<Vec<Option<Node>>> {
    let decoded: Vec<Option<(NodeKind, i64)>> = wanted.iter().map(ids::decode).collect();
    let of_kind = |kind: NodeKind| -> Vec<i64> {
        decoded.iter().flatten().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect()
    };
    let mut found: HashMap<(NodeKind, i64), Node> = HashMap::new();
    let mut keep = |kind: NodeKind, nodes: Vec<(i64, Node)>| {
        for (id, node) in nodes {
            found.insert((kind, id), node);
        }
    };
    macro_rules! fetch {
        ($kind:expr, $call:expr, $wrap:expr) => {
            let wanted_ids = of_kind($kind);
            if !wanted_ids.is_empty() {
                let rows = $call(wanted_ids).await?;
                keep($kind, rows.into_iter().map(|(id, row)| (id, $wrap(row))).collect());
            }
        };
    }
    fetch!(NodeKind::Department, |ids: Vec<i64>| async move { services.departments_by_ids(&ids).await }, |r| {
        Node::Department(Department::from(r))
    });
    fetch!(NodeKind::InspectionRound, |ids: Vec<i64>| async move { services.rounds_by_ids(&ids).await }, |r| {
        Node::InspectionRound(InspectionRound::from(r))
    });
    fetch!(NodeKind::Aspect, |ids: Vec<i64>| async move { services.aspects_by_ids(&ids).await }, |r| Node::Aspect(
        Aspect::from(r)
    ));
    fetch!(NodeKind::Category, |ids: Vec<i64>| async move { services.categories_by_ids(&ids).await }, |r| {
        Node::Category(Category::from(r))
    });
    fetch!(NodeKind::Issue, |ids: Vec<i64>| async move { services.issues_by_ids(principal, &ids).await }, |r| {
        Node::Issue(Issue(r))
    });
    fetch!(
        NodeKind::IssueEvent,
        |ids: Vec<i64>| async move { services.issue_events_by_ids(principal, &ids).await },
        |r| Node::IssueEvent(IssueEvent(r))
    );
    fetch!(
        NodeKind::User,
        |ids: Vec<i64>| async move { services.users_by_ids(principal, &ids).await },
        |r| Node::User(User(r))
    );
    fetch!(NodeKind::Enterprise, |ids: Vec<i64>| async move { services.enterprises_by_ids(&ids).await }, |r| {
        Node::Enterprise(Enterprise(r))
    });
    fetch!(
        NodeKind::AccountabilityCase,
        |ids: Vec<i64>| async move { services.cases_by_ids(principal, &ids).await },
        |r| Node::AccountabilityCase(AccountabilityCase(r))
    );
    fetch!(
        NodeKind::CaseEvent,
        |ids: Vec<i64>| async move { services.case_events_by_ids(principal, &ids).await },
        |r| Node::CaseEvent(CaseEvent(r))
    );
    fetch!(
        NodeKind::AssessmentPeriod,
        |ids: Vec<i64>| async move { services.periods_by_ids(principal, &ids).await },
        |r| Node::AssessmentPeriod(AssessmentPeriod(r))
    );
    fetch!(
        NodeKind::Milestone,
        |ids: Vec<i64>| async move { services.milestones_by_ids(principal, &ids).await },
        |(r, completed)| { Node::Milestone(Milestone(r, completed)) }
    );
    fetch!(
        NodeKind::ProgressReport,
        |ids: Vec<i64>| async move { services.progress_reports_by_ids(principal, &ids).await },
        |r| { Node::ProgressReport(ProgressReport(r)) }
    );
    fetch!(
        NodeKind::SiteInspection,
        |ids: Vec<i64>| async move { services.site_inspections_by_ids(principal, &ids).await },
        |r| { Node::SiteInspection(SiteInspection(r)) }
    );
    fetch!(
        NodeKind::DeadlineExtension,
        |ids: Vec<i64>| async move { services.extensions_by_ids(principal, &ids).await },
        |r| { Node::DeadlineExtension(DeadlineExtension(r)) }
    );
    fetch!(
        NodeKind::MonthlyReport,
        |ids: Vec<i64>| async move {
            let rows = services.monthly_reports_by_ids(principal, &ids).await?;
            rows.into_iter().map(|(id, row)| Ok((id, MonthlyReport::new(row)?))).collect::<AppResult<HashMap<_, _>>>()
        },
        Node::MonthlyReport
    );
    fetch!(NodeKind::Evidence, |ids: Vec<i64>| async move { services.evidence_by_ids(principal, &ids).await }, |r| {
        Node::Evidence(crate::graphql::types::evidence::Evidence(r))
    });
    fetch!(NodeKind::Reminder, |ids: Vec<i64>| async move { services.reminders_by_ids(principal, &ids).await }, |r| {
        Node::Reminder(crate::graphql::types::supervision::Reminder(r))
    });
    fetch!(
        NodeKind::Instruction,
        |ids: Vec<i64>| async move { services.instructions_by_ids(principal, &ids).await },
        |r| Node::Instruction(crate::graphql::types::instruction::Instruction(r))
    );
    fetch!(
        NodeKind::AssignmentDispute,
        |ids: Vec<i64>| async move { services.disputes_by_ids(principal, &ids).await },
        |r| Node::AssignmentDispute(crate::graphql::types::dispute::AssignmentDispute(r))
    );
    fetch!(
        NodeKind::NoticeObjection,
        |ids: Vec<i64>| async move { services.notice_objections_by_ids(principal, &ids).await },
        |r| Node::NoticeObjection(crate::graphql::types::objection::NoticeObjection(r))
    );
    fetch!(
        NodeKind::LookBackCampaign,
        |ids: Vec<i64>| async move { services.look_back_campaigns_by_ids(principal, &ids).await },
        |r| Node::LookBackCampaign(crate::graphql::types::look_back::LookBackCampaign(r))
    );
    fetch!(
        NodeKind::LookBackTask,
        |ids: Vec<i64>| async move { services.look_back_tasks_by_ids(principal, &ids).await },
        |r| Node::LookBackTask(crate::graphql::types::look_back::LookBackTask(r))
    );
    fetch!(
        NodeKind::ProjectApplication,
        |ids: Vec<i64>| async move { services.project_applications_by_ids(principal, &ids).await },
        |r| Node::ProjectApplication(crate::graphql::types::project::ProjectApplication(r))
    );
    fetch!(
        NodeKind::ProjectInstruction,
        |ids: Vec<i64>| async move { services.project_instructions_by_ids(principal, &ids).await },
        |r| Node::ProjectInstruction(crate::graphql::types::project::ProjectInstruction(r))
    );
    Ok(decoded.into_iter().map(|key| key.and_then(|key| found.get(&key).cloned())).collect())
}
