//! The integration suite: the real server, the real migrations, a fresh database per test.

mod helpers;

mod accountability;
mod assessment;
mod auth;
mod cli;
mod demo;
mod docs;
mod errors;
mod evidence;
mod export;
mod fast_objects;
mod field_work;
mod graphiql;
mod http_rules;
mod identity_provider;
mod leadership;
mod lifecycle;
mod limits;
mod listing;
mod logins;
mod matrix;
mod migrations;
mod plans;
mod rate_limits;
mod reference_data;
mod schema;
mod statements;
mod statistics;
mod subscriptions;
mod supervision;
mod sweep;
mod visibility;
mod warning_lights;
mod webhooks;
mod written_history;
