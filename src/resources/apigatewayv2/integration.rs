//! `AWS::ApiGatewayV2::Integration`: what a route calls (a Lambda function with `AWS_PROXY`, a
//! URL with `HTTP_PROXY`, a VPC link, a mock). `ResponseParameters` is not managed. Physical id
//! (`Ref`): the integration id.

use super::{find_child, map_value, not_found, put, sent_once, some_text, string_map_if_set};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_apigatewayv2::operation::get_integration::GetIntegrationOutput;
use aws_sdk_apigatewayv2::types::{
    ConnectionType, ContentHandlingStrategy, Integration as Listed, IntegrationType,
    PassthroughBehavior, TlsConfigInput,
};
use serde_json::json;

pub struct Integration;

const MANAGED: &[&str] = &[
    "ApiId",
    "ConnectionId",
    "ConnectionType",
    "ContentHandlingStrategy",
    "CredentialsArn",
    "Description",
    "IntegrationMethod",
    "IntegrationSubtype",
    "IntegrationType",
    "IntegrationUri",
    "PassthroughBehavior",
    "PayloadFormatVersion",
    "RequestParameters",
    "RequestTemplates",
    "TemplateSelectionExpression",
    "TimeoutInMillis",
    "TlsConfig",
];

/// Text settings sent as they are, with how the SDK's builders spell them (see `create`).
const TEXT: [&str; 8] = [
    "ConnectionId",
    "CredentialsArn",
    "Description",
    "IntegrationMethod",
    "IntegrationSubtype",
    "IntegrationUri",
    "PayloadFormatVersion",
    "TemplateSelectionExpression",
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("IntegrationId".to_string(), json!(id))])
}

fn tls_config(props: &Props) -> Result<Option<TlsConfigInput>> {
    Ok(property::object(props, "TlsConfig")?.map(|t| {
        TlsConfigInput::builder()
            .set_server_name_to_verify(property::string(t, "ServerNameToVerify"))
            .build()
    }))
}

async fn get(ctx: &Ctx, api: &str, id: &str) -> Result<Option<GetIntegrationOutput>> {
    match ctx
        .clients
        .apigatewayv2()
        .get_integration()
        .api_id(api)
        .integration_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigatewayv2:GetIntegration", e)),
    }
}

fn integration_props(api: &str, i: &GetIntegrationOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    p.insert("ApiId".into(), json!(api));
    let texts = [
        ("ConnectionId", i.connection_id()),
        ("CredentialsArn", i.credentials_arn()),
        ("Description", i.description()),
        ("IntegrationMethod", i.integration_method()),
        ("IntegrationSubtype", i.integration_subtype()),
        ("IntegrationUri", i.integration_uri()),
        ("PayloadFormatVersion", i.payload_format_version()),
        (
            "TemplateSelectionExpression",
            i.template_selection_expression(),
        ),
        ("IntegrationType", i.integration_type().map(|t| t.as_str())),
        ("ConnectionType", i.connection_type().map(|t| t.as_str())),
        (
            "ContentHandlingStrategy",
            i.content_handling_strategy().map(|t| t.as_str()),
        ),
        (
            "PassthroughBehavior",
            i.passthrough_behavior().map(|t| t.as_str()),
        ),
    ];
    for (k, v) in texts {
        put(&mut p, k, some_text(v));
    }
    put(
        &mut p,
        "TimeoutInMillis",
        i.timeout_in_millis().map(|n| json!(n)),
    );
    put(
        &mut p,
        "TlsConfig",
        i.tls_config()
            .map(|t| json!({"ServerNameToVerify": t.server_name_to_verify()})),
    );
    put(
        &mut p,
        "RequestParameters",
        map_value(i.request_parameters(), desired, "RequestParameters"),
    );
    put(
        &mut p,
        "RequestTemplates",
        map_value(i.request_templates(), desired, "RequestTemplates"),
    );
    p
}

/// Whether a listed integration is the one `props` describe (integrations have no name and no
/// tags: the type, URI and the text settings the template gives must all match).
fn same(i: &Listed, props: &Props) -> bool {
    let live = [
        ("IntegrationType", i.integration_type().map(|t| t.as_str())),
        ("IntegrationUri", i.integration_uri()),
        ("IntegrationMethod", i.integration_method()),
        ("Description", i.description()),
        ("ConnectionId", i.connection_id()),
        ("PayloadFormatVersion", i.payload_format_version()),
    ];
    live.iter().all(|(k, v)| match property::string(props, k) {
        Some(want) => *v == Some(want.as_str()),
        None => true,
    })
}

