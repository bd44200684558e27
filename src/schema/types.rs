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
}

impl Shape {
    pub fn describe(&self) -> &'static str {
        match self {
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
