//! `AWS::ApiGateway::Deployment`: a snapshot of the API's methods, optionally creating a stage
//! (`StageName`, with a minimal `StageDescription`: Description, Variables, TracingEnabled,
//! CacheClusterEnabled). Physical id: the deployment id.
//!
//! A deployment needs the API's methods to exist first (the engine orders it after them);
//! "no methods" at create time is reported as retryable.

use super::{api_error, not_found, replace};
use crate::resources::lambda::fields;
use crate::resources::{Attributes, Created, Ctx, Handler, Live, Props, ResourceError, Result};
use crate::state::BoxFuture;
use serde_json::json;

pub struct Deployment;

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
            .map_err(|e| api_error("apigateway:CreateStage", e)),
        Err(e) => Err(api_error("apigateway:UpdateStage", e)),
    }
}

impl Deployment {
    async fn create_deployment(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let stage = fields::object(props, "StageDescription")?
            .cloned()
            .unwrap_or_default();
        let out = ctx
            .clients
            .apigateway()
            .create_deployment()
            .rest_api_id(fields::required(props, "RestApiId")?)
            .set_description(fields::string(props, "Description"))
            .set_stage_name(fields::string(props, "StageName"))
            .set_stage_description(fields::string(&stage, "Description"))
            .set_variables(
                stage
                    .contains_key("Variables")
                    .then(|| fields::string_map(&stage, "Variables"))
                    .transpose()?
                    .map(|v| v.into_iter().collect()),
            )
            .set_tracing_enabled(fields::boolean(&stage, "TracingEnabled")?)
            .set_cache_cluster_enabled(fields::boolean(&stage, "CacheClusterEnabled")?)
            .send()
            .await
            .map_err(|e| {
                let e: ResourceError = api_error("apigateway:CreateDeployment", e);
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

    async fn read_deployment(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = fields::required(desired, "RestApiId")?;
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
            Err(e) => return Err(api_error("apigateway:GetDeployment", e)),
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

    async fn update_deployment(
        &self,
        ctx: &Ctx,
        id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let api = fields::required(new, "RestApiId")?;
        if fields::changed(old, new, "Description") {
            ctx.clients
                .apigateway()
                .update_deployment()
                .rest_api_id(&api)
                .deployment_id(id)
                .patch_operations(replace(
                    "/description",
                    fields::string(new, "Description").unwrap_or_default(),
                ))
                .send()
                .await
                .map_err(|e| api_error("apigateway:UpdateDeployment", e))?;
        }
        if fields::changed(old, new, "StageName") {
            if let Some(stage) = fields::string(new, "StageName") {
                point_stage(ctx, &api, &stage, id).await?;
            }
        }
        Ok(attributes(id))
    }
}

impl Handler for Deployment {
    fn create<'a>(&'a self, ctx: &'a Ctx, props: &'a Props) -> BoxFuture<'a, Result<Created>> {
        Box::pin(self.create_deployment(ctx, props))
    }

    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        desired: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Live>>> {
        Box::pin(self.read_deployment(ctx, physical_id, desired))
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        old: &'a Props,
        new: &'a Props,
    ) -> BoxFuture<'a, Result<Attributes>> {
        Box::pin(self.update_deployment(ctx, physical_id, old, new))
    }

    /// Deletes the stage the deployment created (when it still serves this deployment), then
    /// the deployment: AWS refuses to delete a deployment a stage uses.
    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let gateway = ctx.clients.apigateway();
            let api = fields::required(props, "RestApiId")?;
            if let Some(stage) = fields::string(props, "StageName") {
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
                            Err(e) => return Err(api_error("apigateway:DeleteStage", e)),
                        }
                    }
                    Ok(_) => {}
                    Err(e) if not_found!(e) => {}
                    Err(e) => return Err(api_error("apigateway:GetStage", e)),
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
                Err(e) => Err(api_error("apigateway:DeleteDeployment", e)),
            }
        })
    }

    /// Deployments carry no name and no tags: one made before a crash cannot be told apart from
    /// any other, so it is not adopted (a new one is harmless).
    fn adopt<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _props: &'a Props,
    ) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async { Ok(None) })
    }
}
