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

use super::stage_description::{canary_settings, sent_at_create, stage_description, stage_patch};
use super::stage_settings::update_stage;
use super::{not_found, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::resources::{CREATE_STARTED, is_earlier_copy};
use crate::template::Value as TemplateValue;
use crate::template::stack::{EvaluatedResource, Stack};
use aws_sdk_apigateway::types::{CacheClusterSize, Op};
use serde_json::{Map, json};

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
    use serde_json::Value;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
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
