//! The viewer's to-do list: what waits on the viewer or the viewer's department, across kinds,
//! the most pressing first. Each kind is a step some mutation takes, and an item is listed
//! when the viewer may take it now (`Issue.viewerCan` says the same of the issue).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CaseStatus, ExtensionStatus, IssueStatus};
use entity::{
    accountability_case, assignment_dispute, deadline_extension, instruction, issue, notice_objection, reminder,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Services;
use super::issue_checks::PreloadedFacts;
use super::pagination::{Cursor, Page, PageArgs};
use super::policy::{Action, authorize};
use crate::auth::Principal;
use crate::domain::accountability::CaseStep;
use crate::domain::lifecycle::Step;
use crate::error::AppResult;

/// What an item asks of the viewer, in the order the list breaks ties in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TodoKind {
    /// Assign a registered issue (`assignIssue`).
    AssignIssue,
    /// Start the rectification of an assigned issue (`startRectification`).
    StartRectification,
    /// Accept or reject a rectification (`acceptRectification`, `rejectRectification`).
    DecideAcceptance,
    /// Close an accepted issue whose public notice is over (`closeIssue`).
    CloseIssue,
    /// Approve or reject a deadline extension request (`decideDeadlineExtension`).
    DecideExtension,
    /// Answer a reminder or supervision slip (`replyToReminder`).
    AnswerSlip,
    /// Answer a leader's instruction (`replyToInstruction`).
    AnswerInstruction,
    /// Rule on an assignment dispute (`ruleOnDispute`).
    RuleOnDispute,
    /// Resolve an objection to a public notice (`resolveNoticeObjection`).
    ResolveObjection,
    /// File the statement on an accountability case (`fileCaseStatement`).
    FileStatement,
}

impl TodoKind {
    /// The issue's step an item of this kind asks for; none for a statement, a case's step.
    fn step(self) -> Option<Step> {
        Some(match self {
            TodoKind::AssignIssue => Step::Assign,
            TodoKind::StartRectification => Step::StartRectification,
            TodoKind::DecideAcceptance => Step::Accept,
            TodoKind::CloseIssue => Step::Close,
            TodoKind::DecideExtension => Step::DecideExtension,
            TodoKind::AnswerSlip => Step::AnswerReminder,
            TodoKind::AnswerInstruction => Step::AnswerInstruction,
            TodoKind::RuleOnDispute => Step::RuleOnDispute,
            TodoKind::ResolveObjection => Step::DismissObjection,
            TodoKind::FileStatement => return None,
        })
    }

    pub const ALL: [TodoKind; 10] = [
        TodoKind::AssignIssue,
        TodoKind::StartRectification,
        TodoKind::DecideAcceptance,
        TodoKind::CloseIssue,
        TodoKind::DecideExtension,
        TodoKind::AnswerSlip,
        TodoKind::AnswerInstruction,
        TodoKind::RuleOnDispute,
        TodoKind::ResolveObjection,
        TodoKind::FileStatement,
    ];
}

/// What an item is about: the record its mutation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TodoSubject {
    Issue(i64),
    Reminder(i64),
    Instruction(i64),
    Extension(i64),
    Dispute(i64),
    Objection(i64),
    Case(i64),
}

impl TodoSubject {
    fn record_id(self) -> i64 {
        match self {
            TodoSubject::Issue(id)
            | TodoSubject::Reminder(id)
            | TodoSubject::Instruction(id)
            | TodoSubject::Extension(id)
            | TodoSubject::Dispute(id)
            | TodoSubject::Objection(id)
            | TodoSubject::Case(id) => id,
        }
    }
}

/// One thing waiting on the viewer.
#[derive(Debug, Clone)]
pub struct TodoItem {
    pub kind: TodoKind,
    pub subject: TodoSubject,
    /// The issue concerned (none for a case).
    pub issue_id: Option<i64>,
    /// By when it is due, if anything sets a day.
    pub due_on: Option<NaiveDate>,
    /// Since when it waits.
    pub since: DateTime<Utc>,
}

impl TodoItem {
    /// The list's order: due first (overdue at the top), undated last, then oldest waiting
    /// first; kind and id break ties so that the order, and a cursor in it, is total.
    fn order_key(&self) -> (NaiveDate, i64, TodoKind, i64) {
        (self.due_on.unwrap_or(NaiveDate::MAX), self.since.timestamp_micros(), self.kind, self.subject.record_id())
    }

