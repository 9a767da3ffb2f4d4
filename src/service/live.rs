//! The live feed behind GraphQL subscriptions: every issue event and every notification,
//! delivered to this process's subscribers once it is committed, whichever server wrote it.
//!
//! - On PostgreSQL, the transaction that writes events or notifications also sends their ids
//!   with `pg_notify` (`announce`), which PostgreSQL delivers to every listening server when,
//!   and only if, the transaction commits, in commit order. Each server's listener reads the
//!   rows by those ids and hands them to its subscribers. Ids go in the payload rather than
//!   "something changed", because ids from a sequence can commit out of order and a reader
//!   that followed the highest id would skip a late commit.
//! - On SQLite (one server), a reader follows the highest id of each table every
//!   `SQLITE_POLL`: SQLite has one writer at a time, so ids commit in order.
//!
//! Subscribers get the rows through a broadcast channel and decide per row what their viewer
//! may see. A subscriber too slow to keep up with `CHANNEL_CAPACITY` rows loses the oldest
//! (delivery is at most once) and is told so in the log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::{issue_event, notification};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement};
use tokio::sync::broadcast;

use super::Services;
use crate::error::{AppError, AppResult};

/// The PostgreSQL channel of the feed.
pub const CHANNEL: &str = "rectify_live";

/// Rows the broadcast channel holds for its slowest subscriber.
const CHANNEL_CAPACITY: usize = 4096;

/// How often the SQLite reader looks for new rows: the worst delay of a delivery there.
const SQLITE_POLL: Duration = Duration::from_millis(100);

/// Ids per `pg_notify`, well under PostgreSQL's 8,000-byte payload limit.
const IDS_PER_NOTICE: usize = 400;

/// The default of `RECTIFY_MAX_SUBSCRIPTIONS`.
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 20;

/// A committed row of the feed.
#[derive(Debug, Clone)]
pub enum LiveRow {
    Event(issue_event::Model),
    Notification(notification::Model),
}

/// The ids a transaction wrote, as `pg_notify` carries them.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Announcement {
    #[serde(default, rename = "e")]
    events: Vec<i64>,
    #[serde(default, rename = "n")]
    notifications: Vec<i64>,
    /// A marker a stopping server sends itself (see `flush_live_feed`).
    #[serde(default, rename = "f", skip_serializing_if = "Option::is_none")]
    flush: Option<u64>,
}

/// This process's end of the feed, and the count of open subscriptions per subject.
pub struct LiveFeed {
    sender: broadcast::Sender<Arc<LiveRow>>,
    /// SQLite: the highest event and notification ids read, while anyone subscribes; `None`
    /// while nobody does (the reader then reads nothing).
    read_up_to: tokio::sync::Mutex<Option<(i64, i64)>>,
    open: Mutex<HashMap<String, usize>>,
    max_per_subject: usize,
    /// How far the reader has read, for `flush_live_feed`: on PostgreSQL the last flush marker
    /// of this process it received, on SQLite the number of passes it finished.
    caught_up: tokio::sync::watch::Sender<u64>,
    /// This process's flush markers: a random upper half, so that markers other servers send
    /// on the shared channel are told apart, and a count below.
    flush_markers: std::sync::atomic::AtomicU64,
}

impl LiveFeed {
    pub fn new(max_per_subject: usize) -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            sender,
            read_up_to: tokio::sync::Mutex::new(None),
            open: Mutex::new(HashMap::new()),
            max_per_subject: max_per_subject.max(1),
            caught_up: tokio::sync::watch::Sender::new(0),
            flush_markers: std::sync::atomic::AtomicU64::new(u64::from(rand::random::<u32>()) << 32),
        }
    }

    pub fn receiver(&self) -> broadcast::Receiver<Arc<LiveRow>> {
        self.sender.subscribe()
    }

    /// Counts a subscription of `subject` while the returned slot lives; refused past the cap.
    pub fn open_slot(self: &Arc<Self>, subject: &str) -> AppResult<SubscriptionSlot> {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(subject.to_owned()).or_default();
        if *count >= self.max_per_subject {
            return Err(AppError::RateLimited(format!(
                "at most {} subscriptions may be open at once for one subject (RECTIFY_MAX_SUBSCRIPTIONS)",
                self.max_per_subject
            )));
        }
        *count += 1;
        Ok(SubscriptionSlot { feed: self.clone(), subject: subject.to_owned() })
    }

    /// Open subscriptions of every subject (for tests and metrics).
    pub fn open_subscriptions(&self) -> usize {
        self.open.lock().map(|open| open.values().sum()).unwrap_or_default()
    }

    fn publish(&self, rows: Vec<LiveRow>) {
        for row in rows {
            // No receiver is no subscriber: nothing to deliver.
            let _ = self.sender.send(Arc::new(row));
        }
    }
}

