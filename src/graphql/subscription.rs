//! The subscription root: live updates over graphql-transport-ws at `/graphql` (see
//! `http::websocket`), fed by `service::live`. Each event goes only to subscribers whose
//! viewer may see it, decided again for every event; every subscription counts against its
//! subject's cap (`RECTIFY_MAX_SUBSCRIPTIONS`) until it ends.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::context::ContextExt;
use super::ids::{self, NodeKind};
use super::types::enums::IssueAction;
use super::types::issue::{Issue, IssueEvent};
use super::types::supervision::Notification;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::Services;
use crate::service::live::{LiveRow, SubscriptionSlot};
use crate::service::policy::issue_scope;

/// Which issue events to receive; every field given must hold.
#[derive(InputObject, Default, Clone)]
pub struct IssueEventFilter {
    /// Only events of this issue.
    pub issue_id: Option<ID>,
    /// Only events with one of these actions.
    pub actions: Option<Vec<IssueAction>>,
}

/// Live updates. Connect with graphql-transport-ws to `/graphql` and send the token in
/// `connection_init`'s payload.
#[derive(Default)]
pub struct SubscriptionRoot;

/// The rows of the live feed that `keep` turns into items, for as long as the subscription
/// lasts; the slot is held (and counted) until the stream is dropped.
fn follow<T, F, Fut>(feed: Feed, keep: F) -> impl Stream<Item = T> + use<T, F, Fut>
where
    F: Fn(Arc<LiveRow>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Step<T>> + Send,
    T: Send + 'static,
{
    let Feed { receiver, slot } = feed;
    futures_util::stream::unfold((receiver, slot, keep), |(mut receiver, slot, keep)| async move {
        loop {
            let row = match receiver.recv().await {
                Ok(row) => row,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind the live feed; the oldest events were skipped");
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            match keep(row).await {
                Step::Deliver(item) => return Some((item, (receiver, slot, keep))),
                Step::Skip => continue,
                Step::End => return None,
            }
        }
    })
}

/// What a subscription does with one row of the feed.
enum Step<T> {
    Deliver(T),
    Skip,
    /// The subscription is over (its issue is no longer visible).
    End,
}

/// The viewer's services and principal, with a slot counted against their cap. Rows
/// committed from here on reach the subscription.
async fn viewer(ctx: &Context<'_>) -> async_graphql::Result<(Services, Principal, Feed)> {
    let services = ctx.services()?.clone();
    let principal = ctx.principal()?.clone();
    let slot = services.live.open_slot(&principal.sub)?;
    // The receiver first: the reader delivers to those who hold one.
    let receiver = services.live.receiver();
    services.follow_live_feed_from_now().await?;
    Ok((services, principal, Feed { receiver, slot }))
}

/// A subscription's end of the live feed, and its slot under the subject's cap.
struct Feed {
    receiver: tokio::sync::broadcast::Receiver<Arc<LiveRow>>,
    slot: SubscriptionSlot,
}

/// Whether `principal` sees an event, by the issue's units it records.
fn sees_event(principal: &Principal, event: &entity::issue_event::Model) -> bool {
    let state = crate::domain::history::IssueState::from_event(event);
    issue_scope(principal).sees(state.lead_department_id, &state.cooperating_department_ids)
}

/// Live updates. Connect with graphql-transport-ws to `/graphql` and send the token in
/// `connection_init`'s payload.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each notification that lands in one of the viewer's inboxes (their own, their role's,
    /// their department's), as it is written.
    async fn notification_added(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = Notification>> {
        let (reader, principal, feed) = viewer(ctx).await?;
        Ok(follow(feed, move |row| {
            let (services, principal) = (reader.clone(), principal.clone());
            async move {
                let LiveRow::Notification(note) = &*row else { return Step::Skip };
                match services.notification_for(&principal, note).await {
                    Ok(true) => Step::Deliver(Notification(note.clone(), false)),
                    Ok(false) => Step::Skip,
                    Err(error) => {
                        error.log();
                        Step::Skip
                    }
                }
            }
        }))
    }

    /// The issue, as it is after each change to it (each event of its history), while the
    /// viewer may see it; the stream ends when the viewer no longer may. NOT_FOUND for an issue
    /// the viewer cannot see.
    async fn issue_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Issue>> {
        let issue_id = ids::expect(&id, NodeKind::Issue, "id")?;
        let (services, principal, feed) = viewer(ctx).await?;
        if services.issue(&principal, issue_id).await?.is_none() {
            return Err(AppError::not_found("issue").into());
        }
        let reader = services.clone();
        Ok(follow(feed, move |row| {
            let (services, principal) = (reader.clone(), principal.clone());
            async move {
                let LiveRow::Event(event) = &*row else { return Step::Skip };
                if event.issue_id != issue_id {
                    return Step::Skip;
                }
                match services.issue(&principal, issue_id).await {
                    Ok(Some(issue)) => Step::Deliver(Issue(issue)),
                    Ok(None) => Step::End,
                    Err(error) => {
                        error.log();
                        Step::Skip
                    }
                }
            }
        }))
    }

    /// Each new event of the issues the viewer may see (a department: those it leads or
    /// cooperates on when the event happens), in the order of each issue's history.
    async fn issue_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only events matching every given field.")] filter: Option<IssueEventFilter>,
    ) -> async_graphql::Result<impl Stream<Item = IssueEvent>> {
        let filter = filter.unwrap_or_default();
        let issue_id = ids::expect_opt(filter.issue_id.as_ref(), NodeKind::Issue, "filter.issueId")?;
        let actions: Option<Vec<entity::enums::IssueAction>> =
            filter.actions.map(|actions| actions.into_iter().map(Into::into).collect());
        let (_, principal, feed) = viewer(ctx).await?;
        Ok(follow(feed, move |row| {
            let keep = match &*row {
                LiveRow::Event(event) => {
                    issue_id.is_none_or(|id| event.issue_id == id)
                        && actions.as_ref().is_none_or(|actions| actions.contains(&event.action))
                        && sees_event(&principal, event)
                }
                LiveRow::Notification(_) => false,
            };
            let item = match &*row {
                LiveRow::Event(event) if keep => Step::Deliver(IssueEvent(event.clone())),
                _ => Step::Skip,
            };
            std::future::ready(item)
        }))
    }
}
