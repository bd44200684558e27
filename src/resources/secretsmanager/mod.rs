//! AWS Secrets Manager: the `AWS::SecretsManager::Secret` type and the `{{resolve:secretsmanager:...}}`
//! dynamic references templates use to pass a secret into another resource without writing it
//! down anywhere.

pub mod dynamic_ref;
pub mod secret;

use super::{ResourceError, Result};
use serde_json::Value;

/// A boolean property, written either as a YAML boolean or as the text CloudFormation allows.
fn boolean(v: Option<&Value>, property: &str) -> Result<Option<bool>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ResourceError::invalid(property, "expected true or false")),
    }
}

/// An integer property, written either as a number or as text.
fn integer(v: Option<&Value>, property: &str) -> Result<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| ResourceError::invalid(property, "expected an integer")),
        Some(_) => Err(ResourceError::invalid(property, "expected an integer")),
    }
}

/// The template's tags without the ones fuelflow or AWS own (for `read`).
fn user_tags(tags: impl IntoIterator<Item = (String, String)>) -> Value {
    Value::Array(
        tags.into_iter()
            .filter(|(k, _)| !k.starts_with("fuelflow:") && !k.starts_with("aws:"))
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}
