//! Parsed query documents, kept by their text, and automatic persisted queries (Apollo's
//! protocol: `extensions.persistedQuery { version: 1, sha256Hash }`) on top of them.
//!
//! Clients send the same few queries over and over; parsing one took a noticeable share of a
//! list page's time, and a copy of the parsed document is far cheaper. The same store answers
//! a request that carries only a hash: the mobile app sends the text once, then the hash.
//!
//! A text is looked up by the text itself, with the map's own hash; its SHA-256 is computed
//! once, when it is first parsed, and kept beside the document. Computing it for every request
//! cost 14,000 instructions of an `issue(id)` answer's 814,000 (`docs/performance.md`).
//!
//! This runs in the HTTP handler rather than as a schema extension: every schema extension
//! wraps the resolution of every field of every answer (about a thousand for a list page).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{Request, ServerError};
use lru::LruCache;
use sha2::{Digest, Sha256};

/// Distinct documents remembered.
const CAPACITY: usize = 1000;
/// Longer query texts are parsed every time and not remembered, so that the store stays
/// within CAPACITY × this many bytes of text (a persisted query this long is sent whole).
const MAX_REMEMBERED_QUERY_BYTES: usize = 32 * 1024;

/// The store of parsed documents, shared by every worker.
pub struct Documents {
    remembered: Mutex<Remembered>,
}

/// The same documents found by their text, and by the SHA-256 of their text (a persisted
/// query sent as its hash alone).
struct Remembered {
    by_text: LruCache<String, Arc<Parsed>>,
    by_hash: LruCache<String, Arc<Parsed>>,
}

/// A document parsed from a text, and the SHA-256 of that text (lower-case hex).
struct Parsed {
    hash: String,
    document: ExecutableDocument,
}

impl Default for Documents {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).expect("a positive capacity");
        Self {
            remembered: Mutex::new(Remembered { by_text: LruCache::new(capacity), by_hash: LruCache::new(capacity) }),
        }
    }
}

#[derive(serde::Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

fn hex_digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Documents {
    fn remembered(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The document parsed from `text`: remembered, or parsed now and remembered (when not too
    /// long); `None` when the text does not parse.
    fn parsed(&self, text: &str) -> Option<Arc<Parsed>> {
        if let Some(parsed) = self.remembered().by_text.get(text) {
            return Some(parsed.clone());
        }
        let document = async_graphql::parser::parse_query(text).ok()?;
        let parsed = Arc::new(Parsed { hash: hex_digest(text), document });
        if text.len() <= MAX_REMEMBERED_QUERY_BYTES {
            let mut remembered = self.remembered();
            remembered.by_text.put(text.to_owned(), parsed.clone());
            remembered.by_hash.put(parsed.hash.clone(), parsed.clone());
        }
        Some(parsed)
    }

    /// Gives `request` its parsed document: remembered, or parsed now and remembered; for a
    /// hash alone, the document its text was sent with earlier. A text that does not parse is
    /// left for the schema, which reports the syntax error as usual. The error is a request
    /// error (nothing executes): a malformed `persistedQuery`, a hash that does not match the
    /// text, or a hash this server has not seen (`PersistedQueryNotFound`: send the text).
    /// Returns the SHA-256 of the document's text when the request holds a parsed document.
    pub fn resolve(&self, request: &mut Request) -> Result<Option<String>, ServerError> {
        let persisted = match request.extensions.remove("persistedQuery") {
            None => None,
            Some(value) => {
                let persisted: PersistedQuery = async_graphql::from_value(value).map_err(|_| {
                    ServerError::new("`extensions.persistedQuery` needs `version` and `sha256Hash`", None)
                })?;
                if persisted.version != 1 {
                    return Err(ServerError::new("only version 1 of `persistedQuery` is supported", None));
                }
                Some(persisted.sha256_hash.to_ascii_lowercase())
            }
        };
        let parsed = if request.query.is_empty() {
            let Some(hash) = persisted else { return Ok(None) };
            let found = self.remembered().by_hash.get(&hash).cloned();
            found.ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?
        } else {
            let Some(parsed) = self.parsed(&request.query) else {
                // The text's own hash, even when it does not parse, is what a wrong one is told from.
                if persisted.is_some_and(|given| given != hex_digest(&request.query)) {
                    return Err(ServerError::new("provided sha does not match query", None));
                }
                return Ok(None);
            };
            if persisted.is_some_and(|given| given != parsed.hash) {
                return Err(ServerError::new("provided sha does not match query", None));
            }
            parsed
        };
        request.set_parsed_query(parsed.document.clone());
        Ok(Some(parsed.hash.clone()))
    }
}

/// The operation the executor will run: the one `operation_name` names, or the only one there
/// is (a single named operation is parsed as `Multiple` too); `None` when neither picks one.
pub fn chosen_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        // The executor finds no operation of that name in an anonymous one.
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.iter().find(|(key, _)| key.as_str() == name).map(|(_, operation)| operation)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Whether the operation a request runs only reads: its only operation, or the one
/// `operation_name` picks; when neither picks one, every operation of the document.
pub fn reads_only(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let is_query = |ty: OperationType| ty == OperationType::Query;
    match &document.operations {
        DocumentOperations::Single(operation) => is_query(operation.node.ty),
        DocumentOperations::Multiple(operations) => {
            match operation_name.and_then(|name| operations.iter().find(|(key, _)| key.as_str() == name)) {
                Some((_, operation)) => is_query(operation.node.ty),
                None => operations.values().all(|operation| is_query(operation.node.ty)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Request, Value};

    use super::{Documents, hex_digest};

    fn with_hash(query: &str, hash: &str) -> Request {
        let mut request = Request::new(query);
        let persisted = serde_json::json!({ "version": 1, "sha256Hash": hash });
        request.extensions.insert("persistedQuery".to_owned(), Value::from_json(persisted).unwrap());
        request
    }

    #[test]
    fn a_text_is_known_by_its_sha256_once_sent_and_a_wrong_hash_is_refused_even_when_remembered() {
        let documents = Documents::default();
        let text = "{ viewer { role } }";
        let hash = hex_digest(text);
        assert_eq!(hash.len(), 64);
        // Unknown by hash until the text has been sent.
        let unknown = documents.resolve(&mut with_hash("", &hash)).unwrap_err();
        assert_eq!(unknown.message, "PersistedQueryNotFound");
        for _ in 0..2 {
            assert_eq!(documents.resolve(&mut Request::new(text)).unwrap().as_deref(), Some(hash.as_str()));
        }
        let mut by_hash = with_hash("", &hash.to_ascii_uppercase());
        assert_eq!(documents.resolve(&mut by_hash).unwrap().as_deref(), Some(hash.as_str()));
        // Its query text is empty: only the remembered document lets it parse.
        assert!(by_hash.parsed_query().is_ok());
        // The remembered text with another text's hash: refused, nothing parsed handed over.
        let mut wrong = with_hash(text, &hex_digest("{ other }"));
        assert_eq!(documents.resolve(&mut wrong).unwrap_err().message, "provided sha does not match query");
        let mut broken = with_hash("{ viewer ", &hash);
        assert_eq!(documents.resolve(&mut broken).unwrap_err().message, "provided sha does not match query");
        // A text that does not parse, with its own hash, is left for the schema to report.
        let mut left = with_hash("{ viewer ", &hex_digest("{ viewer "));
        assert_eq!(documents.resolve(&mut left).unwrap(), None);
    }
}
