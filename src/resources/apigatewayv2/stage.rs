//! `AWS::ApiGatewayV2::Stage`: a named stage of an HTTP or WebSocket API (auto-deployed or
//! serving one deployment), with its route settings, variables, access logging and tags.
//! Physical id (`Ref`): the stage name.

use super::{map_value, not_found, put, retag, sent_once, some_text, string_map_if_set};
use crate::resources::property::{self, value};
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigatewayv2::operation::get_stage::GetStageOutput;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, LoggingLevel, RouteSettings};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub struct Stage;

const MANAGED: &[&str] = &[
    "AccessLogSettings",
    "ApiId",
    "AutoDeploy",
    "ClientCertificateId",
    "DefaultRouteSettings",
    "DeploymentId",
    "Description",
    "RouteSettings",
    "StageName",
    "StageVariables",
    "Tags",
];

fn arn(ctx: &Ctx, api: &str, stage: &str) -> String {
    format!("{}/stages/{stage}", super::api_arn(ctx, api))
}

/// One `RouteSettings` object (`property` names it in errors).
fn route_settings(v: &Value, property: &str) -> Result<RouteSettings> {
    let s = v
        .as_object()
        .ok_or_else(|| ResourceError::invalid(property, "must be an object"))?;
    let field = |k: &str| format!("{property}.{k}");
    Ok(RouteSettings::builder()
        .set_data_trace_enabled(value::boolean(
            s.get("DataTraceEnabled"),
            &field("DataTraceEnabled"),
        )?)
        .set_detailed_metrics_enabled(value::boolean(
            s.get("DetailedMetricsEnabled"),
            &field("DetailedMetricsEnabled"),
        )?)
        .set_logging_level(
            value::string(s.get("LoggingLevel"), &field("LoggingLevel"))?
                .map(|l| LoggingLevel::from(l.as_str())),
        )
        .set_throttling_burst_limit(value::integer(
            s.get("ThrottlingBurstLimit"),
            &field("ThrottlingBurstLimit"),
        )?)
        .set_throttling_rate_limit(
            value::string(s.get("ThrottlingRateLimit"), &field("ThrottlingRateLimit"))?
                .map(|r| {
                    r.parse::<f64>()
                        .map_err(|_| ResourceError::invalid(property, "rate must be a number"))
                })
                .transpose()?,
        )
        .build())
}

fn route_settings_value(s: &RouteSettings, desired: Option<&Value>) -> Value {
    let mut v = Props::new();
    put(
        &mut v,
        "DataTraceEnabled",
        s.data_trace_enabled().map(|b| json!(b)),
    );
    put(
        &mut v,
        "DetailedMetricsEnabled",
        s.detailed_metrics_enabled().map(|b| json!(b)),
    );
    put(
        &mut v,
        "LoggingLevel",
        s.logging_level().map(|l| json!(l.as_str())),
    );
    put(
        &mut v,
        "ThrottlingBurstLimit",
        s.throttling_burst_limit().map(|n| json!(n)),
    );
    put(
        &mut v,
        "ThrottlingRateLimit",
        s.throttling_rate_limit().map(property::number),
    );
    let live = Value::Object(v);
    match desired {
        Some(d) => property::shape_like(&live, d),
        None => live,
    }
}

fn default_route_settings(props: &Props) -> Result<Option<RouteSettings>> {
    props
        .get("DefaultRouteSettings")
        .map(|v| route_settings(v, "DefaultRouteSettings"))
        .transpose()
}

/// `RouteSettings`: settings by route key (`GET /pets`).
fn settings_by_route(props: &Props) -> Result<Option<HashMap<String, RouteSettings>>> {
    let Some(map) = property::object(props, "RouteSettings")? else {
        return Ok(None);
    };
    map.iter()
        .map(|(k, v)| Ok((k.clone(), route_settings(v, &format!("RouteSettings.{k}"))?)))
        .collect::<Result<HashMap<_, _>>>()
        .map(Some)
}

