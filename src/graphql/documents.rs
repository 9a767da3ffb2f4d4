//! Parsed query documents, kept by their text, and automatic persisted queries (Apollo's
//! protocol: `extensions.persistedQuery { version: 1, sha256Hash }`) on top of them.
//!
//! Clients send the same few queries over and over; parsing one took a noticeable share of a
//! list page's time, and a copy of the parsed document is far cheaper. The same store answers
//! a request that carries only a hash: the mobile app sends the text once, then the hash.
//!
//! A text is looked up by the text itself, with the map's own hash; its SHA-256 is computed
//! once, when it is first parsed, and kept beside the document. Computing it for every request
//! cost 14,000 instructions of an `issue(id)` answer's 814,000 on SQLite, under callgrind (the
//! fourth pass of `docs/performance.md`).
//!
//! This runs in the HTTP handler rather than as a schema extension: every schema extension
//! wraps the resolution of every field of every answer (about a thousand for a list page).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{Request, ServerError};
use lru::LruCache;
use sha2::{Digest, Sha256};

/// Distinct documents remembered.
const CAPACITY: usize = 1000;
/// Longer query texts are parsed every time and not remembered, so that the store stays
/// within CAPACITY texts of at most this many bytes, with their documents (a persisted query
/// this long is sent whole).
const MAX_REMEMBERED_QUERY_BYTES: usize = 32 * 1024;

/// The store of parsed documents, shared by every worker.
pub struct Documents {
    remembered: Mutex<Remembered>,
}

/// The documents, most recently used last, found by their text; and the text of each by its
/// SHA-256 (a persisted query sent as its hash alone), kept in step as texts are forgotten.
struct Remembered {
    by_text: LruCache<Arc<str>, Parsed>,
    text_by_hash: HashMap<String, Arc<str>>,
}

/// A document parsed from a text, and the SHA-256 of that text (lower-case hex).
#[derive(Clone)]
struct Parsed {
    hash: String,
    document: ExecutableDocument,
}

impl Default for Documents {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).expect("a positive capacity");
        Self {
            remembered: Mutex::new(Remembered {
                by_text: LruCache::new(capacity),
                text_by_hash: HashMap::with_capacity(CAPACITY),
            }),
        }
    }
}

impl Remembered {
    /// The document of this text, marked as used.
    fn by_text(&mut self, text: &str) -> Option<&Parsed> {
        self.by_text.get(text)
    }

    /// The document whose text has this SHA-256, marked as used.
    fn by_hash(&mut self, hash: &str) -> Option<&Parsed> {
        let text = self.text_by_hash.get(hash)?.clone();
        self.by_text.get(&text)
    }

    /// Remembers a document, forgetting the least recently used when full.
    fn remember(&mut self, text: &str, parsed: Parsed) {
        let text: Arc<str> = Arc::from(text);
        self.text_by_hash.insert(parsed.hash.clone(), text.clone());
        if let Some((forgotten, old)) = self.by_text.push(text.clone(), parsed)
            && forgotten != text
        {
            self.text_by_hash.remove(&old.hash);
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
    fn remembered(&self) -> MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let mismatch = || ServerError::new("provided sha does not match query", None);
        let parsed = if request.query.is_empty() {
            let Some(hash) = persisted else { return Ok(None) };
            let found = self.remembered().by_hash(&hash).cloned();
            found.ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?
        } else if let Some(parsed) = self.remembered().by_text(&request.query).cloned() {
            if persisted.is_some_and(|given| given != parsed.hash) {
                return Err(mismatch());
            }
            parsed
        } else {
            let hash = hex_digest(&request.query);
            if persisted.is_some_and(|given| given != hash) {
                return Err(mismatch());
            }
            let Ok(document) = async_graphql::parser::parse_query(&request.query) else { return Ok(None) };
            let parsed = Parsed { hash, document };
            if request.query.len() <= MAX_REMEMBERED_QUERY_BYTES {
                self.remembered().remember(&request.query, parsed.clone());
            }
            parsed
        };
        request.set_parsed_query(parsed.document);
        Ok(Some(parsed.hash))
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
    fn a_hash_is_known_as_long_as_its_text_is_remembered_however_the_text_is_sent() {
        let documents = Documents::default();
        let kept = "{ viewer { role } }";
        let hash = hex_digest(kept);
        documents.resolve(&mut Request::new(kept)).unwrap();
        // The text is used, by text or by hash, while a full store's worth of other texts
        // comes and goes: its hash stays known.
        for round in 0..3 * super::CAPACITY {
            let other = format!("{{ issue(id: \"{round}\") {{ id }} }}");
            documents.resolve(&mut Request::new(other)).unwrap();
            if round % 100 == 0 {
                documents.resolve(&mut Request::new(kept)).unwrap();
            }
        }
        assert_eq!(documents.resolve(&mut with_hash("", &hash)).unwrap().as_deref(), Some(hash.as_str()));
        // Forgotten texts' hashes are forgotten with them; the store holds no more than it may.
        let forgotten = hex_digest("{ issue(id: \"0\") { id } }");
        assert_eq!(documents.resolve(&mut with_hash("", &forgotten)).unwrap_err().message, "PersistedQueryNotFound");
        let remembered = documents.remembered();
        assert_eq!(remembered.by_text.len(), super::CAPACITY);
        assert_eq!(remembered.text_by_hash.len(), super::CAPACITY);
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
