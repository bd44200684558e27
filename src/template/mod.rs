//! Templates: YAML/JSON with spans, the sections, parameters, conditions and intrinsics.

pub mod conditions;
pub mod eval;
pub mod foreach;
pub mod lifecycle;
pub mod model;
pub mod params;
pub mod ssm_refs;
pub mod stack;
pub mod value;
pub mod yaml;

pub use model::Template;
pub use value::Value;
