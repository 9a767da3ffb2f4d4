//! The mutation root: each mutation takes one `input` and returns a payload named after it.

mod access;
mod accountability;
mod assessment;
mod catalog;
mod field_work;
mod issue;
mod leadership;
mod look_back;
mod objections;
mod projects;
mod reports;
mod supervision;
mod webhooks;

use async_graphql::MergedObject;

use crate::error::{AppError, AppResult};

/// Everything there is to change. Every mutation takes one `input` and returns a payload
/// named after it; only `login` works without a token.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    access::AccessMutation,
    catalog::CatalogMutation,
    issue::IssueMutation,
    accountability::AccountabilityMutation,
    assessment::AssessmentMutation,
    field_work::FieldWorkMutation,
    reports::ReportsMutation,
    supervision::SupervisionMutation,
    leadership::LeadershipMutation,
    objections::ObjectionMutation,
    look_back::LookBackMutation,
    projects::ProjectMutation,
    webhooks::WebhookMutation,
);

/// Reports input errors at their path under `input`.
pub(crate) fn in_input<T>(result: AppResult<T>) -> Result<T, AppError> {
    result.map_err(|error| error.within("input"))
}

/// Declares a payload type that carries one object.
macro_rules! payload {
    ($name:ident, $field:ident, $ty:ty, $doc:tt) => {
        #[doc = $doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The object as it is after the mutation.
            pub $field: $ty,
        }
    };
}

pub(crate) use field_work::MilestoneInput;
pub(crate) use payload;
