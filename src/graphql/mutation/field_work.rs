//! Field work from the mobile app: milestones, progress, site inspections, extensions. Every
//! create takes an optional `idempotencyKey`, so that a retried request lands once.

use async_graphql::{Context, ID, InputObject, Object, Upload};
use chrono::{DateTime, Utc};

use super::{in_input, payload};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::enums::{EvidenceKind, SiteInspectionResult};
use crate::graphql::types::evidence::Evidence;
use crate::graphql::types::field_work::{DeadlineExtension, Milestone, ProgressReport, SiteInspection};
use crate::graphql::types::scalars::Date;
use crate::service::evidence::NewEvidence;
use crate::service::field_work::{ExtensionDecision, NewExtension, NewMilestone, NewProgressReport, NewSiteInspection};
use crate::service::idempotency::RequestKey;

/// A step of the plan's timetable.
#[derive(InputObject, Clone)]
pub struct MilestoneInput {
    /// What is to be done.
    pub title: String,
    /// By when.
    pub due_on: Date,
}

/// A milestone added to an issue's plan (the lead department).
#[derive(InputObject)]
pub struct AddMilestoneInput {
    /// The issue.
    pub issue_id: ID,
    /// What is to be done.
    pub title: String,
    /// By when.
    pub due_on: Date,
    /// Any string of 1–255 characters unique to this request; a retry with it writes nothing new.
    pub idempotency_key: Option<String>,
}

/// A milestone done (the lead department).
#[derive(InputObject)]
pub struct CompleteMilestoneInput {
    /// The milestone.
    pub milestone_id: ID,
    /// A note.
    pub note: Option<String>,
}

/// A progress report (the lead or a cooperating department).
#[derive(InputObject)]
pub struct SubmitProgressReportInput {
    /// The issue.
    pub issue_id: ID,
    /// What was done.
    pub content: String,
    /// How far the rectification is, 0 to 100.
    pub percent_complete: i32,
    /// Evidence of this issue to attach (uploaded first with `uploadEvidence`).
    #[graphql(default)]
    pub evidence_ids: Vec<ID>,
    /// Any string of 1–255 characters unique to this request; a retry with it writes nothing new.
    pub idempotency_key: Option<String>,
}

/// A site inspection (INSPECTOR or BUREAU), of an issue or of a suspected new problem.
#[derive(InputObject)]
pub struct RecordSiteInspectionInput {
    /// The issue inspected; leave it out for a suspected new problem.
    pub issue_id: Option<ID>,
    /// Latitude (WGS 84).
    pub latitude: f64,
    /// Longitude (WGS 84).
    pub longitude: f64,
    /// When it was observed on site.
    pub observed_at: DateTime<Utc>,
    /// What was found.
    pub findings: String,
    /// Compliant, not compliant, or needing follow-up.
    pub result: SiteInspectionResult,
    /// Evidence to attach (uploaded first with `uploadEvidence`): of the issue inspected, or, for
    /// a suspected problem, uploaded without an issue.
    #[graphql(default)]
    pub evidence_ids: Vec<ID>,
    /// Answers the issue's pending look-back task (回头看): `HOLDS`, or `RELAPSED`, which
    /// reopens the issue as a relapse. Only for an issue a look-back campaign sampled.
    pub look_back: Option<crate::graphql::types::enums::LookBackOutcome>,
    /// Any string of 1–255 characters unique to this request; a retry with it writes nothing new.
    pub idempotency_key: Option<String>,
}

