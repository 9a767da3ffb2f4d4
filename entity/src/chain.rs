//! The hash chains of the histories: each issue's events, and each case's, form a chain in
//! which every event's hash covers the hash before it. The canonical bytes of an event are
//! declared here, beside the rows, because two programs compute them: the server as it writes
//! an event, and the migration that chained the events written before chains existed.
//!
//! - The canonical bytes of an event are the compact JSON text (no whitespace; strings escaped
//!   as JSON requires, non-ASCII characters as themselves) of an array of its fields in the
//!   order of `issue_event_fields` or `case_event_fields`. Row ids are numbers, enumerations
//!   their API names (`IN_PROGRESS`), absent values `null`, instants UTC with exactly six
//!   decimals (`2026-12-06T20:41:10.123456Z`), dates `YYYY-MM-DD`. The event's own id is not
//!   included: its place in the chain is.
//! - `hash = SHA-256(previous ‖ canonical bytes)`, where `previous` is the 32 bytes of the hash
//!   of the previous event of the same issue or case (by event id), or 32 zero bytes for the
//!   first. Hashes are written as 64 lowercase hexadecimal digits.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{case_event, issue_event};

/// The hash that the first event of a chain follows.
pub const GENESIS: [u8; 32] = [0; 32];

fn instant(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn name(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The fields of an issue event, in canonical order.
pub fn issue_event_fields(e: &issue_event::Model) -> Value {
    json!([
        "issue_event",
        e.issue_id,
        name(&e.action),
        name(&e.from_status),
        name(&e.to_status),
        e.actor_sub,
        name(&e.actor_role),
        e.note,
        instant(&e.at),
        e.lead_department_id,
        e.cooperating_department_ids,
        e.deadline.map(|d| d.format("%Y-%m-%d").to_string()),
        name(&e.severity),
        e.category_id,
        name(&e.supervision_level),
    ])
}

/// The fields of a case event, in canonical order.
pub fn case_event_fields(e: &case_event::Model) -> Value {
    json!([
        "case_event",
        e.case_id,
        name(&e.action),
        name(&e.from_status),
        name(&e.to_status),
        e.actor_sub,
        name(&e.actor_role),
        e.note,
        instant(&e.at),
    ])
}

/// The hash of an event whose canonical fields are `fields`, following `previous`.
pub fn link(previous: &[u8; 32], fields: &Value) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(fields.to_string().as_bytes());
    hasher.finalize().into()
}

/// Bytes (a hash, a key, a signature) as lowercase hexadecimal digits.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `N` bytes written as `2 × N` hexadecimal digits; `None` for anything else.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let mut bytes = [0u8; N];
    for (n, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * n..2 * n + 2)?, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_reads_back_what_it_writes_and_refuses_the_rest() {
        let hash = link(&GENESIS, &json!(["x"]));
        assert_eq!(from_hex(&to_hex(&hash)), Some(hash));
        assert_eq!(from_hex::<32>("00"), None);
        assert_eq!(from_hex::<32>(&"zz".repeat(32)), None);
    }

    #[test]
    fn a_link_is_the_sha256_of_the_previous_hash_and_the_compact_json() {
        // sha256(32 zero bytes ‖ `["a",1,null]`), computed independently with Python's hashlib.
        let hash = link(&GENESIS, &json!(["a", 1, null]));
        assert_eq!(to_hex(&hash), EXPECTED_FIRST_LINK);
    }

    const EXPECTED_FIRST_LINK: &str = "b3a442b5ab77da668c216dc57cd4a5567239c67ced9ad12580240ace723c23c3";
}
