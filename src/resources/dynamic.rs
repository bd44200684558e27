//! Dynamic references (`{{resolve:secretsmanager:...}}`) are resolved only at the moment of the
//! API call; the resolved value is never recorded, printed or logged. What is recorded is which
//! secret versions were used, so a new version makes the resource update.

use super::secretsmanager::dynamic_ref;
use super::{Clients, Props, ResourceError};
use serde_json::Value;

/// The attribute under which the secret versions a resource was applied with are recorded.
pub const SECRET_VERSIONS: &str = "fuelflow:SecretVersions";

/// The properties with every dynamic reference replaced by its value, and the `ARN:version` of
/// each secret version used (sorted).
pub async fn resolve(
    clients: &Clients,
    props: &Props,
) -> Result<(Props, Vec<String>), ResourceError> {
    let mut used = Vec::new();
    let mut out = Props::new();
    for (k, v) in props {
        out.insert(k.clone(), resolve_value(clients, v, &mut used).await?);
    }
    used.sort();
    used.dedup();
    Ok((out, used))
}

/// Only the versions the references point at now (for planning), without keeping any value.
pub async fn current_versions(
    clients: &Clients,
    props: &Props,
) -> Result<Vec<String>, ResourceError> {
    Ok(resolve(clients, props).await?.1)
}

fn resolve_value<'a>(
    clients: &'a Clients,
    v: &'a Value,
    used: &'a mut Vec<String>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, ResourceError>> + Send + 'a>>
{
    Box::pin(async move {
        Ok(match v {
            Value::String(s) if s.contains("{{resolve:") => {
                let (text, versions) = dynamic_ref::resolve_string(clients, s).await?;
                used.extend(
                    versions
                        .into_iter()
                        .map(|(arn, version)| format!("{arn}:{version}")),
                );
                Value::String(text)
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(resolve_value(clients, i, used).await?);
                }
                Value::Array(out)
            }
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, i) in map {
                    out.insert(k.clone(), resolve_value(clients, i, used).await?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    })
}
