//! Evidence: photos and documents uploaded for an issue (or for a suspected problem not yet
//! registered), and their citation by progress reports, site inspections and requests for
//! acceptance. The bytes go to the object store first, under their SHA-256; the row and the
//! issue's EVIDENCE_ADDED event are then written in one transaction. A failure between the two
//! leaves at most an unreferenced object that the same upload, retried, finds and reuses.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read, Seek, SeekFrom};

use chrono::{DateTime, Utc};
use entity::enums::EvidenceKind;
use entity::{evidence, evidence_citation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::idempotency::RequestKey;
use super::issue_step::Change;
use super::policy::authorize_evidence_upload;
use super::{Services, check_coordinates, group_by, optional_text, required_text};
use crate::auth::Principal;
use crate::domain::file_type::{EvidenceFileType, SNIFF_BYTES};
use crate::domain::lifecycle::Step;
use crate::domain::photo_metadata::PhotoFacts;
use crate::error::{AppError, AppResult};

/// At most this many evidence items may be cited at once.
const MAX_CITED: usize = 50;

/// What the client says about an upload; the bytes come separately.
#[derive(Serialize)]
pub struct NewEvidence {
    /// None for a suspected problem's evidence (INSPECTOR or BUREAU).
    pub issue_id: Option<i64>,
    pub kind: EvidenceKind,
    pub file_name: String,
    pub captured_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub note: Option<String>,
}

/// What citing evidence attaches it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Citer {
    ProgressReport(i64),
    SiteInspection(i64),
    /// The AcceptanceRequested event of an issue.
    Event(i64),
}

/// What the server learns from the bytes themselves.
struct Inspected {
    sha256: String,
    byte_size: u64,
    file_type: EvidenceFileType,
    facts: PhotoFacts,
}

/// Hashes, sniffs and reads the EXIF of an uploaded file (blocking I/O: run off the executor).
fn inspect(file: &mut std::fs::File, county: chrono_tz::Tz) -> AppResult<Inspected> {
    let io = AppError::internal;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut byte_size = 0u64;
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = file.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        if head.len() < SNIFF_BYTES {
            let wanted = (SNIFF_BYTES - head.len()).min(read);
            head.extend_from_slice(&buffer[..wanted]);
        }
        hasher.update(&buffer[..read]);
        byte_size += read as u64;
    }
    if byte_size == 0 {
        return Err(AppError::bad_input("file", "the file is empty"));
    }
    let file_type = EvidenceFileType::sniff(&head).ok_or_else(|| {
        AppError::bad_input(
            "file",
            "the file is not a JPEG, PNG, WebP or HEIC photo, nor a PDF (judged by its content)",
        )
    })?;
    let facts = if file_type.is_photo() {
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        PhotoFacts::read(&mut BufReader::new(&mut *file), county)
    } else {
        PhotoFacts::default()
    };
    let sha256 = hex::encode(hasher.finalize());
    Ok(Inspected { sha256, byte_size, file_type, facts })
}

/// The last path component of what the client called the file, so that no path travels on.
fn clean_file_name(name: &str) -> AppResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    required_text("file", &base, 255)
}

/// The fingerprint of an upload for its idempotency key: the input and the bytes' hash.
#[derive(Serialize)]
struct UploadFingerprint<'a> {
    input: &'a NewEvidence,
    sha256: &'a str,
}