/// A photo or document for an issue, or for a suspected problem (INSPECTOR or BUREAU), sent as
/// a multipart request (see the README). The lead and cooperating departments, inspectors and
/// the bureau may upload for an issue.
#[derive(InputObject)]
pub struct UploadEvidenceInput {
    /// The issue it documents; leave it out for a suspected new problem.
    pub issue_id: Option<ID>,
    /// The file: JPEG, PNG, WebP, HEIC or PDF, judged by its content; at most
    /// `RECTIFY_MAX_UPLOAD_BYTES` (20 MiB by default).
    pub file: Upload,
    /// What it shows.
    pub kind: EvidenceKind,
    /// When it was captured; if left out, taken from the photo's EXIF when present.
    pub captured_at: Option<DateTime<Utc>>,
    /// Latitude (WGS 84); if left out with `longitude`, taken from the photo's EXIF GPS.
    pub latitude: Option<f64>,
    /// Longitude (WGS 84); if left out with `latitude`, taken from the photo's EXIF GPS.
    pub longitude: Option<f64>,
    /// A note.
    pub note: Option<String>,
    /// Any string of 1–255 characters unique to this upload; a retry with it (same input, same
    /// bytes) stores nothing new.
    pub idempotency_key: Option<String>,
}

/// A request for a later deadline (the lead department; one pending at a time).
#[derive(InputObject)]
pub struct RequestDeadlineExtensionInput {
    /// The issue.
    pub issue_id: ID,
    /// The deadline asked for; after the current one.
    pub proposed_deadline: Date,
    /// Why.
    pub reason: String,
    /// Any string of 1–255 characters unique to this request; a retry with it writes nothing new.
    pub idempotency_key: Option<String>,
}

/// A decision on a pending extension request (LEADER or BUREAU).
#[derive(InputObject)]
pub struct DecideDeadlineExtensionInput {
    /// The request.
    pub extension_id: ID,
    /// Approve (the deadline moves) or reject.
    pub approve: bool,
    /// A note.
    pub note: Option<String>,
}

payload!(AddMilestonePayload, milestone, Milestone, "The milestone added.");
payload!(CompleteMilestonePayload, milestone, Milestone, "The milestone, now done.");
payload!(SubmitProgressReportPayload, progress_report, ProgressReport, "The report (the first one, on a retry).");
payload!(RecordSiteInspectionPayload, site_inspection, SiteInspection, "The inspection (the first one, on a retry).");
payload!(UploadEvidencePayload, evidence, Evidence, "The evidence stored (the first one, on a retry).");
payload!(
    RequestDeadlineExtensionPayload,
    deadline_extension,
    DeadlineExtension,
    "The request (the first one, on a retry)."
);
payload!(DecideDeadlineExtensionPayload, deadline_extension, DeadlineExtension, "The request, now decided.");

fn issue_id(id: &ID) -> AppResult<i64> {
    in_input(ids::expect(id, NodeKind::Issue, "issueId"))
}

pub(super) fn evidence_ids(ids: &[ID]) -> Result<Vec<i64>, AppError> {
    in_input(ids::expect_many(ids, NodeKind::Evidence, "evidenceIds"))
}

pub(super) fn request_key(
    key: Option<&str>,
    operation: &'static str,
    input: &impl serde::Serialize,
) -> AppResult<Option<RequestKey>> {
    in_input(key.map(|key| RequestKey::new(key, operation, input)).transpose())
}

#[derive(Default)]
pub struct FieldWorkMutation;

