//! The words people read for enumeration values, for clients that show them.

use async_graphql::{Context, Object};

use crate::domain::labels::{ENUMS, enum_labels};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::types::connection::{list_cost, priced_list};
use crate::graphql::types::labels::{EnumLabels, Locale, language};

/// Labels for people.
#[derive(Default)]
pub struct LabelsQuery;

#[Object]
impl LabelsQuery {
    /// The label of every value of the schema's enumerations, in Chinese or English, as the
    /// ledger export, the map and the statistics show them: enumerations in alphabetical order,
    /// values in the order the schema declares them. Every role may read them.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn enum_labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language; without it, the request's `Accept-Language` header picks \
                          (`zh…` Chinese, `en…` English, by their `q` ratings), else Chinese.")]
        locale: Option<Locale>,
        #[graphql(desc = "Only these enumerations, by their names in the schema (e.g. `IssueStatus`), \
                          in the order given; all without it.")]
        enums: Option<Vec<String>>,
    ) -> async_graphql::Result<Vec<EnumLabels>> {
        ctx.principal()?;
        let language = language(ctx, locale);
        let tables = match enums {
            None => ENUMS.iter().collect(),
            Some(names) => names
                .iter()
                .map(|name| {
                    enum_labels(name).ok_or_else(|| {
                        AppError::bad_input("enums", format!("`{name}` is not an enumeration of the schema"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(priced_list(ctx, tables.into_iter().map(|table| EnumLabels::new(table, language)).collect()))
    }
}
