//! `AWS::ApiGateway::Resource`: one path segment of an API. Every property is create-only.
//! Physical id: the resource id.

use super::not_found;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use serde_json::json;

pub struct PathResource;

fn attributes(id: &str) -> Attributes {
    Attributes::from([("ResourceId".to_string(), json!(id))])
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["ParentId", "PathPart", "RestApiId"];

impl Resource for PathResource {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .apigateway()
            .create_resource()
            .rest_api_id(property::required(props, "RestApiId")?)
            .parent_id(property::required(props, "ParentId")?)
            .path_part(property::required(props, "PathPart")?)
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateResource", e))?;
        let id = out.id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "RestApiId")?;
        let out = match ctx
            .clients
            .apigateway()
            .get_resource()
            .rest_api_id(&api)
            .resource_id(physical_id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if not_found!(e) => return Ok(None),
            Err(e) => return Err(sdk_error("apigateway:GetResource", e)),
        };
        let mut p = Props::new();
        p.insert("RestApiId".into(), json!(api));
        if let Some(parent) = out.parent_id() {
            p.insert("ParentId".into(), json!(parent));
        }
        if let Some(part) = out.path_part() {
            p.insert("PathPart".into(), json!(part));
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(physical_id),
        }))
    }

    async fn update(
        &self,
        _ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        _new: &Props,
    ) -> Result<Attributes> {
        // Every property is create-only: a change is a replacement.
        Ok(attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "RestApiId")?;
        match ctx
            .clients
            .apigateway()
            .delete_resource()
            .rest_api_id(api)
            .resource_id(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found!(e) => Ok(()),
            Err(e) => Err(sdk_error("apigateway:DeleteResource", e)),
        }
    }

    /// The resource with this parent and path part (a path is unique within an API).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let api = property::required(props, "RestApiId")?;
        let parent = property::required(props, "ParentId")?;
        let part = property::required(props, "PathPart")?;
        let mut pages = ctx
            .clients
            .apigateway()
            .get_resources()
            .rest_api_id(api)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(page) => page,
                Err(e) if not_found!(e) => return Ok(None),
                Err(e) => return Err(sdk_error("apigateway:GetResources", e)),
            };
            if let Some(r) = page.items().iter().find(|r| {
                r.parent_id() == Some(parent.as_str()) && r.path_part() == Some(part.as_str())
            }) {
                return Ok(r.id().map(str::to_owned));
            }
        }
        Ok(None)
    }
}
