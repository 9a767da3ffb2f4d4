//! Evidence uploads end to end: real JPEG and PNG bytes through the multipart endpoint, read
//! back byte for byte; sniffing, EXIF, the size limit, retries, visibility, and proof for
//! acceptance.

use exif::{Field, In, Rational, Tag, Value as ExifValue};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

/// A real 16×16 JPEG whose EXIF says it was taken on 20 November 2026 at 10:15:30 (county
/// time, no offset) at 30°37'12.34"N 104°4'30"E.
fn jpeg_with_exif() -> Vec<u8> {
    let ascii = |tag, text: &str| Field { tag, ifd_num: In::PRIMARY, value: ExifValue::Ascii(vec![text.into()]) };
    let dms = |tag, d, m, s_hundredths| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: ExifValue::Rational(vec![
            Rational { num: d, denom: 1 },
            Rational { num: m, denom: 1 },
            Rational { num: s_hundredths, denom: 100 },
        ]),
    };
    let fields = [
        ascii(Tag::DateTimeOriginal, "2026:11:20 10:15:30"),
        ascii(Tag::GPSLatitudeRef, "N"),
        dms(Tag::GPSLatitude, 30, 37, 1234),
        ascii(Tag::GPSLongitudeRef, "E"),
        dms(Tag::GPSLongitude, 104, 4, 3000),
    ];
    let mut writer = exif::experimental::Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF written");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff.into_inner());

    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 85);
    encoder.add_app_segment(1, app1).expect("APP1 added");
    let pixels: Vec<u8> = (0..16 * 16).flat_map(|n| [(n % 16 * 16) as u8, 120, (n / 16 * 16) as u8]).collect();
    encoder.encode(&pixels, 16, 16, jpeg_encoder::ColorType::Rgb).expect("JPEG encoded");
    jpeg
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Files in the evidence store (not counting directories).
fn stored_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    count(&app.evidence_dir)
}

async fn download(app: &TestApp, token: Option<&str>, url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{url}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    request.send().await.expect("the download is sent")
}

const EVIDENCE_OF: &str = "query($id: ID!) { issue(id: $id) { evidence { totalCount nodes { id fileName } } events { nodes { action note } } } }";

async fn assigned(app: &TestApp, county: &County, code: &str) -> String {
    let issue = app.register(county, code).await;
    app.assign(county, &issue, &county_date(30)).await.ok();
    issue
}

fn actions(reply: &Reply, path: &str) -> Vec<String> {
    reply.data(path).as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_jpeg_and_a_png_come_back_byte_for_byte_with_time_and_place_from_exif_or_the_client() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let water = app.department("WATER");
    let issue = assigned(&app, &county, "EV-1").await;

    let jpeg = jpeg_with_exif();
    let photo = app
        .upload(
            &water,
            json!({ "issueId": issue, "kind": "PHOTO_BEFORE", "note": "Outfall" }),
            "outfall.JPG",
            jpeg.clone(),
        )
        .await
        .ok();
    let evidence = photo.data("uploadEvidence.evidence");
    assert_eq!(evidence["contentType"], "image/jpeg");
    assert_eq!(evidence["byteSize"], jpeg.len());
    assert_eq!(evidence["sha256"], sha256_hex(&jpeg).as_str());
    assert_eq!(evidence["fileName"], "outfall.JPG");
    assert_eq!(evidence["uploadedBy"], "water-officer");
    assert_eq!(evidence["issue"]["code"], "EV-1");
    // County time (UTC+8) without an EXIF offset.
    assert_eq!(evidence["capturedAt"], "2026-11-20T02:15:30+00:00");
    let (lat, lon) = (evidence["latitude"].as_f64().unwrap(), evidence["longitude"].as_f64().unwrap());
    assert!((lat - (30.0 + 37.0 / 60.0 + 12.34 / 3600.0)).abs() < 1e-6, "{lat}");
    assert!((lon - (104.0 + 4.0 / 60.0 + 30.0 / 3600.0)).abs() < 1e-6, "{lon}");

    let url = evidence["url"].as_str().unwrap().to_owned();
    let got = download(&app, Some(&water), &url, None).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    let etag = got.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", sha256_hex(&jpeg)));
    assert_eq!(got.bytes().await.unwrap().as_ref(), jpeg.as_slice());
    let again = download(&app, Some(&water), &url, Some(&etag)).await;
    assert_eq!(again.status(), 304);
    let head = app.client.head(format!("{}{url}", app.address)).bearer_auth(&water).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(head.headers()["content-length"].to_str().unwrap(), jpeg.len().to_string());
    assert!(head.bytes().await.unwrap().is_empty());

    // The client's own time and place win over the photo's; a PNG has none anyway.
    let png = app
        .upload(
            &water,
            json!({ "issueId": issue, "kind": "PHOTO_AFTER", "capturedAt": "2026-11-21T01:00:00Z", "latitude": 30.1, "longitude": 104.2 }),
            "after.png",
            PROOF_PNG.to_vec(),
        )
        .await
        .ok();
    let evidence = png.data("uploadEvidence.evidence");
    assert_eq!(evidence["contentType"], "image/png");
    assert_eq!(evidence["capturedAt"], "2026-11-21T01:00:00+00:00");
    assert_eq!(evidence["latitude"], 30.1);
    let got = download(&app, Some(&water), evidence["url"].as_str().unwrap(), None).await;
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PROOF_PNG);

    let listed = app.gql(Some(&app.bureau()), EVIDENCE_OF, json!({ "id": issue })).await.ok();
    assert_eq!(listed.data("issue.evidence.totalCount"), 2);
    assert_eq!(listed.data("issue.evidence.nodes.0.fileName"), "after.png", "newest first");
    let added = actions(&listed, "issue.events.nodes").iter().filter(|a| *a == "EVIDENCE_ADDED").count();
    assert_eq!(added, 2);
    assert_eq!(stored_files(&app), 2);
}

