//! `AWS::ApiGateway::GatewayResponse`: the customized answer API Gateway gives for one
//! response type (`DEFAULT_4XX`, `UNAUTHORIZED`, ...) of a REST API. Physical id (and `Ref`;
//! CloudFormation documents none): `<rest api id>:<response type>`.
//!
//! `PutGatewayResponse` replaces the whole customization, so it is both create and update (and
//! safe to repeat). Deleting resets the type to API Gateway's default, which `GetGatewayResponse`
//! still answers with `defaultResponse: true`: that counts as gone.

use super::not_found;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigateway::operation::get_gateway_response::GetGatewayResponseOutput;
use aws_sdk_apigateway::types::GatewayResponseType;
use serde_json::json;

pub struct GatewayResponse;

const MANAGED: &[&str] = &[
    "ResponseParameters",
    "ResponseTemplates",
    "ResponseType",
    "RestApiId",
    "StatusCode",
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(id))])
}

fn split(id: &str) -> Result<(&str, &str)> {
    id.split_once(':').ok_or_else(|| {
        ResourceError::new(
            "InvalidPhysicalId",
            format!("`{id}` is not <rest api id>:<response type>"),
        )
    })
}

/// The customized response, `None` when the type has API Gateway's default.
async fn get(ctx: &Ctx, api: &str, kind: &str) -> Result<Option<GetGatewayResponseOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_gateway_response()
        .rest_api_id(api)
        .response_type(GatewayResponseType::from(kind))
        .send()
        .await
    {
        Ok(out) if out.default_response() => Ok(None),
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetGatewayResponse", e)),
    }
}

async fn put(ctx: &Ctx, props: &Props) -> Result<String> {
    let api = property::required(props, "RestApiId")?;
    let kind = property::required(props, "ResponseType")?;
    let map = |key: &str| -> Result<Option<std::collections::HashMap<String, String>>> {
        Ok(props
            .contains_key(key)
            .then(|| property::string_map(props, key))
            .transpose()?
            .map(|m| m.into_iter().collect()))
    };
    ctx.clients
        .apigateway()
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::from(kind.as_str()))
        .set_status_code(property::string(props, "StatusCode"))
        .set_response_parameters(map("ResponseParameters")?)
        .set_response_templates(map("ResponseTemplates")?)
        .send()
        .await
        .map_err(|e| sdk_error("apigateway:PutGatewayResponse", e))?;
    Ok(format!("{api}:{kind}"))
}

impl Resource for GatewayResponse {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let id = put(ctx, props).await?;
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let (api, kind) = split(id)?;
        let Some(out) = get(ctx, api, kind).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("RestApiId".into(), json!(api));
        p.insert("ResponseType".into(), json!(kind));
        if let Some(code) = out.status_code() {
            p.insert("StatusCode".into(), json!(code));
        }
        let maps = [
            ("ResponseParameters", out.response_parameters()),
            ("ResponseTemplates", out.response_templates()),
        ];
        for (key, live) in maps {
            let live = live.filter(|m| !m.is_empty());
            if live.is_some() || desired.contains_key(key) {
                p.insert(
                    key.into(),
                    super::string_map_value(live).unwrap_or(json!({})),
                );
            }
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, _old: &Props, new: &Props) -> Result<Attributes> {
        put(ctx, new).await?;
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let (api, kind) = split(id)?;
        property::deleted(
            "apigateway:DeleteGatewayResponse",
            ctx.clients
                .apigateway()
                .delete_gateway_response()
                .rest_api_id(api)
                .response_type(GatewayResponseType::from(kind))
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// An API has one response per type: a customized one of this type is it.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(api), Some(kind)) = (
            property::string(props, "RestApiId"),
            property::string(props, "ResponseType"),
        ) else {
            return Ok(None);
        };
        Ok(get(ctx, &api, &kind)
            .await?
            .map(|_| format!("{api}:{kind}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_api_then_response_type() {
        assert_eq!(split("a1:DEFAULT_4XX").unwrap(), ("a1", "DEFAULT_4XX"));
        assert!(split("a1").is_err());
    }
}
