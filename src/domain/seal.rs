//! Sealed monthly reports and the proofs that check one issue's history against them, without
//! the database. A report seals the Merkle tree (`domain::merkle`) whose leaves are the heads
//! of every history chain at the month's end, in this order: issues by row id, then cases by
//! row id, each leaf the ASCII text `issue:<row id>:<head hash hex>` (or `case:…`). The county
//! signs, with Ed25519, the compact JSON `["rectify-monthly-report","<YYYY-MM>","<root
//! hex>",<leaf count>]`.

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use entity::chain::{GENESIS, from_hex, link, to_hex};
use serde::{Deserialize, Serialize};

use super::merkle::{leaf_hash, root_from_path};

/// The text of a leaf.
pub fn leaf(kind: &str, owner_id: i64, head: &str) -> String {
    format!("{kind}:{owner_id}:{head}")
}

/// The bytes the county signs for a month's seal.
pub fn statement(month: &str, root: &str, leaves: i64) -> Vec<u8> {
    serde_json::json!(["rectify-monthly-report", month, root, leaves]).to_string().into_bytes()
}

/// One event of a proof: its canonical fields (exactly what was hashed) and its stored hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenEvent {
    pub id: i64,
    pub canonical: serde_json::Value,
    pub hash: String,
}

/// What is needed to check one issue's history against a sealed report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryProof {
    pub format: String,
    pub month: String,
    pub issue_id: i64,
    /// The issue's events up to the month's end, oldest first.
    pub events: Vec<ProvenEvent>,
    pub leaf: String,
    pub leaf_index: usize,
    pub leaf_count: usize,
    /// Sibling hashes from the leaf up (hex).
    pub audit_path: Vec<String>,
    pub root: String,
    pub signature: Option<String>,
    pub signing_key: Option<String>,
}

pub const PROOF_FORMAT: &str = "rectify-history-proof/1";

/// Checks a proof with the county's public key (hex): the chain of its events, the leaf, the
/// path to the root, and the signature. Names the first thing that does not hold.
pub fn verify_proof(proof: &HistoryProof, public_key: &str) -> Result<(), String> {
    if proof.format != PROOF_FORMAT {
        return Err(format!("unknown proof format `{}`", proof.format));
    }
    let mut head = GENESIS;
    for event in &proof.events {
        head = link(&head, &event.canonical);
        if to_hex(&head) != event.hash {
            return Err(format!("event {}: its hash is not the one its chain gives ({})", event.id, to_hex(&head)));
        }
    }
    let expected_leaf = leaf("issue", proof.issue_id, &to_hex(&head));
    if proof.events.is_empty() || proof.leaf != expected_leaf {
        return Err(format!("the leaf `{}` is not the head of these events (`{expected_leaf}`)", proof.leaf));
    }
    let path = proof
        .audit_path
        .iter()
        .map(|h| from_hex(h).ok_or("an audit path hash is not 64 hex digits"))
        .collect::<Result<Vec<_>, _>>()?;
    let root = root_from_path(leaf_hash(proof.leaf.as_bytes()), proof.leaf_index, proof.leaf_count, &path)
        .ok_or("the audit path does not fit the leaf's place in the tree")?;
    if to_hex(&root) != proof.root {
        return Err(format!("the path leads to root {}, not to the sealed root {}", to_hex(&root), proof.root));
    }
    let key = from_hex(public_key)
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
        .ok_or("the public key is not 64 hex digits of an Ed25519 key")?;
    let signature = proof.signature.as_deref().ok_or("the report is not signed")?;
    let signature = from_hex::<64>(signature)
        .map(|bytes| Signature::from_bytes(&bytes))
        .ok_or("the signature is not 128 hex digits")?;
    let leaves = i64::try_from(proof.leaf_count).map_err(|_| "too many leaves")?;
    key.verify(&statement(&proof.month, &proof.root, leaves), &signature)
        .map_err(|_| "the signature does not verify with this public key".to_owned())
}