/// A JPEG whose EXIF piexif wrote (tests/fixtures/piexif_gps.py): its Exif and GPS IFDs lack
/// the "next IFD" offset, which exiftool and Pillow read past; so must the upload.
#[tokio::test]
async fn a_photo_tagged_by_piexif_gives_its_time_and_place() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-PIEXIF").await;
    let jpeg = include_bytes!("../fixtures/piexif-gps.jpg").to_vec();
    let photo = app
        .upload(&app.department("WATER"), json!({ "issueId": issue, "kind": "PHOTO_BEFORE" }), "piexif.jpg", jpeg)
        .await
        .ok();
    let evidence = photo.data("uploadEvidence.evidence");
    // 30°7'12"N 114°19'48"E, taken at 09:30 county time (UTC+8).
    assert_eq!(evidence["capturedAt"], "2026-03-15T01:30:00+00:00");
    let (lat, lon) = (evidence["latitude"].as_f64().unwrap(), evidence["longitude"].as_f64().unwrap());
    assert!((lat - 30.12).abs() < 1e-6, "{lat}");
    assert!((lon - 114.33).abs() < 1e-6, "{lon}");
    // And as stored, not only as answered.
    let id = evidence["id"].as_str().unwrap().to_owned();
    let read = app
        .gql(
            Some(&app.bureau()),
            "query($id: ID!) { node(id: $id) { ... on Evidence { latitude longitude } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert!((read.data("node.latitude").as_f64().unwrap() - 30.12).abs() < 1e-6);
    assert!((read.data("node.longitude").as_f64().unwrap() - 114.33).abs() < 1e-6);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once_whoever_uploads_them() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (first, second) = (assigned(&app, &county, "EV-2").await, assigned(&app, &county, "EV-3").await);
    let water = app.department("WATER");
    let a = app.upload(&water, json!({ "issueId": first, "kind": "OTHER" }), "a.png", PROOF_PNG.to_vec()).await.ok();
    let b = app
        .upload(&app.bureau(), json!({ "issueId": second, "kind": "OTHER" }), "b.png", PROOF_PNG.to_vec())
        .await
        .ok();
    assert_ne!(a.data("uploadEvidence.evidence.id"), b.data("uploadEvidence.evidence.id"));
    assert_eq!(a.data("uploadEvidence.evidence.sha256"), b.data("uploadEvidence.evidence.sha256"));
    assert_eq!(stored_files(&app), 1);
}

