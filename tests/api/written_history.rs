//! Issues written straight into the database with a history of past dates, as they would
//! have been recorded on those days: for tests of anything that reads history.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    AccountabilityMeasure, AccountabilitySubjectType, CaseStatus, IssueAction, IssueStatus, Role, Severity,
};
use entity::{accountability_case, case_measure, issue, issue_event};
use sea_orm::{ActiveValue::Set, EntityTrait};

use crate::helpers::*;

pub fn row_id(global: &str) -> i64 {
    use base64::Engine;
    let text = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

pub fn at(text: &str) -> DateTime<Utc> {
    format!("{text}T04:00:00Z").parse().unwrap()
}

pub fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// One step of a written history: what happened, when, and the state after it.
pub struct Step {
    pub action: IssueAction,
    pub to: IssueStatus,
    pub on: &'static str,
    pub lead: Option<i64>,
    pub cooperating: &'static str,
}

/// Writes an issue and its events directly, as they would have been recorded on those days.
pub async fn write_issue(
    app: &TestApp,
    county: &County,
    code: &str,
    severity: Severity,
    deadline: &str,
    steps: &[Step],
) -> i64 {
    let last = steps.last().unwrap();
    let row = issue::ActiveModel {
        code: Set(code.into()),
        title: Set(format!("Problem {code}")),
        description: Set("d".into()),
        status: Set(last.to),
        severity: Set(severity),
        round_id: Set(row_id(&county.round)),
        category_id: Set(row_id(&county.category)),
        location: Set(None),
        township_id: Set(None),
        latitude: Set(None),
        longitude: Set(None),
        requires_engineering: Set(false),
        lead_department_id: Set(last.lead),
        leader_name: Set(Some("L".into())),
        deadline: Set(Some(date(deadline))),
        supervision_level: Set(None),
        supervision_deadline: Set(None),
        supervision_note: Set(None),
        supervision_listed_at: Set(None),
        supervision_listed_by: Set(None),
        plan_summary: Set(None),
        acceptance_summary: Set(None),
        acceptance_requested_at: Set(None),
        reopen_count: Set(0),
        accepted_at: Set(None),
        notice_ends_on: Set(None),
        closed_at: Set(None),
        enterprise_id: Set(None),
        site_inspection_id: Set(None),
        version: Set(steps.len() as i32),
        created_at: Set(at(steps[0].on)),
        updated_at: Set(at(last.on)),
        ..Default::default()
    };
    let id = issue::Entity::insert(row).exec(&app.db.conn).await.unwrap().last_insert_id;
    // Chained as the server chains them (`entity::chain`), so the written history verifies.
    let (mut from, mut head) = (None, entity::chain::GENESIS);
    let events: Vec<issue_event::ActiveModel> = steps
        .iter()
        .map(|step| {
            let mut event = issue_event::Model {
                id: 0,
                issue_id: id,
                action: step.action,
                from_status: from,
                to_status: step.to,
                actor_sub: "history".into(),
                actor_role: Role::Bureau,
                note: None,
                at: at(step.on),
                lead_department_id: step.lead,
                cooperating_department_ids: Some(step.cooperating.into()),
                deadline: step.lead.map(|_| date(deadline)),
                severity: Some(severity),
                category_id: Some(row_id(&county.category)),
                supervision_level: None,
                hash: None,
            };
            head = entity::chain::link(&head, &entity::chain::issue_event_fields(&event));
            event.hash = Some(entity::chain::to_hex(&head));
            from = Some(step.to);
            issue_event::ActiveModel {
                id: sea_orm::ActiveValue::NotSet,
                ..sea_orm::IntoActiveModel::into_active_model(event)
            }
        })
        .collect();
    issue_event::Entity::insert_many(events).exec(&app.db.conn).await.unwrap();
    id
}

/// A case decided on `on` against `department`, with these measures.
pub async fn write_case(app: &TestApp, code: &str, department: i64, on: &str, measures: &[AccountabilityMeasure]) {
    let case = accountability_case::ActiveModel {
        code: Set(code.into()),
        subject_type: Set(AccountabilitySubjectType::Official),
        department_id: Set(Some(department)),
        official_name: Set(Some("Zhao".into())),
        official_position: Set(Some("Section chief".into())),
        enterprise_id: Set(None),
        grounds: Set("CUTTING_CORNERS".into()),
        description: Set("d".into()),
        status: Set(CaseStatus::Decided),
        decision: Set(Some("decided".into())),
        statement: Set(None),
        statement_at: Set(None),
        opened_at: Set(at(on)),
        decided_at: Set(Some(at(on))),
        closed_at: Set(None),
        version: Set(3),
        updated_at: Set(at(on)),
        ..Default::default()
    };
    let id = accountability_case::Entity::insert(case).exec(&app.db.conn).await.unwrap().last_insert_id;
    let rows =
        measures.iter().map(|m| case_measure::ActiveModel { case_id: Set(id), measure: Set(*m), ..Default::default() });
    case_measure::Entity::insert_many(rows).exec(&app.db.conn).await.unwrap();
}
