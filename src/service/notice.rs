//! A notice and the inboxes it goes to: what `notifications` writes into inboxes and
//! `webhooks` posts to the county's gateways, from the same value.

use entity::enums::{NotificationKind, Role};

/// Whose inbox a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Everyone of a department (its DEPARTMENT users).
    Department(i64),
    /// Everyone in a role (BUREAU, LEADER).
    Role(Role),
    /// One user, by the token's `sub`.
    User(String),
}

/// A notice to write, with every inbox it goes to.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NotificationKind,
    pub issue_id: Option<i64>,
    pub reminder_id: Option<i64>,
    pub message: String,
    pub recipients: Vec<Recipient>,
}
