//! `AWS::ApiGateway::Deployment`: a snapshot of the API's methods, optionally creating a stage
//! (`StageName`, set up as `StageDescription` says) or, with `DeploymentCanarySettings`, the
//! canary of an existing stage. Physical id: the deployment id.
//!
//! A deployment needs the API's methods to exist first (the engine orders it after them);
//! "no methods" at create time is reported as retryable. A canary deployment also comes after
//! the resources that make its stage (a `Stage`, or a `Deployment` with that `StageName`).
//!
//! `StageName`, `StageDescription` and `DeploymentCanarySettings` are write-only: AWS cannot
//! tell which stage a deployment made, and later deployments change that stage (a canary
//! deployment takes its canary, a newer deployment the stage). They are compared with what was
//! applied; a changed `StageDescription` is patched onto the stage.

use super::{escape, map_patch, not_found, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::resources::{CREATE_STARTED, is_earlier_copy, text};
use crate::template::Value as TemplateValue;
use crate::template::stack::{EvaluatedResource, Stack};
use aws_sdk_apigateway::types::{CacheClusterSize, DeploymentCanarySettings, Op, PatchOperation};
use serde_json::{Map, Value, json};

pub struct Deployment;

/// The REST APIs (logical ids) a resource of the stack refers to.
fn apis_of<'s>(stack: &'s Stack, r: &'s EvaluatedResource) -> Vec<&'s str> {
    r.references
        .iter()
        .filter(|r| {
            stack
                .resources
                .get(&r.target)
                .is_some_and(|t| t.resource_type == "AWS::ApiGateway::RestApi")
        })
        .map(|r| r.target.as_str())
        .collect()
}

/// The methods of the REST API a deployment deploys (by the API they refer to).
fn methods_deployed(stack: &Stack, deployment: &str) -> Vec<String> {
    let Some(d) = stack.resources.get(deployment) else {
        return Vec::new();
    };
    let apis = apis_of(stack, d);
    stack
        .resources
        .values()
        .filter(|m| {
            m.resource_type == "AWS::ApiGateway::Method"
                && m.references
                    .iter()
                    .any(|r| apis.contains(&r.target.as_str()))
        })
        .map(|m| m.logical_id.clone())
        .collect()
}

fn template_property<'r>(r: &'r EvaluatedResource, key: &str) -> Option<&'r TemplateValue> {
    match &r.properties {
        TemplateValue::Map(map) => map.get(key),
        _ => None,
    }
}

/// For a canary deployment: the resources of the same API that make the stage it is the canary
/// of (a `Stage`, or a `Deployment` without canary settings, named like its `StageName`). AWS
/// refuses a canary deployment of a stage that does not exist yet.
fn stage_makers(stack: &Stack, deployment: &str) -> Vec<String> {
    let Some(d) = stack.resources.get(deployment) else {
        return Vec::new();
    };
    let stage = template_property(d, "StageName").and_then(TemplateValue::to_text);
    let (true, Some(stage)) = (
        template_property(d, "DeploymentCanarySettings").is_some(),
        stage,
    ) else {
        return Vec::new();
    };
    let apis = apis_of(stack, d);
    stack
        .resources
        .values()
        .filter(|r| r.logical_id != deployment)
        .filter(|r| match r.resource_type.as_str() {
            "AWS::ApiGateway::Stage" => true,
            "AWS::ApiGateway::Deployment" => {
                template_property(r, "DeploymentCanarySettings").is_none()
            }
            _ => false,
        })
        .filter(|r| {
            template_property(r, "StageName").and_then(TemplateValue::to_text)
                == Some(stage.clone())
        })
        .filter(|r| apis_of(stack, r).iter().any(|a| apis.contains(a)))
        // (A stage made from this very deployment would be a cycle: the template's mistake.)
        .filter(|r| !r.references.iter().any(|x| x.target == deployment))
        .map(|r| r.logical_id.clone())
        .collect()
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("DeploymentId".to_string(), json!(id))])
}

/// The API has no methods yet: ordering, or methods still being created.
fn api_without_methods(e: &ResourceError) -> bool {
    e.code == "BadRequestException" && e.message.contains("any methods")
}

/// A stage still serves the deployment: one another resource is freeing at the same time (a
/// `Stage` being deleted, a canary deployment taking its canary off), as the engine deletes
/// resources that do not depend on each other together.
fn still_served(e: &ResourceError) -> bool {
    e.code == "BadRequestException" && e.message.contains("Active stages pointing")
}

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

