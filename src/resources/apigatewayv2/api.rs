//! `AWS::ApiGatewayV2::Api`: an HTTP or WebSocket API with its CORS settings and tags; quick
//! create (`Target`, `RouteKey`, `CredentialsArn`) is passed on. No OpenAPI import: `Body`,
//! `BodyS3Location`, `BasePath` and `FailOnWarnings` are not managed. Physical id (`Ref`): the
//! API id.

use super::{api_arn, not_found, put, retag, sent_once, some_text, tags_value};
use crate::resources::property::{self, value};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use crate::resources::{is_earlier_copy, sdk_error};
use aws_sdk_apigatewayv2::operation::get_api::GetApiOutput;
use aws_sdk_apigatewayv2::types::{Cors, ProtocolType};
use serde_json::{Value, json};

pub struct Api;

const MANAGED: &[&str] = &[
    "ApiKeySelectionExpression",
    "CorsConfiguration",
    "CredentialsArn",
    "Description",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "Name",
    "ProtocolType",
    "RouteKey",
    "RouteSelectionExpression",
    "Tags",
    "Target",
    "Version",
];

fn attributes(id: &str, endpoint: Option<&str>) -> Attributes {
    let mut a = Attributes::from([("ApiId".to_string(), json!(id))]);
    if let Some(endpoint) = endpoint {
        a.insert("ApiEndpoint".into(), json!(endpoint));
    }
    a
}

fn cors(props: &Props) -> Result<Option<Cors>> {
    let Some(c) = property::object(props, "CorsConfiguration")? else {
        return Ok(None);
    };
    let list = |key: &str| -> Result<Option<Vec<String>>> {
        c.get(key)
            .map(|v| value::strings(Some(v), &format!("CorsConfiguration.{key}")))
            .transpose()
    };
    Ok(Some(
        Cors::builder()
            .set_allow_credentials(value::boolean(
                c.get("AllowCredentials"),
                "CorsConfiguration.AllowCredentials",
            )?)
            .set_allow_headers(list("AllowHeaders")?)
            .set_allow_methods(list("AllowMethods")?)
            .set_allow_origins(list("AllowOrigins")?)
            .set_expose_headers(list("ExposeHeaders")?)
            .set_max_age(value::integer(c.get("MaxAge"), "CorsConfiguration.MaxAge")?)
            .build(),
    ))
}

/// Live CORS settings in the template's shape (only what is set).
fn cors_value(c: &Cors, desired: Option<&Value>) -> Value {
    let mut v = Props::new();
    put(
        &mut v,
        "AllowCredentials",
        c.allow_credentials().map(|b| json!(b)),
    );
    put(
        &mut v,
        "AllowHeaders",
        c.allow_headers.as_ref().map(|l| json!(l)),
    );
    put(
        &mut v,
        "AllowMethods",
        c.allow_methods.as_ref().map(|l| json!(l)),
    );
    put(
        &mut v,
        "AllowOrigins",
        c.allow_origins.as_ref().map(|l| json!(l)),
    );
    put(
        &mut v,
        "ExposeHeaders",
        c.expose_headers.as_ref().map(|l| json!(l)),
    );
    put(&mut v, "MaxAge", c.max_age().map(|n| json!(n)));
    let live = Value::Object(v);
    match desired {
        Some(d) => property::shape_like(&live, d),
        None => live,
    }
}

async fn get(ctx: &Ctx, id: &str) -> Result<Option<GetApiOutput>> {
    match ctx.clients.apigatewayv2().get_api().api_id(id).send().await {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigatewayv2:GetApi", e)),
    }
}

fn api_props(api: &GetApiOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    put(&mut p, "Name", api.name().map(|v| json!(v)));
    put(
        &mut p,
        "ProtocolType",
        api.protocol_type().map(|t| json!(t.as_str())),
    );
    put(&mut p, "Description", some_text(api.description()));
    put(&mut p, "Version", some_text(api.version()));
    put(
        &mut p,
        "RouteSelectionExpression",
        some_text(api.route_selection_expression()),
    );
    put(
        &mut p,
        "ApiKeySelectionExpression",
        some_text(api.api_key_selection_expression()),
    );
    put(
        &mut p,
        "DisableExecuteApiEndpoint",
        Some(json!(api.disable_execute_api_endpoint().unwrap_or(false))),
    );
    put(
        &mut p,
        "DisableSchemaValidation",
        api.disable_schema_validation().map(|b| json!(b)),
    );
    put(
        &mut p,
        "CorsConfiguration",
        api.cors_configuration()
            .map(|c| cors_value(c, desired.get("CorsConfiguration"))),
    );
    if desired.contains_key("Tags") {
        p.insert("Tags".into(), tags_value(api.tags()));
    }
    p
}

/// Quick create's properties: write-only (never read back), sent as the template has them.
fn quick_create(props: &Props) -> [Option<String>; 3] {
    ["Target", "RouteKey", "CredentialsArn"].map(|k| property::string(props, k))
}

