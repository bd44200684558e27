//! A `Deployment`'s `StageDescription` (the stage it creates) and `DeploymentCanarySettings`:
//! parsed and checked, and turned into the stage patch from what was applied to what the
//! template asks for.

use super::stage_settings::{METHOD_FIELDS, setting_path, settings_patch};
use super::{map_patch, patch, replace};
use crate::resources::property;
use crate::resources::{Props, ResourceError, Result, text};
use aws_sdk_apigateway::types::{DeploymentCanarySettings, Op, PatchOperation};
use serde_json::{Map, Value};

/// `StageDescription` fields that are one field of the stage: key, patch path, and the value
/// that undoes them when the template drops them (none: left as it is).
const STAGE_FIELDS: &[(&str, &str, Option<&str>)] = &[
    ("Description", "/description", Some("")),
    ("TracingEnabled", "/tracingEnabled", Some("false")),
    ("CacheClusterEnabled", "/cacheClusterEnabled", Some("false")),
    ("CacheClusterSize", "/cacheClusterSize", None),
    ("ClientCertificateId", "/clientCertificateId", Some("")),
    ("DocumentationVersion", "/documentationVersion", Some("")),
];

/// `StageDescription` keys CreateDeployment takes itself; the others are patched on after.
pub(super) const SENT_AT_CREATE: &[&str] = &[
    "Description",
    "Variables",
    "TracingEnabled",
    "CacheClusterEnabled",
    "CacheClusterSize",
];

/// `StageDescription` keys that are neither a stage field nor a method setting.
const STAGE_OBJECTS: &[&str] = &[
    "Variables",
    "MethodSettings",
    "AccessLogSetting",
    "CanarySetting",
];

const CANARY_KEYS: &[&str] = &["PercentTraffic", "StageVariableOverrides", "UseStageCache"];

/// `key` of `props` as an object whose keys are all in `known` (`what` names it in errors);
/// absent is empty.
fn object_of<'p>(
    props: &'p Props,
    key: &str,
    what: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<Option<&'p Map<String, Value>>> {
    let Some(map) = property::object(props, key)? else {
        return Ok(None);
    };
    if let Some(k) = map.keys().find(|k| !known(k)) {
        return Err(ResourceError::invalid(
            &format!("{what}.{k}"),
            "is not supported by fuelflow yet",
        ));
    }
    Ok(Some(map))
}

/// The `StageDescription` (empty when absent), every key one this handler applies.
pub(super) fn stage_description(props: &Props) -> Result<Map<String, Value>> {
    let known = |k: &str| {
        STAGE_FIELDS.iter().any(|(f, _, _)| *f == k)
            || METHOD_FIELDS.iter().any(|(f, _)| *f == k)
            || STAGE_OBJECTS.contains(&k)
    };
    let Some(sd) = object_of(props, "StageDescription", "StageDescription", &known)? else {
        return Ok(Map::new());
    };
    object_of(
        sd,
        "CanarySetting",
        "StageDescription.CanarySetting",
        &|k| CANARY_KEYS.contains(&k),
    )?;
    object_of(
        sd,
        "AccessLogSetting",
        "StageDescription.AccessLogSetting",
        &|k| ["DestinationArn", "Format"].contains(&k),
    )?;
    method_settings(sd)?;
    Ok(sd.clone())
}

/// CreateDeployment's `canarySettings`, from `DeploymentCanarySettings`.
pub(super) fn canary_settings(props: &Props) -> Result<Option<DeploymentCanarySettings>> {
    let Some(c) = object_of(
        props,
        "DeploymentCanarySettings",
        "DeploymentCanarySettings",
        &|k| CANARY_KEYS.contains(&k),
    )?
    else {
        return Ok(None);
    };
    let overrides = property::string_map(c, "StageVariableOverrides")?;
    Ok(Some(
        DeploymentCanarySettings::builder()
            .set_percent_traffic(property::float(c, "PercentTraffic")?)
            .set_use_stage_cache(property::boolean(c, "UseStageCache")?)
            .set_stage_variable_overrides(
                c.contains_key("StageVariableOverrides")
                    .then(|| overrides.into_iter().collect()),
            )
            .build(),
    ))
}

