//! `AWS::ApiGateway::BasePathMapping`: serves a stage of a REST API under a path of a custom
//! domain. Physical id: `<domain>/<base path>`, `(none)` for the domain's root as API Gateway
//! writes it.

use super::{not_found, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigateway::operation::get_base_path_mapping::GetBasePathMappingOutput;
use serde_json::json;

pub struct BasePathMapping;

const MANAGED: &[&str] = &["DomainName", "RestApiId", "Stage", "BasePath"];

/// API Gateway's name for the empty base path.
const ROOT: &str = "(none)";

fn base_path(props: &Props) -> String {
    property::string(props, "BasePath")
        .filter(|p| !p.is_empty())
        .unwrap_or(ROOT.into())
}

fn split(id: &str) -> Result<(&str, &str)> {
    id.split_once('/').ok_or_else(|| {
        ResourceError::new(
            "InvalidPhysicalId",
            format!("`{id}` is not <domain>/<base path>"),
        )
    })
}

async fn get(ctx: &Ctx, id: &str) -> Result<Option<GetBasePathMappingOutput>> {
    let (domain, path) = split(id)?;
    match ctx
        .clients
        .apigateway()
        .get_base_path_mapping()
        .domain_name(domain)
        .base_path(path)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetBasePathMapping", e)),
    }
}

impl Resource for BasePathMapping {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let domain = property::required(props, "DomainName")?;
        let out = ctx
            .clients
            .apigateway()
            .create_base_path_mapping()
            .domain_name(&domain)
            .rest_api_id(property::required(props, "RestApiId")?)
            .set_stage(property::string(props, "Stage"))
            .set_base_path(property::string(props, "BasePath").filter(|p| !p.is_empty()))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateBasePathMapping", e))?;
        let path = out
            .base_path()
            .map(str::to_string)
            .unwrap_or(base_path(props));
        Ok(Created {
            physical_id: format!("{domain}/{path}"),
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(out) = get(ctx, id).await? else {
            return Ok(None);
        };
        let (domain, _) = split(id)?;
        let mut p = Props::new();
        p.insert("DomainName".into(), json!(domain));
        p.insert("RestApiId".into(), json!(out.rest_api_id()));
        if let Some(stage) = out.stage() {
            p.insert("Stage".into(), json!(stage));
        }
        if let Some(path) = desired.get("BasePath") {
            // The template's spelling of the root ("" or absent) against API Gateway's "(none)".
            let same = base_path(desired) == out.base_path().unwrap_or(ROOT);
            let live = out.base_path().unwrap_or(ROOT);
            p.insert(
                "BasePath".into(),
                if same { path.clone() } else { json!(live) },
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let mut ops = Vec::new();
        if property::changed(old, new, "RestApiId") {
            ops.push(replace("/restapiId", property::required(new, "RestApiId")?));
        }
        if property::changed(old, new, "Stage") {
            ops.push(replace(
                "/stage",
                property::string(new, "Stage").unwrap_or_default(),
            ));
        }
        if !ops.is_empty() {
            let (domain, path) = split(id)?;
            ctx.clients
                .apigateway()
                .update_base_path_mapping()
                .domain_name(domain)
                .base_path(path)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateBasePathMapping", e))?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let (domain, path) = split(id)?;
        property::deleted(
            "apigateway:DeleteBasePathMapping",
            ctx.clients
                .apigateway()
                .delete_base_path_mapping()
                .domain_name(domain)
                .base_path(path)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// A domain has one mapping per base path: the mapping at this path is it.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(domain) = property::string(props, "DomainName") else {
            return Ok(None);
        };
        let id = format!("{domain}/{}", base_path(props));
        Ok(get(ctx, &id).await?.map(|_| id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_path_is_none_and_ids_split_at_the_first_slash() {
        assert_eq!(base_path(&Props::new()), "(none)");
        let p = json!({"BasePath": "v1"});
        assert_eq!(base_path(p.as_object().unwrap()), "v1");
        assert_eq!(
            split("api.example.com/v1").unwrap(),
            ("api.example.com", "v1")
        );
        assert!(split("nothing").is_err());
    }
}
