//! Reports to the superior agencies: the bureau freezes a month's figures.

use async_graphql::{Context, InputObject, Object};

use super::{in_input, payload};
use crate::graphql::context::ContextExt;
use crate::graphql::types::monthly_report::MonthlyReport;

/// The month to report (BUREAU): its figures are frozen as the ledger stood at its end.
#[derive(InputObject)]
pub struct SubmitMonthlyReportInput {
    /// The month, `YYYY-MM`; it must have ended, and may be reported only once.
    pub month: String,
    /// A note for the superior agencies.
    pub note: Option<String>,
}

payload!(SubmitMonthlyReportPayload, monthly_report, MonthlyReport, "The report, frozen.");

#[derive(Default)]
pub struct ReportsMutation;

#[Object]
impl ReportsMutation {
    /// Freezes a month's statistics, breakdowns, relapses and accountability and enforcement
    /// totals as submitted (BUREAU). A month is submitted once and never changes.
    async fn submit_monthly_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: SubmitMonthlyReportInput,
    ) -> async_graphql::Result<SubmitMonthlyReportPayload> {
        let services = ctx.services()?;
        let row =
            in_input(services.submit_monthly_report(ctx.principal()?, &input.month, input.note.as_deref()).await)?;
        Ok(SubmitMonthlyReportPayload { monthly_report: MonthlyReport::new(row)? })
    }
}
