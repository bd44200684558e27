//! `AWS::ApiGateway::Method`: a method on a resource with its integration, method responses and
//! integration responses. Physical id: `<rest api id>|<resource id>|<HTTP METHOD>` (the method
//! has no id of its own; these three are its create-only identity).

use super::{map_patch, not_found, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, text,
};
use aws_sdk_apigateway::operation::get_method::GetMethodOutput;
use aws_sdk_apigateway::types::{ContentHandlingStrategy, Integration, IntegrationType, Op};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub struct Method;

/// The method's place: (rest api id, resource id, HTTP method).
struct Key {
    api: String,
    resource: String,
    method: String,
}

impl Key {
    fn from_props(props: &Props) -> Result<Key> {
        Ok(Key {
            api: property::required(props, "RestApiId")?,
            resource: property::required(props, "ResourceId")?,
            method: property::required(props, "HttpMethod")?.to_uppercase(),
        })
    }

    fn parse(physical_id: &str) -> Result<Key> {
        let mut parts = physical_id.splitn(3, '|');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(api), Some(resource), Some(method)) => Ok(Key {
                api: api.into(),
                resource: resource.into(),
                method: method.into(),
            }),
            _ => Err(ResourceError::new(
                "InvalidPhysicalId",
                format!("`{physical_id}` is not <rest api id>|<resource id>|<method>"),
            )),
        }
    }

    fn physical_id(&self) -> String {
        format!("{}|{}|{}", self.api, self.resource, self.method)
    }
}

fn bool_map(value: Option<&Value>, key: &str) -> Result<Option<HashMap<String, bool>>> {
    let Some(value) = value else { return Ok(None) };
    let map = value
        .as_object()
        .ok_or_else(|| ResourceError::invalid(key, "must be a map"))?;
    map.iter()
        .map(|(k, v)| match text(v).as_deref() {
            Some("true") => Ok((k.clone(), true)),
            Some("false") => Ok((k.clone(), false)),
            _ => Err(ResourceError::invalid(key, "values must be true or false")),
        })
        .collect::<Result<_>>()
        .map(Some)
}

fn string_map(value: Option<&Value>) -> Option<HashMap<String, String>> {
    value.and_then(Value::as_object).map(|m| {
        m.iter()
            .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
            .collect()
    })
}

fn entries(props: &Props, key: &str) -> Result<Vec<Map<String, Value>>> {
    match props.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_object()
                    .cloned()
                    .ok_or_else(|| ResourceError::invalid(key, "entries must be objects"))
            })
            .collect(),
        Some(_) => Err(ResourceError::invalid(key, "must be a list")),
    }
}

fn status_code(entry: &Map<String, Value>, key: &str) -> Result<String> {
    property::required(entry, "StatusCode")
        .map_err(|_| ResourceError::invalid(key, "each entry needs a StatusCode"))
}

async fn put_method(ctx: &Ctx, key: &Key, props: &Props) -> Result<()> {
    ctx.clients
        .apigateway()
        .put_method()
        .rest_api_id(&key.api)
        .resource_id(&key.resource)
        .http_method(&key.method)
        .authorization_type(property::string(props, "AuthorizationType").unwrap_or("NONE".into()))
        .set_authorizer_id(property::string(props, "AuthorizerId"))
        .set_api_key_required(property::boolean(props, "ApiKeyRequired")?)
        .set_operation_name(property::string(props, "OperationName"))
        .set_request_parameters(bool_map(
            props.get("RequestParameters"),
            "RequestParameters",
        )?)
        .set_request_models(string_map(props.get("RequestModels")))
        .set_request_validator_id(property::string(props, "RequestValidatorId"))
        .set_authorization_scopes(
            props
                .contains_key("AuthorizationScopes")
                .then(|| property::strings(props, "AuthorizationScopes"))
                .transpose()?,
        )
        .send()
        .await
        .map_err(|e| sdk_error("apigateway:PutMethod", e))?;
    Ok(())
}