/// The method settings a `StageDescription` asks for, by patch path: its `MethodSettings`, and
/// its own method fields for every method (`/*/*`; an explicit `/*/*` entry wins).
pub(super) fn method_settings(
    sd: &Map<String, Value>,
) -> Result<Vec<(String, Map<String, Value>)>> {
    let entries = match sd.get("MethodSettings") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(ResourceError::invalid(
                "StageDescription.MethodSettings",
                "must be a list",
            ));
        }
    };
    let mut out: Vec<(String, Map<String, Value>)> = Vec::new();
    for entry in entries {
        let Value::Object(entry) = entry else {
            return Err(ResourceError::invalid(
                "StageDescription.MethodSettings",
                "entries must be objects",
            ));
        };
        let known = |k: &str| {
            ["ResourcePath", "HttpMethod"].contains(&k)
                || METHOD_FIELDS.iter().any(|(f, _)| *f == k)
        };
        if let Some(k) = entry.keys().find(|k| !known(k)) {
            return Err(ResourceError::invalid(
                &format!("StageDescription.MethodSettings.{k}"),
                "is not supported by fuelflow yet",
            ));
        }
        out.push((setting_path(&entry), entry));
    }
    let every: Map<String, Value> = METHOD_FIELDS
        .iter()
        .filter_map(|(k, _)| Some((k.to_string(), sd.get(*k)?.clone())))
        .collect();
    if !every.is_empty() {
        match out.iter_mut().find(|(path, _)| path == "/*/*") {
            Some((_, entry)) => {
                for (k, v) in every {
                    entry.entry(k).or_insert(v);
                }
            }
            None => out.push(("/*/*".into(), every)),
        }
    }
    Ok(out)
}

/// The stage's canary from `old` to `new` (`StageDescription.CanarySetting`): a new canary
/// serves `deployment` (the stage's own, at first, as AWS has it).
fn canary_patch(old: Option<&Value>, new: Option<&Value>, deployment: &str) -> Vec<PatchOperation> {
    let (old, new) = (
        old.and_then(Value::as_object),
        new.and_then(Value::as_object),
    );
    let Some(new) = new else {
        return match old {
            Some(_) => vec![patch(Op::Remove, "/canarySettings", None)],
            None => Vec::new(),
        };
    };
    let mut ops = Vec::new();
    if old.is_none() {
        ops.push(replace("/canarySettings/deploymentId", deployment));
    }
    let empty = Map::new();
    let was = old.unwrap_or(&empty);
    for (key, path, undo) in [
        ("PercentTraffic", "/canarySettings/percentTraffic", "0"),
        ("UseStageCache", "/canarySettings/useStageCache", "false"),
    ] {
        let value = new.get(key).and_then(text);
        if value != was.get(key).and_then(text) {
            ops.push(replace(path, value.unwrap_or_else(|| undo.to_string())));
        }
    }
    ops.extend(map_patch(
        "/canarySettings/stageVariableOverrides",
        Op::Replace,
        old.and_then(|o| o.get("StageVariableOverrides")),
        new.get("StageVariableOverrides"),
    ));
    ops
}

/// The stage patch turning `StageDescription` `old` into `new`, for the stage serving
/// `deployment`.
pub(super) fn stage_patch(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    deployment: &str,
) -> Result<Vec<PatchOperation>> {
    let mut ops = Vec::new();
    for (key, path, undo) in STAGE_FIELDS {
        if !property::changed(old, new, key) {
            continue;
        }
        match (new.get(*key).and_then(text), undo) {
            (Some(value), _) => ops.push(replace(*path, value)),
            (None, Some(undo)) => ops.push(replace(*path, *undo)),
            (None, None) => {}
        }
    }
    ops.extend(settings_patch(
        old,
        new,
        &method_settings(old)?,
        &method_settings(new)?,
    )?);
    ops.extend(canary_patch(
        old.get("CanarySetting"),
        new.get("CanarySetting"),
        deployment,
    ));
    Ok(ops)
}