#[Object]
impl FieldWorkMutation {
    /// Adds a milestone to the plan (the lead DEPARTMENT).
    async fn add_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: AddMilestoneInput,
    ) -> async_graphql::Result<AddMilestonePayload> {
        let new = NewMilestone { issue_id: issue_id(&input.issue_id)?, title: input.title, due_on: input.due_on.0 };
        let key = request_key(input.idempotency_key.as_deref(), "addMilestone", &new)?;
        let milestone = in_input(ctx.services()?.add_milestone(ctx.principal()?, new, key).await)?;
        Ok(AddMilestonePayload { milestone: Milestone(milestone, false) })
    }

    /// Marks a milestone done (the lead DEPARTMENT).
    async fn complete_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: CompleteMilestoneInput,
    ) -> async_graphql::Result<CompleteMilestonePayload> {
        let id = in_input(ids::expect(&input.milestone_id, NodeKind::Milestone, "milestoneId"))?;
        let milestone =
            in_input(ctx.services()?.complete_milestone(ctx.principal()?, id, input.note.as_deref()).await)?;
        Ok(CompleteMilestonePayload { milestone: Milestone(milestone, false) })
    }

    /// Reports progress (the lead or a cooperating DEPARTMENT).
    async fn submit_progress_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: SubmitProgressReportInput,
    ) -> async_graphql::Result<SubmitProgressReportPayload> {
        let new = NewProgressReport {
            issue_id: issue_id(&input.issue_id)?,
            content: input.content,
            percent_complete: input.percent_complete,
            evidence_ids: evidence_ids(&input.evidence_ids)?,
        };
        let key = request_key(input.idempotency_key.as_deref(), "submitProgressReport", &new)?;
        let report = in_input(ctx.services()?.submit_progress_report(ctx.principal()?, new, key).await)?;
        Ok(SubmitProgressReportPayload { progress_report: ProgressReport(report) })
    }

    /// Records a site inspection (INSPECTOR or BUREAU).
    async fn record_site_inspection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RecordSiteInspectionInput,
    ) -> async_graphql::Result<RecordSiteInspectionPayload> {
        let new = NewSiteInspection {
            issue_id: in_input(ids::expect_opt(input.issue_id.as_ref(), NodeKind::Issue, "issueId"))?,
            latitude: input.latitude,
            longitude: input.longitude,
            observed_at: input.observed_at,
            findings: input.findings,
            result: input.result.into(),
            evidence_ids: evidence_ids(&input.evidence_ids)?,
            look_back: input.look_back.map(Into::into),
        };
        let key = request_key(input.idempotency_key.as_deref(), "recordSiteInspection", &new)?;
        let inspection = in_input(ctx.services()?.record_site_inspection(ctx.principal()?, new, key).await)?;
        Ok(RecordSiteInspectionPayload { site_inspection: SiteInspection(inspection) })
    }

    /// Stores a photo or document as evidence; its type, capture time and place are read from
    /// the bytes where the client gives none.
    async fn upload_evidence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: UploadEvidenceInput,
    ) -> async_graphql::Result<UploadEvidencePayload> {
        let upload = input.file.value(ctx).map_err(|_| {
            AppError::bad_input("file", "`file` must be a file part of a multipart request").within("input")
        })?;
        let new = NewEvidence {
            issue_id: in_input(ids::expect_opt(input.issue_id.as_ref(), NodeKind::Issue, "issueId"))?,
            kind: input.kind.into(),
            file_name: upload.filename,
            captured_at: input.captured_at,
            latitude: input.latitude,
            longitude: input.longitude,
            note: input.note,
        };
        let services = ctx.services()?;
        let key = input.idempotency_key.as_deref();
        let evidence = in_input(services.upload_evidence(ctx.principal()?, new, upload.content, key).await)?;
        Ok(UploadEvidencePayload { evidence: Evidence(evidence) })
    }

    /// Asks for a later deadline (the lead DEPARTMENT).
    async fn request_deadline_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: RequestDeadlineExtensionInput,
    ) -> async_graphql::Result<RequestDeadlineExtensionPayload> {
        let new = NewExtension {
            issue_id: issue_id(&input.issue_id)?,
            proposed_deadline: input.proposed_deadline.0,
            reason: input.reason,
        };
        let key = request_key(input.idempotency_key.as_deref(), "requestDeadlineExtension", &new)?;
        let extension = in_input(ctx.services()?.request_deadline_extension(ctx.principal()?, new, key).await)?;
        Ok(RequestDeadlineExtensionPayload { deadline_extension: DeadlineExtension(extension) })
    }

    /// Approves (moving the deadline) or rejects an extension request (LEADER or BUREAU).
    async fn decide_deadline_extension(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the request; see the input type.")] input: DecideDeadlineExtensionInput,
    ) -> async_graphql::Result<DecideDeadlineExtensionPayload> {
        let decision = ExtensionDecision {
            extension_id: in_input(ids::expect(&input.extension_id, NodeKind::DeadlineExtension, "extensionId"))?,
            approve: input.approve,
            note: input.note,
        };
        let extension = in_input(ctx.services()?.decide_deadline_extension(ctx.principal()?, decision).await)?;
        Ok(DecideDeadlineExtensionPayload { deadline_extension: DeadlineExtension(extension) })
    }
}
