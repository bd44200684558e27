//! API Gateway (REST, v1): APIs, resources, methods with their integrations, models,
//! deployments, stages, custom domain names with their base path mappings and the account's
//! CloudWatch role. Updates are JSON-patch operations.
//!
//! Note for the engine: a `Deployment` snapshots the API's methods, so it must depend on every
//! `Method` of its API (CloudFormation templates say so with `DependsOn`).

pub mod account;
pub mod api_key;
pub mod authorizer;
pub mod base_path_mapping;
pub mod deployment;
pub mod domain_name;
pub mod gateway_response;
pub mod method;
pub mod model;
pub mod request_validator;
pub mod resource;
pub mod rest_api;
pub mod stage;
mod stage_description;
mod stage_settings;
pub mod usage_plan;
pub mod usage_plan_key;

use aws_sdk_apigateway::types::{Op, PatchOperation};
use serde_json::{Map, Value};

/// Whether an SDK error is the operation's `NotFoundException` (every API Gateway operation
/// has one, each with its own generated `is_not_found_exception`).
macro_rules! not_found {
    ($e:expr) => {
        $e.as_service_error()
            .is_some_and(|s| s.is_not_found_exception())
    };
}
use not_found;

/// A configuration override for one create call that is not idempotent (`CreateRestApi`,
/// `CreateResource`, `CreateDeployment`): no SDK retry, so a lost answer reaches the engine,
/// which looks the resource up before it tries again instead of creating a second one.
fn sent_once() -> aws_sdk_apigateway::config::Builder {
    aws_sdk_apigateway::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

fn patch(op: Op, path: impl Into<String>, value: Option<String>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value)
        .build()
}

fn replace(path: impl Into<String>, value: impl Into<String>) -> PatchOperation {
    patch(Op::Replace, path, Some(value.into()))
}

/// A key inside a patch path (`application/json` -> `application~1json`, as JSON pointer does).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Patch operations turning the map `old` into `new` under `prefix` (`/requestParameters`);
/// new keys are written with `set_op` (`add` for most maps, `replace` for stage variables).
fn map_patch(
    prefix: &str,
    set_op: Op,
    old: Option<&Value>,
    new: Option<&Value>,
) -> Vec<PatchOperation> {
    let empty = Map::new();
    let old = old.and_then(Value::as_object).unwrap_or(&empty);
    let new = new.and_then(Value::as_object).unwrap_or(&empty);
    let text = |v: &Value| crate::resources::text(v).unwrap_or_default();
    let mut ops = Vec::new();
    for (k, v) in new {
        let path = format!("{prefix}/{}", escape(k));
        match old.get(k) {
            None => ops.push(patch(set_op.clone(), path, Some(text(v)))),
            Some(o) if text(o) != text(v) => ops.push(replace(path, text(v))),
            Some(_) => {}
        }
    }
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        ops.push(patch(Op::Remove, format!("{prefix}/{}", escape(k)), None));
    }
    ops
}

/// `live` reordered to follow `desired` by `key` (unmatched live entries last) and each entry
/// cut down to the keys its desired counterpart sets.
fn list_like(live: Vec<Value>, desired: Option<&Value>, key: &[&str]) -> Value {
    let desired = desired
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let id = |v: &Value| {
        key.iter()
            .map(|k| v.get(*k).and_then(crate::resources::text))
            .collect::<Vec<_>>()
    };
    let mut live = live;
    let mut out = Vec::new();
    for d in &desired {
        if let Some(pos) = live.iter().position(|l| id(l) == id(d)) {
            out.push(crate::resources::property::shape_like(&live.remove(pos), d));
        }
    }
    out.extend(live);
    Value::Array(out)
}

/// A string map from the SDK as a JSON object.
fn string_map_value<V: serde::Serialize>(
    map: Option<&std::collections::HashMap<String, V>>,
) -> Option<Value> {
    let map = map?;
    Some(Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_paths_escape_slashes() {
        assert_eq!(escape("application/json"), "application~1json");
    }

    #[test]
    fn map_patch_adds_replaces_and_removes() {
        let ops = map_patch(
            "/variables",
            Op::Add,
            Some(&json!({"a": "1", "b": "2"})),
            Some(&json!({"a": "9", "c": "3"})),
        );
        let ops: Vec<(String, String)> = ops
            .iter()
            .map(|o| {
                (
                    o.op().unwrap().as_str().to_string(),
                    o.path().unwrap().to_string(),
                )
            })
            .collect();
        assert!(ops.contains(&("replace".into(), "/variables/a".into())));
        assert!(ops.contains(&("add".into(), "/variables/c".into())));
        assert!(ops.contains(&("remove".into(), "/variables/b".into())));
    }

    #[test]
    fn list_like_follows_the_desired_order() {
        let live = vec![
            json!({"StatusCode": "500", "X": 1}),
            json!({"StatusCode": "200", "X": 2}),
        ];
        let desired = json!([{"StatusCode": 200}, {"StatusCode": "500"}]);
        assert_eq!(
            list_like(live, Some(&desired), &["StatusCode"]),
            json!([{"StatusCode": "200"}, {"StatusCode": "500"}])
        );
    }
}
