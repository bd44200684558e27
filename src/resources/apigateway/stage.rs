//! `AWS::ApiGateway::Stage`: a named stage serving one deployment, with its variables, method
//! settings, access logging and tracing. Physical id: the stage name.

use super::stage_settings::{setting_path, settings_patch, update_stage};
use super::{not_found, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigateway::operation::get_stage::GetStageOutput;
use aws_sdk_apigateway::types::{MethodSetting, PatchOperation};
use serde_json::{Map, Value, json};

pub struct Stage;

fn arn(ctx: &Ctx, api: &str, stage: &str) -> String {
    format!(
        "arn:aws:apigateway:{}::/restapis/{api}/stages/{stage}",
        ctx.region
    )
}

/// Back from GetStage's `~1pets/GET` key to (ResourcePath, HttpMethod).
fn setting_place(key: &str) -> (String, String) {
    let (resource, method) = key.rsplit_once('/').unwrap_or((key, "*"));
    let resource = if resource == "*" {
        "/*".to_string()
    } else {
        resource.replace("~1", "/").replace("~0", "~")
    };
    (resource, method.to_string())
}

/// The `MethodSettings` entries by patch path.
fn method_settings(props: &Props) -> Result<Vec<(String, Map<String, Value>)>> {
    match props.get("MethodSettings") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i.as_object() {
                Some(entry) => Ok((setting_path(entry), entry.clone())),
                None => Err(ResourceError::invalid(
                    "MethodSettings",
                    "entries must be objects",
                )),
            })
            .collect(),
        Some(_) => Err(ResourceError::invalid("MethodSettings", "must be a list")),
    }
}

/// Everything but tags, as patch operations from `old` to `new`.
fn stage_patch(old: &Props, new: &Props) -> Result<Vec<PatchOperation>> {
    let mut ops = Vec::new();
    if property::changed(old, new, "DeploymentId") {
        ops.push(replace(
            "/deploymentId",
            property::required(new, "DeploymentId")?,
        ));
    }
    if property::changed(old, new, "Description") {
        ops.push(replace(
            "/description",
            property::string(new, "Description").unwrap_or_default(),
        ));
    }
    if property::changed(old, new, "TracingEnabled") {
        ops.push(replace(
            "/tracingEnabled",
            property::boolean(new, "TracingEnabled")?
                .unwrap_or(false)
                .to_string(),
        ));
    }
    if property::changed(old, new, "CacheClusterEnabled") {
        ops.push(replace(
            "/cacheClusterEnabled",
            property::boolean(new, "CacheClusterEnabled")?
                .unwrap_or(false)
                .to_string(),
        ));
    }
    ops.extend(settings_patch(
        old,
        new,
        &method_settings(old)?,
        &method_settings(new)?,
    )?);
    Ok(ops)
}

async fn get(ctx: &Ctx, api: &str, stage: &str) -> Result<Option<GetStageOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_stage()
        .rest_api_id(api)
        .stage_name(stage)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetStage", e)),
    }
}

fn setting_value(key: &str, s: &MethodSetting) -> Value {
    let (resource, method) = setting_place(key);
    let mut v = json!({
        "ResourcePath": resource, "HttpMethod": method,
        "MetricsEnabled": s.metrics_enabled(), "DataTraceEnabled": s.data_trace_enabled(),
        "ThrottlingBurstLimit": s.throttling_burst_limit(),
        "ThrottlingRateLimit": property::number(s.throttling_rate_limit()),
        "CachingEnabled": s.caching_enabled(), "CacheTtlInSeconds": s.cache_ttl_in_seconds(),
        "CacheDataEncrypted": s.cache_data_encrypted(),
    });
    if let Some(level) = s.logging_level() {
        v["LoggingLevel"] = json!(level);
    }
    v
}

