//! Small builders shared by the migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// A foreign key from `table.column` to `target.id`; rows are never deleted, so no cascade.
pub fn fk(table: &'static str, column: &'static str, target: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// An index named after its table and columns.
pub fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", columns.join("_"))).table(table);
    for column in columns {
        stmt.col(*column);
    }
    stmt.take()
}

/// Makes the database itself refuse UPDATE and DELETE on `table`, whatever code path tries.
/// On PostgreSQL it uses `rectify_append_only()`, created by the first migration.
pub async fn append_only(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Sqlite => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_no_{} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
                    op.to_lowercase()
                ))
                .await?;
            }
        }
        DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION rectify_append_only()"
            ))
            .await?;
        }
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    }
    Ok(())
}

/// Lifts the guard of `append_only` from `table`, for a migration that must rewrite its rows
/// once; the migration puts it back with `append_only`.
pub async fn lift_append_only(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Sqlite => {
            db.execute_unprepared(&format!("DROP TRIGGER {table}_no_update")).await?;
            db.execute_unprepared(&format!("DROP TRIGGER {table}_no_delete")).await?;
        }
        _ => {
            db.execute_unprepared(&format!("DROP TRIGGER {table}_append_only ON {table}")).await?;
        }
    }
    Ok(())
}

/// Makes the database keep a record that is completed once (a slip answered, an extension
/// decided): no DELETE, and an UPDATE only while `marker` is still NULL and only of the
/// `completing` columns. Once `marker` is set the row is frozen like an append-only one.
pub async fn write_once(
    manager: &SchemaManager<'_>,
    table: &str,
    marker: &str,
    completing: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let columns = table_columns(manager, table).await?;
    // A comparison that treats NULL as a value.
    let differs = match backend {
        DatabaseBackend::Sqlite => "IS NOT",
        _ => "IS DISTINCT FROM",
    };
    let mut refused = vec![format!("OLD.{marker} IS NOT NULL")];
    refused.extend(
        columns
            .iter()
            .filter(|column| !completing.contains(&column.as_str()))
            .map(|column| format!("NEW.{column} {differs} OLD.{column}")),
    );
    let refused = refused.join(" OR ");
    match backend {
        DatabaseBackend::Sqlite => {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN {refused} \
                 BEGIN SELECT RAISE(ABORT, '{table} is written once'); END"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} \
                 BEGIN SELECT RAISE(ABORT, '{table} is written once'); END"
            ))
            .await?;
        }
        DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION {table}_write_once() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN IF {refused} THEN RAISE EXCEPTION '{table} is written once'; END IF; RETURN NEW; END $$"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_write_once BEFORE UPDATE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_write_once()"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION rectify_append_only()"
            ))
            .await?;
        }
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    }
    Ok(())
}

/// The column names of a table, as the database has them now.
async fn table_columns(manager: &SchemaManager<'_>, table: &str) -> Result<Vec<String>, DbErr> {
    let db = manager.get_connection();
    let (sql, name) = match manager.get_database_backend() {
        DatabaseBackend::Sqlite => (format!("SELECT name FROM pragma_table_info('{table}')"), "name"),
        _ => (
            format!(
                "SELECT column_name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}'"
            ),
            "column_name",
        ),
    };
    let rows =
        db.query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(db.get_database_backend(), sql)).await?;
    rows.iter().map(|row| row.try_get::<String>("", name)).collect()
}

/// Undoes `write_once`.
pub async fn lift_write_once(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::Sqlite {
        return lift_append_only(manager, table).await;
    }
    let db = manager.get_connection();
    db.execute_unprepared(&format!("DROP TRIGGER {table}_write_once ON {table}")).await?;
    db.execute_unprepared(&format!("DROP TRIGGER {table}_no_delete ON {table}")).await?;
    db.execute_unprepared(&format!("DROP FUNCTION {table}_write_once()")).await?;
    Ok(())
}
