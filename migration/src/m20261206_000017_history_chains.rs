//! Hash chains over the histories (`entity::chain`): a `hash` column on issue and case events,
//! computed here once for the events written before, in the order of their ids, exactly as
//! the server computes it for a new event. The append-only guard is lifted for this alone.

use std::collections::HashMap;

use entity::chain::{GENESIS, case_event_fields, issue_event_fields, link, to_hex};
use entity::{case_event, issue_event};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, JsonValue, QueryResult};

use crate::helpers::{append_only, lift_append_only};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Events read at a time: the migration holds one page and one hash per chain.
const PAGE: u64 = 5_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["issue_event", "case_event"] {
            manager.alter_table(Table::alter().table(table).add_column(string_len_null("hash", 64)).to_owned()).await?;
            lift_append_only(manager, table).await?;
        }
        let db = manager.get_connection();
        chain_table(db, "issue_event", ISSUE_EVENT_COLUMNS, |row| {
            let event = issue_event_of(row)?;
            Ok((event.id, event.issue_id, issue_event_fields(&event)))
        })
        .await?;
        chain_table(db, "case_event", CASE_EVENT_COLUMNS, |row| {
            let event = case_event_of(row)?;
            Ok((event.id, event.case_id, case_event_fields(&event)))
        })
        .await?;
        for table in ["issue_event", "case_event"] {
            append_only(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["issue_event", "case_event"] {
            lift_append_only(manager, table).await?;
            manager.alter_table(Table::alter().table(table).drop_column("hash").to_owned()).await?;
            append_only(manager, table).await?;
        }
        Ok(())
    }
}

// The rows are read column by column, as they are at this migration: a column added to the
// events later is not in the canonical bytes of the events chained here.
const ISSUE_EVENT_COLUMNS: &[&str] = &[
    "id",
    "issue_id",
    "action",
    "from_status",
    "to_status",
    "actor_sub",
    "actor_role",
    "note",
    "at",
    "lead_department_id",
    "cooperating_department_ids",
    "deadline",
    "severity",
    "category_id",
    "supervision_level",
];
const CASE_EVENT_COLUMNS: &[&str] =
    &["id", "case_id", "action", "from_status", "to_status", "actor_sub", "actor_role", "note", "at"];

/// Links every event of `table`, in the order of ids, to the previous one of its owner.
/// `read` gives an event's id, its owner's id and its canonical fields.
async fn chain_table(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    read: impl Fn(&QueryResult) -> Result<(i64, i64, JsonValue), DbErr>,
) -> Result<(), DbErr> {
    let mut heads: HashMap<i64, [u8; 32]> = HashMap::new();
    let mut after = 0;
    loop {
        let page = read_page(db, table, columns, after).await?;
        let page = page.iter().map(&read).collect::<Result<Vec<_>, _>>()?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.0;
        for (id, owner, fields) in page {
            let hash = link(heads.get(&owner).unwrap_or(&GENESIS), &fields);
            heads.insert(owner, hash);
            set_hash(db, table, id, &hash).await?;
        }
    }
}

async fn set_hash(db: &impl ConnectionTrait, table: &str, id: i64, hash: &[u8; 32]) -> Result<(), DbErr> {
    let update = Query::update()
        .table(Alias::new(table))
        .value(Alias::new("hash"), to_hex(hash))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

async fn read_page(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    after: i64,
) -> Result<Vec<QueryResult>, DbErr> {
    let query = Query::select()
        .columns(columns.iter().map(|c| Alias::new(*c)))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("id")).gt(after))
        .order_by(Alias::new("id"), Order::Asc)
        .limit(PAGE)
        .to_owned();
    db.query_all(&query).await
}

fn issue_event_of(row: &QueryResult) -> Result<issue_event::Model, DbErr> {
    Ok(issue_event::Model {
        id: row.try_get("", "id")?,
        issue_id: row.try_get("", "issue_id")?,
        action: row.try_get("", "action")?,
        from_status: row.try_get("", "from_status")?,
        to_status: row.try_get("", "to_status")?,
        actor_sub: row.try_get("", "actor_sub")?,
        actor_role: row.try_get("", "actor_role")?,
        note: row.try_get("", "note")?,
        at: row.try_get("", "at")?,
        lead_department_id: row.try_get("", "lead_department_id")?,
        cooperating_department_ids: row.try_get("", "cooperating_department_ids")?,
        deadline: row.try_get("", "deadline")?,
        severity: row.try_get("", "severity")?,
        category_id: row.try_get("", "category_id")?,
        supervision_level: row.try_get("", "supervision_level")?,
        hash: None,
    })
}

fn case_event_of(row: &QueryResult) -> Result<case_event::Model, DbErr> {
    Ok(case_event::Model {
        id: row.try_get("", "id")?,
        case_id: row.try_get("", "case_id")?,
        action: row.try_get("", "action")?,
        from_status: row.try_get("", "from_status")?,
        to_status: row.try_get("", "to_status")?,
        actor_sub: row.try_get("", "actor_sub")?,
        actor_role: row.try_get("", "actor_role")?,
        note: row.try_get("", "note")?,
        at: row.try_get("", "at")?,
        hash: None,
    })
}
