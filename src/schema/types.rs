//! The shape of fuelflow's resource table (the data is generated into `table.rs`).

pub struct ResourceSchema {
    pub type_name: &'static str,
    pub properties: &'static Object,
    /// `Fn::GetAtt` attributes (the schema's read-only properties), dotted: `Endpoint.Address`.
    pub attributes: &'static [&'static str],
    /// Properties whose change forces replacement, dotted paths (`*` for list items).
    pub create_only: &'static [&'static str],
    /// Properties AWS never returns on read (so drift on them cannot be seen).
    pub write_only: &'static [&'static str],
    pub primary_identifier: &'static [&'static str],
    pub taggable: bool,
}

pub struct Object {
    pub properties: &'static [Property],
    pub required: &'static [&'static str],
    /// Whether keys not listed are allowed.
    pub open: bool,
    /// `oneOf` of `required` sets: exactly one alternative must be complete.
    pub one_of: &'static [&'static [&'static str]],
    /// `anyOf` of `required` sets: at least one alternative must be complete.
    pub any_of: &'static [&'static [&'static str]],
    /// `dependentRequired` (draft-07 `dependencies`): when the key is set, so must the others be.
    pub dependent_required: &'static [(&'static str, &'static [&'static str])],
}

/// The constraints a schema (or the supplement, `src/schema/supplement.json`) states on one
/// value. `None`/empty means not stated.
pub struct Rules {
    /// Allowed values as written in the schema (numbers as text).
    pub allowed: &'static [&'static str],
    /// Compare `allowed` ignoring ASCII case (RDS engine names).
    pub case_insensitive: bool,
    /// An ECMA-262 pattern, searched (not anchored unless the pattern anchors itself).
    pub pattern: Option<&'static str>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    /// `ipv4-network`, `ipv6-network`, `date-time`, `uri`, `arn`.
    pub format: Option<&'static str>,
    /// Where a supplement fact comes from (empty for the registry schema's own).
    pub source: &'static str,
}

impl Rules {
    /// No constraint: the base the generated table spreads (`..Rules::NONE`).
    pub const NONE: Rules = Rules {
        allowed: &[],
        case_insensitive: false,
        pattern: None,
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        min_items: None,
        max_items: None,
        unique_items: false,
        format: None,
        source: "",
    };
}

pub struct Property {
    pub name: &'static str,
    pub shape: Shape,
}

pub enum Shape {
    String,
    Integer,
    Number,
    Boolean,
    /// A free-form JSON document given as a mapping or a string (policy documents).
    Json,
    Any,
    List(&'static Shape),
    /// A mapping from any key to values of one shape.
    Map(&'static Shape),
    Object(&'static Object),
    /// A value of the inner shape with constraints on it.
    Ruled(&'static Rules, &'static Shape),
}

impl Shape {
    /// The shape without its constraints.
    pub fn base(&self) -> &Shape {
        match self {
            Shape::Ruled(_, inner) => inner.base(),
            other => other,
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Shape::Ruled(_, inner) => inner.describe(),
            Shape::String => "a string",
            Shape::Integer => "an integer",
            Shape::Number => "a number",
            Shape::Boolean => "a boolean",
            Shape::Json => "a JSON document",
            Shape::Any => "any value",
            Shape::List(_) => "a list",
            Shape::Map(_) | Shape::Object(_) => "a mapping",
        }
    }
}
