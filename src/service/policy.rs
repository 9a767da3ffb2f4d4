//! Who may see and do what: the matrix of `docs/domain.md`, in one place.
//!
//! Every service function asks here before it reads or writes; GraphQL, exports and the CLI
//! therefore share one gate. Reading another department's issue is not "forbidden" but
//! invisible: callers turn `IssueScope` into a row filter or a not-found.

use entity::enums::Role;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// Something an actor may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read departments, rounds, aspects and categories.
    ReadReferenceData,
    /// Create and update departments.
    ManageDepartments,
    /// Create and read local users.
    ManageUsers,
    /// Create rounds, aspects and categories.
    ManageCatalog,
    /// Register, assign, update, supervise issues and lift supervision.
    ManageIssues,
    /// Start rectification and request acceptance (the lead department of the issue only).
    WorkOnIssue,
    /// Accept, reject, close and reopen issues.
    DecideIssues,
    /// Register enterprises.
    ManageEnterprises,
    /// Open, investigate, decide, close and dismiss accountability cases.
    ActOnCases,
    /// File the subject's one statement on a case (the subject department only).
    FileCaseStatement,
    /// Create periods, edit rules, veto, compute and finalize the assessment.
    ManageAssessment,
    /// Record site inspections.
    InspectSites,
    /// Approve or reject deadline extensions.
    DecideExtensions,
    /// Read site inspections of suspected new problems (not yet issues).
    ReadSuspectedProblems,
    /// Freeze a month's statistics as the report to the superior agencies.
    SubmitMonthlyReports,
    /// Read the submitted monthly reports.
    ReadMonthlyReports,
    /// Issue reminder and supervision slips.
    IssueReminders,
    /// Answer a slip (the department it is addressed to only).
    AnswerReminders,
    /// Create, list and delete webhooks, and read their deliveries.
    ManageWebhooks,
    /// Post a written instruction on an issue (the leader in charge, or any leader if the
    /// county allows it: `may_instruct`).
    PostInstructions,
    /// Answer an instruction (the department it is addressed to only).
    AnswerInstructions,
    /// Dispute an assignment (the issue's lead department only).
    DisputeAssignments,
    /// Rule on an assignment dispute.
    RuleOnDisputes,
    /// Record and resolve objections to a public notice.
    HandleNoticeObjections,
    /// Create look-back campaigns.
    ManageLookBacks,
    /// Read look-back campaigns and their tasks.
    ReadLookBacks,
    /// Register and decide project applications at the new-project gate.
    ManageProjectApplications,
    /// Post an instruction on a project application (any leader).
    InstructOnProjects,
    /// Read project applications, their gate and history.
    ReadProjectApplications,
    /// Verify the hash chains of the histories.
    VerifyHistory,
}

