//! Labels for people: the API's view of `domain::labels`, and how a field picks its language.

use std::borrow::Cow;

use async_graphql::{Context, Enum, InputType, SimpleObject, Value};

use crate::domain::labels::{EnumLabels as Table, Locale as Language};
use crate::graphql::context::ContextExt;

/// A language labels are given in.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::labels::Locale")]
pub enum Locale {
    /// Chinese (中文), the language of the county offices; the default.
    Zh,
    /// English.
    En,
}

/// The labels of one enumeration of the schema.
#[derive(SimpleObject, Debug, Clone)]
pub struct EnumLabels {
    /// The enumeration as the schema names it, e.g. `IssueStatus`.
    pub name: String,
    /// Every value with its label, in the order the schema declares them.
    pub values: Vec<EnumValueLabel>,
}

/// One value of an enumeration and what people read for it.
#[derive(SimpleObject, Debug, Clone)]
pub struct EnumValueLabel {
    /// The value as the schema spells it, e.g. `IN_PROGRESS`.
    pub value: String,
    /// Its label in the language asked for, e.g. "整改中" or "In progress".
    pub label: String,
}

impl EnumLabels {
    pub fn new(table: &Table, language: Language) -> Self {
        let values = table
            .values
            .iter()
            .map(|value| EnumValueLabel { value: value.value.to_owned(), label: value.in_locale(language).to_owned() })
            .collect();
        Self { name: table.name.to_owned(), values }
    }
}

/// The language a field answers in: the one its argument asks for, else the one the request
/// prefers (`Accept-Language`), else Chinese.
pub fn language(ctx: &Context<'_>, asked: Option<Locale>) -> Language {
    asked.map_or_else(|| ctx.preferred_locale(), Into::into)
}

/// The schema's names of an enumeration and of `value`, by which the labels are found.
pub fn schema_names<E: InputType>(value: &E) -> (Cow<'static, str>, String) {
    let name = match value.to_value() {
        Value::Enum(name) => name.to_string(),
        other => other.to_string(),
    };
    (E::type_name(), name)
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    use crate::domain::labels::ENUMS;

    /// The enumerations of the schema as served, each with its values in order.
    fn schema_enums() -> Vec<(String, Vec<String>)> {
        let document = parse_schema(crate::graphql::schema_sdl()).expect("the SDL parses");
        document
            .definitions
            .into_iter()
            .filter_map(|definition| match definition {
                TypeSystemDefinition::Type(ty) => match ty.node.kind {
                    TypeKind::Enum(values) => Some((
                        ty.node.name.node.to_string(),
                        values.values.iter().map(|value| value.node.value.node.to_string()).collect(),
                    )),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// Labels are declared once, by hand; the schema is what they must match, so that an
    /// enumeration or a value added, renamed or removed there fails here until its label is.
    #[test]
    fn every_enum_value_of_the_schema_has_a_label_and_every_label_a_value() {
        let schema = schema_enums();
        assert!(schema.len() >= 40, "only {} enumerations found in the SDL", schema.len());
        let mut problems = Vec::new();
        for (name, values) in &schema {
            let Some(table) = ENUMS.iter().find(|table| table.name == name) else {
                problems.push(format!("{name}: no labels"));
                continue;
            };
            let labelled: Vec<&str> = table.values.iter().map(|value| value.value).collect();
            for value in values {
                if !labelled.contains(&value.as_str()) {
                    problems.push(format!("{name}.{value}: no label"));
                }
            }
            for value in &labelled {
                if !values.iter().any(|v| v == value) {
                    problems.push(format!("{name}.{value}: labelled, but not in the schema"));
                }
            }
            if problems.is_empty() && labelled != *values {
                problems.push(format!("{name}: labelled in the order {labelled:?}, declared {values:?}"));
            }
        }
        for table in ENUMS {
            if !schema.iter().any(|(name, _)| name == table.name) {
                problems.push(format!("{}: labelled, but the schema has no such enumeration", table.name));
            }
        }
        assert!(problems.is_empty(), "the labels and the schema disagree:\n{}", problems.join("\n"));
    }

    #[test]
    fn a_value_is_found_by_its_names_in_the_schema() {
        use super::{Locale, schema_names};
        use crate::graphql::types::enums::IssueStatus;
        use crate::graphql::types::statistics::IssueDimension;

        let names = |(enum_name, value): (std::borrow::Cow<'static, str>, String)| format!("{enum_name}.{value}");
        assert_eq!(names(schema_names(&IssueStatus::InProgress)), "IssueStatus.IN_PROGRESS");
        assert_eq!(names(schema_names(&IssueDimension::LeadDepartment)), "IssueDimension.LEAD_DEPARTMENT");
        assert_eq!(names(schema_names(&Locale::En)), "Locale.EN");
    }
}
