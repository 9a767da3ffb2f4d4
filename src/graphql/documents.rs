//! Parsed query documents, kept by the SHA-256 of their text, and automatic persisted queries
//! (Apollo's protocol: `extensions.persistedQuery { version: 1, sha256Hash }`) on top of them.
//!
//! Clients send the same few queries over and over; parsing one took a noticeable share of a
//! list page's time, and a copy of the parsed document is far cheaper. The same store answers
//! a request that carries only a hash: the mobile app sends the text once, then the hash.
//!
//! This runs in the HTTP handler rather than as a schema extension: every schema extension
//! wraps the resolution of every field of every answer (about a thousand for a list page).

use std::num::NonZeroUsize;
use std::sync::Mutex;

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
    parsed: Mutex<LruCache<String, ExecutableDocument>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self { parsed: Mutex::new(LruCache::new(NonZeroUsize::new(CAPACITY).expect("a positive capacity"))) }
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
    fn remembered(&self, hash: &str) -> Option<ExecutableDocument> {
        self.parsed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(hash).cloned()
    }

    fn remember(&self, hash: String, document: ExecutableDocument) {
        self.parsed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).put(hash, document);
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
        if request.query.is_empty() {
            let Some(hash) = persisted else { return Ok(None) };
            let document = self.remembered(&hash).ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?;
            request.set_parsed_query(document);
            return Ok(Some(hash));
        }
        let hash = hex_digest(&request.query);
        if persisted.is_some_and(|given| given != hash) {
            return Err(ServerError::new("provided sha does not match query", None));
        }
        if let Some(document) = self.remembered(&hash) {
            request.set_parsed_query(document);
        } else if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
            if request.query.len() <= MAX_REMEMBERED_QUERY_BYTES {
                self.remember(hash.clone(), document.clone());
            }
            request.set_parsed_query(document);
        } else {
            return Ok(None);
        }
        Ok(Some(hash))
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