impl Resource for Integration {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let text = |k: &str| property::string(props, k);
        let out = ctx
            .clients
            .apigatewayv2()
            .create_integration()
            .api_id(property::required(props, "ApiId")?)
            .integration_type(IntegrationType::from(
                property::required(props, "IntegrationType")?.as_str(),
            ))
            .set_connection_id(text("ConnectionId"))
            .set_connection_type(text("ConnectionType").map(|t| ConnectionType::from(t.as_str())))
            .set_content_handling_strategy(
                text("ContentHandlingStrategy").map(|t| ContentHandlingStrategy::from(t.as_str())),
            )
            .set_credentials_arn(text("CredentialsArn"))
            .set_description(text("Description"))
            .set_integration_method(text("IntegrationMethod"))
            .set_integration_subtype(text("IntegrationSubtype"))
            .set_integration_uri(text("IntegrationUri"))
            .set_passthrough_behavior(
                text("PassthroughBehavior").map(|t| PassthroughBehavior::from(t.as_str())),
            )
            .set_payload_format_version(text("PayloadFormatVersion"))
            .set_template_selection_expression(text("TemplateSelectionExpression"))
            .set_timeout_in_millis(property::integer(props, "TimeoutInMillis")?)
            .set_tls_config(tls_config(props)?)
            .set_request_parameters(string_map_if_set(props, "RequestParameters")?)
            .set_request_templates(string_map_if_set(props, "RequestTemplates")?)
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:CreateIntegration", e))?;
        let id = out.integration_id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "ApiId")?;
        Ok(get(ctx, &api, id).await?.map(|i| Live {
            properties: integration_props(&api, &i, desired),
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let api = property::required(new, "ApiId")?;
        let changed = |k: &str| property::changed(old, new, k);
        if !MANAGED.iter().any(|k| changed(k)) {
            return Ok(attributes(id));
        }
        // What changed is sent; a dropped text setting is sent empty, which clears it.
        let text = |k: &str| changed(k).then(|| property::string(new, k).unwrap_or_default());
        let [
            connection,
            credentials,
            description,
            method,
            subtype,
            uri,
            payload,
            template,
        ] = TEXT.map(text);
        let chosen = |k: &str| property::string(new, k).filter(|_| changed(k));
        ctx.clients
            .apigatewayv2()
            .update_integration()
            .api_id(&api)
            .integration_id(id)
            .set_integration_type(
                chosen("IntegrationType").map(|t| IntegrationType::from(t.as_str())),
            )
            .set_connection_id(connection)
            .set_connection_type(chosen("ConnectionType").map(|t| ConnectionType::from(t.as_str())))
            .set_content_handling_strategy(
                chosen("ContentHandlingStrategy")
                    .map(|t| ContentHandlingStrategy::from(t.as_str())),
            )
            .set_credentials_arn(credentials)
            .set_description(description)
            .set_integration_method(method)
            .set_integration_subtype(subtype)
            .set_integration_uri(uri)
            .set_passthrough_behavior(
                chosen("PassthroughBehavior").map(|t| PassthroughBehavior::from(t.as_str())),
            )
            .set_payload_format_version(payload)
            .set_template_selection_expression(template)
            .set_timeout_in_millis(
                property::integer(new, "TimeoutInMillis")?.filter(|_| changed("TimeoutInMillis")),
            )
            .set_tls_config(tls_config(new)?.filter(|_| changed("TlsConfig")))
            .set_request_parameters(
                string_map_if_set(new, "RequestParameters")?
                    .filter(|_| changed("RequestParameters")),
            )
            .set_request_templates(
                string_map_if_set(new, "RequestTemplates")?.filter(|_| changed("RequestTemplates")),
            )
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:UpdateIntegration", e))?;
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "ApiId")?;
        property::deleted(
            "apigatewayv2:DeleteIntegration",
            ctx.clients
                .apigatewayv2()
                .delete_integration()
                .api_id(api)
                .integration_id(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// The API's integration with the template's type, URI and settings (see [`same`]).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        Ok(find_child!(
            ctx,
            props,
            get_integrations,
            "apigatewayv2:GetIntegrations",
            integration_id,
            |i| same(i, props)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integration_is_found_by_what_the_template_gives() {
        let listed = Listed::builder()
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri("arn:aws:lambda:us-east-1:1:function:f")
            .payload_format_version("2.0")
            .build();
        let p = json!({"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
            "IntegrationUri": "arn:aws:lambda:us-east-1:1:function:f"});
        assert!(same(&listed, p.as_object().unwrap()));
        let other = json!({"IntegrationType": "AWS_PROXY", "IntegrationUri": "arn:other"});
        assert!(!same(&listed, other.as_object().unwrap()));
    }
}