impl Action {
    fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::ReadReferenceData => &[Admin, Bureau, Leader, Department, Inspector, Superior],
            Action::ManageDepartments => &[Admin, Bureau],
            Action::ManageUsers => &[Admin],
            Action::ManageCatalog
            | Action::ManageIssues
            | Action::DecideIssues
            | Action::ManageEnterprises
            | Action::ActOnCases
            | Action::ManageAssessment => &[Bureau],
            Action::WorkOnIssue | Action::FileCaseStatement => &[Department],
            Action::InspectSites => &[Bureau, Inspector],
            Action::DecideExtensions => &[Bureau, Leader],
            Action::ReadSuspectedProblems => &[Bureau, Leader, Inspector, Superior],
            Action::SubmitMonthlyReports => &[Bureau],
            Action::ReadMonthlyReports => &[Bureau, Leader, Superior],
            Action::IssueReminders => &[Bureau, Leader],
            Action::AnswerReminders => &[Department],
            Action::ManageWebhooks => &[Admin],
            Action::PostInstructions => &[Leader],
            Action::AnswerInstructions => &[Department],
            Action::DisputeAssignments => &[Department],
            Action::RuleOnDisputes => &[Leader],
            Action::HandleNoticeObjections => &[Bureau],
            Action::ManageLookBacks => &[Bureau],
            Action::ReadLookBacks => &[Bureau, Leader, Inspector, Superior],
            Action::ManageProjectApplications => &[Bureau],
            Action::InstructOnProjects => &[Leader],
            Action::ReadProjectApplications => &[Bureau, Leader, Superior],
            Action::VerifyHistory => &[Bureau, Leader, Superior],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Action::ReadReferenceData => "read reference data",
            Action::ManageDepartments => "manage departments",
            Action::ManageUsers => "manage users",
            Action::ManageCatalog => "manage inspection rounds and the classification",
            Action::ManageIssues => "register, assign, update or supervise issues",
            Action::WorkOnIssue => "work on an issue's rectification",
            Action::DecideIssues => "accept, reject, close or reopen issues",
            Action::ManageEnterprises => "register enterprises",
            Action::ActOnCases => "act on accountability cases",
            Action::FileCaseStatement => "file a statement on an accountability case",
            Action::ManageAssessment => "manage the assessment",
            Action::InspectSites => "record site inspections",
            Action::DecideExtensions => "decide deadline extensions",
            Action::ReadSuspectedProblems => "read suspected problems",
            Action::SubmitMonthlyReports => "submit monthly reports",
            Action::ReadMonthlyReports => "read monthly reports",
            Action::IssueReminders => "issue reminder or supervision slips",
            Action::AnswerReminders => "answer slips",
            Action::ManageWebhooks => "manage webhooks",
            Action::PostInstructions => "post instructions",
            Action::AnswerInstructions => "answer instructions",
            Action::DisputeAssignments => "dispute an assignment",
            Action::RuleOnDisputes => "rule on assignment disputes",
            Action::HandleNoticeObjections => "record or resolve objections to a public notice",
            Action::ManageLookBacks => "create look-back campaigns",
            Action::ReadLookBacks => "read look-back campaigns",
            Action::ManageProjectApplications => "register or decide project applications",
            Action::InstructOnProjects => "instruct on project applications",
            Action::ReadProjectApplications => "read project applications",
            Action::VerifyHistory => "verify the history",
        }
    }
}

/// FORBIDDEN unless the actor's role may take `action`.
pub fn authorize(principal: &Principal, action: Action) -> AppResult<()> {
    if action.allowed_roles().contains(&principal.role) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "the {} role may not {}",
            crate::domain::api_name(&principal.role),
            action.describe()
        )))
    }
}

/// A LEADER instructs on the issues it is in charge of; on the others only where the county
/// allows any leader to (`RECTIFY_INSTRUCTIONS_BY_ANY_LEADER`), or where no leader is linked.
pub fn may_instruct(principal: &Principal, leader_in_charge: Option<&str>, any_leader: bool) -> AppResult<()> {
    authorize(principal, Action::PostInstructions)?;
    match leader_in_charge {
        Some(leader) if leader != principal.sub && !any_leader => {
            Err(AppError::forbidden("only the leader in charge of the issue may instruct on it"))
        }
        _ => Ok(()),
    }
}

/// Which issues an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueScope {
    All,
    /// Issues where this department is the lead or a cooperating unit.
    Department(i64),
}

pub fn issue_scope(principal: &Principal) -> IssueScope {
    match (principal.role, principal.department_id) {
        (Role::Department, Some(department)) => IssueScope::Department(department),
        // A DEPARTMENT principal always has a department (tokens without one are refused);
        // should one slip through, it sees nothing rather than everything.
        (Role::Department, None) => IssueScope::Department(-1),
        _ => IssueScope::All,
    }
}

impl IssueScope {
    /// Whether an issue with this lead and these cooperating units is visible.
    pub fn sees(self, lead: Option<i64>, cooperating: &[i64]) -> bool {
        match self {
            IssueScope::All => true,
            IssueScope::Department(id) => lead == Some(id) || cooperating.contains(&id),
        }
    }
}

/// Which accountability cases, and which assessment results, an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectScope {
    All,
    /// Only those about this department (or, for cases, its officials).
    Department(i64),
    Nothing,
}

impl SubjectScope {
    pub fn sees(self, department: Option<i64>) -> bool {
        match self {
            SubjectScope::All => true,
            SubjectScope::Department(own) => department == Some(own),
            SubjectScope::Nothing => false,
        }
    }
}

/// Cases: the bureau, leaders and superiors read all; a department those about itself or its
/// officials; administrators and inspectors none (cases name officials and are no part of
/// their work).
pub fn case_scope(principal: &Principal) -> SubjectScope {
    match principal.role {
        Role::Bureau | Role::Leader | Role::Superior => SubjectScope::All,
        Role::Department => SubjectScope::Department(principal.department_id.unwrap_or(-1)),
        Role::Admin | Role::Inspector => SubjectScope::Nothing,
    }
}