async fn put_method_response(ctx: &Ctx, key: &Key, response: &Map<String, Value>) -> Result<()> {
    ctx.clients
        .apigateway()
        .put_method_response()
        .rest_api_id(&key.api)
        .resource_id(&key.resource)
        .http_method(&key.method)
        .status_code(status_code(response, "MethodResponses")?)
        .set_response_parameters(bool_map(
            response.get("ResponseParameters"),
            "MethodResponses.ResponseParameters",
        )?)
        .set_response_models(string_map(response.get("ResponseModels")))
        .send()
        .await
        .map_err(|e| sdk_error("apigateway:PutMethodResponse", e))?;
    Ok(())
}

async fn delete_method_response(ctx: &Ctx, key: &Key, status: &str) -> Result<()> {
    match ctx
        .clients
        .apigateway()
        .delete_method_response()
        .rest_api_id(&key.api)
        .resource_id(&key.resource)
        .http_method(&key.method)
        .status_code(status)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if not_found!(e) => Ok(()),
        Err(e) => Err(sdk_error("apigateway:DeleteMethodResponse", e)),
    }
}

/// The integration and its responses (PutIntegration replaces an existing integration).
async fn put_integration(ctx: &Ctx, key: &Key, integration: &Map<String, Value>) -> Result<()> {
    let gateway = ctx.clients.apigateway();
    let content_handling = |m: &Map<String, Value>| {
        property::string(m, "ContentHandling").map(|c| ContentHandlingStrategy::from(c.as_str()))
    };
    gateway
        .put_integration()
        .rest_api_id(&key.api)
        .resource_id(&key.resource)
        .http_method(&key.method)
        .r#type(IntegrationType::from(
            property::required(integration, "Type")
                .map_err(|_| ResourceError::invalid("Integration.Type", "is required"))?
                .as_str(),
        ))
        .set_integration_http_method(property::string(integration, "IntegrationHttpMethod"))
        .set_uri(property::string(integration, "Uri"))
        .set_credentials(property::string(integration, "Credentials"))
        .set_request_parameters(string_map(integration.get("RequestParameters")))
        .set_request_templates(string_map(integration.get("RequestTemplates")))
        .set_passthrough_behavior(property::string(integration, "PassthroughBehavior"))
        .set_content_handling(content_handling(integration))
        .set_timeout_in_millis(property::integer(integration, "TimeoutInMillis")?)
        .set_cache_namespace(property::string(integration, "CacheNamespace"))
        .set_cache_key_parameters(
            integration
                .contains_key("CacheKeyParameters")
                .then(|| property::strings(integration, "CacheKeyParameters"))
                .transpose()?,
        )
        .set_connection_type(
            property::string(integration, "ConnectionType").map(|c| c.as_str().into()),
        )
        .set_connection_id(property::string(integration, "ConnectionId"))
        .send()
        .await
        .map_err(|e| sdk_error("apigateway:PutIntegration", e))?;
    for response in entries(integration, "IntegrationResponses")? {
        gateway
            .put_integration_response()
            .rest_api_id(&key.api)
            .resource_id(&key.resource)
            .http_method(&key.method)
            .status_code(status_code(&response, "Integration.IntegrationResponses")?)
            .set_selection_pattern(property::string(&response, "SelectionPattern"))
            .set_response_parameters(string_map(response.get("ResponseParameters")))
            .set_response_templates(string_map(response.get("ResponseTemplates")))
            .set_content_handling(content_handling(&response))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:PutIntegrationResponse", e))?;
    }
    Ok(())
}

async fn delete_integration(ctx: &Ctx, key: &Key) -> Result<()> {
    match ctx
        .clients
        .apigateway()
        .delete_integration()
        .rest_api_id(&key.api)
        .resource_id(&key.resource)
        .http_method(&key.method)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if not_found!(e) => Ok(()),
        Err(e) => Err(sdk_error("apigateway:DeleteIntegration", e)),
    }
}

async fn get(ctx: &Ctx, key: &Key) -> Result<Option<GetMethodOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_method()
        .rest_api_id(&key.api)
        .resource_id(&key.resource)
        .http_method(&key.method)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetMethod", e)),
    }
}

