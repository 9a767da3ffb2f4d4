//! Evidence: an uploaded photo or document, and where its bytes can be fetched.

use async_graphql::{Context, ID, Object};

use crate::graphql::context::ContextExt;
use chrono::{DateTime, Utc};
use entity::evidence;

use super::connection::connection;
use super::enums::{EvidenceDoubt, EvidenceKind, Role};
use super::issue::Issue;
use crate::domain::distance::Point;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{CitedEvidenceLoader, VisibleIssueLoader};
use crate::service::evidence::Citer;

/// A photo or document (整改佐证材料) uploaded for an issue or a suspected problem.
#[derive(Clone)]
pub struct Evidence(pub evidence::Model);

/// A photo or document (整改佐证材料) uploaded for an issue or a suspected problem.
#[Object]
impl Evidence {
    /// The global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Evidence, self.0.id)
    }
    /// The issue it documents; none while it documents a suspected problem not yet registered.
    async fn issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Issue>> {
        match self.0.issue_id {
            Some(id) => Ok(ctx.loader::<VisibleIssueLoader>()?.load_one(id).await?.map(Issue)),
            None => Ok(None),
        }
    }
    /// Metres from where it was taken (its `latitude` and `longitude`) to its issue's place,
    /// measured as `IssueFilter.near` measures; null when either place is unknown, and for a
    /// suspected problem's evidence.
    async fn distance_from_site_meters(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<f64>> {
        let (Some(issue_id), Some(latitude), Some(longitude)) = (self.0.issue_id, self.0.latitude, self.0.longitude)
        else {
            return Ok(None);
        };
        let Some(issue) = ctx.loader::<VisibleIssueLoader>()?.load_one(issue_id).await? else { return Ok(None) };
        let (Some(site_latitude), Some(site_longitude)) = (issue.latitude, issue.longitude) else { return Ok(None) };
        let site = Point { latitude: site_latitude, longitude: site_longitude };
        Ok(Some(site.distance_to(Point { latitude, longitude })))
    }
    /// What may make it doubtful as proof of the site: taken far from it, or long before its
    /// upload. Empty when nothing is doubted or nothing is known (no GPS, no capture time).
    async fn doubts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EvidenceDoubt>> {
        let distance = self.distance_from_site_meters(ctx).await?;
        let rule = ctx.services()?.evidence_doubts;
        Ok(rule.doubts(distance, self.0.captured_at, self.0.uploaded_at).into_iter().map(Into::into).collect())
    }
    /// What it shows.
    async fn kind(&self) -> EvidenceKind {
        self.0.kind.into()
    }
    /// The file name the client gave (without any folder).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// The real type, judged from the bytes: `image/jpeg`, `image/png`, `image/webp`,
    /// `image/heic` or `application/pdf`.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// The size in bytes.
    async fn byte_size(&self) -> u64 {
        self.0.byte_size.unsigned_abs()
    }
    /// The SHA-256 of the bytes, in lowercase hex; also the file's ETag.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// When it was captured: as the client said, else from the photo's EXIF, else unknown.
    async fn captured_at(&self) -> Option<DateTime<Utc>> {
        self.0.captured_at
    }
    /// Latitude (WGS 84) where it was captured: as the client said, else from EXIF GPS.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS 84) where it was captured: as the client said, else from EXIF GPS.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// The uploader's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The subject of the token that uploaded it.
    async fn uploaded_by(&self) -> &str {
        &self.0.uploaded_by
    }
    /// The role the uploader acted in.
    async fn uploaded_role(&self) -> Role {
        self.0.uploaded_role.into()
    }
    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.uploaded_at
    }
    /// Where to download the bytes (`GET`, with the same bearer token), relative to the server.
    async fn url(&self) -> String {
        format!("/evidence/{}", encode(NodeKind::Evidence, self.0.id).as_str())
    }
}

connection!(EvidenceConnection, EvidenceEdge, Evidence, "A page of evidence.", "Evidence in a page, with its cursor.");

/// The evidence a progress report, site inspection or acceptance request cites, in upload order.
pub async fn cited(ctx: &Context<'_>, citer: Citer) -> async_graphql::Result<Vec<Evidence>> {
    let found = ctx.loader::<CitedEvidenceLoader>()?.load_one(citer).await?.unwrap_or_default();
    Ok(found.into_iter().map(Evidence).collect())
}