fn access_log_settings(props: &Props) -> Result<Option<AccessLogSettings>> {
    let Some(a) = property::object(props, "AccessLogSettings")? else {
        return Ok(None);
    };
    Ok(Some(
        AccessLogSettings::builder()
            .set_destination_arn(property::string(a, "DestinationArn"))
            .set_format(property::string(a, "Format"))
            .build(),
    ))
}

async fn get(ctx: &Ctx, api: &str, stage: &str) -> Result<Option<GetStageOutput>> {
    match ctx
        .clients
        .apigatewayv2()
        .get_stage()
        .api_id(api)
        .stage_name(stage)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigatewayv2:GetStage", e)),
    }
}

fn stage_props(api: &str, s: &GetStageOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    p.insert("ApiId".into(), json!(api));
    put(&mut p, "StageName", s.stage_name().map(|v| json!(v)));
    put(
        &mut p,
        "AutoDeploy",
        Some(json!(s.auto_deploy().unwrap_or(false))),
    );
    // An auto-deployed stage gets its deployment from API Gateway: read only when asked for.
    if desired.contains_key("DeploymentId") {
        put(&mut p, "DeploymentId", s.deployment_id().map(|v| json!(v)));
    }
    put(&mut p, "Description", some_text(s.description()));
    put(
        &mut p,
        "ClientCertificateId",
        some_text(s.client_certificate_id()),
    );
    if let Some(d) = desired.get("DefaultRouteSettings") {
        put(
            &mut p,
            "DefaultRouteSettings",
            s.default_route_settings()
                .map(|r| route_settings_value(r, Some(d))),
        );
    }
    let by_route: Map<String, Value> = s
        .route_settings()
        .into_iter()
        .flatten()
        .map(|(k, r)| {
            let d = desired.get("RouteSettings").and_then(|d| d.get(k));
            (k.clone(), route_settings_value(r, d))
        })
        .collect();
    if !by_route.is_empty() || desired.contains_key("RouteSettings") {
        p.insert("RouteSettings".into(), Value::Object(by_route));
    }
    put(
        &mut p,
        "StageVariables",
        map_value(s.stage_variables(), desired, "StageVariables"),
    );
    put(
        &mut p,
        "AccessLogSettings",
        s.access_log_settings().map(|a| {
            let live = json!({"DestinationArn": a.destination_arn(), "Format": a.format()});
            match desired.get("AccessLogSettings") {
                Some(d) => property::shape_like(&live, d),
                None => live,
            }
        }),
    );
    if desired.contains_key("Tags") {
        p.insert("Tags".into(), super::tags_value(s.tags()));
    }
    p
}