fn integration_value(i: &Integration, desired: Option<&Value>) -> Value {
    let mut out = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(k.into(), v);
        }
    };
    put("Type", i.r#type().map(|v| json!(v.as_str())));
    put("IntegrationHttpMethod", i.http_method().map(|v| json!(v)));
    put("Uri", i.uri().map(|v| json!(v)));
    put("Credentials", i.credentials().map(|v| json!(v)));
    put(
        "RequestParameters",
        super::string_map_value(i.request_parameters()),
    );
    put(
        "RequestTemplates",
        super::string_map_value(i.request_templates()),
    );
    put(
        "PassthroughBehavior",
        i.passthrough_behavior().map(|v| json!(v)),
    );
    put(
        "ContentHandling",
        i.content_handling().map(|v| json!(v.as_str())),
    );
    put("TimeoutInMillis", Some(json!(i.timeout_in_millis())));
    put("CacheNamespace", i.cache_namespace().map(|v| json!(v)));
    put("CacheKeyParameters", Some(json!(i.cache_key_parameters())));
    put(
        "ConnectionType",
        i.connection_type().map(|v| json!(v.as_str())),
    );
    put("ConnectionId", i.connection_id().map(|v| json!(v)));
    let responses: Vec<Value> = i
        .integration_responses()
        .into_iter()
        .flatten()
        .map(|(code, r)| {
            let mut v = json!({"StatusCode": code});
            if let Some(p) = r.selection_pattern() {
                v["SelectionPattern"] = json!(p);
            }
            if let Some(p) = super::string_map_value(r.response_parameters()) {
                v["ResponseParameters"] = p;
            }
            if let Some(t) = super::string_map_value(r.response_templates()) {
                v["ResponseTemplates"] = t;
            }
            if let Some(c) = r.content_handling() {
                v["ContentHandling"] = json!(c.as_str());
            }
            v
        })
        .collect();
    let desired_responses = desired.and_then(|d| d.get("IntegrationResponses"));
    if !responses.is_empty() || desired_responses.is_some() {
        put(
            "IntegrationResponses",
            Some(super::list_like(
                responses,
                desired_responses,
                &["StatusCode"],
            )),
        );
    }
    let live = Value::Object(out);
    match desired {
        Some(d) => property::shape_like(&live, d),
        None => live,
    }
}

fn method_props(key: &Key, m: &GetMethodOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            p.insert(k.into(), v);
        }
    };
    put("RestApiId", Some(json!(key.api)));
    put("ResourceId", Some(json!(key.resource)));
    put(
        "HttpMethod",
        Some(json!(m.http_method().unwrap_or(&key.method))),
    );
    put(
        "AuthorizationType",
        m.authorization_type().map(|v| json!(v)),
    );
    put("AuthorizerId", m.authorizer_id().map(|v| json!(v)));
    put(
        "ApiKeyRequired",
        Some(json!(m.api_key_required().unwrap_or(false))),
    );
    put("OperationName", m.operation_name().map(|v| json!(v)));
    put(
        "RequestValidatorId",
        m.request_validator_id().map(|v| json!(v)),
    );
    put(
        "RequestParameters",
        super::string_map_value(m.request_parameters()),
    );
    put("RequestModels", super::string_map_value(m.request_models()));
    if !m.authorization_scopes().is_empty() {
        put("AuthorizationScopes", Some(json!(m.authorization_scopes())));
    }
    let responses: Vec<Value> = m
        .method_responses()
        .into_iter()
        .flatten()
        .map(|(code, r)| {
            let mut v = json!({"StatusCode": code});
            if let Some(p) = super::string_map_value(r.response_parameters()) {
                v["ResponseParameters"] = p;
            }
            if let Some(models) = super::string_map_value(r.response_models()) {
                v["ResponseModels"] = models;
            }
            v
        })
        .collect();
    if !responses.is_empty() || desired.contains_key("MethodResponses") {
        put(
            "MethodResponses",
            Some(super::list_like(
                responses,
                desired.get("MethodResponses"),
                &["StatusCode"],
            )),
        );
    }
    put(
        "Integration",
        m.method_integration()
            .map(|i| integration_value(i, desired.get("Integration"))),
    );
    p
}

