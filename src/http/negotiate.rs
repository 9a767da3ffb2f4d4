//! Content negotiation for GraphQL over HTTP: which media type a response uses, and whether
//! a request body is JSON.

use actix_web::HttpRequest;
use actix_web::http::header;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

/// The media type of a GraphQL response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMedia {
    /// The GraphQL-over-HTTP media type: request errors get 4xx status codes.
    GraphqlResponseJson,
    /// Legacy JSON: every well-formed GraphQL response is 200.
    Json,
}

impl ResponseMedia {
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseMedia::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            ResponseMedia::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`; `None` when the client accepts neither.
/// No `Accept` header, or only wildcards, means legacy `application/json`.
pub fn response_media(request: &HttpRequest) -> Option<ResponseMedia> {
    let Some(accept) = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(ResponseMedia::Json);
    };
    if accept.trim().is_empty() {
        return Some(ResponseMedia::Json);
    }
    let mut best: Option<(f32, ResponseMedia)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => ResponseMedia::GraphqlResponseJson,
            JSON | "application/*" | "*/*" => ResponseMedia::Json,
            _ => continue,
        };
        // Prefer the GraphQL media type when the client rates both the same.
        let better = match best {
            None => true,
            Some((q, current)) => {
                quality > q || (quality == q && candidate == ResponseMedia::GraphqlResponseJson && current != candidate)
            }
        };
        if better {
            best = Some((quality, candidate));
        }
    }
    best.map(|(_, media)| media)
}

/// Whether the request body is declared as JSON in UTF-8.
pub fn is_json_body(request: &HttpRequest) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    if !parts.next().unwrap_or_default().eq_ignore_ascii_case(JSON) {
        return false;
    }
    parts.all(|param| match param.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => {
            charset.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn accept(value: &str) -> Option<ResponseMedia> {
        response_media(&TestRequest::default().insert_header((header::ACCEPT, value)).to_http_request())
    }

    #[test]
    fn the_client_chooses_the_media_type() {
        assert_eq!(response_media(&TestRequest::default().to_http_request()), Some(ResponseMedia::Json));
        assert_eq!(accept("application/graphql-response+json"), Some(ResponseMedia::GraphqlResponseJson));
        assert_eq!(accept("application/json"), Some(ResponseMedia::Json));
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(ResponseMedia::GraphqlResponseJson)
        );
        assert_eq!(accept("application/graphql-response+json;q=0.5, application/json"), Some(ResponseMedia::Json));
        assert_eq!(accept("*/*"), Some(ResponseMedia::Json));
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }

    #[test]
    fn only_utf8_json_bodies_are_json() {
        let with = |value: &str| {
            is_json_body(&TestRequest::default().insert_header((header::CONTENT_TYPE, value)).to_http_request())
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("Application/JSON;charset=\"UTF-8\""));
        assert!(!with("application/json; charset=latin1"));
        assert!(!with("text/plain"));
        assert!(!with("application/graphql"));
        assert!(!is_json_body(&TestRequest::default().to_http_request()));
    }
}