/// What CreateDeployment itself applied of a `StageDescription`.
pub(super) fn sent_at_create(sd: &Map<String, Value>) -> Map<String, Value> {
    sd.iter()
        .filter(|(k, _)| SENT_AT_CREATE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    /// (op, path, value) of each operation.
    fn ops(ops: &[PatchOperation]) -> Vec<(String, String, String)> {
        ops.iter()
            .map(|o| {
                (
                    o.op().unwrap().as_str().to_string(),
                    o.path().unwrap().to_string(),
                    o.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    fn op(op: &str, path: &str, value: &str) -> (String, String, String) {
        (op.into(), path.into(), value.into())
    }

    #[test]
    fn deployment_canary_settings_become_create_deployments_canary() {
        let p = props(json!({"StageName": "prod", "DeploymentCanarySettings": {
            "PercentTraffic": "12.5", "UseStageCache": "true",
            "StageVariableOverrides": {"colour": "green", "n": 2}
        }}));
        let c = canary_settings(&p).unwrap().unwrap();
        assert_eq!(c.percent_traffic(), 12.5);
        assert!(c.use_stage_cache());
        let overrides = c.stage_variable_overrides().unwrap();
        assert_eq!(overrides["colour"], "green");
        assert_eq!(overrides["n"], "2");
        assert!(canary_settings(&Props::new()).unwrap().is_none());
        let bad = props(json!({"DeploymentCanarySettings": {"DeploymentId": "x"}}));
        let e = canary_settings(&bad).unwrap_err();
        assert!(
            e.message.contains("DeploymentCanarySettings.DeploymentId"),
            "{e:?}"
        );
    }

    #[test]
    fn create_patches_what_create_deployment_cannot_send() {
        let sd = props(json!({
            "Description": "live", "Variables": {"colour": "blue"}, "TracingEnabled": true,
            "MetricsEnabled": true, "ThrottlingBurstLimit": 50, "LoggingLevel": "INFO",
            "MethodSettings": [{"ResourcePath": "/pets", "HttpMethod": "GET", "DataTraceEnabled": false}],
            "CanarySetting": {"PercentTraffic": 10, "StageVariableOverrides": {"colour": "green"}}
        }));
        let got = ops(&stage_patch(&sent_at_create(&sd), &sd, "dep1").unwrap());
        assert_eq!(
            got,
            vec![
                op("replace", "/~1pets/GET/logging/dataTrace", "false"),
                op("replace", "/*/*/logging/loglevel", "INFO"),
                op("replace", "/*/*/metrics/enabled", "true"),
                op("replace", "/*/*/throttling/burstLimit", "50"),
                op("replace", "/canarySettings/deploymentId", "dep1"),
                op("replace", "/canarySettings/percentTraffic", "10"),
                op(
                    "replace",
                    "/canarySettings/stageVariableOverrides/colour",
                    "green"
                ),
            ]
        );
        // Nothing to patch: no call.
        let plain = props(json!({"Description": "d", "Variables": {"a": "b"}}));
        assert!(
            stage_patch(&sent_at_create(&plain), &plain, "d")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn an_explicit_every_method_setting_wins_over_the_description_s_own() {
        let sd = props(json!({
            "MetricsEnabled": true, "DataTraceEnabled": true,
            "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": false}]
        }));
        let settings = method_settings(&sd).unwrap();
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0].1["MetricsEnabled"], json!(false));
        assert_eq!(settings[0].1["DataTraceEnabled"], json!(true));
    }

    #[test]
    fn updates_patch_only_what_changed() {
        let old = props(json!({
            "Description": "one", "Variables": {"a": "1", "b": "2"}, "MetricsEnabled": true,
            "AccessLogSetting": {"DestinationArn": "arn:1", "Format": "$context.requestId"},
            "CanarySetting": {"PercentTraffic": 10, "UseStageCache": true,
                "StageVariableOverrides": {"a": "9"}}
        }));
        let new = props(json!({
            "Variables": {"a": "1", "c": "3"}, "ThrottlingRateLimit": 12.5,
            "AccessLogSetting": {"DestinationArn": "arn:2", "Format": "$context.requestId"},
            "CanarySetting": {"PercentTraffic": 25, "StageVariableOverrides": {"a": "9", "z": "1"}}
        }));
        let got = ops(&stage_patch(&old, &new, "dep1").unwrap());
        for want in [
            op("replace", "/description", ""),
            op("replace", "/variables/c", "3"),
            op("remove", "/variables/b", ""),
            op("replace", "/*/*/throttling/rateLimit", "12.5"),
            op("replace", "/accessLogSettings/destinationArn", "arn:2"),
            op("replace", "/canarySettings/percentTraffic", "25"),
            op("replace", "/canarySettings/useStageCache", "false"),
            op("replace", "/canarySettings/stageVariableOverrides/z", "1"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
        assert!(
            !got.iter()
                .any(|(_, p, _)| p == "/canarySettings/deploymentId")
        );
        assert!(!got.iter().any(|(_, p, _)| p.starts_with("/variables/a")));

        let off = ops(&stage_patch(&old, &Props::new(), "dep1").unwrap());
        assert!(
            off.contains(&op("remove", "/canarySettings", "")),
            "{off:?}"
        );
        assert!(off.contains(&op("remove", "/*/*", "")), "{off:?}");
        assert!(
            off.contains(&op("remove", "/accessLogSettings", "")),
            "{off:?}"
        );
    }
}