/// Patch operations for the method's own settings.
fn method_patch(
    old: &Props,
    new: &Props,
) -> Result<Vec<aws_sdk_apigateway::types::PatchOperation>> {
    let mut ops = Vec::new();
    for (prop, path, default) in [
        ("AuthorizationType", "/authorizationType", "NONE"),
        ("AuthorizerId", "/authorizerId", ""),
        ("ApiKeyRequired", "/apiKeyRequired", "false"),
        ("OperationName", "/operationName", ""),
        ("RequestValidatorId", "/requestValidatorId", ""),
    ] {
        if property::changed(old, new, prop) {
            ops.push(replace(
                path,
                property::string(new, prop).unwrap_or(default.into()),
            ));
        }
    }
    ops.extend(map_patch(
        "/requestParameters",
        Op::Add,
        old.get("RequestParameters"),
        new.get("RequestParameters"),
    ));
    ops.extend(map_patch(
        "/requestModels",
        Op::Add,
        old.get("RequestModels"),
        new.get("RequestModels"),
    ));
    if property::changed(old, new, "AuthorizationScopes") {
        let (before, after) = (
            property::strings(old, "AuthorizationScopes")?,
            property::strings(new, "AuthorizationScopes")?,
        );
        for s in before.iter().filter(|s| !after.contains(s)) {
            ops.push(patch(Op::Remove, "/authorizationScopes", Some(s.clone())));
        }
        for s in after.iter().filter(|s| !before.contains(s)) {
            ops.push(patch(Op::Add, "/authorizationScopes", Some(s.clone())));
        }
    }
    Ok(ops)
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Integration",
    "OperationName",
    "RequestModels",
    "RestApiId",
    "AuthorizationScopes",
    "RequestValidatorId",
    "RequestParameters",
    "MethodResponses",
    "AuthorizerId",
    "ResourceId",
    "ApiKeyRequired",
    "AuthorizationType",
    "HttpMethod",
];

impl Resource for Method {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let key = Key::from_props(props)?;
        put_method(ctx, &key, props).await?;
        for response in entries(props, "MethodResponses")? {
            put_method_response(ctx, &key, &response).await?;
        }
        if let Some(integration) = property::object(props, "Integration")? {
            put_integration(ctx, &key, integration).await?;
        }
        Ok(Created {
            physical_id: key.physical_id(),
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let key = Key::parse(physical_id)?;
        Ok(get(ctx, &key).await?.map(|m| Live {
            properties: method_props(&key, &m, desired),
            attributes: Attributes::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let key = Key::parse(physical_id)?;
        let ops = method_patch(old, new)?;
        if !ops.is_empty() {
            ctx.clients
                .apigateway()
                .update_method()
                .rest_api_id(&key.api)
                .resource_id(&key.resource)
                .http_method(&key.method)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateMethod", e))?;
        }
        // Integration responses name method responses: when either side changes, the
        // integration is put again after the method responses are in place.
        if property::any_changed(old, new, &["MethodResponses", "Integration"]) {
            delete_integration(ctx, &key).await?;
            let before = entries(old, "MethodResponses")?;
            let after = entries(new, "MethodResponses")?;
            for response in before.iter().filter(|r| !after.contains(r)) {
                delete_method_response(ctx, &key, &status_code(response, "MethodResponses")?)
                    .await?;
            }
            for response in after.iter().filter(|r| !before.contains(r)) {
                put_method_response(ctx, &key, response).await?;
            }
            if let Some(integration) = property::object(new, "Integration")? {
                put_integration(ctx, &key, integration).await?;
            }
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let key = Key::parse(physical_id)?;
        match ctx
            .clients
            .apigateway()
            .delete_method()
            .rest_api_id(&key.api)
            .resource_id(&key.resource)
            .http_method(&key.method)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found!(e) => Ok(()),
            Err(e) => Err(sdk_error("apigateway:DeleteMethod", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let key = Key::from_props(props)?;
        Ok(get(ctx, &key).await?.map(|_| key.physical_id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_id_round_trips() {
        let key = Key::parse("abc|res1|GET").unwrap();
        assert_eq!(
            (key.api.as_str(), key.resource.as_str(), key.method.as_str()),
            ("abc", "res1", "GET")
        );
        assert_eq!(key.physical_id(), "abc|res1|GET");
        assert!(Key::parse("abc").is_err());
    }
}
