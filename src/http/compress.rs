//! Compressed answers. The client's `Accept-Encoding` picks zstd, gzip or none. An answer that is
//! whole in memory and of middling size (nearly every GraphQL answer) is compressed on the spot
//! and sent in one piece with its `Content-Length`; a stream (an export) or a very large answer
//! goes through actix-web's encoder, which compresses each large chunk on the blocking pool.
//!
//! Why not actix-web's `Compress` for everything: it hands every chunk of 1 KiB or more to the
//! blocking pool and sends the answer chunked, its head first and the compressed body when the
//! pool is done. With Nagle's algorithm on (actix-web leaves `TCP_NODELAY` off), the body then
//! waits for the client's delayed acknowledgement of the head, some 40 ms on Linux: a list page
//! answered with gzip took 43 ms instead of 8 (docs/performance.md, "Compressed answers").

use std::future::{Future, Ready, ready};
use std::io::Write;
use std::pin::Pin;
use std::rc::Rc;

use actix_http::encoding::Encoder;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ResponseHead, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, HeaderValue};
use actix_web::{Error, HttpMessage, HttpResponse};
use bytes::Bytes;

/// Below this an answer is sent as it is: it fits in one packet either way, and compressing
/// it would cost more than the bytes it saves.
const MIN_BYTES: usize = 1024;

/// Up to this an answer is compressed on the worker's own thread, at once: about a millisecond
/// of zstd or gzip at the levels below, less than the hand-off to another thread would cost.
/// Larger answers are compressed on the blocking pool, chunk by chunk, so that one large
/// answer does not hold up the other requests of its worker.
const IN_PLACE_MAX_BYTES: usize = 256 * 1024;

/// zstd's level: 1 is its fastest and still compresses JSON better than gzip's level 6.
const ZSTD_LEVEL: i32 = 1;

/// The encodings offered, best first for equal preference: zstd is faster than gzip and
/// smaller; identity is always acceptable unless the client rules it out.
static OFFERED: [Encoding; 3] = [Encoding::zstd(), Encoding::gzip(), Encoding::identity()];

/// The middleware: `App::wrap(Compression)`.
pub struct Compression;

impl<S, B> Transform<S, ServiceRequest> for Compression
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<Encoder<B>, Bytes>>;
    type Error = Error;
    type Transform = CompressionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CompressionService { service: Rc::new(service) }))
    }
}

pub struct CompressionService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for CompressionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<Encoder<B>, Bytes>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let Some(encoding) = negotiate(request.get_header::<AcceptEncoding>()) else {
            // The client rules out every encoding we have, identity included.
            let offered: Vec<String> = OFFERED.iter().map(ToString::to_string).collect();
            let mut refusal = HttpResponse::with_body(StatusCode::NOT_ACCEPTABLE, Bytes::from(offered.join(", ")));
            refusal.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            return Box::pin(ready(Ok(request.into_response(refusal).map_into_right_body())));
        };
        let service = self.service.clone();
        Box::pin(async move {
            let response = service.call(request).await?;
            Ok(response.map_body(|head, body| encode(encoding, head, body)))
        })
    }
}

/// The encoding to answer in: the client's preference among those offered, `identity` without
/// an `Accept-Encoding`, `None` when the client accepts none of them.
fn negotiate(accept: Option<AcceptEncoding>) -> Option<ContentEncoding> {
    let Some(accept) = accept else { return Some(ContentEncoding::Identity) };
    match accept.negotiate(OFFERED.iter())? {
        Encoding::Known(known) => Some(known),
        Encoding::Unknown(_) => Some(ContentEncoding::Identity),
    }
}

/// Whether an answer with this head may be compressed at all: not when it says its own
/// encoding (evidence, zip archives), not for an upgrade or a partial or empty answer, and not
/// for photos and videos, which are compressed already.
fn compressible(head: &ResponseHead) -> bool {
    if head.headers().contains_key(header::CONTENT_ENCODING)
        || matches!(head.status, StatusCode::SWITCHING_PROTOCOLS | StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT)
    {
        return false;
    }
    let media = head.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    !(media.starts_with("video/") || media.starts_with("image/") && !media.starts_with("image/svg+xml"))
}

fn encode<B: MessageBody>(
    encoding: ContentEncoding,
    head: &mut ResponseHead,
    body: B,
) -> EitherBody<Encoder<B>, Bytes> {
    let wanted = encoding != ContentEncoding::Identity && compressible(head);
    let in_place = matches!(body.size(), BodySize::Sized(size) if size <= IN_PLACE_MAX_BYTES as u64);
    if !wanted || !in_place {
        let encoding = if wanted { encoding } else { ContentEncoding::Identity };
        return EitherBody::left(Encoder::response(encoding, head, body));
    }
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        // A body of known size that is not in memory: let actix-web's encoder stream it.
        Err(body) => return EitherBody::left(Encoder::response(encoding, head, body)),
    };
    if bytes.len() < MIN_BYTES {
        return EitherBody::right(bytes);
    }
    match compress(encoding, &bytes) {
        Some(compressed) => {
            head.headers_mut().insert(header::CONTENT_ENCODING, encoding.to_header_value());
            head.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
            EitherBody::right(Bytes::from(compressed))
        }
        None => EitherBody::right(bytes),
    }
}

/// `bytes` compressed whole; `None` for an encoding not offered here (never negotiated) or if
/// the encoder fails, in which case the answer goes out uncompressed rather than not at all.
fn compress(encoding: ContentEncoding, bytes: &[u8]) -> Option<Vec<u8>> {
    match encoding {
        ContentEncoding::Zstd => zstd::bulk::compress(bytes, ZSTD_LEVEL).ok(),
        ContentEncoding::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::fast());
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{Header, HeaderValue as Value};
    use actix_web::test::TestRequest;

    fn accept(value: &str) -> Option<ContentEncoding> {
        let request = TestRequest::default().insert_header((header::ACCEPT_ENCODING, Value::from_str(value).unwrap()));
        negotiate(AcceptEncoding::parse(&request.to_http_request()).ok())
    }

    #[test]
    fn the_client_preference_decides_and_zstd_wins_a_tie() {
        assert_eq!(accept("gzip, deflate, br, zstd"), Some(ContentEncoding::Zstd));
        assert_eq!(accept("gzip"), Some(ContentEncoding::Gzip));
        assert_eq!(accept("zstd;q=0.5, gzip"), Some(ContentEncoding::Gzip));
        assert_eq!(accept("br"), Some(ContentEncoding::Identity));
        assert_eq!(accept("identity;q=0, br"), None);
        assert_eq!(negotiate(None), Some(ContentEncoding::Identity));
    }

    #[test]
    fn what_is_compressed_decodes_to_the_answer() {
        let answer = r#"{"data":{"issues":{"nodes":[{"code":"A-1","title":"河道"}]}}}"#.repeat(100);
        let gzip = compress(ContentEncoding::Gzip, answer.as_bytes()).unwrap();
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut unzipped).unwrap();
        assert_eq!(unzipped, answer);
        let zstd = compress(ContentEncoding::Zstd, answer.as_bytes()).unwrap();
        assert_eq!(zstd::bulk::decompress(&zstd, answer.len()).unwrap(), answer.as_bytes());
        assert!(gzip.len() < answer.len() / 10 && zstd.len() < answer.len() / 10);
    }
}
