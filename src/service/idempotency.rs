//! Safe retries: a create request with an `idempotencyKey` is answered once. A retry with the
//! same key and input gets the first answer and writes nothing; the same key with another
//! input is CONFLICT. Keys belong to the token's subject and are kept at least a day.
//!
//! The key row is the transaction's first write. Two identical requests racing therefore
//! meet at the unique index (PostgreSQL) or the write lock (SQLite): the second waits for the
//! first to commit, fails to insert, and reads the committed answer. A failed create rolls its
//! key back, so the client may retry.

use std::time::Duration;

use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, SqlErr,
    TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Services, required_text};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// Keys are kept this long at least; the server purges older ones by itself.
pub const KEY_LIFETIME: Duration = Duration::from_secs(48 * 3600);

/// A client's key for one create request, with what it was used for.
pub struct RequestKey {
    pub key: String,
    pub operation: &'static str,
    pub input_hash: String,
}

impl RequestKey {
    /// Validates the key (1–255 characters) and fingerprints the request's input.
    pub fn new(key: &str, operation: &'static str, input: &impl Serialize) -> AppResult<Self> {
        let key = required_text("idempotencyKey", key, 255)?;
        let canonical = serde_json::to_vec(input).map_err(AppError::internal)?;
        let input_hash = hex::encode(Sha256::digest(&canonical));
        Ok(Self { key, operation, input_hash })
    }
}

/// The outcome of claiming a key.
pub enum Claim {
    /// The key is new: go ahead, then `settle` it with the created id.
    Fresh(i64),
    /// Another request holds the key: drop the transaction, then `replay`.
    Taken,
}

impl Services {
    /// Claims `key` as the first write of `txn`. On `Taken` the caller must end `txn` before
    /// reading the first answer: on SQLite the failed insert still holds the write lock, and
    /// waiting for a second connection while holding it starves the pool.
    pub(crate) async fn claim_key(
        &self,
        txn: &DatabaseTransaction,
        actor: &Principal,
        key: &RequestKey,
    ) -> AppResult<Claim> {
        let row = idempotency_key::ActiveModel {
            subject: Set(actor.sub.clone()),
            key: Set(key.key.clone()),
            operation: Set(key.operation.to_owned()),
            input_hash: Set(key.input_hash.clone()),
            result_id: Set(None),
            created_at: Set(self.clock.now()),
            ..Default::default()
        };
        match row.insert(txn).await {
            Ok(inserted) => Ok(Claim::Fresh(inserted.id)),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(Claim::Taken),
            Err(error) => Err(error.into()),
        }
    }

    /// Answers a retry before anything else is checked: the state may have moved on since the
    /// first request (an extension approved, an issue reassigned), and the retry must still get
    /// the first answer. `None` when the key is new (or its first request is still running).
    pub(crate) async fn replayed(&self, actor: &Principal, key: Option<&RequestKey>) -> AppResult<Option<i64>> {
        let Some(key) = key else { return Ok(None) };
        let earlier = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Subject.eq(&actor.sub))
            .filter(idempotency_key::Column::Key.eq(&key.key))
            .one(self.conn())
            .await?;
        match earlier {
            None => Ok(None),
            Some(earlier) if earlier.operation != key.operation || earlier.input_hash != key.input_hash => {
                Err(AppError::conflict("this idempotency key was used for a different request"))
            }
            Some(earlier) => Ok(earlier.result_id),
        }
    }

    /// The committed answer to an earlier use of the key (read outside the failed transaction).
    pub(crate) async fn replay(&self, actor: &Principal, key: &RequestKey) -> AppResult<i64> {
        let earlier = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Subject.eq(&actor.sub))
            .filter(idempotency_key::Column::Key.eq(&key.key))
            .one(self.conn())
            .await?
            .ok_or_else(|| {
                AppError::conflict("this idempotency key is being used by a request still running; retry")
            })?;
        if earlier.operation != key.operation || earlier.input_hash != key.input_hash {
            return Err(AppError::conflict("this idempotency key was used for a different request"));
        }
        earlier.result_id.ok_or_else(|| AppError::conflict("the first request with this key has not finished; retry"))
    }

    /// Records the created id on the claimed key, in the same transaction.
    pub(crate) async fn settle_key(&self, txn: &DatabaseTransaction, claimed: i64, result_id: i64) -> AppResult<()> {
        idempotency_key::ActiveModel { id: Set(claimed), result_id: Set(Some(result_id)), ..Default::default() }
            .update(txn)
            .await?;
        Ok(())
    }

    /// Forgets keys older than `KEY_LIFETIME`; returns how many.
    pub async fn purge_idempotency_keys(&self) -> AppResult<u64> {
        let cutoff = self.clock.now() - chrono::Duration::from_std(KEY_LIFETIME).map_err(AppError::internal)?;
        let deleted = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
            .exec(self.conn())
            .await?;
        Ok(deleted.rows_affected)
    }
}

impl Services {
    /// Opens the transaction of a create, claiming the key first; `Err(id)` is a replay.
    pub(crate) async fn begin_create(
        &self,
        actor: &Principal,
        key: Option<&RequestKey>,
    ) -> AppResult<Result<(DatabaseTransaction, Option<i64>), i64>> {
        let txn = self.conn().begin().await?;
        match key {
            None => Ok(Ok((txn, None))),
            Some(key) => match self.claim_key(&txn, actor, key).await? {
                Claim::Fresh(claimed) => Ok(Ok((txn, Some(claimed)))),
                Claim::Taken => {
                    txn.rollback().await?;
                    Ok(Err(self.replay(actor, key).await?))
                }
            },
        }
    }

    pub(crate) async fn finish_create(
        &self,
        txn: DatabaseTransaction,
        claimed: Option<i64>,
        created: i64,
    ) -> AppResult<i64> {
        if let Some(claimed) = claimed {
            self.settle_key(&txn, claimed, created).await?;
        }
        txn.commit().await?;
        Ok(created)
    }
}