fn stage_props(api: &str, s: &GetStageOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            p.insert(k.into(), v);
        }
    };
    put("RestApiId", Some(json!(api)));
    put("StageName", s.stage_name().map(|v| json!(v)));
    put("DeploymentId", s.deployment_id().map(|v| json!(v)));
    put(
        "Description",
        s.description().filter(|d| !d.is_empty()).map(|v| json!(v)),
    );
    put("TracingEnabled", Some(json!(s.tracing_enabled())));
    put(
        "CacheClusterEnabled",
        Some(json!(s.cache_cluster_enabled())),
    );
    let variables = super::string_map_value(s.variables())
        .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()));
    put(
        "Variables",
        variables.or_else(|| desired.contains_key("Variables").then(|| json!({}))),
    );
    put(
        "AccessLogSetting",
        s.access_log_settings().map(|a| {
            let live = json!({"DestinationArn": a.destination_arn(), "Format": a.format()});
            match desired.get("AccessLogSetting") {
                Some(d) => property::shape_like(&live, d),
                None => live,
            }
        }),
    );
    let settings: Vec<Value> = s
        .method_settings()
        .into_iter()
        .flatten()
        .map(|(key, setting)| setting_value(key, setting))
        .collect();
    if !settings.is_empty() || desired.contains_key("MethodSettings") {
        put(
            "MethodSettings",
            Some(super::list_like(
                settings,
                desired.get("MethodSettings"),
                &["ResourcePath", "HttpMethod"],
            )),
        );
    }
    if desired.contains_key("Tags") {
        put(
            "Tags",
            Some(property::tags_value(s.tags().into_iter().flatten())),
        );
    }
    p
}

impl Stage {
    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let api = property::required(new, "RestApiId")?;
        update_stage(ctx, &api, name, stage_patch(old, new)?).await?;
        let gateway = ctx.clients.apigateway();
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            gateway
                .tag_resource()
                .resource_arn(arn(ctx, &api, name))
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:TagResource", e))?;
        }
        if !removed.is_empty() {
            gateway
                .untag_resource()
                .resource_arn(arn(ctx, &api, name))
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UntagResource", e))?;
        }
        Ok(Attributes::new())
    }
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "AccessLogSetting",
    "CacheClusterEnabled",
    "DeploymentId",
    "Description",
    "MethodSettings",
    "RestApiId",
    "StageName",
    "Tags",
    "TracingEnabled",
    "Variables",
];

impl Resource for Stage {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("StageName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let api = property::required(props, "RestApiId")?;
        let name = property::required(props, "StageName")?;
        ctx.clients
            .apigateway()
            .create_stage()
            .rest_api_id(&api)
            .stage_name(&name)
            .deployment_id(property::required(props, "DeploymentId")?)
            .set_description(property::string(props, "Description"))
            .set_tracing_enabled(property::boolean(props, "TracingEnabled")?)
            .set_cache_cluster_enabled(property::boolean(props, "CacheClusterEnabled")?)
            .set_variables(
                props
                    .contains_key("Variables")
                    .then(|| property::string_map(props, "Variables"))
                    .transpose()?
                    .map(|v| v.into_iter().collect()),
            )
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateStage", e))?;
        // Method settings and access logging are only settable by patch; the variables went
        // with CreateStage.
        let sent: Props = props
            .get("Variables")
            .map(|v| ("Variables".to_string(), v.clone()))
            .into_iter()
            .collect();
        let ops = settings_patch(&sent, props, &[], &method_settings(props)?)?;
        update_stage(ctx, &api, &name, ops).await?;
        Ok(Created {
            physical_id: name,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "RestApiId")?;
        Ok(get(ctx, &api, physical_id).await?.map(|s| Live {
            properties: stage_props(&api, &s, desired),
            attributes: Attributes::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        Stage::update(self, ctx, physical_id, old, new).await
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "RestApiId")?;
        match ctx
            .clients
            .apigateway()
            .delete_stage()
            .rest_api_id(api)
            .stage_name(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found!(e) => Ok(()),
            Err(e) => Err(sdk_error("apigateway:DeleteStage", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let api = property::required(props, "RestApiId")?;
        let Some(name) = property::string(props, "StageName") else {
            return Ok(None);
        };
        Ok(get(ctx, &api, &name).await?.map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_setting_paths_round_trip() {
        let all = json!({"ResourcePath": "/*", "HttpMethod": "*"});
        assert_eq!(setting_path(all.as_object().unwrap()), "/*/*");
        let one = json!({"ResourcePath": "/pets/{id}", "HttpMethod": "GET"});
        assert_eq!(setting_path(one.as_object().unwrap()), "/~1pets~1{id}/GET");
        assert_eq!(setting_place("*/*"), ("/*".into(), "*".into()));
        assert_eq!(
            setting_place("~1pets~1{id}/GET"),
            ("/pets/{id}".into(), "GET".into())
        );
    }
}
