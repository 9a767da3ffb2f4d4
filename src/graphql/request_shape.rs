//! What a request's document asks for, measured before anything runs: how many aliases it
//! holds, and what its introspection costs at the schema's real size.
//!
//! async-graphql prices every introspection field at 1, lists included, so that
//! `__schema { types { fields { args { type { name } } } } }` costs 6 while it answers every
//! argument of every field of every type; and aliases let one request repeat any field. Both
//! are measured here on the operation that will run, with fragments expanded as often as they
//! are spread, and the walk itself is bounded, so that a document built to explode (fragments
//! spreading fragments) costs this measure little and is refused.

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, Selection, SelectionSet, TypeDefinition, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};

use super::documents::chosen_operation;

/// Selections visited at most while measuring one document (after expanding fragments): far
/// more than the cost limit lets any query select, far less than a fragment bomb expands to.
const MAX_SELECTIONS_VISITED: usize = 100_000;
/// Nesting followed at most, fragments included (the depth limit is checked later, on the
/// operation; this only keeps the walk's own stack small).
const MAX_NESTING: usize = 64;
/// The most introspection one request may ask for, as a share of `FULL_INTROSPECTION`: one
/// whole schema, with half again for what a tool may add.
const INTROSPECTION_LIMIT_IN_SCHEMAS: f64 = 1.5;

/// The introspection query GraphiQL sends on load (graphql-js's `getIntrospectionQuery`,
/// with descriptions and deprecated members).
pub const FULL_INTROSPECTION: &str = r#"
  query IntrospectionQuery {
    __schema {
      queryType { name } mutationType { name } subscriptionType { name }
      types { ...FullType }
      directives { name description locations args { ...InputValue } }
    }
  }
  fragment FullType on __Type {
    kind name description
    fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
    inputFields { ...InputValue }
    interfaces { ...TypeRef }
    enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
    possibleTypes { ...TypeRef }
  }
  fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
  fragment TypeRef on __Type {
    kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
  }"#;

/// The size of each introspection list, read from the schema itself.
#[derive(Debug, Clone)]
pub struct IntrospectionSizes {
    /// Elements per list on average, by field name (`types`, `fields`, `args`, …). Field
    /// names under `__schema` and `__type` are introspection's own, so a name says which list
    /// it is. Used where a list is answered for many types (`types { fields }`).
    per_list: HashMap<&'static str, f64>,
    /// The largest a type's own list is (its fields, values, …), for `__type(name:)`, which
    /// can name the biggest type.
    per_list_at_most: HashMap<&'static str, f64>,
    /// The most introspection one request may cost.
    limit: u64,
}

impl IntrospectionSizes {
    /// Counts the types, fields, arguments, values and directives of the schema `sdl` (the
    /// built-in scalars, introspection types and directives included).
    pub fn of_schema(sdl: &str) -> Self {
        // Int, Float, String, Boolean, ID and the eight types of introspection; the directives
        // include, skip, deprecated, specifiedBy and oneOf.
        const BUILT_IN_TYPES: f64 = 13.0;
        const BUILT_IN_DIRECTIVES: f64 = 5.0;
        let (mut types, mut fields, mut args, mut input_fields, mut enum_values) = (BUILT_IN_TYPES, 0.0, 0.0, 0.0, 0.0);
        let (mut interfaces, mut possible, mut directives, mut locations) = (0.0, 0.0, BUILT_IN_DIRECTIVES, 0.0);
        // The largest of each of a type's own lists: fields, input fields, enum values,
        // interfaces, possible types.
        let mut largest = [0.0_f64; 5];
        let mut grow = |slot: usize, size: usize| largest[slot] = largest[slot].max(size as f64);
        let definitions = parse_schema(sdl).map(|document| document.definitions).unwrap_or_default();
        for definition in definitions {
            match definition {
                TypeSystemDefinition::Type(definition) => {
                    let TypeDefinition { kind, .. } = definition.node;
                    types += 1.0;
                    match kind {
                        TypeKind::Object(object) => {
                            grow(0, object.fields.len());
                            grow(3, object.implements.len());
                            interfaces += object.implements.len() as f64;
                            fields += object.fields.len() as f64;
                            args += object.fields.iter().map(|f| f.node.arguments.len() as f64).sum::<f64>();
                        }
                        TypeKind::Interface(interface) => {
                            grow(0, interface.fields.len());
                            grow(3, interface.implements.len());
                            interfaces += interface.implements.len() as f64;
                            fields += interface.fields.len() as f64;
                            args += interface.fields.iter().map(|f| f.node.arguments.len() as f64).sum::<f64>();
                            // An interface's possible types are the objects implementing it,
                            // counted with `implements` above.
                        }
                        TypeKind::Union(union) => {
                            grow(4, union.members.len());
                            possible += union.members.len() as f64;
                        }
                        TypeKind::Enum(enumeration) => {
                            grow(2, enumeration.values.len());
                            enum_values += enumeration.values.len() as f64;
                        }
                        TypeKind::InputObject(input) => {
                            grow(1, input.fields.len());
                            input_fields += input.fields.len() as f64;
                        }
                        TypeKind::Scalar => {}
                    }
                }
                TypeSystemDefinition::Directive(directive) => {
                    directives += 1.0;
                    args += directive.node.arguments.len() as f64;
                    locations += directive.node.locations.len() as f64;
                }
                TypeSystemDefinition::Schema(_) => {}
            }
        }
        possible += interfaces;
        let per = |total: f64, among: f64| (total / among.max(1.0)).max(1.0);
        let per_list = HashMap::from([
            ("types", types),
            ("fields", per(fields, types)),
            ("inputFields", per(input_fields, types)),
            ("enumValues", per(enum_values, types)),
            ("interfaces", per(interfaces, types)),
            ("possibleTypes", per(possible, types)),
            // Arguments of fields and of directives alike.
            ("args", per(args, fields + directives)),
            ("directives", directives),
            ("locations", per(locations, directives)),
        ]);
        // An interface's possible types are every implementation: bounded by the types.
        let per_list_at_most = HashMap::from([
            ("fields", largest[0].max(1.0)),
            ("inputFields", largest[1].max(1.0)),
            ("enumValues", largest[2].max(1.0)),
            ("interfaces", largest[3].max(1.0)),
            ("possibleTypes", largest[4].max(interfaces).max(1.0)),
        ]);
        let mut sizes = Self { per_list, per_list_at_most, limit: u64::MAX };
        let whole = async_graphql::parser::parse_query(FULL_INTROSPECTION)
            .ok()
            .and_then(|document| measure(&document, None, &sizes).ok().flatten())
            .map_or(0, |shape| shape.introspection_cost);
        sizes.limit = (whole as f64 * INTROSPECTION_LIMIT_IN_SCHEMAS).ceil() as u64;
        sizes
    }

