//! The query root: one object a part of the API, merged into `Query`, as the mutation root is.
//! The SDL lists `Query`'s fields in the order of the parts below, then of their fields.

mod access;
mod accountability;
mod assessment;
mod catalog;
mod field_work;
mod history;
pub(crate) mod issue;
mod labels;
mod leadership;
mod look_back;
mod node;
mod projects;
mod reports;
mod supervision;

use async_graphql::MergedObject;

/// Everything there is to read. Every field needs a bearer token.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    access::ViewerQuery,
    node::NodeQuery,
    catalog::CatalogQuery,
    labels::LabelsQuery,
    reports::ReportsQuery,
    issue::IssueQuery,
    accountability::AccountabilityQuery,
    assessment::AssessmentQuery,
    field_work::FieldWorkQuery,
    supervision::SupervisionQuery,
    leadership::LeadershipQuery,
    look_back::LookBackQuery,
    projects::ProjectQuery,
    history::HistoryQuery,
    access::UsersQuery,
);