    /// The sort key and id its cursor is made of.
    fn cursor_parts(&self) -> (String, i64) {
        let (due, since, kind, id) = self.order_key();
        (format!("{due}|{since}|{}", kind as u8), id)
    }
}

const ORDERING: &str = "todo";

/// A cursor's key, for comparing with items'.
fn decode_key(raw: &str, field: &str) -> AppResult<(NaiveDate, i64, u8, i64)> {
    let cursor = Cursor::decode(raw, ORDERING, field)?;
    let invalid = || crate::error::AppError::bad_input(field, format!("`{field}` is not a cursor of this list"));
    let mut parts = cursor.key.split('|');
    let (Some(due), Some(since), Some(kind)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    Ok((
        due.parse().map_err(|_| invalid())?,
        since.parse().map_err(|_| invalid())?,
        kind.parse().map_err(|_| invalid())?,
        cursor.id,
    ))
}

/// The to-do list and the number of items of each kind.
pub struct Todo {
    pub page: Page<TodoItem>,
    pub total: u64,
}

impl Services {
    /// Everything waiting on the actor, in the list's order. Candidates are read by kind, then
    /// each is kept only if the check its mutation runs lets the actor take the step now.
    pub async fn todo_items(&self, actor: &Principal) -> AppResult<Vec<TodoItem>> {
        let mut items = Vec::new();
        let may = |action| authorize(actor, action).is_ok();
        let own = actor.department_id;
        if may(Action::ManageIssues) {
            self.issues_waiting(&mut items, IssueStatus::Reported, None, TodoKind::AssignIssue).await?;
        }
        if may(Action::DecideIssues) {
            self.issues_waiting(&mut items, IssueStatus::AwaitingAcceptance, None, TodoKind::DecideAcceptance).await?;
            self.issues_waiting(&mut items, IssueStatus::Accepted, None, TodoKind::CloseIssue).await?;
        }
        if may(Action::WorkOnIssue) && own.is_some() {
            self.issues_waiting(&mut items, IssueStatus::Assigned, own, TodoKind::StartRectification).await?;
        }
        if may(Action::DecideExtensions) {
            let pending = deadline_extension::Entity::find()
                .filter(deadline_extension::Column::Status.eq(ExtensionStatus::Pending))
                .all(self.conn())
                .await?;
            items.extend(pending.into_iter().map(|e| TodoItem {
                kind: TodoKind::DecideExtension,
                subject: TodoSubject::Extension(e.id),
                issue_id: Some(e.issue_id),
                due_on: Some(e.current_deadline),
                since: e.requested_at,
            }));
        }
        if may(Action::AnswerReminders)
            && let Some(own) = own
        {
            let slips = reminder::Entity::find()
                .filter(reminder::Column::DepartmentId.eq(own))
                .filter(reminder::Column::RepliedAt.is_null())
                .all(self.conn())
                .await?;
            items.extend(slips.into_iter().map(|s| TodoItem {
                kind: TodoKind::AnswerSlip,
                subject: TodoSubject::Reminder(s.id),
                issue_id: Some(s.issue_id),
                due_on: Some(s.reply_by),
                since: s.issued_at,
            }));
        }
        if may(Action::AnswerInstructions) && own.is_some() {
            let open =
                instruction::Entity::find().filter(instruction::Column::RepliedAt.is_null()).all(self.conn()).await?;
            items.extend(open.into_iter().map(|i| TodoItem {
                kind: TodoKind::AnswerInstruction,
                subject: TodoSubject::Instruction(i.id),
                issue_id: Some(i.issue_id),
                due_on: Some(i.reply_by),
                since: i.issued_at,
            }));
        }
        if may(Action::RuleOnDisputes) {
            let open = assignment_dispute::Entity::find()
                .filter(assignment_dispute::Column::Decision.is_null())
                .all(self.conn())
                .await?;
            items.extend(open.into_iter().map(|d| TodoItem {
                kind: TodoKind::RuleOnDispute,
                subject: TodoSubject::Dispute(d.id),
                issue_id: Some(d.issue_id),
                due_on: None,
                since: d.raised_at,
            }));
        }
        if may(Action::HandleNoticeObjections) {
            let open = notice_objection::Entity::find()
                .filter(notice_objection::Column::Outcome.is_null())
                .all(self.conn())
                .await?;
            items.extend(open.into_iter().map(|o| TodoItem {
                kind: TodoKind::ResolveObjection,
                subject: TodoSubject::Objection(o.id),
                issue_id: Some(o.issue_id),
                due_on: None,
                since: o.recorded_at,
            }));
        }
        let mut items = self.still_allowed(actor, items).await?;
        if may(Action::FileCaseStatement)
            && let Some(own) = own
        {
            let cases = accountability_case::Entity::find()
                .filter(accountability_case::Column::DepartmentId.eq(own))
                .filter(accountability_case::Column::Status.eq(CaseStatus::Investigating))
                .all(self.conn())
                .await?;
            for case in cases {
                if self.check_case_step(actor, CaseStep::FileStatement, &case).is_ok() {
                    items.push(TodoItem {
                        kind: TodoKind::FileStatement,
                        subject: TodoSubject::Case(case.id),
                        issue_id: None,
                        due_on: None,
                        since: case.updated_at,
                    });
                }
            }
        }
        items.sort_by_key(TodoItem::order_key);
        Ok(items)
    }

    /// The candidates about issues whose step the actor may take now (on issues it sees).
    async fn still_allowed(&self, actor: &Principal, items: Vec<TodoItem>) -> AppResult<Vec<TodoItem>> {
        let ids: Vec<i64> = items.iter().filter_map(|item| item.issue_id).collect();
        let issues = self.issues_by_ids(actor, &ids).await?;
        let rows: Vec<issue::Model> = issues.values().cloned().collect();
        let facts = PreloadedFacts::load(self, &rows).await?;
        let mut kept = Vec::new();
        for item in items {
            let (Some(issue), Some(step)) = (item.issue_id.and_then(|id| issues.get(&id)), item.kind.step()) else {
                continue;
            };
            if self.check_issue_step(actor, step, issue, &facts.of(issue)).await.is_ok() {
                kept.push(item);
            }
        }
        Ok(kept)
    }

    /// A page of the actor's to-do list, and how many items it has in all.
    pub async fn todo(&self, actor: &Principal, args: &PageArgs) -> AppResult<Todo> {
        let window = args.window()?;
        let field = if window.backward { "before" } else { "after" };
        let mut items = self.todo_items(actor).await?;
        let total = items.len() as u64;
        if let Some(raw) = &window.cursor {
            let (due, since, kind, id) = decode_key(raw, field)?;
            let past = |item: &TodoItem| {
                let (d, s, k, i) = item.order_key();
                let key = (d, s, k as u8, i);
                if window.backward { key < (due, since, kind, id) } else { key > (due, since, kind, id) }
            };
            items.retain(past);
        }
        if window.backward {
            items.reverse();
        }
        items.truncate(window.limit as usize + 1);
        Ok(Todo { page: Page::from_fetched(items, &window, ORDERING, TodoItem::cursor_parts), total })
    }

    /// Issues in `status` (led by `lead`, if given), each an item of `kind`.
    async fn issues_waiting(
        &self,
        items: &mut Vec<TodoItem>,
        status: IssueStatus,
        lead: Option<i64>,
        kind: TodoKind,
    ) -> AppResult<()> {
        let mut select = issue::Entity::find().filter(issue::Column::Status.eq(status));
        if let Some(lead) = lead {
            select = select.filter(issue::Column::LeadDepartmentId.eq(lead));
        }
        for row in select.all(self.conn()).await? {
            let (since, due_on) = match kind {
                TodoKind::AssignIssue => (row.created_at, None),
                TodoKind::DecideAcceptance => (row.acceptance_requested_at.unwrap_or(row.updated_at), row.deadline),
                TodoKind::CloseIssue => (row.accepted_at.unwrap_or(row.updated_at), row.notice_ends_on),
                _ => (row.updated_at, row.deadline),
            };
            items.push(TodoItem { kind, subject: TodoSubject::Issue(row.id), issue_id: Some(row.id), due_on, since });
        }
        Ok(())
    }
}
