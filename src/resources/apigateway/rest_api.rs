//! `AWS::ApiGateway::RestApi`: the API itself (no OpenAPI import: `Body` is not supported).
//! Physical id: the API id.

use super::{escape, not_found, patch, replace};
use crate::resources::property;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::resources::{is_earlier_copy, sdk_error};
use aws_sdk_apigateway::operation::get_rest_api::GetRestApiOutput;
use aws_sdk_apigateway::types::{ApiKeySourceType, EndpointConfiguration, EndpointType, Op};
use serde_json::{Value, json};

pub struct RestApi;

fn arn(ctx: &Ctx, id: &str) -> String {
    format!("arn:aws:apigateway:{}::/restapis/{id}", ctx.region)
}

fn attributes(id: &str, root: Option<&str>) -> Attributes {
    let mut a = Attributes::from([("RestApiId".to_string(), json!(id))]);
    if let Some(root) = root {
        a.insert("RootResourceId".into(), json!(root));
    }
    a
}

fn endpoint_configuration(props: &Props) -> Result<Option<EndpointConfiguration>> {
    let Some(config) = property::object(props, "EndpointConfiguration")? else {
        return Ok(None);
    };
    let config = config.clone();
    let types = property::strings(&config, "Types")?
        .iter()
        .map(|t| EndpointType::from(t.as_str()))
        .collect();
    Ok(Some(
        EndpointConfiguration::builder()
            .set_types(Some(types))
            .set_vpc_endpoint_ids(
                config
                    .contains_key("VpcEndpointIds")
                    .then(|| property::strings(&config, "VpcEndpointIds"))
                    .transpose()?,
            )
            .build(),
    ))
}

/// The policy as API Gateway returns it: JSON whose quotes may come back escaped (`{\"Version\"`).
fn policy_value(live: &str, desired: Option<&Value>) -> Value {
    let unescaped = if serde_json::from_str::<Value>(live).is_ok() {
        live.to_string()
    } else {
        live.replace("\\\"", "\"").replace("\\\\", "\\")
    };
    property::document_like(&unescaped, desired)
}

async fn root_resource_id(ctx: &Ctx, id: &str) -> Result<Option<String>> {
    let mut pages = ctx
        .clients
        .apigateway()
        .get_resources()
        .rest_api_id(id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("apigateway:GetResources", e))?;
        if let Some(root) = page.items().iter().find(|r| r.path() == Some("/")) {
            return Ok(root.id().map(str::to_owned));
        }
    }
    Ok(None)
}

async fn get(ctx: &Ctx, id: &str) -> Result<Option<GetRestApiOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_rest_api()
        .rest_api_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetRestApi", e)),
    }
}

fn api_props(api: &GetRestApiOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            p.insert(k.into(), v);
        }
    };
    put("Name", api.name().map(|v| json!(v)));
    put(
        "Description",
        api.description()
            .filter(|d| !d.is_empty())
            .map(|v| json!(v)),
    );
    put(
        "BinaryMediaTypes",
        (!api.binary_media_types().is_empty() || desired.contains_key("BinaryMediaTypes"))
            .then(|| json!(api.binary_media_types())),
    );
    put(
        "ApiKeySourceType",
        api.api_key_source().map(|v| json!(v.as_str())),
    );
    put(
        "MinimumCompressionSize",
        api.minimum_compression_size().map(|v| json!(v)),
    );
    put(
        "DisableExecuteApiEndpoint",
        Some(json!(api.disable_execute_api_endpoint())),
    );
    put(
        "Policy",
        // An API without a policy answers "" (AWS and moto alike): no policy, not drift.
        api.policy()
            .filter(|v| !v.is_empty())
            .map(|v| policy_value(v, desired.get("Policy"))),
    );
    if let Some(config) = api.endpoint_configuration() {
        let types: Vec<&str> = config.types().iter().map(|t| t.as_str()).collect();
        let mut live = json!({"Types": types});
        if !config.vpc_endpoint_ids().is_empty() {
            live["VpcEndpointIds"] = json!(config.vpc_endpoint_ids());
        }
        let shaped = match desired.get("EndpointConfiguration") {
            Some(d) => property::shape_like(&live, d),
            None => live,
        };
        put("EndpointConfiguration", Some(shaped));
    }
    if desired.contains_key("Tags") {
        put(
            "Tags",
            Some(property::tags_value(api.tags().into_iter().flatten())),
        );
    }
    p
}