/// One open subscription, counted against its subject until dropped with its stream.
pub struct SubscriptionSlot {
    feed: Arc<LiveFeed>,
    subject: String,
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        let mut open = self.feed.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.subject) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.subject);
            }
        }
    }
}

impl Services {
    /// Tells every server, on commit, which events and notifications this transaction wrote
    /// (PostgreSQL; on SQLite the reader finds them by itself).
    pub(crate) async fn announce(
        &self,
        txn: &impl ConnectionTrait,
        events: &[i64],
        notifications: &[i64],
    ) -> AppResult<()> {
        if self.backend() != DbBackend::Postgres {
            return Ok(());
        }
        let chunks =
            events.chunks(IDS_PER_NOTICE).map(|ids| Announcement { events: ids.to_vec(), ..Announcement::default() });
        let more = notifications
            .chunks(IDS_PER_NOTICE)
            .map(|ids| Announcement { notifications: ids.to_vec(), ..Announcement::default() });
        for announcement in chunks.chain(more) {
            let payload = serde_json::to_string(&announcement).map_err(AppError::internal)?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Waits until every row committed before the call has been handed to this process's
    /// subscribers, or `within` has passed: a stopping server calls it so that its sockets
    /// close after the last events, not before. On PostgreSQL the server announces a marker
    /// of its own, which its listener reads after every announcement committed earlier; on
    /// SQLite it waits for a full pass of the reader that began after the call.
    pub async fn flush_live_feed(&self, within: Duration) {
        let mut caught_up = self.live.caught_up.subscribe();
        let flushed = async {
            if self.backend() == DbBackend::Postgres {
                let marker = self.live.flush_markers.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let announcement = Announcement { flush: Some(marker), ..Announcement::default() };
                let payload = serde_json::to_string(&announcement).map_err(AppError::internal)?;
                let notify = "SELECT pg_notify($1, $2)";
                let values = [CHANNEL.into(), payload.into()];
                self.background_conn()
                    .execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, notify, values))
                    .await?;
                let _ = caught_up.wait_for(|seen| *seen == marker).await;
            } else {
                let passes = *caught_up.borrow();
                let _ = caught_up.wait_for(|seen| *seen >= passes + 2).await;
            }
            AppResult::Ok(())
        };
        match tokio::time::timeout(within, flushed).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => error.log(),
            Err(_) => tracing::warn!("the live feed did not catch up before the server stopped"),
        }
    }

    /// Starts this process's reader of the feed (once, when the server starts).
    pub fn start_live_feed(&self) {
        let services = self.clone();
        tokio::spawn(async move {
            let result = match services.backend() {
                DbBackend::Postgres => services.listen_postgres().await,
                _ => services.poll_sqlite().await,
            };
            if let Err(error) = result {
                error.log();
            }
        });
    }

    /// Listens for announcements, and listens again a second after the database was lost
    /// (what was announced meanwhile is not delivered: delivery is at most once).
    async fn listen_postgres(&self) -> AppResult<()> {
        loop {
            if let Err(error) = self.listen_postgres_once().await {
                tracing::warn!(%error, "the live feed's listener lost the database; listening again in a second");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_postgres_once(&self) -> AppResult<()> {
        use sea_orm::sqlx::postgres::PgListener;
        let pool = self.background_conn().get_postgres_connection_pool();
        let mut listener = PgListener::connect_with(pool).await.map_err(AppError::internal)?;
        // The same connection hears the other servers' changes to the reference tables.
        listener.listen_all([CHANNEL, super::reference::CHANNEL]).await.map_err(AppError::internal)?;
        // What was announced while this listener was away is unknown: read the tables afresh.
        self.drop_reference_copy();
        loop {
            let notice = listener.recv().await.map_err(AppError::internal)?;
            if notice.channel() == super::reference::CHANNEL {
                self.drop_reference_copy();
                continue;
            }
            let Ok(announcement) = serde_json::from_str::<Announcement>(notice.payload()) else { continue };
            if let Some(marker) = announcement.flush {
                let ours = self.live.flush_markers.load(std::sync::atomic::Ordering::Relaxed) >> 32 == marker >> 32;
                if ours {
                    self.live.caught_up.send_replace(marker);
                }
                continue;
            }
            match self.rows_of(&announcement).await {
                Ok(rows) => self.live.publish(rows),
                Err(error) => error.log(),
            }
        }
    }

    async fn rows_of(&self, announcement: &Announcement) -> AppResult<Vec<LiveRow>> {
        let mut rows = Vec::new();
        if !announcement.events.is_empty() {
            let events = issue_event::Entity::find()
                .filter(issue_event::Column::Id.is_in(announcement.events.iter().copied()))
                .order_by_asc(issue_event::Column::Id)
                .all(self.background_conn())
                .await?;
            rows.extend(events.into_iter().map(LiveRow::Event));
        }
        if !announcement.notifications.is_empty() {
            let notes = notification::Entity::find()
                .filter(notification::Column::Id.is_in(announcement.notifications.iter().copied()))
                .order_by_asc(notification::Column::Id)
                .all(self.background_conn())
                .await?;
            rows.extend(notes.into_iter().map(LiveRow::Notification));
        }
        Ok(rows)
    }

    /// Makes the SQLite reader deliver every row committed from now on: called by each new
    /// subscription after it holds its receiver. If the reader was idle (nobody subscribed),
    /// it starts from the newest rows now, so that older ones are not delivered as new.
    pub async fn follow_live_feed_from_now(&self) -> AppResult<()> {
        if self.backend() == DbBackend::Postgres {
            return Ok(());
        }
        let mut read_up_to = self.live.read_up_to.lock().await;
        if read_up_to.is_none() {
            *read_up_to = Some(self.newest_ids().await?);
        }
        Ok(())
    }

    async fn newest_ids(&self) -> AppResult<(i64, i64)> {
        let newest_event =
            issue_event::Entity::find().order_by_desc(issue_event::Column::Id).one(self.background_conn()).await?;
        let newest_note =
            notification::Entity::find().order_by_desc(notification::Column::Id).one(self.background_conn()).await?;
        Ok((newest_event.map_or(0, |e| e.id), newest_note.map_or(0, |n| n.id)))
    }

    async fn poll_sqlite(&self) -> AppResult<()> {
        let mut ticks = tokio::time::interval(SQLITE_POLL);
        loop {
            ticks.tick().await;
            // The pass before this one is over, whatever it found.
            self.live.caught_up.send_modify(|passes| *passes += 1);
            let mut read_up_to = self.live.read_up_to.lock().await;
            if self.live.sender.receiver_count() == 0 {
                // Nobody listens: read nothing, and start afresh with the next subscriber.
                *read_up_to = None;
                continue;
            }
            let Some((events_after, notes_after)) = *read_up_to else {
                // A subscriber arrived while the reader went idle: start from now.
                *read_up_to = self.newest_ids().await.ok();
                continue;
            };
            let events = issue_event::Entity::find()
                .filter(issue_event::Column::Id.gt(events_after))
                .order_by_asc(issue_event::Column::Id)
                .all(self.background_conn())
                .await;
            let notes = notification::Entity::find()
                .filter(notification::Column::Id.gt(notes_after))
                .order_by_asc(notification::Column::Id)
                .all(self.background_conn())
                .await;
            let (Ok(events), Ok(notes)) = (events, notes) else { continue };
            *read_up_to =
                Some((events.last().map_or(events_after, |e| e.id), notes.last().map_or(notes_after, |n| n.id)));
            drop(read_up_to);
            let rows = events.into_iter().map(LiveRow::Event).chain(notes.into_iter().map(LiveRow::Notification));
            self.live.publish(rows.collect());
        }
    }
}
