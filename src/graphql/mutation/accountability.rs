//! Enterprises and accountability cases (BUREAU, and the subject department's statement).

use async_graphql::{Context, ID, InputObject, Object};

use super::{in_input, payload};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::case::AccountabilityCase;
use crate::graphql::types::enterprise::Enterprise;
use crate::graphql::types::enums::{AccountabilityGround, AccountabilityMeasure, AccountabilitySubjectType};
use crate::graphql::types::scalars::{Date, Decimal};
use crate::service::cases::{CaseStepInput, Decision, MeasureInput, NewCase};
use crate::service::enterprises::NewEnterprise;

/// A polluting enterprise to register.
#[derive(InputObject)]
pub struct RegisterEnterpriseInput {
    /// The registered name.
    pub name: String,
    /// The 18-character unified social credit code; a wrong check character is refused.
    pub credit_code: String,
    /// The township it lies in.
    pub township_id: ID,
    /// Its industry.
    pub industry: Option<String>,
    /// Its address.
    pub address: Option<String>,
    /// Latitude (WGS 84); give it with `longitude`.
    pub latitude: Option<f64>,
    /// Longitude (WGS 84); give it with `latitude`.
    pub longitude: Option<f64>,
}

/// A case to open. DEPARTMENT names `departmentId`; OFFICIAL names `officialName`,
/// `officialPosition` and `departmentId`; ENTERPRISE names `enterpriseId`.
#[derive(InputObject)]
pub struct OpenAccountabilityCaseInput {
    /// Department, official or enterprise.
    pub subject_type: AccountabilitySubjectType,
    /// The department (or the official's department).
    pub department_id: Option<ID>,
    /// The official's name.
    pub official_name: Option<String>,
    /// The official's position.
    pub official_position: Option<String>,
    /// The enterprise.
    pub enterprise_id: Option<ID>,
    /// Why; REPEAT_VIOLATION is added by itself for a repeat offender.
    pub grounds: Vec<AccountabilityGround>,
    /// What happened.
    pub description: String,
    /// Issues the case concerns.
    #[graphql(default)]
    pub issue_ids: Vec<ID>,
}

/// A step on a case that carries a note.
#[derive(InputObject)]
pub struct StartCaseInvestigationInput {
    /// The case.
    pub case_id: ID,
    /// A note.
    pub note: Option<String>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// The subject department's written statement (申辩), once, while the case is investigated.
#[derive(InputObject)]
pub struct FileCaseStatementInput {
    /// The case.
    pub case_id: ID,
    /// The statement.
    pub statement: String,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// One measure of a decision.
#[derive(InputObject)]
pub struct CaseMeasureInput {
    /// The measure; it must fit the case's subject.
    pub measure: AccountabilityMeasure,
    /// The fine in yuan, e.g. "50000.00" (FINE only).
    pub amount: Option<Decimal>,
    /// The fine per day in yuan (DAILY_FINE only).
    pub daily_amount: Option<Decimal>,
    /// The first day of a daily fine (DAILY_FINE only).
    pub starts_on: Option<Date>,
    /// A note.
    pub note: Option<String>,
}

/// The decision on an investigated case, with at least one measure.
#[derive(InputObject)]
pub struct DecideAccountabilityCaseInput {
    /// The case.
    pub case_id: ID,
    /// The decision's text.
    pub decision: String,
    /// The measures imposed.
    pub measures: Vec<CaseMeasureInput>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// Closes a decided case.
#[derive(InputObject)]
pub struct CloseAccountabilityCaseInput {
    /// The case.
    pub case_id: ID,
    /// A note.
    pub note: Option<String>,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

/// Dismisses an open or investigated case.
#[derive(InputObject)]
pub struct DismissAccountabilityCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why.
    pub reason: String,
    /// If given, the version you last read.
    pub expected_version: Option<i32>,
}

payload!(RegisterEnterprisePayload, enterprise, Enterprise, "The enterprise just registered.");
payload!(OpenAccountabilityCasePayload, accountability_case, AccountabilityCase, "The case just opened.");
payload!(StartCaseInvestigationPayload, accountability_case, AccountabilityCase, "The case, now investigated.");
payload!(FileCaseStatementPayload, accountability_case, AccountabilityCase, "The case with the statement.");
payload!(DecideAccountabilityCasePayload, accountability_case, AccountabilityCase, "The case, now decided.");
payload!(CloseAccountabilityCasePayload, accountability_case, AccountabilityCase, "The case, now closed.");
payload!(DismissAccountabilityCasePayload, accountability_case, AccountabilityCase, "The case, now dismissed.");

fn case_id(id: &ID) -> AppResult<i64> {
    in_input(ids::expect(id, NodeKind::AccountabilityCase, "caseId"))
}

fn step(id: &ID, text: Option<String>, expected_version: Option<i32>) -> AppResult<CaseStepInput> {
    Ok(CaseStepInput { case_id: case_id(id)?, text, expected_version })
}

#[derive(Default)]
pub struct AccountabilityMutation;

#[Object]
impl AccountabilityMutation {
    /// Registers an enterprise (BUREAU).
    async fn register_enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RegisterEnterpriseInput,
    ) -> async_graphql::Result<RegisterEnterprisePayload> {
        let new = NewEnterprise {
            name: input.name,
            credit_code: input.credit_code,
            township_id: in_input(ids::expect(&input.township_id, NodeKind::Department, "townshipId"))?,
            industry: input.industry,
            address: input.address,
            latitude: input.latitude,
            longitude: input.longitude,
        };
        let enterprise = in_input(ctx.services()?.register_enterprise(ctx.principal()?, new).await)?;
        Ok(RegisterEnterprisePayload { enterprise: Enterprise(enterprise) })
    }