/// Whether the actor may read a case about `department` (the case's department; for an
/// official, the official's): the rule of `case_scope`, for the places that show what a case
/// says outside the case itself (the items of assessment results).
pub fn may_read_case(principal: &Principal, department: Option<i64>) -> bool {
    case_scope(principal).sees(department)
}

/// Assessment results: the bureau, leaders, superiors and administrators read all; a
/// department its own; inspectors none.
pub fn assessment_scope(principal: &Principal) -> SubjectScope {
    match principal.role {
        Role::Bureau | Role::Leader | Role::Superior | Role::Admin => SubjectScope::All,
        Role::Department => SubjectScope::Department(principal.department_id.unwrap_or(-1)),
        Role::Inspector => SubjectScope::Nothing,
    }
}

/// Progress is reported by the lead department or a cooperating one.
pub fn authorize_responsible_work(principal: &Principal, lead: Option<i64>, cooperating: &[i64]) -> AppResult<()> {
    authorize(principal, Action::WorkOnIssue)?;
    match principal.department_id {
        Some(own) if lead == Some(own) || cooperating.contains(&own) => Ok(()),
        _ => Err(AppError::forbidden("only the issue's lead or cooperating departments may report progress")),
    }
}

/// Working on an issue is the lead department's alone; cooperating units may read, not act.
pub fn authorize_lead_work(principal: &Principal, lead: Option<i64>) -> AppResult<()> {
    authorize(principal, Action::WorkOnIssue)?;
    if lead.is_some() && principal.department_id == lead {
        Ok(())
    } else {
        Err(AppError::forbidden("only the issue's lead department may do this"))
    }
}

/// Whether the role may upload evidence at all: checked before an upload's bytes are read,
/// so that roles that never upload cannot fill the disk.
pub fn may_upload(principal: &Principal) -> bool {
    authorize(principal, Action::InspectSites).is_ok() || authorize(principal, Action::WorkOnIssue).is_ok()
}

