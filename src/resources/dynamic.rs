//! Dynamic references (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`) are
//! resolved only at the moment of the API call; the resolved value is never recorded, printed or logged. What is recorded is which
//! secret versions were used, so a new version makes the resource update.

use super::secretsmanager::dynamic_ref;
use super::ssm::dynamic_ref as ssm_ref;
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

/// Only the versions the references point at now (for planning), in the form [`resolve`]
/// records them. Asked with DescribeSecret, once per distinct reference and all at once: a plan
/// never reads a secret value, so it can run with a role that may not.
pub async fn current_versions(
    clients: &Clients,
    props: &Props,
) -> Result<Vec<String>, ResourceError> {
    let mut refs = Vec::new();
    for value in props.values() {
        references_in(value, &mut refs)?;
    }
    refs.sort_by(|a, b| version_key(a).cmp(&version_key(b)));
    refs.dedup_by(|a, b| version_key(a) == version_key(b));
    let lookups = refs
        .iter()
        .map(|r| dynamic_ref::current_version(clients, r));
    let mut used = Vec::new();
    for found in futures_util::future::join_all(lookups).await {
        let (arn, version) = found?;
        used.push(format!("{arn}:{version}"));
    }
    let mut secure = Vec::new();
    for value in props.values() {
        secure_references_in(value, &mut secure)?;
    }
    secure.sort();
    secure.dedup();
    let lookups = secure
        .iter()
        .map(|selector| ssm_ref::current_version(clients, selector));
    for found in futures_util::future::join_all(lookups).await {
        used.push(found?);
    }
    used.sort();
    used.dedup();
    Ok(used)
}

/// The selectors of every `{{resolve:ssm-secure:...}}` in the strings of `value`.
fn secure_references_in(value: &Value, out: &mut Vec<String>) -> Result<(), ResourceError> {
    match value {
        Value::String(s) if s.contains("{{resolve:ssm-secure:") => {
            out.extend(ssm_ref::scan(s)?.into_iter().map(|(_, selector)| selector));
        }
        Value::Array(items) => {
            for item in items {
                secure_references_in(item, out)?;
            }
        }
        Value::Object(map) => {
            for item in map.values() {
                secure_references_in(item, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// What names one secret version: the secret, and the stage or id asked for.
fn version_key(r: &dynamic_ref::DynamicRef) -> (&str, Option<&str>, Option<&str>) {
    (
        &r.secret_id,
        r.version_stage.as_deref(),
        r.version_id.as_deref(),
    )
}

/// Every reference in the strings of `value`; a malformed one is an error, as at apply time.
fn references_in(
    value: &Value,
    refs: &mut Vec<dynamic_ref::DynamicRef>,
) -> Result<(), ResourceError> {
    match value {
        Value::String(s) if s.contains("{{resolve:") => {
            for found in dynamic_ref::scan(s) {
                refs.push(found.map_err(|m| {
                    ResourceError::new(
                        "InvalidDynamicReference",
                        format!("`{}`: {}", m.reference, m.why),
                    )
                })?);
            }
        }
        Value::Array(items) => {
            for item in items {
                references_in(item, refs)?;
            }
        }
        Value::Object(map) => {
            for item in map.values() {
                references_in(item, refs)?;
            }
        }
        _ => {}
    }
    Ok(())
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
                let (text, versions) = ssm_ref::resolve_string(clients, &text).await?;
                used.extend(versions);
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