/// Patch operations for the API's own settings (tags go through the tagging API).
fn settings_patch(
    live: &GetRestApiOutput,
    old: &Props,
    new: &Props,
) -> Result<Vec<aws_sdk_apigateway::types::PatchOperation>> {
    let mut ops = Vec::new();
    if property::changed(old, new, "Name") {
        ops.push(replace("/name", property::required(new, "Name")?));
    }
    if property::changed(old, new, "Description") {
        ops.push(replace(
            "/description",
            property::string(new, "Description").unwrap_or_default(),
        ));
    }
    if property::changed(old, new, "ApiKeySourceType") {
        ops.push(replace(
            "/apiKeySource",
            property::string(new, "ApiKeySourceType").unwrap_or("HEADER".into()),
        ));
    }
    if property::changed(old, new, "MinimumCompressionSize") {
        // An empty value turns compression off.
        ops.push(replace(
            "/minimumCompressionSize",
            property::string(new, "MinimumCompressionSize").unwrap_or_default(),
        ));
    }
    if property::changed(old, new, "DisableExecuteApiEndpoint") {
        let disabled = property::boolean(new, "DisableExecuteApiEndpoint")?.unwrap_or(false);
        ops.push(replace("/disableExecuteApiEndpoint", disabled.to_string()));
    }
    if property::changed(old, new, "Policy") {
        ops.push(replace(
            "/policy",
            property::document(new, "Policy").unwrap_or_default(),
        ));
    }
    if property::changed(old, new, "BinaryMediaTypes") {
        let wanted = property::strings(new, "BinaryMediaTypes")?;
        let current = live.binary_media_types();
        for t in current.iter().filter(|t| !wanted.contains(t)) {
            ops.push(patch(
                Op::Remove,
                format!("/binaryMediaTypes/{}", escape(t)),
                None,
            ));
        }
        for t in wanted.iter().filter(|t| !current.contains(t)) {
            ops.push(patch(
                Op::Add,
                format!("/binaryMediaTypes/{}", escape(t)),
                None,
            ));
        }
    }
    if property::changed(old, new, "EndpointConfiguration") {
        // The path names the type being replaced.
        let wanted = endpoint_configuration(new)?
            .and_then(|c| c.types().first().cloned())
            .unwrap_or(EndpointType::Edge);
        let current = live
            .endpoint_configuration()
            .and_then(|c| c.types().first().cloned())
            .unwrap_or(EndpointType::Edge);
        if wanted != current {
            ops.push(replace(
                format!("/endpointConfiguration/types/{}", current.as_str()),
                wanted.as_str(),
            ));
        }
    }
    Ok(ops)
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Policy",
    "Description",
    "MinimumCompressionSize",
    "DisableExecuteApiEndpoint",
    "BinaryMediaTypes",
    "Name",
    "ApiKeySourceType",
    "EndpointConfiguration",
    "Tags",
];

impl Resource for RestApi {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        if props.contains_key("Body") || props.contains_key("BodyS3Location") {
            return Err(ResourceError::invalid(
                "Body",
                "OpenAPI import is not supported; declare Resources and Methods",
            ));
        }
        let out = ctx
            .clients
            .apigateway()
            .create_rest_api()
            .name(property::required(props, "Name")?)
            .set_description(property::string(props, "Description"))
            .set_endpoint_configuration(endpoint_configuration(props)?)
            .set_binary_media_types(
                props
                    .contains_key("BinaryMediaTypes")
                    .then(|| property::strings(props, "BinaryMediaTypes"))
                    .transpose()?,
            )
            .set_api_key_source(
                property::string(props, "ApiKeySourceType")
                    .map(|s| ApiKeySourceType::from(s.as_str())),
            )
            .set_minimum_compression_size(property::integer(props, "MinimumCompressionSize")?)
            .set_policy(property::document(props, "Policy"))
            .set_disable_execute_api_endpoint(property::boolean(
                props,
                "DisableExecuteApiEndpoint",
            )?)
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateRestApi", e))?;
        let id = out.id().unwrap_or_default().to_string();
        let root = match out.root_resource_id() {
            Some(root) => Some(root.to_string()),
            None => root_resource_id(ctx, &id).await?,
        };
        Ok(Created {
            attributes: attributes(&id, root.as_deref()),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(api) = get(ctx, id).await? else {
            return Ok(None);
        };
        let root = match api.root_resource_id() {
            Some(root) => Some(root.to_string()),
            None => root_resource_id(ctx, id).await?,
        };
        Ok(Some(Live {
            properties: api_props(&api, desired),
            attributes: attributes(id, root.as_deref()),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let gateway = ctx.clients.apigateway();
        let live = get(ctx, id).await?.ok_or_else(|| {
            ResourceError::new("NotFoundException", format!("REST API {id} is gone"))
        })?;
        let ops = settings_patch(&live, old, new)?;
        if !ops.is_empty() {
            gateway
                .update_rest_api()
                .rest_api_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateRestApi", e))?;
        }
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            gateway
                .tag_resource()
                .resource_arn(arn(ctx, id))
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:TagResource", e))?;
        }
        if !removed.is_empty() {
            gateway
                .untag_resource()
                .resource_arn(arn(ctx, id))
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UntagResource", e))?;
        }
        let root = match live.root_resource_id() {
            Some(root) => Some(root.to_string()),
            None => root_resource_id(ctx, id).await?,
        };
        Ok(attributes(id, root.as_deref()))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match ctx
            .clients
            .apigateway()
            .delete_rest_api()
            .rest_api_id(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found!(e) => Ok(()),
            Err(e) => Err(sdk_error("apigateway:DeleteRestApi", e)),
        }
    }

    /// By the ownership tags (API names are not unique).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let mut pages = ctx
            .clients
            .apigateway()
            .get_rest_apis()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("apigateway:GetRestApis", e))?;
            if let Some(api) = page
                .items()
                .iter()
                .filter(|api| !api.id().is_some_and(|id| is_earlier_copy(props, id)))
                .find(|api| property::owned_by(ctx, api.tags().into_iter().flatten()))
            {
                return Ok(api.id().map(str::to_owned));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_live_policy_is_no_policy() {
        let api = GetRestApiOutput::builder().name("api").policy("").build();
        assert!(!api_props(&api, &Props::new()).contains_key("Policy"));
        let api = GetRestApiOutput::builder()
            .name("api")
            .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
            .build();
        assert!(api_props(&api, &Props::new()).contains_key("Policy"));
    }
}