/// Method settings (in `MethodSettings` entries, and in `StageDescription` itself for every
/// method, `/*/*`) and where each lives under a method's patch path.
const METHOD_FIELDS: &[(&str, &str)] = &[
    ("LoggingLevel", "logging/loglevel"),
    ("DataTraceEnabled", "logging/dataTrace"),
    ("MetricsEnabled", "metrics/enabled"),
    ("ThrottlingBurstLimit", "throttling/burstLimit"),
    ("ThrottlingRateLimit", "throttling/rateLimit"),
    ("CachingEnabled", "caching/enabled"),
    ("CacheTtlInSeconds", "caching/ttlInSeconds"),
    ("CacheDataEncrypted", "caching/dataEncrypted"),
];

/// `StageDescription` keys CreateDeployment takes itself; the others are patched on after.
const SENT_AT_CREATE: &[&str] = &[
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
fn stage_description(props: &Props) -> Result<Map<String, Value>> {
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
fn canary_settings(props: &Props) -> Result<Option<DeploymentCanarySettings>> {
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

/// A method setting's patch path: `/*/*` for every method, `/~1pets/GET` for one. The
/// template may give the resource path plain (`/pets`) or encoded as CloudFormation documents
/// it (`/~1pets`).
fn setting_path(setting: &Map<String, Value>) -> String {
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

/// The method settings a `StageDescription` asks for, by patch path: its `MethodSettings`, and
/// its own method fields for every method (`/*/*`; an explicit `/*/*` entry wins).
fn method_settings(sd: &Map<String, Value>) -> Result<Vec<(String, Map<String, Value>)>> {
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

/// Method settings from `old` to `new`: changed fields replaced, settings gone removed (a field
/// dropped from a setting that stays keeps its value, as on `AWS::ApiGateway::Stage`).
fn method_settings_patch(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Result<Vec<PatchOperation>> {
    let (before, after) = (method_settings(old)?, method_settings(new)?);
    let mut ops = Vec::new();
    for (path, setting) in &after {
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
    Ok(ops)
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

fn access_log_patch(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<PatchOperation> {
    if !property::changed(old, new, "AccessLogSetting") {
        return Vec::new();
    }
    let Some(setting) = new.get("AccessLogSetting").and_then(Value::as_object) else {
        return vec![patch(Op::Remove, "/accessLogSettings", None)];
    };
    [("DestinationArn", "destinationArn"), ("Format", "format")]
        .iter()
        .filter_map(|(key, field)| {
            let value = property::string(setting, key)?;
            Some(replace(format!("/accessLogSettings/{field}"), value))
        })
        .collect()
}

/// The stage patch turning `StageDescription` `old` into `new`, for the stage serving
/// `deployment`.
fn stage_patch(
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
    // AWS sets a stage variable, new or not, with `replace`.
    ops.extend(map_patch(
        "/variables",
        Op::Replace,
        old.get("Variables"),
        new.get("Variables"),
    ));
    ops.extend(method_settings_patch(old, new)?);
    ops.extend(access_log_patch(old, new));
    ops.extend(canary_patch(
        old.get("CanarySetting"),
        new.get("CanarySetting"),
        deployment,
    ));
    Ok(ops)
}

/// What CreateDeployment itself applied of a `StageDescription`.
fn sent_at_create(sd: &Map<String, Value>) -> Map<String, Value> {
    sd.iter()
        .filter(|(k, _)| SENT_AT_CREATE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

async fn update_stage(ctx: &Ctx, api: &str, stage: &str, ops: Vec<PatchOperation>) -> Result<()> {
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

/// Points `stage` at `deployment`, creating the stage when it does not exist.
async fn point_stage(ctx: &Ctx, api: &str, stage: &str, deployment: &str) -> Result<()> {
    let gateway = ctx.clients.apigateway();
    match gateway
        .update_stage()
        .rest_api_id(api)
        .stage_name(stage)
        .patch_operations(replace("/deploymentId", deployment))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if not_found!(e) => gateway
            .create_stage()
            .rest_api_id(api)
            .stage_name(stage)
            .deployment_id(deployment)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("apigateway:CreateStage", e)),
        Err(e) => Err(sdk_error("apigateway:UpdateStage", e)),
    }
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "DeploymentCanarySettings",
    "Description",
    "RestApiId",
    "StageDescription",
    "StageName",
];

impl Resource for Deployment {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// Never before its API's methods ("The REST API doesn't contain any methods"), nor, for a
    /// canary, before its stage.
    fn implicit_dependencies(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        let mut deps = methods_deployed(stack, logical_id);
        deps.extend(stage_makers(stack, logical_id));
        deps
    }

    /// A deployment is a snapshot of its API: when a method or integration changes, the API
    /// must be deployed again (CloudFormation makes users rename the Deployment for that).
    fn replaced_when_changed(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        methods_deployed(stack, logical_id)
    }

    /// Refuses, at plan, stage and canary settings this handler would not apply.
    fn compare_view(&self, props: Props) -> Result<Props> {
        stage_description(&props)?;
        canary_settings(&props)?;
        Ok(props)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let stage = stage_description(props)?;
        let canary = canary_settings(props)?;
        let stage_name = property::string(props, "StageName");
        if stage_name.is_none() {
            for key in ["StageDescription", "DeploymentCanarySettings"] {
                if props.get(key).is_some_and(|v| !v.is_null()) {
                    return Err(ResourceError::invalid(key, "needs a StageName"));
                }
            }
        }
        let api = property::required(props, "RestApiId")?;
        let out = ctx
            .clients
            .apigateway()
            .create_deployment()
            .rest_api_id(&api)
            .set_description(property::string(props, "Description"))
            .set_stage_name(stage_name.clone())
            .set_stage_description(property::string(&stage, "Description"))
            .set_variables(
                stage
                    .contains_key("Variables")
                    .then(|| property::string_map(&stage, "Variables"))
                    .transpose()?
                    .map(|v| v.into_iter().collect()),
            )
            .set_tracing_enabled(property::boolean(&stage, "TracingEnabled")?)
            .set_cache_cluster_enabled(property::boolean(&stage, "CacheClusterEnabled")?)
            .set_cache_cluster_size(
                property::string(&stage, "CacheClusterSize")
                    .map(|s| CacheClusterSize::from(s.as_str())),
            )
            .set_canary_settings(canary)
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| {
                let e: ResourceError = sdk_error("apigateway:CreateDeployment", e);
                if api_without_methods(&e) {
                    e.retryable()
                } else {
                    e
                }
            })?;
        let id = out.id().unwrap_or_default().to_string();
        // Method settings, access logging and the stage's canary are only settable by patch.
        if let Some(name) = &stage_name {
            let ops = stage_patch(&sent_at_create(&stage), &stage, &id)?;
            update_stage(ctx, &api, name, ops).await?;
        }
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "RestApiId")?;
        let out = match ctx
            .clients
            .apigateway()
            .get_deployment()
            .rest_api_id(&api)
            .deployment_id(id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if not_found!(e) => return Ok(None),
            Err(e) => return Err(sdk_error("apigateway:GetDeployment", e)),
        };
        let mut p = Props::new();
        p.insert("RestApiId".into(), json!(api));
        if let Some(d) = out.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        // Write-only (see the module's comment): what the template said.
        for key in ["StageName", "StageDescription", "DeploymentCanarySettings"] {
            if let Some(v) = desired.get(key) {
                p.insert(key.into(), v.clone());
            }
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let api = property::required(new, "RestApiId")?;
        if property::changed(old, new, "Description") {
            ctx.clients
                .apigateway()
                .update_deployment()
                .rest_api_id(&api)
                .deployment_id(id)
                .patch_operations(replace(
                    "/description",
                    property::string(new, "Description").unwrap_or_default(),
                ))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateDeployment", e))?;
        }
        let Some(stage) = property::string(new, "StageName") else {
            return Ok(attributes(id));
        };
        let after = stage_description(new)?;
        let before = if property::changed(old, new, "StageName") {
            // A stage of its own now: all of the description goes onto it.
            point_stage(ctx, &api, &stage, id).await?;
            Map::new()
        } else {
            stage_description(old)?
        };
        update_stage(ctx, &api, &stage, stage_patch(&before, &after, id)?).await?;
        Ok(attributes(id))
    }

    /// Frees the deployment from its stage first, as AWS refuses to delete a deployment a stage
    /// serves ("Active stages pointing to this deployment must be moved or deleted"): deletes
    /// the stage it made when that stage still serves it, or takes the canary off the stage
    /// when the canary is this deployment. Still served after that, the delete is retried: the
    /// stage's other resources may be freeing it (destroy orders by references only, so a canary
    /// deployment and its stage's deployment may be deleted together).
    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let gateway = ctx.clients.apigateway();
        let api = property::required(props, "RestApiId")?;
        if let Some(stage) = property::string(props, "StageName") {
            match gateway
                .get_stage()
                .rest_api_id(&api)
                .stage_name(&stage)
                .send()
                .await
            {
                Ok(s) if s.deployment_id() == Some(physical_id) => {
                    match gateway
                        .delete_stage()
                        .rest_api_id(&api)
                        .stage_name(&stage)
                        .send()
                        .await
                    {
                        Ok(_) => {}
                        Err(e) if not_found!(e) => {}
                        Err(e) => return Err(sdk_error("apigateway:DeleteStage", e)),
                    }
                }
                Ok(s)
                    if s.canary_settings().and_then(|c| c.deployment_id()) == Some(physical_id) =>
                {
                    let off = gateway
                        .update_stage()
                        .rest_api_id(&api)
                        .stage_name(&stage)
                        .patch_operations(patch(Op::Remove, "/canarySettings", None))
                        .send()
                        .await;
                    match off {
                        Ok(_) => {}
                        Err(e) if not_found!(e) => {}
                        Err(e) => return Err(sdk_error("apigateway:UpdateStage", e)),
                    }
                }
                Ok(_) => {}
                Err(e) if not_found!(e) => {}
                Err(e) => return Err(sdk_error("apigateway:GetStage", e)),
            }
        }
        match gateway
            .delete_deployment()
            .rest_api_id(&api)
            .deployment_id(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found!(e) => Ok(()),
            Err(e) => {
                let e: ResourceError = sdk_error("apigateway:DeleteDeployment", e);
                if still_served(&e) {
                    Err(e.retryable())
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Deployments carry no name and no tags: the one a create whose answer was lost made is
    /// the deployment of the API created since that create started (`CREATE_STARTED`, with the
    /// desired description), that is no earlier copy. Without a start time there is no telling
    /// it apart from any other: `None`.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(started) = props
            .get(CREATE_STARTED)
            .and_then(serde_json::Value::as_i64)
        else {
            return Ok(None);
        };
        let api = property::required(props, "RestApiId")?;
        let description = property::string(props, "Description");
        let out = match ctx
            .clients
            .apigateway()
            .get_deployments()
            .rest_api_id(&api)
            .limit(500)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if not_found!(e) => return Ok(None),
            Err(e) => return Err(sdk_error("apigateway:GetDeployments", e)),
        };
        // A second of slack: the service's clock rounds to seconds.
        let mut since: Vec<_> = out
            .items()
            .iter()
            .filter(|d| d.created_date().is_some_and(|t| t.secs() >= started - 1))
            .filter(|d| description.is_none() || d.description() == description.as_deref())
            .filter_map(|d| Some((d.created_date()?.secs(), d.id()?.to_owned())))
            .filter(|(_, id)| !is_earlier_copy(props, id))
            .collect();
        since.sort();
        Ok(since.into_iter().next().map(|(_, id)| id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Facts, load_text};

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
    fn unsupported_stage_description_keys_are_refused() {
        for (sd, key) in [
            (json!({"Tags": []}), "StageDescription.Tags"),
            (
                json!({"CanarySetting": {"DeploymentId": "d"}}),
                "StageDescription.CanarySetting.DeploymentId",
            ),
            (
                json!({"MethodSettings": [{"HttpMethod": "GET", "Foo": 1}]}),
                "StageDescription.MethodSettings.Foo",
            ),
            (
                json!({"AccessLogSetting": {"Arn": "a"}}),
                "StageDescription.AccessLogSetting.Arn",
            ),
        ] {
            let e = Deployment
                .compare_view(props(json!({"StageDescription": sd})))
                .unwrap_err();
            assert!(e.message.contains(key), "{key}: {e:?}");
        }
        let fine =
            props(json!({"StageDescription": {"MetricsEnabled": true, "CanarySetting": {}}}));
        assert!(Deployment.compare_view(fine).is_ok());
    }

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

    #[test]
    fn a_canary_deployment_comes_after_the_stage_it_is_the_canary_of() {
        let template = "Resources:
  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: a}}
  Other: {Type: AWS::ApiGateway::RestApi, Properties: {Name: b}}
  Get:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !GetAtt Api.RootResourceId, HttpMethod: GET,
      AuthorizationType: NONE, Integration: {Type: MOCK}}
  Base: {Type: AWS::ApiGateway::Deployment, Properties: {RestApiId: !Ref Api}}
  Prod: {Type: AWS::ApiGateway::Stage, Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentId: !Ref Base}}
  Beta: {Type: AWS::ApiGateway::Deployment, Properties: {RestApiId: !Ref Api, StageName: beta}}
  Elsewhere: {Type: AWS::ApiGateway::Deployment, Properties: {RestApiId: !Ref Other, StageName: prod}}
  Canary:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentCanarySettings: {PercentTraffic: 5}}
";
        let ws = load_text("t.yaml", template.into(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let stack = &ws.stacks[0];
        let mut deps = Deployment.implicit_dependencies(stack, "Canary");
        deps.sort();
        assert_eq!(deps, ["Get", "Prod"]);
        assert_eq!(Deployment.implicit_dependencies(stack, "Beta"), ["Get"]);
        assert_eq!(Deployment.replaced_when_changed(stack, "Canary"), ["Get"]);
    }
}
