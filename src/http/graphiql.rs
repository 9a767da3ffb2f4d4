//! `GET /graphiql`: the in-browser IDE, served wholly from the binary. A county intranet has
//! no way out to a CDN, and a page that took its scripts from one would run whatever the CDN
//! served next to the tokens people paste in. The files are vendored in `assets/graphiql/`
//! (`update.sh` re-creates them from npm at pinned versions).
//!
//! Each file is served at `/graphiql/assets/{tag}/{name}`, where the tag is the start of the
//! SHA-256 of its bytes: a URL names one content forever, so browsers may keep it for a year,
//! and a new binary's page names new URLs. Only the page itself is revalidated on each load.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

/// The page's policy: scripts and styles from this origin only, requests to this origin only,
/// and nothing else. GraphiQL works without `'unsafe-inline'` styles: CodeMirror, React and
/// the resizable panes set styles through the DOM, which a policy does not govern. Two things
/// are refused, both cosmetic: the `<style>` a dialog adds to hide the page's scroll bar (the
/// page has none), and the width of CodeMirror's jump-to-line field.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                               connect-src 'self'; img-src 'self' data:; font-src 'self' data:; \
                               base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The files under `assets/graphiql/`, in the order the page loads them.
const FILES: [(&str, &str, &[u8]); 6] = [
    ("graphiql.min.css", CSS, include_bytes!("../../assets/graphiql/graphiql.min.css")),
    ("rectify.css", CSS, include_bytes!("../../assets/graphiql/rectify.css")),
    ("react.production.min.js", JAVASCRIPT, include_bytes!("../../assets/graphiql/react.production.min.js")),
    ("react-dom.production.min.js", JAVASCRIPT, include_bytes!("../../assets/graphiql/react-dom.production.min.js")),
    ("graphiql.min.js", JAVASCRIPT, include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("start.js", JAVASCRIPT, include_bytes!("../../assets/graphiql/start.js")),
];

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// The first 16 hex digits of the SHA-256 of `bytes`.
    tag: String,
}

impl Asset {
    fn path(&self) -> String {
        format!("/graphiql/assets/{}/{}", self.tag, self.name)
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, bytes)| {
            let digest = Sha256::digest(bytes);
            let tag = hex::encode(&digest[..8]);
            Asset { name, content_type, bytes, tag }
        })
        .collect()
});

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let mut styles = String::new();
    let mut scripts = String::new();
    for asset in ASSETS.iter() {
        if asset.content_type == CSS {
            styles.push_str(&format!("    <link rel=\"stylesheet\" href=\"{}\">\n", asset.path()));
        } else {
            scripts.push_str(&format!("    <script src=\"{}\"></script>\n", asset.path()));
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \
         <meta name=\"referrer\" content=\"no-referrer\">\n    <title>Rectify GraphiQL</title>\n{styles}  \
         </head>\n  <body>\n    <div id=\"graphiql\">Loading GraphiQL…</div>\n{scripts}  </body>\n</html>\n"
    )
});

/// Mounts the page and its files.
pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/graphiql", web::get().to(page)).route("/graphiql/assets/{tag}/{name}", web::get().to(asset));
}

/// `GET /graphiql`. Revalidated on every load, so that a new binary's asset URLs are seen.
async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE.as_str())
}

/// `GET /graphiql/assets/{tag}/{name}`: 404 for a tag this binary does not hold (a page from
/// an older one), 304 for a browser that has the file.
async fn asset(request: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (tag, name) = path.into_inner();
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name && asset.tag == tag) else {
        return HttpResponse::NotFound().finish();
    };
    let etag = format!("\"{}\"", asset.tag);
    let cached = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|candidate| candidate.trim() == etag));
    let mut response = if cached { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
    if cached {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.bytes)
}
