//! `AWS::ApiGatewayV2::Route`: a route key (`GET /pets`, `$default`) of an API, its target
//! (`integrations/<id>`) and its authorization. Physical id (`Ref`): the route id.

use super::{find_child, map_value, not_found, put, sent_once, some_text, string_map_if_set};
use crate::resources::property::{self, value};
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_apigatewayv2::operation::get_route::GetRouteOutput;
use aws_sdk_apigatewayv2::types::{AuthorizationType, ParameterConstraints};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub struct Route;

const MANAGED: &[&str] = &[
    "ApiId",
    "ApiKeyRequired",
    "AuthorizationScopes",
    "AuthorizationType",
    "AuthorizerId",
    "ModelSelectionExpression",
    "OperationName",
    "RequestModels",
    "RequestParameters",
    "RouteKey",
    "RouteResponseSelectionExpression",
    "Target",
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("RouteId".to_string(), json!(id))])
}

/// `RequestParameters`: `{"route.request.querystring.id": {"Required": true}}`.
fn request_parameters(props: &Props) -> Result<Option<HashMap<String, ParameterConstraints>>> {
    let Some(map) = property::object(props, "RequestParameters")? else {
        return Ok(None);
    };
    map.iter()
        .map(|(k, v)| {
            let required = value::boolean(v.get("Required"), &format!("RequestParameters.{k}"))?;
            Ok((
                k.clone(),
                ParameterConstraints::builder()
                    .required(required.unwrap_or(false))
                    .build(),
            ))
        })
        .collect::<Result<HashMap<_, _>>>()
        .map(Some)
}

fn authorization_type(props: &Props) -> Option<AuthorizationType> {
    property::string(props, "AuthorizationType").map(|t| AuthorizationType::from(t.as_str()))
}

async fn get(ctx: &Ctx, api: &str, id: &str) -> Result<Option<GetRouteOutput>> {
    match ctx
        .clients
        .apigatewayv2()
        .get_route()
        .api_id(api)
        .route_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigatewayv2:GetRoute", e)),
    }
}

fn route_props(api: &str, r: &GetRouteOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    p.insert("ApiId".into(), json!(api));
    put(&mut p, "RouteKey", r.route_key().map(|v| json!(v)));
    put(&mut p, "Target", some_text(r.target()));
    put(
        &mut p,
        "AuthorizationType",
        Some(json!(r.authorization_type().map_or("NONE", |t| t.as_str()))),
    );
    put(&mut p, "AuthorizerId", some_text(r.authorizer_id()));
    put(
        &mut p,
        "ApiKeyRequired",
        Some(json!(r.api_key_required().unwrap_or(false))),
    );
    if !r.authorization_scopes().is_empty() || desired.contains_key("AuthorizationScopes") {
        p.insert(
            "AuthorizationScopes".into(),
            json!(r.authorization_scopes()),
        );
    }
    put(&mut p, "OperationName", some_text(r.operation_name()));
    put(
        &mut p,
        "ModelSelectionExpression",
        some_text(r.model_selection_expression()),
    );
    put(
        &mut p,
        "RouteResponseSelectionExpression",
        some_text(r.route_response_selection_expression()),
    );
    put(
        &mut p,
        "RequestModels",
        map_value(r.request_models(), desired, "RequestModels"),
    );
    let parameters: Map<String, Value> = r
        .request_parameters()
        .into_iter()
        .flatten()
        .map(|(k, c)| {
            (
                k.clone(),
                json!({"Required": c.required().unwrap_or(false)}),
            )
        })
        .collect();
    if !parameters.is_empty() || desired.contains_key("RequestParameters") {
        p.insert("RequestParameters".into(), Value::Object(parameters));
    }
    p
}

impl Resource for Route {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .apigatewayv2()
            .create_route()
            .api_id(property::required(props, "ApiId")?)
            .route_key(property::required(props, "RouteKey")?)
            .set_target(property::string(props, "Target"))
            .set_authorization_type(authorization_type(props))
            .set_authorizer_id(property::string(props, "AuthorizerId"))
            .set_api_key_required(property::boolean(props, "ApiKeyRequired")?)
            .set_authorization_scopes(property::strings_if_set(props, "AuthorizationScopes")?)
            .set_operation_name(property::string(props, "OperationName"))
            .set_model_selection_expression(property::string(props, "ModelSelectionExpression"))
            .set_route_response_selection_expression(property::string(
                props,
                "RouteResponseSelectionExpression",
            ))
            .set_request_models(string_map_if_set(props, "RequestModels")?)
            .set_request_parameters(request_parameters(props)?)
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:CreateRoute", e))?;
        let id = out.route_id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "ApiId")?;
        Ok(get(ctx, &api, id).await?.map(|r| Live {
            properties: route_props(&api, &r, desired),
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let api = property::required(new, "ApiId")?;
        let changed = |k: &str| property::changed(old, new, k);
        if !MANAGED.iter().any(|k| changed(k)) {
            return Ok(attributes(id));
        }
        // A dropped text setting is sent empty (which clears it), a dropped flag as false.
        let text = |k: &str| changed(k).then(|| property::string(new, k).unwrap_or_default());
        let authorization = match changed("AuthorizationType") {
            true => Some(authorization_type(new).unwrap_or(AuthorizationType::None)),
            false => None,
        };
        let key_required = match changed("ApiKeyRequired") {
            true => Some(property::boolean(new, "ApiKeyRequired")?.unwrap_or(false)),
            false => None,
        };
        ctx.clients
            .apigatewayv2()
            .update_route()
            .api_id(&api)
            .route_id(id)
            .set_route_key(
                changed("RouteKey")
                    .then(|| property::required(new, "RouteKey"))
                    .transpose()?,
            )
            .set_target(text("Target"))
            .set_authorization_type(authorization)
            .set_authorizer_id(text("AuthorizerId"))
            .set_api_key_required(key_required)
            .set_authorization_scopes(
                changed("AuthorizationScopes")
                    .then(|| property::strings(new, "AuthorizationScopes"))
                    .transpose()?,
            )
            .set_operation_name(text("OperationName"))
            .set_model_selection_expression(text("ModelSelectionExpression"))
            .set_route_response_selection_expression(text("RouteResponseSelectionExpression"))
            .set_request_models(
                string_map_if_set(new, "RequestModels")?.filter(|_| changed("RequestModels")),
            )
            .set_request_parameters(
                request_parameters(new)?.filter(|_| changed("RequestParameters")),
            )
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:UpdateRoute", e))?;
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "ApiId")?;
        property::deleted(
            "apigatewayv2:DeleteRoute",
            ctx.clients
                .apigatewayv2()
                .delete_route()
                .api_id(api)
                .route_id(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// By its route key (unique within the API).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let key = property::required(props, "RouteKey")?;
        Ok(find_child!(
            ctx,
            props,
            get_routes,
            "apigatewayv2:GetRoutes",
            route_id,
            |r| r.route_key() == Some(key.as_str())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_parameters_take_their_required_flag() {
        let p = json!({"RequestParameters": {"route.request.header.x": {"Required": "true"}}});
        let sent = request_parameters(p.as_object().unwrap()).unwrap().unwrap();
        assert_eq!(sent["route.request.header.x"].required(), Some(true));
    }
}
