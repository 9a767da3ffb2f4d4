//! GraphQL object, enum and scalar types: thin views over service results.

pub mod assessment;
pub mod case;
pub mod catalog;
pub mod connection;
pub mod department;
pub mod dispute;
pub mod enterprise;
pub mod enums;
pub mod evidence;
pub mod field_work;
pub mod history;
pub mod instruction;
pub mod issue;
pub mod labels;
pub mod look_back;
pub mod monthly_report;
pub mod node;
pub mod objection;
pub mod project;
pub mod scalars;
pub mod statistics;
pub mod supervision;
pub mod todo;
pub mod user;
pub mod viewer_can;
pub mod webhook;
