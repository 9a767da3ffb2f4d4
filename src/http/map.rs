//! `GET /map/issues.geojson`: the battle map (挂图作战) as an RFC 7946 FeatureCollection, one
//! point per visible issue with a place, coloured by its warning light. Streamed a page at a
//! time like the CSV ledger, with the same filters. Values come with their labels in the
//! language of the request's `Accept-Language` (Chinese unless it asks for English).

use std::borrow::Cow;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use entity::enums::{IssueStatus, Severity};
use futures_util::{StreamExt, stream};
use serde::Serialize;

use super::accept_language::request_locale;
use super::{GraphqlState, filter_params, gate, json_error};
use crate::domain::labels::{self, Locale};
use crate::graphql::ids::{NodeKind, encode};
use crate::service::cost_budget::MAP_COST;
use crate::service::ledger::LedgerRow;

pub const CONTENT_TYPE: &str = "application/geo+json";

/// One point feature. Typed rather than built as a JSON value so that members come in the
/// order people read GeoJSON in (`type` first), and a page costs no intermediate trees.
#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    geometry: Point,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    /// GeoJSON puts longitude first, unlike the way places are usually spoken of.
    coordinates: [f64; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    id: &'a str,
    code: &'a str,
    title: &'a str,
    status: IssueStatus,
    /// Each value's label beside it, in the request's language, for a map's legend and tips.
    status_label: Cow<'static, str>,
    severity: Severity,
    severity_label: Cow<'static, str>,
    lead_department: Option<&'a str>,
    deadline: Option<NaiveDate>,
    overdue: bool,
    overdue_label: &'static str,
    warning_light: &'static str,
    warning_light_label: &'static str,
    warning_reasons: Vec<String>,
}

/// Writes one feature; an issue without both coordinates (the reader leaves those out) has
/// no place on a map and writes nothing.
fn write_feature(out: &mut Vec<u8>, row: &LedgerRow, locale: Locale) -> bool {
    let (Some(latitude), Some(longitude)) = (row.latitude, row.longitude) else { return false };
    let id = encode(NodeKind::Issue, row.id);
    let feature = Feature {
        kind: "Feature",
        id: id.as_str(),
        geometry: Point { kind: "Point", coordinates: [longitude, latitude] },
        properties: Properties {
            id: id.as_str(),
            code: &row.code,
            title: &row.title,
            status: row.status,
            status_label: labels::label_of("IssueStatus", &row.status, locale),
            severity: row.severity,
            severity_label: labels::label_of("Severity", &row.severity, locale),
            lead_department: row.lead_department.as_deref(),
            deadline: row.deadline,
            overdue: row.overdue,
            overdue_label: labels::yes_no(row.overdue, locale),
            warning_light: row.warning.light.api_name(),
            warning_light_label: labels::label("WarningLight", row.warning.light.api_name(), locale)
                .unwrap_or(row.warning.light.api_name()),
            warning_reasons: row.warning.reasons.iter().map(ToString::to_string).collect(),
        },
    };
    // Serialising these plain fields into memory cannot fail.
    serde_json::to_writer(out, &feature).is_ok()
}

/// Appends the features of `rows`, each after a comma but the very first.
fn features(out: &mut Vec<u8>, written: &mut u64, rows: &[LedgerRow], locale: Locale) {
    for row in rows {
        let mark = out.len();
        if *written > 0 {
            out.extend_from_slice(b",\n");
        }
        if write_feature(out, row, locale) {
            *written += 1;
        } else {
            out.truncate(mark);
        }
    }
}

/// The first page is read before answering, so that a failing database gets a 500; a later
/// failure cuts the body short, which leaves JSON that no client mistakes for a whole map.
pub async fn issues_geojson(request: HttpRequest, state: web::Data<GraphqlState>) -> HttpResponse {
    let principal = match gate::admit(&request, &state, MAP_COST).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    let reader = filter_params::issue_filter(request.query_string())
        .and_then(|filter| state.services.located_ledger(&principal, &filter));
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(error) => return json_error::reply(error),
    };
    let first = match reader.next_page().await {
        Ok(page) => page.unwrap_or_default(),
        Err(error) => return json_error::reply(error),
    };
    let mut head = br#"{"type":"FeatureCollection","features":["#.to_vec();
    let mut written = 0;
    let locale = request_locale(&request);
    features(&mut head, &mut written, &first, locale);
    let rest = stream::try_unfold((reader, written), move |(mut reader, mut written)| async move {
        match reader.next_page().await {
            Ok(Some(rows)) => {
                let mut chunk = Vec::new();
                features(&mut chunk, &mut written, &rows, locale);
                Ok(Some((Bytes::from(chunk), (reader, written))))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                error.log();
                Err(actix_web::error::ErrorInternalServerError("the map was interrupted"))
            }
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(head)) })
        .chain(rest)
        .chain(stream::once(async { Ok(Bytes::from_static(b"]}")) }));
    HttpResponse::Ok().content_type(CONTENT_TYPE).insert_header((header::CACHE_CONTROL, "no-store")).streaming(body)
}