#[tokio::test]
async fn an_oversized_file_is_refused_while_it_streams_and_nothing_is_stored() {
    let app = spawn_app_with(|s| s.limits.max_upload_bytes = 64 * 1024).await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-4").await;
    let mut big = jpeg_with_exif();
    big.resize(200 * 1024, 0);
    let reply =
        app.upload(&app.department("WATER"), json!({ "issueId": issue, "kind": "OTHER" }), "big.jpg", big).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    assert!(reply.body["errors"][0]["message"].as_str().unwrap().contains("65536"));
    let listed = app.gql(Some(&app.bureau()), EVIDENCE_OF, json!({ "id": issue })).await.ok();
    assert_eq!(listed.data("issue.evidence.totalCount"), 0);
    assert!(!actions(&listed, "issue.events.nodes").contains(&"EVIDENCE_ADDED".to_owned()));
    assert_eq!(stored_files(&app), 0);
    // Just under the limit is fine.
    let mut fits = jpeg_with_exif();
    fits.resize(64 * 1024, 0);
    app.upload(&app.department("WATER"), json!({ "issueId": issue, "kind": "OTHER" }), "fits.jpg", fits).await.ok();
}

#[tokio::test]
async fn a_text_file_named_like_a_photo_is_refused_by_its_content() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-5").await;
    let text = b"This is not a photo, whatever its name says.".to_vec();
    let reply = app
        .upload(&app.department("WATER"), json!({ "issueId": issue, "kind": "PHOTO_AFTER" }), "photo.jpg", text)
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    assert_eq!(reply.field(), "input.file");
    assert!(reply.body["errors"][0]["message"].as_str().unwrap().contains("JPEG"));
    let listed = app.gql(Some(&app.bureau()), EVIDENCE_OF, json!({ "id": issue })).await.ok();
    assert_eq!(listed.data("issue.evidence.totalCount"), 0);
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn a_retried_upload_lands_once_and_a_reused_key_with_other_bytes_conflicts() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-6").await;
    let water = app.department("WATER");
    let input = json!({ "issueId": issue, "kind": "PHOTO_BEFORE", "idempotencyKey": "phone-42-photo-1" });
    let first = app.upload(&water, input.clone(), "p.jpg", jpeg_with_exif()).await.ok();
    let retry = app.upload(&water, input.clone(), "p.jpg", jpeg_with_exif()).await.ok();
    assert_eq!(first.data("uploadEvidence.evidence.id"), retry.data("uploadEvidence.evidence.id"));
    let other = app.upload(&water, input, "p.jpg", PROOF_PNG.to_vec()).await;
    assert_eq!(other.code(), "CONFLICT");
    let listed = app.gql(Some(&app.bureau()), EVIDENCE_OF, json!({ "id": issue })).await.ok();
    assert_eq!(listed.data("issue.evidence.totalCount"), 1);
    let added = actions(&listed, "issue.events.nodes").iter().filter(|a| *a == "EVIDENCE_ADDED").count();
    assert_eq!(added, 1);
}

#[tokio::test]
async fn identical_uploads_racing_write_one_row_and_get_one_answer() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-7").await;
    let water = app.department("WATER");
    let input = json!({ "issueId": issue, "kind": "PHOTO_BEFORE", "idempotencyKey": "race-1" });
    let jpeg = jpeg_with_exif();
    let uploads = (0..8).map(|_| app.upload(&water, input.clone(), "race.jpg", jpeg.clone()));
    let replies = futures_util::future::join_all(uploads).await;
    let ids: std::collections::HashSet<String> =
        replies.into_iter().map(|r| r.ok().data("uploadEvidence.evidence.id").as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 1);
    let listed = app.gql(Some(&app.bureau()), EVIDENCE_OF, json!({ "id": issue })).await.ok();
    assert_eq!(listed.data("issue.evidence.totalCount"), 1);
}