    /// Opens an accountability case (BUREAU).
    async fn open_accountability_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: OpenAccountabilityCaseInput,
    ) -> async_graphql::Result<OpenAccountabilityCasePayload> {
        let new = NewCase {
            subject_type: input.subject_type.into(),
            department_id: in_input(ids::expect_opt(
                input.department_id.as_ref(),
                NodeKind::Department,
                "departmentId",
            ))?,
            official_name: input.official_name,
            official_position: input.official_position,
            enterprise_id: in_input(ids::expect_opt(
                input.enterprise_id.as_ref(),
                NodeKind::Enterprise,
                "enterpriseId",
            ))?,
            grounds: input.grounds.into_iter().map(Into::into).collect(),
            description: input.description,
            issue_ids: in_input(ids::expect_many(&input.issue_ids, NodeKind::Issue, "issueIds"))?,
        };
        let case = in_input(ctx.services()?.open_case(ctx.principal()?, new).await)?;
        Ok(OpenAccountabilityCasePayload { accountability_case: AccountabilityCase(case) })
    }

    /// Starts the investigation: OPEN → INVESTIGATING (BUREAU).
    async fn start_case_investigation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: StartCaseInvestigationInput,
    ) -> async_graphql::Result<StartCaseInvestigationPayload> {
        let step = step(&input.case_id, input.note, input.expected_version)?;
        let case = in_input(ctx.services()?.start_case_investigation(ctx.principal()?, step).await)?;
        Ok(StartCaseInvestigationPayload { accountability_case: AccountabilityCase(case) })
    }

    /// Files the subject department's one statement while INVESTIGATING (that DEPARTMENT).
    async fn file_case_statement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: FileCaseStatementInput,
    ) -> async_graphql::Result<FileCaseStatementPayload> {
        let step = step(&input.case_id, Some(input.statement), input.expected_version)?;
        let case = in_input(ctx.services()?.file_case_statement(ctx.principal()?, step).await)?;
        Ok(FileCaseStatementPayload { accountability_case: AccountabilityCase(case) })
    }

    /// Decides the case with its measures: INVESTIGATING → DECIDED (BUREAU).
    async fn decide_accountability_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DecideAccountabilityCaseInput,
    ) -> async_graphql::Result<DecideAccountabilityCasePayload> {
        let decision = Decision {
            case_id: case_id(&input.case_id)?,
            decision: input.decision,
            measures: input
                .measures
                .into_iter()
                .map(|m| MeasureInput {
                    measure: m.measure.into(),
                    amount: m.amount.map(|d| d.0),
                    daily_amount: m.daily_amount.map(|d| d.0),
                    starts_on: m.starts_on.map(|d| d.0),
                    note: m.note,
                })
                .collect(),
            expected_version: input.expected_version,
        };
        let case = in_input(ctx.services()?.decide_case(ctx.principal()?, decision).await)?;
        Ok(DecideAccountabilityCasePayload { accountability_case: AccountabilityCase(case) })
    }

    /// Closes a decided case: DECIDED → CLOSED (BUREAU).
    async fn close_accountability_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CloseAccountabilityCaseInput,
    ) -> async_graphql::Result<CloseAccountabilityCasePayload> {
        let step = step(&input.case_id, input.note, input.expected_version)?;
        let case = in_input(ctx.services()?.close_case(ctx.principal()?, step).await)?;
        Ok(CloseAccountabilityCasePayload { accountability_case: AccountabilityCase(case) })
    }

    /// Dismisses a case: OPEN or INVESTIGATING → DISMISSED (BUREAU).
    async fn dismiss_accountability_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DismissAccountabilityCaseInput,
    ) -> async_graphql::Result<DismissAccountabilityCasePayload> {
        let step = step(&input.case_id, Some(input.reason), input.expected_version)?;
        let case = in_input(ctx.services()?.dismiss_case(ctx.principal()?, step).await)?;
        Ok(DismissAccountabilityCasePayload { accountability_case: AccountabilityCase(case) })
    }
}
