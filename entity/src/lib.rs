//! SeaORM entities of the Rectify ledger: rows and the enumerations stored in them.
//! GraphQL types and rules live in the root crate; these are data only, with one exception:
//! the canonical bytes and hash chains of the histories (`chain`), which the migrations
//! compute too.

pub mod accountability_case;
pub mod aspect;
pub mod assessment_period;
pub mod assessment_result;
pub mod assessment_veto;
pub mod assignment_dispute;
pub mod case_event;
pub mod case_issue;
pub mod case_measure;
pub mod category;
pub mod chain;
pub mod deadline_extension;
pub mod department;
pub mod enterprise;
pub mod enums;
pub mod evidence;
pub mod evidence_citation;
pub mod idempotency_key;
pub mod inspection_round;
pub mod instruction;
pub mod issue;
pub mod issue_cooperator;
pub mod issue_event;
pub mod look_back_campaign;
pub mod look_back_task;
pub mod milestone;
pub mod monthly_report;
pub mod notice_objection;
pub mod notification;
pub mod notification_read;
pub mod progress_report;
pub mod project_application;
pub mod project_application_event;
pub mod project_instruction;
pub mod reminder;
pub mod scheduled_job;
pub mod site_inspection;
pub mod slip_series;
pub mod sweep_mark;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