#[tokio::test]
async fn evidence_is_seen_exactly_by_those_who_see_its_issue() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-8").await;
    let uploaded = app
        .upload(
            &app.department("WATER"),
            json!({ "issueId": issue, "kind": "DOCUMENT" }),
            "plan.png",
            PROOF_PNG.to_vec(),
        )
        .await
        .ok();
    let (id, url) = (
        uploaded.data("uploadEvidence.evidence.id").as_str().unwrap().to_owned(),
        uploaded.data("uploadEvidence.evidence.url").as_str().unwrap().to_owned(),
    );
    // HOUSING cooperates, the bureau and a superior see everything.
    let superior = app.token(entity::enums::Role::Superior, "city", None);
    for token in [app.department("HOUSING"), app.bureau(), superior] {
        assert_eq!(download(&app, Some(&token), &url, None).await.status(), 200);
    }
    // AGRI has nothing to do with the issue: to AGRI the file does not exist.
    let agri = app.department("AGRI");
    let refused = download(&app, Some(&agri), &url, None).await;
    assert_eq!(refused.status(), 404);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let node = app.gql(Some(&agri), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await.ok();
    assert_eq!(node.data("node"), &Value::Null);
    // Not an evidence id at all: the same 404. No token: 401.
    assert_eq!(download(&app, Some(&agri), &format!("/evidence/{}", node_id("Issue", 1)), None).await.status(), 404);
    assert_eq!(download(&app, None, &url, None).await.status(), 401);
}

#[tokio::test]
async fn uploads_come_from_the_responsible_departments_and_inspectors_only() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-9").await;
    let input = json!({ "issueId": issue, "kind": "OTHER" });
    let inspector = app.token(entity::enums::Role::Inspector, "inspector-li", None);
    for token in [app.department("WATER"), app.department("HOUSING"), app.bureau(), inspector] {
        app.upload(&token, input.clone(), "ok.png", PROOF_PNG.to_vec()).await.ok();
    }
    for role in [entity::enums::Role::Leader, entity::enums::Role::Superior, entity::enums::Role::Admin] {
        let reply = app.upload(&app.token(role, "someone", None), input.clone(), "no.png", PROOF_PNG.to_vec()).await;
        assert_eq!(reply.code(), "FORBIDDEN", "{role:?}");
    }
    let stranger = app.upload(&app.department("AGRI"), input, "no.png", PROOF_PNG.to_vec()).await;
    assert_eq!(stranger.code(), "NOT_FOUND");
    let no_issue = app.upload(&app.department("WATER"), json!({ "kind": "OTHER" }), "no.png", PROOF_PNG.to_vec()).await;
    assert_eq!(no_issue.code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_multipart_request_without_a_preflight_header_or_a_token_is_refused_before_anything_is_stored() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-10").await;
    let form = || {
        let operations = json!({
            "query": "mutation($input: UploadEvidenceInput!) { uploadEvidence(input: $input) { evidence { id } } }",
            "variables": { "input": { "issueId": issue, "kind": "OTHER", "file": null } },
        });
        reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{ "0": ["variables.input.file"] }"#)
            .part("0", reqwest::multipart::Part::bytes(PROOF_PNG.to_vec()).file_name("x.png"))
    };
    let url = format!("{}/graphql", app.address);
    let no_header = app.client.post(&url).bearer_auth(app.department("WATER")).multipart(form()).send().await.unwrap();
    assert_eq!(no_header.status(), 400);
    let body: Value = no_header.json().await.unwrap();
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("GraphQL-Require-Preflight"));
    let anonymous =
        app.client.post(&url).header("GraphQL-Require-Preflight", "1").multipart(form()).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn acceptance_needs_proof_of_its_own_issue_and_the_request_shows_it() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let water = app.department("WATER");
    let (issue, other) = (assigned(&app, &county, "EV-11").await, assigned(&app, &county, "EV-12").await);
    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let request = |evidence: Value| json!({ "issueId": issue, "summary": "Done", "evidenceIds": evidence });

    let none = app.mutate(&water, "requestAcceptance", request(json!([])), "issue { status }").await;
    assert_eq!(none.code(), "BAD_USER_INPUT");
    assert_eq!(none.field(), "input.evidenceIds");
    let elsewhere = app.proof(&water, &other).await;
    let wrong = app.mutate(&water, "requestAcceptance", request(json!([elsewhere])), "issue { status }").await;
    assert_eq!(wrong.code(), "BAD_USER_INPUT");
    assert_eq!(wrong.field(), "input.evidenceIds.0");

    let proof = app.proof(&water, &issue).await;
    let selection = "issue { status events(last: 1) { nodes { action evidence { id fileName } } } }";
    let done = app.mutate(&water, "requestAcceptance", request(json!([proof])), selection).await.ok();
    assert_eq!(done.data("requestAcceptance.issue.status"), "AWAITING_ACCEPTANCE");
    assert_eq!(done.data("requestAcceptance.issue.events.nodes.0.action"), "ACCEPTANCE_REQUESTED");
    assert_eq!(done.data("requestAcceptance.issue.events.nodes.0.evidence.0.id"), proof.as_str());
}