impl Resource for Api {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let [target, route_key, credentials] = quick_create(props);
        let out = ctx
            .clients
            .apigatewayv2()
            .create_api()
            .name(property::required(props, "Name")?)
            .protocol_type(ProtocolType::from(
                property::required(props, "ProtocolType")?.as_str(),
            ))
            .set_description(property::string(props, "Description"))
            .set_version(property::string(props, "Version"))
            .set_cors_configuration(cors(props)?)
            .set_route_selection_expression(property::string(props, "RouteSelectionExpression"))
            .set_api_key_selection_expression(property::string(props, "ApiKeySelectionExpression"))
            .set_disable_execute_api_endpoint(property::boolean(
                props,
                "DisableExecuteApiEndpoint",
            )?)
            .set_disable_schema_validation(property::boolean(props, "DisableSchemaValidation")?)
            .set_target(target)
            .set_route_key(route_key)
            .set_credentials_arn(credentials)
            .set_tags(Some(super::tags_with_ownership(ctx, props)?))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:CreateApi", e))?;
        let id = out.api_id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id, out.api_endpoint()),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        Ok(get(ctx, id).await?.map(|api| Live {
            properties: api_props(&api, desired),
            attributes: attributes(id, api.api_endpoint()),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let changed = |k: &str| property::changed(old, new, k);
        let gateway = ctx.clients.apigatewayv2();
        if changed("CorsConfiguration") && !new.contains_key("CorsConfiguration") {
            gateway
                .delete_cors_configuration()
                .api_id(id)
                .send()
                .await
                .map_err(|e| sdk_error("apigatewayv2:DeleteCorsConfiguration", e))?;
        }
        // Only what changed is sent; a dropped text setting is sent empty, a flag as false.
        let text = |k: &str| changed(k).then(|| property::string(new, k).unwrap_or_default());
        let flag = |k: &str| -> Result<Option<bool>> {
            Ok(match changed(k) {
                true => Some(property::boolean(new, k)?.unwrap_or(false)),
                false => None,
            })
        };
        let settings = [
            "Name",
            "Description",
            "Version",
            "RouteSelectionExpression",
            "ApiKeySelectionExpression",
            "Target",
            "RouteKey",
            "CredentialsArn",
            "DisableExecuteApiEndpoint",
            "DisableSchemaValidation",
        ];
        let cors_changed = changed("CorsConfiguration") && new.contains_key("CorsConfiguration");
        if cors_changed || settings.iter().any(|k| changed(k)) {
            let name = match changed("Name") {
                true => Some(property::required(new, "Name")?),
                false => None,
            };
            let route_selection = property::string(new, "RouteSelectionExpression")
                .filter(|_| changed("RouteSelectionExpression"));
            gateway
                .update_api()
                .api_id(id)
                .set_name(name)
                .set_description(text("Description"))
                .set_version(text("Version"))
                .set_route_selection_expression(route_selection)
                .set_api_key_selection_expression(
                    property::string(new, "ApiKeySelectionExpression")
                        .filter(|_| changed("ApiKeySelectionExpression")),
                )
                .set_target(property::string(new, "Target").filter(|_| changed("Target")))
                .set_route_key(property::string(new, "RouteKey").filter(|_| changed("RouteKey")))
                .set_credentials_arn(text("CredentialsArn"))
                .set_disable_execute_api_endpoint(flag("DisableExecuteApiEndpoint")?)
                .set_disable_schema_validation(flag("DisableSchemaValidation")?)
                .set_cors_configuration(if cors_changed { cors(new)? } else { None })
                .send()
                .await
                .map_err(|e| sdk_error("apigatewayv2:UpdateApi", e))?;
        }
        retag(ctx, &api_arn(ctx, id), old, new).await?;
        let api = get(ctx, id).await?.ok_or_else(|| {
            ResourceError::new("NotFoundException", format!("HTTP API {id} is gone"))
        })?;
        Ok(attributes(id, api.api_endpoint()))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "apigatewayv2:DeleteApi",
            ctx.clients
                .apigatewayv2()
                .delete_api()
                .api_id(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// By the ownership tags (API names are not unique).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let mut token = None;
        loop {
            let page = ctx
                .clients
                .apigatewayv2()
                .get_apis()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| sdk_error("apigatewayv2:GetApis", e))?;
            if let Some(api) = page
                .items()
                .iter()
                .filter(|api| !api.api_id().is_some_and(|id| is_earlier_copy(props, id)))
                .find(|api| property::owned_by(ctx, api.tags().into_iter().flatten()))
            {
                return Ok(api.api_id().map(str::to_owned));
            }
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_reads_back_in_the_template_shape() {
        let p = json!({"CorsConfiguration": {"AllowOrigins": ["*"], "MaxAge": "300"}});
        let sent = cors(p.as_object().unwrap()).unwrap().unwrap();
        assert_eq!(sent.max_age(), Some(300));
        let live = cors_value(&sent, p.get("CorsConfiguration"));
        assert_eq!(live, json!({"AllowOrigins": ["*"], "MaxAge": 300}));
    }
}
