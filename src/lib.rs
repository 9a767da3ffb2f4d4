//! Rectify: the ledger of environmental-inspection problems and their rectification, served
//! over GraphQL. `main.rs` wires the command line; everything else lives here.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod evidence_store;
pub mod graphql;
pub mod http;
pub mod service;
pub mod shared_store;
pub mod startup;
