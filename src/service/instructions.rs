//! Leaders' written instructions (批示): posted on an issue by the leader in charge (or by any
//! leader where the county allows it), addressed to the issue's lead department, answered once
//! by it. The instruction and its reply are events in the issue's history and notifications.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{NotificationKind, Role};
use entity::{instruction, user};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::MAX_TEXT;
use super::idempotency::RequestKey;
use super::issue_step::Change;
use super::notice::{Notice, Recipient};
use super::pagination::{Page, PageArgs, page_by_id_in};
use super::policy::{Action, authorize};
use super::reminders::{AddressedColumns, ReminderFilter};
use super::{Services, group_by, required_text};
use crate::auth::Principal;
use crate::domain::lifecycle::Step;
use crate::error::{AppError, AppResult};

/// An instruction to post.
pub struct NewInstruction {
    pub issue_id: i64,
    pub text: String,
    pub reply_by: NaiveDate,
}

/// The lead department's answer to an instruction.
#[derive(serde::Serialize)]
pub struct InstructionReply {
    pub instruction_id: i64,
    pub reply: String,
}

const COLUMNS: AddressedColumns<instruction::Column> = AddressedColumns {
    issue: instruction::Column::IssueId,
    department: instruction::Column::DepartmentId,
    replied_at: instruction::Column::RepliedAt,
    reply_by: instruction::Column::ReplyBy,
};