#[tokio::test]
async fn reports_and_inspections_carry_their_evidence_and_a_suspected_problem_brings_its_own() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (water, bureau) = (app.department("WATER"), app.bureau());
    let issue = assigned(&app, &county, "EV-13").await;
    let photo = app.proof(&water, &issue).await;
    let report = app
        .mutate(
            &water,
            "submitProgressReport",
            json!({ "issueId": issue, "content": "Pipes laid", "percentComplete": 40, "evidenceIds": [photo] }),
            "progressReport { evidence { id } }",
        )
        .await
        .ok();
    assert_eq!(report.data("submitProgressReport.progressReport.evidence.0.id"), photo.as_str());

    // An inspector photographs a suspected problem before it is an issue.
    let inspector = app.token(entity::enums::Role::Inspector, "inspector-li", None);
    let found = app.upload(&inspector, json!({ "kind": "PHOTO_BEFORE" }), "culvert.jpg", jpeg_with_exif()).await.ok();
    let found = found.data("uploadEvidence.evidence.id").as_str().unwrap().to_owned();
    let inspection = app
        .mutate(
            &inspector,
            "recordSiteInspection",
            json!({ "latitude": 30.6, "longitude": 104.1, "observedAt": "2026-11-20T02:00:00Z", "findings": "Black water", "result": "NON_COMPLIANT", "evidenceIds": [found] }),
            "siteInspection { id evidence { id issue { code } } }",
        )
        .await
        .ok();
    assert_eq!(inspection.data("recordSiteInspection.siteInspection.evidence.0.id"), found.as_str());
    assert_eq!(inspection.data("recordSiteInspection.siteInspection.evidence.0.issue"), &Value::Null);
    // Evidence of an issue cannot be passed off as a suspected problem's, nor the reverse.
    let mixed = app
        .mutate(
            &inspector,
            "recordSiteInspection",
            json!({ "latitude": 30.6, "longitude": 104.1, "observedAt": "2026-11-20T02:00:00Z", "findings": "x", "result": "NON_COMPLIANT", "evidenceIds": [photo] }),
            "siteInspection { id }",
        )
        .await;
    assert_eq!(mixed.code(), "BAD_USER_INPUT");

    // The same photo cannot document a second suspected problem.
    let twice = app
        .mutate(
            &inspector,
            "recordSiteInspection",
            json!({ "latitude": 30.6, "longitude": 104.1, "observedAt": "2026-11-20T02:00:00Z", "findings": "again", "result": "NON_COMPLIANT", "evidenceIds": [found] }),
            "siteInspection { id }",
        )
        .await;
    assert_eq!(twice.code(), "BAD_USER_INPUT");
    assert_eq!(twice.field(), "input.evidenceIds.0");

    let inspection_id = inspection.data("recordSiteInspection.siteInspection.id").clone();
    let registered = app
        .mutate(
            &bureau,
            "registerIssue",
            json!({ "code": "EV-14", "title": "Culvert", "description": "Found on site", "roundId": county.round, "categoryId": county.category, "severity": "GENERAL", "siteInspectionId": inspection_id }),
            "issue { code evidence { nodes { id issue { code } } } }",
        )
        .await
        .ok();
    assert_eq!(registered.data("registerIssue.issue.evidence.nodes.0.id"), found.as_str());
    assert_eq!(registered.data("registerIssue.issue.evidence.nodes.0.issue.code"), "EV-14");
}

