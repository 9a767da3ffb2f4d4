//! GraphQL multipart requests (the upload specification): `operations`, then `map`, then the
//! files. Each file is spooled to an anonymous temporary file as it arrives and refused the
//! moment it passes `RECTIFY_MAX_UPLOAD_BYTES`, so memory does not grow with file size and a
//! refused upload leaves nothing behind.

use std::collections::HashMap;
use std::io::Seek;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, web};
use async_graphql::UploadValue;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use multer::{Constraints, Multipart, SizeLimit};
use tokio::io::AsyncWriteExt;

/// Files one request may carry.
pub const MAX_FILES: usize = 5;
/// Variables one file may fill.
const MAX_PATHS_PER_FILE: usize = 5;

/// Why a multipart request was refused, as the HTTP status and a message for people.
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal { status: StatusCode::BAD_REQUEST, message: message.into() }
}

fn too_large(message: impl Into<String>) -> Refusal {
    Refusal { status: StatusCode::PAYLOAD_TOO_LARGE, message: message.into() }
}

/// The limits of one request: its JSON parts, and each file.
#[derive(Clone, Copy)]
pub struct UploadLimits {
    pub max_body_bytes: usize,
    pub max_file_bytes: usize,
}

impl UploadLimits {
    fn whole_request(self) -> usize {
        self.max_body_bytes.saturating_mul(2).saturating_add(self.max_file_bytes.saturating_mul(MAX_FILES))
    }

    fn refusal(self, error: multer::Error) -> Refusal {
        match error {
            multer::Error::FieldSizeExceeded { field_name, .. }
                if matches!(field_name.as_deref(), Some("operations" | "map")) =>
            {
                too_large(format!("the `operations` and `map` parts may have at most {} bytes", self.max_body_bytes))
            }
            multer::Error::FieldSizeExceeded { .. } => {
                too_large(format!("a file may have at most {} bytes (RECTIFY_MAX_UPLOAD_BYTES)", self.max_file_bytes))
            }
            multer::Error::StreamSizeExceeded { .. } => {
                too_large(format!("the request may have at most {} bytes", self.whole_request()))
            }
            _ => bad("the multipart body could not be read"),
        }
    }
}

pub fn is_multipart(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA)
}

/// Browsers send `multipart/form-data` across sites without a CORS preflight; a header that
/// no plain form can set proves the request comes from a client that asked first.
pub fn has_preflight_header(request: &HttpRequest) -> bool {
    ["graphql-require-preflight", "apollo-require-preflight", "x-apollo-operation-name"]
        .iter()
        .any(|name| request.headers().get(*name).is_some_and(|value| !value.is_empty()))
}

/// Reads a multipart request into a GraphQL request with its uploads in place.
pub async fn read(
    request: &HttpRequest,
    mut payload: web::Payload,
    limits: UploadLimits,
) -> Result<async_graphql::Request, Refusal> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| bad("the multipart boundary is missing"))?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limits.whole_request()) {
        return Err(too_large(format!("the request may have at most {} bytes", limits.whole_request())));
    }
    // actix's payload is tied to its worker thread, multer wants a stream it could send
    // elsewhere: a small channel joins the two, and its bound keeps a fast client from
    // running ahead of the disk.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let size_limit = SizeLimit::new()
        .whole_stream(limits.whole_request() as u64)
        .per_field(limits.max_file_bytes as u64)
        .for_field("operations", limits.max_body_bytes as u64)
        .for_field("map", limits.max_body_bytes as u64);
    let multipart = Multipart::with_constraints(body, boundary, Constraints::new().size_limit(size_limit));
    let pump = async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| std::io::Error::other(error.to_string()));
            let failed = chunk.is_err();
            if sender.send(chunk).await.is_err() || failed {
                break;
            }
        }
    };
    let parse = parse(multipart, limits);
    let (pump, parse) = (std::pin::pin!(pump), std::pin::pin!(parse));
    match select(parse, pump).await {
        // Parsing ended first (done or refused): the rest of the body is not wanted.
        Either::Left((parsed, _)) => parsed,
        Either::Right(((), parse)) => parse.await,
    }
}

async fn parse(mut multipart: Multipart<'_>, limits: UploadLimits) -> Result<async_graphql::Request, Refusal> {
    let mut operations: Option<async_graphql::Request> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files = 0;
    while let Some(field) = multipart.next_field().await.map_err(|e| limits.refusal(e))? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" => {
                let bytes = field.bytes().await.map_err(|e| limits.refusal(e))?;
                let json: serde_json::Value =
                    serde_json::from_slice(&bytes).map_err(|_| bad("`operations` is not valid JSON"))?;
                if json.is_array() {
                    return Err(bad("batched requests are not supported: send one operation per request"));
                }
                if !json.get("query").is_some_and(serde_json::Value::is_string) {
                    return Err(bad("`operations` needs a `query` string"));
                }
                operations = Some(
                    serde_json::from_value(json)
                        .map_err(|_| bad("`operationName` must be a string, `variables` and `extensions` objects"))?,
                );
            }
            "map" => {
                let bytes = field.bytes().await.map_err(|e| limits.refusal(e))?;
                map =
                    Some(serde_json::from_slice(&bytes).map_err(|_| {
                        bad("`map` must be a JSON object from file part names to lists of variable paths")
                    })?);
            }
            _ => {
                let (Some(request), Some(map)) = (operations.as_mut(), map.as_mut()) else {
                    return Err(bad("send the `operations` and `map` parts before the files"));
                };
                let Some(mut paths) = map.remove(&name) else {
                    return Err(bad(format!("the part `{name}` is not named in `map`")));
                };
                // Each path holds its own handle on the file: bound them, or one small `map`
                // could open thousands of descriptors.
                paths.sort();
                paths.dedup();
                if paths.len() > MAX_PATHS_PER_FILE {
                    return Err(bad(format!("a file may fill at most {MAX_PATHS_PER_FILE} variables")));
                }
                files += 1;
                if files > MAX_FILES {
                    return Err(too_large(format!("a request may carry at most {MAX_FILES} files")));
                }
                let filename = field.file_name().unwrap_or(&name).to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let file = spool(field, limits).await?;
                for path in paths {
                    let content = file.try_clone().map_err(|_| bad("the upload could not be kept"))?;
                    request.set_upload(
                        &path,
                        UploadValue { filename: filename.clone(), content_type: content_type.clone(), content },
                    );
                }
            }
        }
    }
    let request = operations.ok_or_else(|| bad("the `operations` part is missing"))?;
    match map {
        None => Err(bad("the `map` part is missing")),
        Some(map) if !map.is_empty() => {
            let mut missing: Vec<String> = map.into_keys().collect();
            missing.sort();
            Err(bad(format!("files named in `map` are missing: {}", missing.join(", "))))
        }
        Some(_) => Ok(request),
    }
}

/// Writes a file part to an anonymous temporary file (gone once the last handle closes).
async fn spool(mut field: multer::Field<'_>, limits: UploadLimits) -> Result<std::fs::File, Refusal> {
    let stored =
        |_| Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, message: "the upload could not be stored".into() };
    let mut file = tokio::fs::File::from_std(tempfile::tempfile().map_err(stored)?);
    while let Some(chunk) = field.chunk().await.map_err(|e| limits.refusal(e))? {
        file.write_all(&chunk).await.map_err(stored)?;
    }
    file.flush().await.map_err(stored)?;
    let mut file = file.into_std().await;
    file.rewind().map_err(stored)?;
    Ok(file)
}
