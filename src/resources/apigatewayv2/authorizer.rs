//! `AWS::ApiGatewayV2::Authorizer`: a JWT authorizer (issuer and audience) or a Lambda
//! (`REQUEST`) authorizer of an API. Physical id (`Ref`): the authorizer id.

use super::{find_child, not_found, put, sent_once, some_text};
use crate::resources::property::{self, value};
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_apigatewayv2::operation::get_authorizer::GetAuthorizerOutput;
use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};
use serde_json::{Value, json};

pub struct Authorizer;

const MANAGED: &[&str] = &[
    "ApiId",
    "AuthorizerCredentialsArn",
    "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds",
    "AuthorizerType",
    "AuthorizerUri",
    "EnableSimpleResponses",
    "IdentitySource",
    "IdentityValidationExpression",
    "JwtConfiguration",
    "Name",
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("AuthorizerId".to_string(), json!(id))])
}

fn jwt(props: &Props) -> Result<Option<JwtConfiguration>> {
    let Some(j) = property::object(props, "JwtConfiguration")? else {
        return Ok(None);
    };
    Ok(Some(
        JwtConfiguration::builder()
            .set_issuer(property::string(j, "Issuer"))
            .set_audience(
                j.get("Audience")
                    .map(|a| value::strings(Some(a), "JwtConfiguration.Audience"))
                    .transpose()?,
            )
            .build(),
    ))
}

fn jwt_value(j: &JwtConfiguration, desired: Option<&Value>) -> Value {
    let mut v = Props::new();
    put(&mut v, "Issuer", j.issuer().map(|i| json!(i)));
    put(&mut v, "Audience", j.audience.as_ref().map(|a| json!(a)));
    let live = Value::Object(v);
    match desired {
        Some(d) => property::shape_like(&live, d),
        None => live,
    }
}

async fn get(ctx: &Ctx, api: &str, id: &str) -> Result<Option<GetAuthorizerOutput>> {
    match ctx
        .clients
        .apigatewayv2()
        .get_authorizer()
        .api_id(api)
        .authorizer_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigatewayv2:GetAuthorizer", e)),
    }
}

fn authorizer_props(api: &str, a: &GetAuthorizerOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    p.insert("ApiId".into(), json!(api));
    put(&mut p, "Name", a.name().map(|v| json!(v)));
    put(
        &mut p,
        "AuthorizerType",
        a.authorizer_type().map(|t| json!(t.as_str())),
    );
    put(&mut p, "AuthorizerUri", some_text(a.authorizer_uri()));
    put(
        &mut p,
        "AuthorizerCredentialsArn",
        some_text(a.authorizer_credentials_arn()),
    );
    put(
        &mut p,
        "AuthorizerPayloadFormatVersion",
        some_text(a.authorizer_payload_format_version()),
    );
    put(
        &mut p,
        "AuthorizerResultTtlInSeconds",
        a.authorizer_result_ttl_in_seconds().map(|n| json!(n)),
    );
    put(
        &mut p,
        "EnableSimpleResponses",
        a.enable_simple_responses().map(|b| json!(b)),
    );
    put(
        &mut p,
        "IdentityValidationExpression",
        some_text(a.identity_validation_expression()),
    );
    if !a.identity_source().is_empty() || desired.contains_key("IdentitySource") {
        p.insert("IdentitySource".into(), json!(a.identity_source()));
    }
    put(
        &mut p,
        "JwtConfiguration",
        a.jwt_configuration()
            .map(|j| jwt_value(j, desired.get("JwtConfiguration"))),
    );
    p
}

impl Resource for Authorizer {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let text = |k: &str| property::string(props, k);
        let out = ctx
            .clients
            .apigatewayv2()
            .create_authorizer()
            .api_id(property::required(props, "ApiId")?)
            .name(property::required(props, "Name")?)
            .authorizer_type(AuthorizerType::from(
                property::required(props, "AuthorizerType")?.as_str(),
            ))
            .set_authorizer_uri(text("AuthorizerUri"))
            .set_authorizer_credentials_arn(text("AuthorizerCredentialsArn"))
            .set_authorizer_payload_format_version(text("AuthorizerPayloadFormatVersion"))
            .set_authorizer_result_ttl_in_seconds(property::integer(
                props,
                "AuthorizerResultTtlInSeconds",
            )?)
            .set_enable_simple_responses(property::boolean(props, "EnableSimpleResponses")?)
            .set_identity_validation_expression(text("IdentityValidationExpression"))
            .set_identity_source(property::strings_if_set(props, "IdentitySource")?)
            .set_jwt_configuration(jwt(props)?)
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:CreateAuthorizer", e))?;
        let id = out.authorizer_id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "ApiId")?;
        Ok(get(ctx, &api, id).await?.map(|a| Live {
            properties: authorizer_props(&api, &a, desired),
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
        let name = changed("Name")
            .then(|| property::required(new, "Name"))
            .transpose()?;
        let kind = property::string(new, "AuthorizerType")
            .filter(|_| changed("AuthorizerType"))
            .map(|t| AuthorizerType::from(t.as_str()));
        ctx.clients
            .apigatewayv2()
            .update_authorizer()
            .api_id(&api)
            .authorizer_id(id)
            .set_name(name)
            .set_authorizer_type(kind)
            .set_authorizer_uri(text("AuthorizerUri"))
            .set_authorizer_credentials_arn(text("AuthorizerCredentialsArn"))
            .set_authorizer_payload_format_version(
                property::string(new, "AuthorizerPayloadFormatVersion")
                    .filter(|_| changed("AuthorizerPayloadFormatVersion")),
            )
            .set_authorizer_result_ttl_in_seconds(match changed("AuthorizerResultTtlInSeconds") {
                // API Gateway's default is 300 seconds.
                true => {
                    Some(property::integer(new, "AuthorizerResultTtlInSeconds")?.unwrap_or(300))
                }
                false => None,
            })
            .set_enable_simple_responses(match changed("EnableSimpleResponses") {
                true => Some(property::boolean(new, "EnableSimpleResponses")?.unwrap_or(false)),
                false => None,
            })
            .set_identity_validation_expression(text("IdentityValidationExpression"))
            .set_identity_source(
                changed("IdentitySource")
                    .then(|| property::strings(new, "IdentitySource"))
                    .transpose()?,
            )
            .set_jwt_configuration(jwt(new)?.filter(|_| changed("JwtConfiguration")))
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:UpdateAuthorizer", e))?;
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "ApiId")?;
        property::deleted(
            "apigatewayv2:DeleteAuthorizer",
            ctx.clients
                .apigatewayv2()
                .delete_authorizer()
                .api_id(api)
                .authorizer_id(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// By its name within the API.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let name = property::required(props, "Name")?;
        Ok(find_child!(
            ctx,
            props,
            get_authorizers,
            "apigatewayv2:GetAuthorizers",
            authorizer_id,
            |a| a.name() == Some(name.as_str())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_configuration_reads_back_in_the_template_shape() {
        let p =
            json!({"JwtConfiguration": {"Issuer": "https://id.example.com", "Audience": ["app"]}});
        let sent = jwt(p.as_object().unwrap()).unwrap().unwrap();
        assert_eq!(sent.audience(), ["app".to_string()]);
        assert_eq!(
            jwt_value(&sent, p.get("JwtConfiguration")),
            p["JwtConfiguration"]
        );
    }
}
