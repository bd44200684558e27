//! AWS Secrets Manager: the `AWS::SecretsManager::Secret` type and the `{{resolve:secretsmanager:...}}`
//! dynamic references templates use to pass a secret into another resource without writing it
//! down anywhere.

pub mod dynamic_ref;
pub mod secret;

use crate::resources::property::value::{boolean, integer};
use serde_json::Value;

/// The template's tags without the ones fuelflow or AWS own (for `read`).
fn user_tags(tags: impl IntoIterator<Item = (String, String)>) -> Value {
    Value::Array(
        tags.into_iter()
            .filter(|(k, _)| !k.starts_with("fuelflow:") && !k.starts_with("aws:"))
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}
