//! One notice to deliver to one webhook: the outbox row, written with the notice, and the
//! record of its attempts.

use sea_orm::entity::prelude::*;

use crate::enums::{DeliveryStatus, NotificationKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub webhook_id: i64,
    pub event: NotificationKind,
    /// The JSON body, fixed when the notice is written, so that every attempt sends (and
    /// signs) the same bytes.
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When it is next tried (or, while being sent, when another server may take it over).
    pub next_attempt_at: DateTimeUtc,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
