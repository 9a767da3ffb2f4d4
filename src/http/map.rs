//! `GET /map/issues.geojson`: the battle map (挂图作战) as an RFC 7946 FeatureCollection, one
//! point per visible issue with a place, coloured by its warning light. Streamed a page at a
//! time like the CSV ledger, with the same filters.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::{StreamExt, stream};
use serde_json::json;

use super::{GraphqlState, filter_params, gate, json_error};
use crate::domain::api_name;
use crate::graphql::ids::{NodeKind, encode};
use crate::service::ledger::LedgerRow;

pub const CONTENT_TYPE: &str = "application/geo+json";

/// One feature; `None` for an issue without both coordinates (the reader leaves those out).
fn feature(row: &LedgerRow) -> Option<serde_json::Value> {
    let (latitude, longitude) = (row.latitude?, row.longitude?);
    let id = encode(NodeKind::Issue, row.id);
    Some(json!({
        "type": "Feature",
        "id": id,
        // GeoJSON puts longitude first, unlike the way places are usually spoken of.
        "geometry": { "type": "Point", "coordinates": [longitude, latitude] },
        "properties": {
            "id": id,
            "code": row.code,
            "title": row.title,
            "status": api_name(&row.status),
            "severity": api_name(&row.severity),
            "leadDepartment": row.lead_department,
            "deadline": row.deadline.map(|day| day.to_string()),
            "overdue": row.overdue,
            "warningLight": row.warning_light.map(|light| light.api_name()),
        },
    }))
}

/// Appends the features of `rows`, each after a comma but the very first.
fn features(out: &mut Vec<u8>, written: &mut u64, rows: &[LedgerRow]) {
    for value in rows.iter().filter_map(feature) {
        if *written > 0 {
            out.extend_from_slice(b",\n");
        }
        *written += 1;
        out.extend_from_slice(value.to_string().as_bytes());
    }
}

/// The first page is read before answering, so that a failing database gets a 500; a later
/// failure cuts the body short, which leaves JSON that no client mistakes for a whole map.
pub async fn issues_geojson(request: HttpRequest, state: web::Data<GraphqlState>) -> HttpResponse {
    let principal = match gate::admit(&request, &state.services).await {
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
    features(&mut head, &mut written, &first);
    let rest = stream::try_unfold((reader, written), |(mut reader, mut written)| async move {
        match reader.next_page().await {
            Ok(Some(rows)) => {
                let mut chunk = Vec::new();
                features(&mut chunk, &mut written, &rows);
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
