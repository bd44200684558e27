//! What `AWS::ApiGateway::Stage` and a `Deployment`'s `StageDescription` share: method
//! settings and access logging as stage patch operations, and the `UpdateStage` call.

use super::{escape, map_patch, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Ctx, Props, Result, text};
use aws_sdk_apigateway::types::{Op, PatchOperation};
use serde_json::{Map, Value};

/// Method setting fields and where each lives under a method's patch path.
pub(super) const METHOD_FIELDS: &[(&str, &str)] = &[
    ("LoggingLevel", "logging/loglevel"),
    ("DataTraceEnabled", "logging/dataTrace"),
    ("MetricsEnabled", "metrics/enabled"),
    ("ThrottlingBurstLimit", "throttling/burstLimit"),
    ("ThrottlingRateLimit", "throttling/rateLimit"),
    ("CachingEnabled", "caching/enabled"),
    ("CacheTtlInSeconds", "caching/ttlInSeconds"),
    ("CacheDataEncrypted", "caching/dataEncrypted"),
];

/// A method setting's patch path: `/*/*` for every method, `/~1pets/GET` for one. The
/// template may give the resource path plain (`/pets`) or encoded as CloudFormation documents
/// it (`/~1pets`).
pub(super) fn setting_path(setting: &Map<String, Value>) -> String {
    let resource = property::string(setting, "ResourcePath").unwrap_or("/*".into());
    let method = property::string(setting, "HttpMethod").unwrap_or("*".into());
    let resource = if resource == "/*" {
        "*".to_string()
    } else if resource.contains("~1") {
        resource.strip_prefix('/').unwrap_or(&resource).to_string()
    } else {
        escape(&resource)
    };
    format!("/{resource}/{method}")
}

/// Method settings (by patch path) from `before` to `after`: changed fields replaced, settings
/// gone removed (a field dropped from a setting that stays keeps its value, as CloudFormation
/// does).
fn method_settings_patch(
    before: &[(String, Map<String, Value>)],
    after: &[(String, Map<String, Value>)],
) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    for (path, setting) in after {
        let previous = before.iter().find(|(p, _)| p == path).map(|(_, s)| s);
        for (key, suffix) in METHOD_FIELDS {
            let Some(value) = setting.get(*key).and_then(text) else {
                continue;
            };
            if previous.and_then(|p| p.get(*key)).and_then(text) != Some(value.clone()) {
                ops.push(replace(format!("{path}/{suffix}"), value));
            }
        }
    }
    for (path, _) in before
        .iter()
        .filter(|(p, _)| !after.iter().any(|(a, _)| a == p))
    {
        ops.push(patch(Op::Remove, path.clone(), None));
    }
    ops
}

/// What a stage and a `StageDescription` share, from `old` to `new`: `Variables`, the method
/// settings (`before` and `after`, by patch path) and `AccessLogSetting`.
pub(super) fn settings_patch(
    old: &Props,
    new: &Props,
    before: &[(String, Map<String, Value>)],
    after: &[(String, Map<String, Value>)],
) -> Result<Vec<PatchOperation>> {
    // AWS sets a stage variable, new or not, with `replace`.
    let mut ops = map_patch(
        "/variables",
        Op::Replace,
        old.get("Variables"),
        new.get("Variables"),
    );
    ops.extend(method_settings_patch(before, after));
    ops.extend(access_log_patch(old, new)?);
    Ok(ops)
}

/// `AccessLogSetting` from `old` to `new`.
fn access_log_patch(old: &Props, new: &Props) -> Result<Vec<PatchOperation>> {
    if !property::changed(old, new, "AccessLogSetting") {
        return Ok(Vec::new());
    }
    let Some(setting) = property::object(new, "AccessLogSetting")? else {
        return Ok(vec![patch(Op::Remove, "/accessLogSettings", None)]);
    };
    Ok([("DestinationArn", "destinationArn"), ("Format", "format")]
        .iter()
        .filter_map(|(key, field)| {
            let value = property::string(setting, key)?;
            Some(replace(format!("/accessLogSettings/{field}"), value))
        })
        .collect())
}

/// Sends `ops` to `stage` of `api`; no call when there are none.
pub(super) async fn update_stage(
    ctx: &Ctx,
    api: &str,
    stage: &str,
    ops: Vec<PatchOperation>,
) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    ctx.clients
        .apigateway()
        .update_stage()
        .rest_api_id(api)
        .stage_name(stage)
        .set_patch_operations(Some(ops))
        .send()
        .await
        .map_err(|e| sdk_error("apigateway:UpdateStage", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn method_setting_paths_take_plain_and_encoded_resource_paths() {
        let place = |v: Value| setting_path(v.as_object().unwrap());
        assert_eq!(place(json!({})), "/*/*");
        assert_eq!(
            place(json!({"ResourcePath": "/*", "HttpMethod": "*"})),
            "/*/*"
        );
        let plain = json!({"ResourcePath": "/pets/{id}", "HttpMethod": "GET"});
        let encoded = json!({"ResourcePath": "/~1pets~1{id}", "HttpMethod": "GET"});
        assert_eq!(place(plain), "/~1pets~1{id}/GET");
        assert_eq!(place(encoded), "/~1pets~1{id}/GET");
    }

    #[test]
    fn a_setting_that_stays_keeps_a_dropped_field_and_a_gone_one_is_removed() {
        let entry = |v: Value| v.as_object().unwrap().clone();
        let before = vec![
            ("/*/*".into(), entry(json!({"MetricsEnabled": true}))),
            ("/~1a/GET".into(), entry(json!({"LoggingLevel": "INFO"}))),
        ];
        let after = vec![("/*/*".into(), entry(json!({"ThrottlingRateLimit": 5})))];
        let got: Vec<(String, String)> = method_settings_patch(&before, &after)
            .iter()
            .map(|o| (o.op().unwrap().as_str().into(), o.path().unwrap().into()))
            .collect();
        assert_eq!(
            got,
            [
                ("replace".into(), "/*/*/throttling/rateLimit".into()),
                ("remove".into(), "/~1a/GET".into())
            ]
        );
    }
}
