//! The database keeps every record table, not only the events: records that never change are
//! append-only, and records completed once (a slip answered, an extension decided, a dispute
//! ruled) are frozen once completed, and before that change only in their completing columns.

use sea_orm_migration::prelude::*;

use crate::helpers::{append_only, lift_append_only, lift_write_once, write_once};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Records that never change after they are written.
const APPEND_ONLY: [&str; 5] =
    ["progress_report", "evidence_citation", "case_measure", "case_issue", "look_back_campaign"];

/// (table, the column that completes it, the columns its completion writes).
const WRITE_ONCE: [(&str, &str, &[&str]); 9] = [
    ("evidence", "issue_id", &["issue_id"]),
    ("site_inspection", "issue_id", &["issue_id"]),
    ("milestone", "completed_at", &["status", "note", "completed_at"]),
    ("deadline_extension", "decided_at", &["status", "decided_by", "decided_at", "note"]),
    ("reminder", "replied_at", &["reply", "replied_by", "replied_at", "reply_event_id", "escalated_at"]),
    ("instruction", "replied_at", &["reply", "replied_by", "replied_at"]),
    ("assignment_dispute", "ruled_at", &["decision", "new_lead_department_id", "ruling_note", "ruled_by", "ruled_at"]),
    ("notice_objection", "resolved_at", &["outcome", "resolution_note", "resolved_by", "resolved_at"]),
    ("look_back_task", "answered_at", &["outcome", "site_inspection_id", "answered_by", "answered_at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in APPEND_ONLY {
            append_only(manager, table).await?;
        }
        for (table, marker, completing) in WRITE_ONCE {
            write_once(manager, table, marker, completing).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in APPEND_ONLY {
            lift_append_only(manager, table).await?;
        }
        for (table, _, _) in WRITE_ONCE {
            lift_write_once(manager, table).await?;
        }
        Ok(())
    }
}