impl Services {
    /// A LEADER posts an instruction to the issue's lead department.
    pub async fn post_instruction(&self, actor: &Principal, input: NewInstruction) -> AppResult<instruction::Model> {
        authorize(actor, Action::PostInstructions)?;
        let current = self.issue_for_step(actor, input.issue_id, Step::PostInstruction).await?;
        let text = required_text("text", &input.text, MAX_TEXT)?;
        if input.reply_by < self.clock.today() {
            return Err(AppError::bad_input("replyBy", "`replyBy` cannot be before today"));
        }
        let Some(department_id) = current.lead_department_id else {
            return Err(AppError::invalid_transition("the issue has no lead department to instruct yet"));
        };
        let txn = self.conn().begin().await?;
        let mut change = Change::new(Step::PostInstruction, None);
        change.note = Some(format!("{text} (reply by {})", input.reply_by));
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let posted = instruction::Entity::insert(instruction::ActiveModel {
            issue_id: Set(saved.id),
            department_id: Set(department_id),
            text: Set(text.clone()),
            reply_by: Set(input.reply_by),
            issued_by: Set(actor.sub.clone()),
            issued_at: Set(self.clock.now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let notice = Notice {
            kind: NotificationKind::InstructionPosted,
            issue_id: Some(saved.id),
            reminder_id: None,
            message: format!("Instruction on {}: {text} (reply by {})", saved.code, input.reply_by),
            recipients: vec![Recipient::Department(department_id)],
        };
        self.notify(&txn, vec![notice]).await?;
        txn.commit().await?;
        Ok(posted)
    }

    /// The department addressed answers an instruction, once; the leader who posted it is told.
    pub async fn reply_to_instruction(
        &self,
        actor: &Principal,
        input: InstructionReply,
        key: Option<RequestKey>,
    ) -> AppResult<instruction::Model> {
        if let Some(id) = self.replayed(actor, key.as_ref()).await? {
            return self.instruction_row(id).await;
        }
        let found = self.visible_instruction(actor, input.instruction_id).await?;
        authorize(actor, Action::AnswerInstructions)?;
        let current = self.issue_for_change(actor, found.issue_id).await?;
        let reply = required_text("reply", &input.reply, MAX_TEXT)?;
        if found.replied_at.is_some() {
            return Err(AppError::invalid_transition("the instruction is already answered"));
        }
        self.check_step(actor, Step::AnswerInstruction, &current).await?;
        let (txn, claimed) = match self.begin_create(actor, key.as_ref()).await? {
            Ok(open) => open,
            Err(id) => return self.instruction_row(id).await,
        };
        let mut change = Change::new(Step::AnswerInstruction, None);
        change.note = Some(reply.clone());
        let saved = self.apply_in(&txn, actor, current, change).await?;
        let answered = instruction::Entity::update_many()
            .set(instruction::ActiveModel {
                reply: Set(Some(reply.clone())),
                replied_by: Set(Some(actor.sub.clone())),
                replied_at: Set(Some(self.clock.now())),
                ..Default::default()
            })
            .filter(instruction::Column::Id.eq(found.id))
            .filter(instruction::Column::RepliedAt.is_null())
            .exec(&txn)
            .await?;
        if answered.rows_affected == 0 {
            return Err(AppError::conflict("the instruction was answered meanwhile"));
        }
        let notice = Notice {
            kind: NotificationKind::InstructionAnswered,
            issue_id: Some(saved.id),
            reminder_id: None,
            message: format!("Instruction on {} answered: {reply}", saved.code),
            recipients: vec![Recipient::User(found.issued_by.clone())],
        };
        self.notify(&txn, vec![notice]).await?;
        let id = self.finish_create(txn, claimed, found.id).await?;
        self.instruction_row(id).await
    }

    /// The LEADER user linked to an issue, if any.
    pub(crate) async fn leader_in_charge(&self, leader_user_id: Option<i64>) -> AppResult<Option<user::Model>> {
        let Some(id) = leader_user_id else { return Ok(None) };
        Ok(user::Entity::find_by_id(id).filter(user::Column::Role.eq(Role::Leader)).one(self.conn()).await?)
    }

    /// The id of the local user named by a token's subject.
    pub async fn user_id_of_subject(&self, subject: &str) -> AppResult<Option<i64>> {
        let found = user::Entity::find().filter(user::Column::Username.eq(subject)).one(self.conn()).await?;
        Ok(found.map(|row| row.id))
    }

    /// The LEADER users with these ids (for the loader; the issues naming them are visible).
    pub async fn leaders_by_ids(&self, ids: &[i64]) -> AppResult<HashMap<i64, user::Model>> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .filter(user::Column::Role.eq(Role::Leader))
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    async fn instruction_row(&self, id: i64) -> AppResult<instruction::Model> {
        instruction::Entity::find_by_id(id).one(self.conn()).await?.ok_or_else(|| AppError::not_found("instruction"))
    }

    /// An instruction, if the actor may see its issue; NOT_FOUND otherwise.
    async fn visible_instruction(&self, actor: &Principal, id: i64) -> AppResult<instruction::Model> {
        instruction::Entity::find_by_id(id)
            .filter(self.addressed_condition(actor, &ReminderFilter::default(), &COLUMNS)?)
            .one(self.conn())
            .await?
            .ok_or_else(|| AppError::not_found("instruction"))
    }

    /// Instructions about issues the actor may see, newest first.
    pub async fn instructions(
        &self,
        actor: &Principal,
        filter: &ReminderFilter,
        args: &PageArgs,
    ) -> AppResult<Page<instruction::Model>> {
        let select = instruction::Entity::find().filter(self.addressed_condition(actor, filter, &COLUMNS)?);
        page_by_id_in(self.conn(), select, instruction::Column::Id, "instruction", args, true).await
    }

    pub async fn count_instructions(&self, actor: &Principal, filter: &ReminderFilter) -> AppResult<u64> {
        let select = instruction::Entity::find().filter(self.addressed_condition(actor, filter, &COLUMNS)?);
        Ok(select.count(self.conn()).await?)
    }

    /// The instructions of each issue, newest first (for the loader; the issues are visible).
    pub async fn instructions_of(&self, issue_ids: &[i64]) -> AppResult<HashMap<i64, Vec<instruction::Model>>> {
        let rows = instruction::Entity::find()
            .filter(instruction::Column::IssueId.is_in(issue_ids.iter().copied()))
            .order_by_desc(instruction::Column::Id)
            .all(self.conn())
            .await?;
        Ok(group_by(rows, |row| Some((row.issue_id, row))))
    }

    /// Instructions by id that the actor may see (for `node`).
    pub async fn instructions_by_ids(
        &self,
        actor: &Principal,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, instruction::Model>> {
        let rows = instruction::Entity::find()
            .filter(instruction::Column::Id.is_in(ids.iter().copied()))
            .filter(self.addressed_condition(actor, &ReminderFilter::default(), &COLUMNS)?)
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