#[tokio::test]
async fn uploads_are_priced_by_their_bytes_and_bounded_by_a_daily_quota() {
    let app = spawn_app_with(|s| s.limits.upload_quota_bytes = 600 * 1024).await;
    let county = seed_county(&app).await;
    let issue = assigned(&app, &county, "EV-Q").await;
    let water = app.department("WATER");
    let cost = |reply: &Reply| reply.body["extensions"]["cost"]["requestedQueryCost"].as_u64().unwrap();
    let small =
        app.upload(&water, json!({ "issueId": issue, "kind": "OTHER" }), "small.jpg", jpeg_with_exif()).await.ok();
    let mut big = jpeg_with_exif();
    big.resize(512 * 1024, 0);
    let large = app.upload(&water, json!({ "issueId": issue, "kind": "OTHER" }), "large.jpg", big.clone()).await.ok();
    assert!(
        cost(&large) >= cost(&small) + 31,
        "half a MiB costs 32 units more: {} against {}",
        cost(&large),
        cost(&small)
    );

    // 512 KiB and a little are spent of 600 KiB: another half MiB is over the day's quota.
    big[600] ^= 1; // other bytes, so that it is not the same file again
    let refused = app.upload(&water, json!({ "issueId": issue, "kind": "OTHER" }), "again.jpg", big).await;
    assert_eq!(refused.code(), "RATE_LIMITED", "{}", refused.body);
    assert_eq!(stored_files(&app), 2, "nothing was stored for the refused upload");
    let others =
        app.upload(&app.bureau(), json!({ "issueId": issue, "kind": "OTHER" }), "b.png", PROOF_PNG.to_vec()).await;
    others.ok();
}

#[tokio::test]
async fn the_bureau_sees_which_photos_of_an_acceptance_request_were_taken_far_away_or_long_ago() {
    let app = spawn_app_with(|settings| {
        settings.county.evidence_far_meters = 1_000;
        settings.county.evidence_stale_days = 45;
    })
    .await;
    let county = seed_county(&app).await;
    // The issue's place is 30.5 N, 104.1 E.
    let issue = assigned(&app, &county, "EV-SITE").await;
    let water = app.department("WATER");
    let days_ago = |days: i64| (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    let mut proofs = Vec::new();
    for input in [
        // About 100 m north, yesterday.
        json!({ "issueId": issue, "kind": "PHOTO_AFTER", "latitude": 30.5009, "longitude": 104.1, "capturedAt": days_ago(1) }),
        // About 2.2 km north, two months ago.
        json!({ "issueId": issue, "kind": "PHOTO_AFTER", "latitude": 30.52, "longitude": 104.1, "capturedAt": days_ago(60) }),
        // Nothing known of where or when.
        json!({ "issueId": issue, "kind": "PHOTO_AFTER" }),
    ] {
        let reply = app.upload(&water, input, "after.png", PROOF_PNG.to_vec()).await.ok();
        proofs.push(reply.data("uploadEvidence.evidence.id").as_str().unwrap().to_owned());
    }
    app.mutate(&water, "startRectification", json!({ "issueId": issue, "plan": "p" }), "issue { id }").await.ok();
    let request = json!({ "issueId": issue, "summary": "done", "evidenceIds": proofs });
    app.mutate(&water, "requestAcceptance", request, "issue { id }").await.ok();

    let query =
        "query($id: ID!) { issue(id: $id) { events { nodes { action evidence { distanceFromSiteMeters doubts } } } } }";
    let reply = app.gql(Some(&app.bureau()), query, json!({ "id": issue })).await.ok();
    let events = reply.data("issue.events.nodes").as_array().unwrap().clone();
    let requested = events.iter().find(|event| event["action"] == "ACCEPTANCE_REQUESTED").expect("the request");
    let evidence = requested["evidence"].as_array().unwrap();
    let metres: Vec<Option<f64>> = evidence.iter().map(|e| e["distanceFromSiteMeters"].as_f64()).collect();
    assert!((metres[0].unwrap() - 100.0).abs() < 1.0, "{metres:?}");
    assert!((metres[1].unwrap() - 2_224.0).abs() < 2.0, "{metres:?}");
    assert_eq!(metres[2], None);
    let doubts: Vec<&Value> = evidence.iter().map(|e| &e["doubts"]).collect();
    assert_eq!(doubts, [&json!([]), &json!(["FAR_FROM_SITE", "TAKEN_LONG_BEFORE_UPLOAD"]), &json!([])]);
}
