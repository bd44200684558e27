//! `AWS::ApiGateway::Deployment`: a snapshot of the API's methods, optionally creating a stage
//! (`StageName`, with a minimal `StageDescription`: Description, Variables, TracingEnabled,
//! CacheClusterEnabled). Physical id: the deployment id.
//!
//! A deployment needs the API's methods to exist first (the engine orders it after them);
//! "no methods" at create time is reported as retryable.

use super::{not_found, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::resources::{CREATE_STARTED, is_earlier_copy};
use crate::template::stack::Stack;
use serde_json::json;

pub struct Deployment;

/// The methods of the REST API a deployment deploys (by the API they refer to).
fn methods_deployed(stack: &Stack, deployment: &str) -> Vec<String> {
    let Some(d) = stack.resources.get(deployment) else {
        return Vec::new();
    };
    let apis: Vec<&str> = d
        .references
        .iter()
        .filter(|r| {
            stack
                .resources
                .get(&r.target)
                .is_some_and(|t| t.resource_type == "AWS::ApiGateway::RestApi")
        })
        .map(|r| r.target.as_str())
        .collect();
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

fn attributes(id: &str) -> Attributes {
    Attributes::from([("DeploymentId".to_string(), json!(id))])
}

/// The API has no methods yet: ordering, or methods still being created.
fn api_without_methods(e: &ResourceError) -> bool {
    e.code == "BadRequestException" && e.message.contains("any methods")
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
const MANAGED: &[&str] = &["Description", "StageDescription", "StageName", "RestApiId"];

impl Resource for Deployment {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// Never before its API's methods ("The REST API doesn't contain any methods").
    fn implicit_dependencies(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        methods_deployed(stack, logical_id)
    }

    /// A deployment is a snapshot of its API: when a method or integration changes, the API
    /// must be deployed again (CloudFormation makes users rename the Deployment for that).
    fn replaced_when_changed(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        methods_deployed(stack, logical_id)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let stage = property::object(props, "StageDescription")?
            .cloned()
            .unwrap_or_default();
        let out = ctx
            .clients
            .apigateway()
            .create_deployment()
            .rest_api_id(property::required(props, "RestApiId")?)
            .set_description(property::string(props, "Description"))
            .set_stage_name(property::string(props, "StageName"))
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
        // Write-only: what the template said (AWS cannot tell which stage a deployment made).
        for key in ["StageName", "StageDescription"] {
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
        if property::changed(old, new, "StageName") {
            if let Some(stage) = property::string(new, "StageName") {
                point_stage(ctx, &api, &stage, id).await?;
            }
        }
        Ok(attributes(id))
    }

    /// Deletes the stage the deployment created (when it still serves this deployment), then
    /// the deployment: AWS refuses to delete a deployment a stage uses.
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
            Err(e) => Err(sdk_error("apigateway:DeleteDeployment", e)),
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
