//! Requests over GET only read. The HTTP handler refuses a mutation it can see (405), but a
//! persisted query arrives as a hash whose text only the schema knows; this extension checks
//! the document once it is resolved.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, Variables};

use crate::error::code;

/// Request data marking a request that came over GET.
pub struct ViaGet;

pub struct ReadOnlyOverGet;

impl ExtensionFactory for ReadOnlyOverGet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ReadOnlyOverGet)
    }
}

#[async_trait::async_trait]
impl Extension for ReadOnlyOverGet {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let writes = document.operations.iter().any(|(_, op)| op.node.ty != OperationType::Query);
        if ctx.data_opt::<ViaGet>().is_some() && writes {
            let mut error = ServerError::new("mutations are sent with POST", None);
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", code::BAD_USER_INPUT);
            error.extensions = Some(extensions);
            return Err(error);
        }
        Ok(document)
    }
}