impl Services {
    /// Stores an uploaded file as evidence. `key` makes a retry safe: the same key with the
    /// same input and bytes returns the first row and stores nothing new.
    pub async fn upload_evidence(
        &self,
        actor: &Principal,
        input: NewEvidence,
        file: std::fs::File,
        key: Option<&str>,
    ) -> AppResult<evidence::Model> {
        let county = self.clock.timezone();
        let (file, inspected) = tokio::task::spawn_blocking(move || {
            let mut file = file;
            inspect(&mut file, county).map(|inspected| (file, inspected))
        })
        .await
        .map_err(AppError::internal)??;
        let key = key
            .map(|key| {
                let fingerprint = UploadFingerprint { input: &input, sha256: &inspected.sha256 };
                RequestKey::new(key, "uploadEvidence", &fingerprint)
            })
            .transpose()?;
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.evidence_row(id).await;
        }
        let current = match input.issue_id {
            Some(id) => Some(self.issue_for_step(actor, id, Step::AddEvidence).await?),
            None => {
                authorize_evidence_upload(actor, None)?;
                None
            }
        };
        let file_name = clean_file_name(&input.file_name)?;
        let note = optional_text("note", input.note.as_deref(), 2_000)?;
        check_coordinates(input.latitude, input.longitude)?;
        if input.captured_at.is_some_and(|at| at > self.clock.now() + chrono::Duration::minutes(5)) {
            return Err(AppError::bad_input("capturedAt", "`capturedAt` cannot be in the future"));
        }
        // The client's own values win; the photo's EXIF fills what the client left out.
        let (latitude, longitude) = match (input.latitude, input.longitude) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => (inspected.facts.latitude, inspected.facts.longitude),
        };
        let captured_at = input.captured_at.or(inspected.facts.captured_at);
        self.check_upload_quota(actor, inspected.byte_size).await?;

        self.evidence_store.put_file(&inspected.sha256, file).await?;

        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.evidence_row(id).await,
        };
        if let Some(current) = current {
            let mut change = Change::new(Step::AddEvidence, None);
            change.note = Some(format!("{}: {file_name}", crate::domain::api_name(&input.kind)));
            self.apply_in(&txn, actor, current, change).await?;
        }
        let created = evidence::ActiveModel {
            issue_id: Set(input.issue_id),
            kind: Set(input.kind),
            file_name: Set(file_name),
            content_type: Set(inspected.file_type.content_type().to_owned()),
            byte_size: Set(i64::try_from(inspected.byte_size).map_err(AppError::internal)?),
            sha256: Set(inspected.sha256),
            captured_at: Set(captured_at),
            latitude: Set(latitude),
            longitude: Set(longitude),
            note: Set(note),
            uploaded_by: Set(actor.sub.clone()),
            uploaded_role: Set(actor.role),
            uploaded_at: Set(self.clock.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let id = self.finish_create(txn, claimed, created.id).await?;
        self.evidence_row(id).await
    }

    /// Refuses an upload that would take the subject past its quota of bytes in 24 hours
    /// (RATE_LIMITED): evidence is kept for good, so the budget of one day is what bounds what
    /// a token can pile up. Two uploads racing past the line can both pass; the overshoot is
    /// at most one file each.
    async fn check_upload_quota(&self, actor: &Principal, byte_size: u64) -> AppResult<()> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SimpleExpr};
        use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
        let since = self.clock.now() - chrono::Duration::hours(24);
        let uploaded: Option<i64> = evidence::Entity::find()
            .select_only()
            .expr_as(
                Func::coalesce([
                    SimpleExpr::from(Func::sum(Expr::col(evidence::Column::ByteSize))),
                    SimpleExpr::from(Expr::val(0)),
                ])
                .cast_as(Alias::new("BIGINT")),
                "uploaded",
            )
            .filter(evidence::Column::UploadedBy.eq(actor.sub.as_str()))
            .filter(evidence::Column::UploadedAt.gt(since))
            .into_tuple()
            .one(self.conn())
            .await?;
        let uploaded = u64::try_from(uploaded.unwrap_or(0)).unwrap_or(0);
        if uploaded.saturating_add(byte_size) > self.upload_quota_bytes {
            return Err(AppError::RateLimited(format!(
                "the upload quota of {} bytes a day is spent: {uploaded} bytes uploaded in the last 24 hours",
                self.upload_quota_bytes
            )));
        }
        Ok(())
    }

    async fn evidence_row(&self, id: i64) -> AppResult<evidence::Model> {
        evidence::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("evidence"))
    }

    /// Cites evidence inside the citer's transaction. Every item must exist and be of `issue_id`
    /// (None: of no issue yet, for a suspected problem's inspection).
    pub(crate) async fn cite_evidence(
        &self,
        txn: &DatabaseTransaction,
        evidence_ids: &[i64],
        issue_id: Option<i64>,
        citer: Citer,
    ) -> AppResult<()> {
        let mut seen = HashSet::new();
        let ids: Vec<i64> = evidence_ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if ids.len() > MAX_CITED {
            return Err(AppError::bad_input("evidenceIds", format!("cite at most {MAX_CITED} evidence items")));
        }
        let found: HashMap<i64, evidence::Model> = evidence::Entity::find()
            .filter(evidence::Column::Id.is_in(ids.iter().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        for (n, id) in evidence_ids.iter().enumerate() {
            if found.get(id).is_none_or(|row| row.issue_id != issue_id) {
                let whose = if issue_id.is_some() { "of this issue" } else { "of a suspected problem" };
                return Err(AppError::bad_input(
                    format!("evidenceIds.{n}"),
                    format!("no evidence {whose} has this id"),
                ));
            }
        }
        if issue_id.is_none() {
            // Evidence of a suspected problem documents that one problem: were it cited by two
            // inspections, registering both as issues would show it under an issue it does not
            // belong to.
            let cited_elsewhere = evidence_citation::Entity::find()
                .filter(evidence_citation::Column::EvidenceId.is_in(ids.iter().copied()))
                .filter(evidence_citation::Column::SiteInspectionId.is_not_null())
                .one(txn)
                .await?;
            if let Some(citation) = cited_elsewhere {
                let n = evidence_ids.iter().position(|id| *id == citation.evidence_id).unwrap_or_default();
                return Err(AppError::bad_input(
                    format!("evidenceIds.{n}"),
                    "this evidence already documents another suspected problem",
                ));
            }
        }
        let rows = ids.into_iter().map(|evidence_id| {
            let (report, inspection, event) = match citer {
                Citer::ProgressReport(id) => (Some(id), None, None),
                Citer::SiteInspection(id) => (None, Some(id), None),
                Citer::Event(id) => (None, None, Some(id)),
            };
            evidence_citation::ActiveModel {
                evidence_id: Set(evidence_id),
                progress_report_id: Set(report),
                site_inspection_id: Set(inspection),
                issue_event_id: Set(event),
                ..Default::default()
            }
        });
        evidence_citation::Entity::insert_many(rows).exec(txn).await?;
        Ok(())
    }

    /// When a suspected problem becomes an issue, the evidence its inspection cited follows.
    pub(crate) async fn adopt_inspection_evidence(
        &self,
        txn: &DatabaseTransaction,
        inspection_id: i64,
        issue_id: i64,
    ) -> AppResult<()> {
        let cited: Vec<i64> = evidence_citation::Entity::find()
            .filter(evidence_citation::Column::SiteInspectionId.eq(inspection_id))
            .all(txn)
            .await?
            .into_iter()
            .map(|c| c.evidence_id)
            .collect();
        if cited.is_empty() {
            return Ok(());
        }
        evidence::Entity::update_many()
            .set(evidence::ActiveModel { issue_id: Set(Some(issue_id)), ..Default::default() })
            .filter(evidence::Column::Id.is_in(cited))
            .filter(evidence::Column::IssueId.is_null())
            .exec(txn)
            .await?;
        Ok(())
    }

    /// Evidence with these ids that the actor may see: that of visible issues, and that of
    /// suspected problems for the roles that read them.
    pub async fn evidence_by_ids(&self, actor: &Principal, ids: &[i64]) -> AppResult<HashMap<i64, evidence::Model>> {
        let rows =
            evidence::Entity::find().filter(evidence::Column::Id.is_in(ids.iter().copied())).all(self.conn()).await?;
        self.visible_or_suspected(actor, rows, |r| r.issue_id, |r| r.id).await
    }

    /// Evidence of each issue, newest first (for the loader; the issues are already visible).
    pub async fn evidence_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<evidence::Model>>> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_desc(evidence::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |r| Some((r.issue_id?, r))))
    }

    /// The evidence each citer cites, in upload order (the citers are already visible).
    pub async fn evidence_cited_by(&self, citers: &[Citer]) -> AppResult<HashMap<Citer, Vec<evidence::Model>>> {
        let ids = |pick: fn(&Citer) -> Option<i64>| citers.iter().filter_map(pick).collect::<Vec<i64>>();
        let reports = ids(|c| if let Citer::ProgressReport(id) = c { Some(*id) } else { None });
        let inspections = ids(|c| if let Citer::SiteInspection(id) = c { Some(*id) } else { None });
        let events = ids(|c| if let Citer::Event(id) = c { Some(*id) } else { None });
        let citations = evidence_citation::Entity::find()
            .filter(
                Condition::any()
                    .add(evidence_citation::Column::ProgressReportId.is_in(reports))
                    .add(evidence_citation::Column::SiteInspectionId.is_in(inspections))
                    .add(evidence_citation::Column::IssueEventId.is_in(events)),
            )
            .all(self.conn())
            .await?;
        let rows: HashMap<i64, evidence::Model> = evidence::Entity::find()
            .filter(evidence::Column::Id.is_in(citations.iter().map(|c| c.evidence_id)))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut cited = group_by(citations, |c| {
            let citer = match (c.progress_report_id, c.site_inspection_id, c.issue_event_id) {
                (Some(id), _, _) => Citer::ProgressReport(id),
                (_, Some(id), _) => Citer::SiteInspection(id),
                (_, _, Some(id)) => Citer::Event(id),
                _ => return None,
            };
            Some((citer, rows.get(&c.evidence_id)?.clone()))
        });
        for list in cited.values_mut() {
            list.sort_by_key(|e| e.id);
        }
        Ok(cited)
    }

    /// The bytes of visible evidence, as a stream; NOT_FOUND for anything else.
    pub async fn evidence_file(
        &self,
        actor: &Principal,
        id: i64,
    ) -> AppResult<(evidence::Model, futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>)> {
        let found =
            self.evidence_by_ids(actor, &[id]).await?.remove(&id).ok_or_else(|| AppError::not_found("evidence"))?;
        let bytes = self.evidence_store.read(&found.sha256).await?;
        Ok((found, bytes))
    }
}