/// Evidence of an issue comes from those who work on it (the lead and cooperating departments)
/// and those who check it on site (inspectors and the bureau). Evidence of a suspected new
/// problem, not yet an issue, only from the latter.
pub fn authorize_evidence_upload(principal: &Principal, issue: Option<(Option<i64>, &[i64])>) -> AppResult<()> {
    if authorize(principal, Action::InspectSites).is_ok() {
        return Ok(());
    }
    match issue {
        Some((lead, cooperating)) => authorize_responsible_work(principal, lead, cooperating),
        None => Err(AppError::forbidden("only inspectors and the bureau may document a suspected problem")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    fn principal(role: Role, department_id: Option<i64>) -> Principal {
        Principal { sub: "t".into(), name: None, role, department_id }
    }

    /// The matrix of `docs/domain.md`, row by row: `true` where the role may act.
    #[test]
    fn the_role_matrix_matches_the_domain() {
        let roles = [Admin, Bureau, Leader, Department, Inspector, Superior];
        let table: &[(Action, [bool; 6])] = &[
            (Action::ReadReferenceData, [true, true, true, true, true, true]),
            (Action::ManageDepartments, [true, true, false, false, false, false]),
            (Action::ManageUsers, [true, false, false, false, false, false]),
            (Action::ManageCatalog, [false, true, false, false, false, false]),
            (Action::ManageIssues, [false, true, false, false, false, false]),
            (Action::WorkOnIssue, [false, false, false, true, false, false]),
            (Action::DecideIssues, [false, true, false, false, false, false]),
            (Action::ManageEnterprises, [false, true, false, false, false, false]),
            (Action::ActOnCases, [false, true, false, false, false, false]),
            (Action::FileCaseStatement, [false, false, false, true, false, false]),
            (Action::ManageAssessment, [false, true, false, false, false, false]),
            (Action::InspectSites, [false, true, false, false, true, false]),
            (Action::DecideExtensions, [false, true, true, false, false, false]),
            (Action::ReadSuspectedProblems, [false, true, true, false, true, true]),
            (Action::SubmitMonthlyReports, [false, true, false, false, false, false]),
            (Action::ReadMonthlyReports, [false, true, true, false, false, true]),
            (Action::IssueReminders, [false, true, true, false, false, false]),
            (Action::AnswerReminders, [false, false, false, true, false, false]),
            (Action::ManageWebhooks, [true, false, false, false, false, false]),
            (Action::PostInstructions, [false, false, true, false, false, false]),
            (Action::AnswerInstructions, [false, false, false, true, false, false]),
            (Action::DisputeAssignments, [false, false, false, true, false, false]),
            (Action::RuleOnDisputes, [false, false, true, false, false, false]),
            (Action::HandleNoticeObjections, [false, true, false, false, false, false]),
            (Action::ManageLookBacks, [false, true, false, false, false, false]),
            (Action::ReadLookBacks, [false, true, true, false, true, true]),
            (Action::ManageProjectApplications, [false, true, false, false, false, false]),
            (Action::InstructOnProjects, [false, false, true, false, false, false]),
            (Action::ReadProjectApplications, [false, true, true, false, false, true]),
            (Action::VerifyHistory, [false, true, true, false, false, true]),
        ];
        for (action, expected) in table {
            for (role, allowed) in roles.iter().zip(expected) {
                let result = authorize(&principal(*role, Some(1)), *action);
                assert_eq!(result.is_ok(), *allowed, "{role:?} {action:?}");
                if let Err(error) = result {
                    assert_eq!(error.code(), "FORBIDDEN");
                }
            }
        }
    }

    #[test]
    fn a_department_sees_only_issues_it_leads_or_cooperates_on() {
        let scope = issue_scope(&principal(Department, Some(7)));
        assert!(scope.sees(Some(7), &[]));
        assert!(scope.sees(Some(3), &[5, 7]));
        assert!(!scope.sees(Some(3), &[5]));
        assert!(!scope.sees(None, &[]));
        for role in [Admin, Bureau, Leader, Inspector, Superior] {
            assert!(issue_scope(&principal(role, None)).sees(Some(3), &[]), "{role:?}");
        }
    }

    #[test]
    fn cases_and_results_are_read_by_the_roles_of_the_domain() {
        let roles = [Admin, Bureau, Leader, Department, Inspector, Superior];
        let cases = [false, true, true, false, false, true];
        let results = [true, true, true, false, false, true];
        for ((role, all_cases), all_results) in roles.iter().zip(cases).zip(results) {
            let p = principal(*role, Some(7));
            assert_eq!(case_scope(&p) == SubjectScope::All, all_cases, "{role:?} cases");
            assert_eq!(assessment_scope(&p) == SubjectScope::All, all_results, "{role:?} results");
        }
        let own = case_scope(&principal(Department, Some(7)));
        assert!(own.sees(Some(7)) && !own.sees(Some(8)) && !own.sees(None));
        assert!(!case_scope(&principal(Inspector, None)).sees(Some(7)));
    }

    #[test]
    fn the_leader_in_charge_instructs_and_others_only_if_the_county_allows() {
        let leader = Principal { sub: "ma".into(), ..principal(Leader, None) };
        assert!(may_instruct(&leader, Some("ma"), false).is_ok());
        assert!(may_instruct(&leader, None, false).is_ok(), "no leader linked: any leader");
        assert_eq!(may_instruct(&leader, Some("lin"), false).unwrap_err().code(), "FORBIDDEN");
        assert!(may_instruct(&leader, Some("lin"), true).is_ok());
        assert!(may_instruct(&principal(Bureau, None), None, true).is_err());
    }

    #[test]
    fn only_the_lead_department_works_on_an_issue() {
        assert!(authorize_lead_work(&principal(Department, Some(7)), Some(7)).is_ok());
        assert!(authorize_lead_work(&principal(Department, Some(8)), Some(7)).is_err());
        assert!(authorize_lead_work(&principal(Department, Some(7)), None).is_err());
        assert!(authorize_lead_work(&principal(Bureau, None), Some(7)).is_err());
    }

    #[test]
    fn evidence_comes_from_the_responsible_departments_and_the_inspectors() {
        let issue = Some((Some(7), &[8][..]));
        for (role, department, expected) in [
            (Department, Some(7), true),
            (Department, Some(8), true),
            (Department, Some(9), false),
            (Inspector, None, true),
            (Bureau, None, true),
            (Leader, None, false),
            (Superior, None, false),
            (Admin, None, false),
        ] {
            let p = principal(role, department);
            assert_eq!(authorize_evidence_upload(&p, issue).is_ok(), expected, "{role:?} {department:?}");
        }
        assert!(authorize_evidence_upload(&principal(Inspector, None), None).is_ok());
        assert!(authorize_evidence_upload(&principal(Department, Some(7)), None).is_err());
    }
}