    /// The most introspection one request may cost: one and a half times the whole schema.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// What `measure` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestShape {
    /// Fields given an alias, each counted as often as it would be answered.
    pub aliases: usize,
    /// The cost of the introspection the operation asks for: one unit per value it answers,
    /// at the schema's real size (a field of the ledger costs one unit too).
    pub introspection_cost: u64,
    /// Bytes of the files uploaded with the request (set by the endpoint, not the document).
    pub upload_bytes: u64,
    /// What opening a subscription costs beyond its fields (set by the WebSocket endpoint, 0
    /// for queries and mutations).
    pub subscription_fee: u64,
}

/// Uploaded bytes per unit of cost: a 20 MiB photo costs 1,280, as much as a list page of
/// 64 issues with 20 fields each; storing it for good is what the daily quota bounds.
pub const UPLOAD_BYTES_PER_UNIT: u64 = 16 * 1024;

impl RequestShape {
    /// What the request costs beyond async-graphql's count of its fields.
    pub fn extra_cost(&self) -> u64 {
        self.introspection_cost
            .saturating_add(self.upload_bytes.div_ceil(UPLOAD_BYTES_PER_UNIT))
            .saturating_add(self.subscription_fee)
    }
}

/// Why a document could not be measured: it expands past the walk's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

/// Measures the operation a request will run. `None` when the document has no such operation
/// (the executor reports that itself).
pub fn measure(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    sizes: &IntrospectionSizes,
) -> Result<Option<RequestShape>, TooLarge> {
    let Some(operation) = chosen_operation(document, operation_name) else { return Ok(None) };
    let mut walk = Walk { fragments: &document.fragments, sizes, visited: 0, aliases: 0, spreading: Vec::new() };
    let introspection = walk.operation(operation)?;
    Ok(Some(RequestShape {
        aliases: walk.aliases,
        introspection_cost: introspection.ceil() as u64,
        ..RequestShape::default()
    }))
}

/// Where a selection stands, for pricing introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Not in introspection: nothing to price here.
    Outside,
    /// Directly on the one type `__type(name:)` answers, which may be the largest.
    OneType,
    /// Anywhere else in introspection, where lists are answered for many types.
    Within,
}

struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    sizes: &'a IntrospectionSizes,
    visited: usize,
    aliases: usize,
    /// Fragments being expanded, outermost first: a fragment spread inside itself is a cycle,
    /// which validation refuses; here it is not followed.
    spreading: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    fn operation(&mut self, operation: &'a Positioned<OperationDefinition>) -> Result<f64, TooLarge> {
        self.selections(&operation.node.selection_set.node, Place::Outside, 0)
    }

    /// Walks a selection set, counting aliases; returns the introspection values it answers
    /// (for one element of its parent), priced as `place` says.
    fn selections(&mut self, set: &'a SelectionSet, place: Place, depth: usize) -> Result<f64, TooLarge> {
        if depth > MAX_NESTING {
            return Err(TooLarge);
        }
        let mut values = 0.0;
        for item in &set.items {
            self.visited += 1;
            if self.visited > MAX_SELECTIONS_VISITED {
                return Err(TooLarge);
            }
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.aliases += usize::from(field.alias.is_some());
                    let name = field.name.node.as_str();
                    let below = match (place, name) {
                        (Place::Outside, "__type") => Place::OneType,
                        (Place::Outside, "__schema") => Place::Within,
                        (Place::Outside, _) => Place::Outside,
                        (Place::OneType | Place::Within, _) => Place::Within,
                    };
                    let children = self.selections(&field.selection_set.node, below, depth + 1)?;
                    let per_list = match place {
                        Place::Outside => None,
                        Place::OneType => self.sizes.per_list_at_most.get(name).or(self.sizes.per_list.get(name)),
                        Place::Within => self.sizes.per_list.get(name),
                    };
                    if below != Place::Outside {
                        values += per_list.copied().unwrap_or(1.0) * (1.0 + children);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    values += self.selections(&fragment.node.selection_set.node, place, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some((key, fragment)) = self.fragments.get_key_value(name) else { continue };
                    if self.spreading.contains(&key.as_str()) {
                        continue;
                    }
                    self.spreading.push(key.as_str());
                    let counted = self.selections(&fragment.node.selection_set.node, place, depth + 1);
                    self.spreading.pop();
                    values += counted?;
                }
            }
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        type Query { a(x: Int, y: Int): Int b: B }
        type B { c: Int d: Int }
        enum E { ONE TWO THREE }
        input I { p: Int q: Int }
    ";

    fn shape(query: &str) -> Result<Option<RequestShape>, TooLarge> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        measure(&document, None, &IntrospectionSizes::of_schema(SDL))
    }

    #[test]
    fn aliases_are_counted_as_often_as_they_are_answered() {
        assert_eq!(shape("{ a b { c } }").unwrap().unwrap().aliases, 0);
        assert_eq!(shape("{ x: a y: a b { z: c } }").unwrap().unwrap().aliases, 3);
        let spread_twice = "{ ...F b { ...F } } fragment F on Query { one: __typename two: __typename }";
        assert_eq!(shape(spread_twice).unwrap().unwrap().aliases, 4);
    }

    #[test]
    fn introspection_is_priced_by_the_size_of_the_lists_it_answers() {
        let names = shape("{ __schema { types { name } } }").unwrap().unwrap().introspection_cost;
        let deep = shape("{ __schema { types { name fields { name args { name } } } } }").unwrap().unwrap();
        assert!(deep.introspection_cost > names, "{deep:?} against {names}");
        let twice = shape("{ a: __schema { types { name } } b: __schema { types { name } } }").unwrap().unwrap();
        assert!(twice.introspection_cost >= 2 * names - 1, "each alias is answered in full");
        assert_eq!(shape("{ a __typename }").unwrap().unwrap().introspection_cost, 0);
    }

    #[test]
    fn a_fragment_bomb_is_refused_without_being_expanded() {
        let mut query = String::from("{ ...F0 }");
        for n in 0..40 {
            query += &format!(" fragment F{n} on Query {{ ...F{} ...F{} }}", n + 1, n + 1);
        }
        query += " fragment F40 on Query { a }";
        assert_eq!(shape(&query), Err(TooLarge));
    }

    #[test]
    fn a_fragment_cycle_is_left_for_validation() {
        let cycle = "{ ...A } fragment A on Query { a ...B } fragment B on Query { b { c } ...A }";
        assert!(shape(cycle).unwrap().is_some());
    }
}

#[cfg(test)]
mod real_schema {
    use super::*;

    fn cost(sizes: &IntrospectionSizes, query: &str) -> u64 {
        let document = async_graphql::parser::parse_query(query).unwrap();
        measure(&document, None, sizes).unwrap().unwrap().introspection_cost
    }

    #[test]
    fn one_type_is_priced_as_the_largest_it_could_be() {
        let sizes = IntrospectionSizes::of_schema(&crate::graphql::schema_sdl());
        let mutation_fields = crate::graphql::schema_sdl()
            .split("type Mutation {")
            .nth(1)
            .map(|rest| rest[..rest.find("\n}").unwrap()].matches("): ").count())
            .unwrap();
        let one = cost(&sizes, "{ __type(name: \"Mutation\") { fields { name } } }");
        assert!(one as usize > mutation_fields, "{one} for {mutation_fields} mutations");
    }

    #[test]
    fn graphiql_may_read_the_whole_schema_but_not_a_hundred_times() {
        let sizes = IntrospectionSizes::of_schema(&crate::graphql::schema_sdl());
        let whole = cost(&sizes, FULL_INTROSPECTION);
        assert!(whole > 10_000, "the schema answers tens of thousands of values, priced {whole}");
        assert!(whole <= sizes.limit());
        let copies: String = (0..100)
            .map(|n| format!("a{n}: __schema {{ types {{ fields {{ args {{ type {{ name }} }} }} }} }} "))
            .collect();
        assert!(cost(&sizes, &format!("{{ {copies} }}")) > sizes.limit());
    }
}