/// Route keys whose settings the template dropped (UpdateStage only adds and changes).
fn dropped_routes(old: &Props, new: &Props) -> Vec<String> {
    let keys = |p: &Props| -> Vec<String> {
        p.get("RouteSettings")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let kept = keys(new);
    keys(old)
        .into_iter()
        .filter(|k| !kept.contains(k))
        .collect()
}

/// Stage variables to send: the new ones, and the dropped ones as empty values (which
/// removes them).
fn variables_update(old: &Props, new: &Props) -> Result<HashMap<String, String>> {
    let mut sent = string_map_if_set(new, "StageVariables")?.unwrap_or_default();
    for (k, _) in property::string_map(old, "StageVariables")? {
        sent.entry(k).or_default();
    }
    Ok(sent)
}

impl Resource for Stage {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "StageName")?;
        ctx.clients
            .apigatewayv2()
            .create_stage()
            .api_id(property::required(props, "ApiId")?)
            .stage_name(&name)
            .set_auto_deploy(property::boolean(props, "AutoDeploy")?)
            .set_deployment_id(property::string(props, "DeploymentId"))
            .set_description(property::string(props, "Description"))
            .set_client_certificate_id(property::string(props, "ClientCertificateId"))
            .set_default_route_settings(default_route_settings(props)?)
            .set_route_settings(settings_by_route(props)?)
            .set_stage_variables(string_map_if_set(props, "StageVariables")?)
            .set_access_log_settings(access_log_settings(props)?)
            .set_tags(Some(super::tags_with_ownership(ctx, props)?))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:CreateStage", e))?;
        Ok(Created {
            physical_id: name,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "ApiId")?;
        Ok(get(ctx, &api, name).await?.map(|s| Live {
            properties: stage_props(&api, &s, desired),
            attributes: Attributes::new(),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let api = property::required(new, "ApiId")?;
        let changed = |k: &str| property::changed(old, new, k);
        let gateway = ctx.clients.apigatewayv2();
        if changed("AccessLogSettings") && !new.contains_key("AccessLogSettings") {
            gateway
                .delete_access_log_settings()
                .api_id(&api)
                .stage_name(name)
                .send()
                .await
                .map_err(|e| sdk_error("apigatewayv2:DeleteAccessLogSettings", e))?;
        }
        for route in dropped_routes(old, new) {
            property::deleted(
                "apigatewayv2:DeleteRouteSettings",
                gateway
                    .delete_route_settings()
                    .api_id(&api)
                    .stage_name(name)
                    .route_key(route)
                    .send()
                    .await,
                |s| s.is_not_found_exception(),
            )?;
        }
        let fields = [
            "AutoDeploy",
            "DeploymentId",
            "Description",
            "ClientCertificateId",
            "DefaultRouteSettings",
            "RouteSettings",
            "StageVariables",
            "AccessLogSettings",
        ];
        if fields.iter().any(|k| changed(k)) {
            let text = |k: &str| changed(k).then(|| property::string(new, k).unwrap_or_default());
            let auto_deploy = match changed("AutoDeploy") {
                true => Some(property::boolean(new, "AutoDeploy")?.unwrap_or(false)),
                false => None,
            };
            let defaults = match changed("DefaultRouteSettings") {
                // Dropped settings go back to API Gateway's defaults.
                true => Some(
                    default_route_settings(new)?
                        .unwrap_or_else(|| RouteSettings::builder().build()),
                ),
                false => None,
            };
            gateway
                .update_stage()
                .api_id(&api)
                .stage_name(name)
                .set_auto_deploy(auto_deploy)
                .set_deployment_id(
                    property::string(new, "DeploymentId").filter(|_| changed("DeploymentId")),
                )
                .set_description(text("Description"))
                .set_client_certificate_id(text("ClientCertificateId"))
                .set_default_route_settings(defaults)
                .set_route_settings(settings_by_route(new)?.filter(|_| changed("RouteSettings")))
                .set_stage_variables(
                    changed("StageVariables")
                        .then(|| variables_update(old, new))
                        .transpose()?,
                )
                .set_access_log_settings(
                    access_log_settings(new)?.filter(|_| changed("AccessLogSettings")),
                )
                .send()
                .await
                .map_err(|e| sdk_error("apigatewayv2:UpdateStage", e))?;
        }
        retag(ctx, &arn(ctx, &api, name), old, new).await?;
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, name: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "ApiId")?;
        property::deleted(
            "apigatewayv2:DeleteStage",
            ctx.clients
                .apigatewayv2()
                .delete_stage()
                .api_id(api)
                .stage_name(name)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// By its name (unique within the API).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let api = property::required(props, "ApiId")?;
        let name = property::required(props, "StageName")?;
        Ok(get(ctx, &api, &name).await?.map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn route_settings_read_back_in_the_template_shape() {
        let desired = json!({"ThrottlingBurstLimit": "10", "ThrottlingRateLimit": 5});
        let sent = route_settings(&desired, "DefaultRouteSettings").unwrap();
        assert_eq!(sent.throttling_rate_limit(), Some(5.0));
        assert_eq!(
            route_settings_value(&sent, Some(&desired)),
            json!({"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5})
        );
    }

    #[test]
    fn dropped_variables_are_sent_empty_and_dropped_routes_listed() {
        let old = props(json!({"StageVariables": {"a": "1", "b": "2"},
            "RouteSettings": {"GET /a": {}, "GET /b": {}}}));
        let new = props(json!({"StageVariables": {"a": "9"}, "RouteSettings": {"GET /a": {}}}));
        let sent = variables_update(&old, &new).unwrap();
        assert_eq!(sent["a"], "9");
        assert_eq!(sent["b"], "");
        assert_eq!(dropped_routes(&old, &new), vec!["GET /b".to_string()]);
    }
}
