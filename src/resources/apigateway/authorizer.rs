//! `AWS::ApiGateway::Authorizer`: a Lambda (`TOKEN`, `REQUEST`) or Cognito user pool
//! (`COGNITO_USER_POOLS`) authorizer of a REST API. Physical id (and `Ref`): the authorizer id.

use super::{not_found, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_apigateway::operation::get_authorizer::GetAuthorizerOutput;
use aws_sdk_apigateway::types::{AuthorizerType, Op, PatchOperation};
use serde_json::{Value, json};

pub struct Authorizer;

const MANAGED: &[&str] = &[
    "AuthType",
    "AuthorizerCredentials",
    "AuthorizerResultTtlInSeconds",
    "AuthorizerUri",
    "IdentitySource",
    "IdentityValidationExpression",
    "Name",
    "ProviderARNs",
    "RestApiId",
    "Type",
];

/// The plain string properties and their patch paths.
const STRINGS: &[(&str, &str)] = &[
    ("Name", "/name"),
    ("Type", "/type"),
    ("AuthType", "/authType"),
    ("AuthorizerUri", "/authorizerUri"),
    ("AuthorizerCredentials", "/authorizerCredentials"),
    ("IdentitySource", "/identitySource"),
    (
        "IdentityValidationExpression",
        "/identityValidationExpression",
    ),
];

/// What API Gateway uses when the template sets no result TTL.
const DEFAULT_TTL: i32 = 300;

fn attributes(id: &str) -> Attributes {
    Attributes::from([("AuthorizerId".to_string(), json!(id))])
}

async fn get(ctx: &Ctx, api: &str, id: &str) -> Result<Option<GetAuthorizerOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_authorizer()
        .rest_api_id(api)
        .authorizer_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetAuthorizer", e)),
    }
}

/// `live` in the template's order when both hold the same ARNs (the order means nothing).
fn same_set_like(live: Vec<String>, desired: Option<&Value>) -> Value {
    let desired: Vec<String> =
        property::value::strings(desired, "ProviderARNs").unwrap_or_default();
    let mut a = live.clone();
    let mut b = desired.clone();
    a.sort();
    b.sort();
    if a == b { json!(desired) } else { json!(live) }
}

fn props_of(api: &str, a: &GetAuthorizerOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    p.insert("RestApiId".into(), json!(api));
    let strings = [
        ("Name", a.name()),
        ("Type", a.r#type().map(|t| t.as_str())),
        ("AuthType", a.auth_type()),
        ("AuthorizerUri", a.authorizer_uri()),
        ("AuthorizerCredentials", a.authorizer_credentials()),
        ("IdentitySource", a.identity_source()),
        (
            "IdentityValidationExpression",
            a.identity_validation_expression(),
        ),
    ];
    for (key, v) in strings {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            p.insert(key.into(), json!(v));
        }
    }
    if !a.provider_arns().is_empty() || desired.contains_key("ProviderARNs") {
        p.insert(
            "ProviderARNs".into(),
            same_set_like(a.provider_arns().to_vec(), desired.get("ProviderARNs")),
        );
    }
    if let Some(ttl) = a.authorizer_result_ttl_in_seconds() {
        p.insert("AuthorizerResultTtlInSeconds".into(), json!(ttl));
    }
    p
}

fn update_ops(old: &Props, new: &Props) -> Result<Vec<PatchOperation>> {
    let mut ops = Vec::new();
    for (key, path) in STRINGS {
        if property::changed(old, new, key) {
            ops.push(replace(
                *path,
                property::string(new, key).unwrap_or_default(),
            ));
        }
    }
    if property::changed(old, new, "AuthorizerResultTtlInSeconds") {
        let ttl = property::integer::<i32>(new, "AuthorizerResultTtlInSeconds")?;
        ops.push(replace(
            "/authorizerResultTtlInSeconds",
            ttl.unwrap_or(DEFAULT_TTL).to_string(),
        ));
    }
    if property::changed(old, new, "ProviderARNs") {
        let before = property::strings(old, "ProviderARNs")?;
        let after = property::strings(new, "ProviderARNs")?;
        for arn in after.iter().filter(|a| !before.contains(a)) {
            ops.push(patch(Op::Add, format!("/providerARNs/{arn}"), None));
        }
        for arn in before.iter().filter(|b| !after.contains(b)) {
            ops.push(patch(Op::Remove, format!("/providerARNs/{arn}"), None));
        }
    }
    Ok(ops)
}

impl Resource for Authorizer {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .apigateway()
            .create_authorizer()
            .rest_api_id(property::required(props, "RestApiId")?)
            .name(property::required(props, "Name")?)
            .r#type(AuthorizerType::from(
                property::required(props, "Type")?.as_str(),
            ))
            .set_provider_arns(property::strings_if_set(props, "ProviderARNs")?)
            .set_auth_type(property::string(props, "AuthType"))
            .set_authorizer_uri(property::string(props, "AuthorizerUri"))
            .set_authorizer_credentials(property::string(props, "AuthorizerCredentials"))
            .set_identity_source(property::string(props, "IdentitySource"))
            .set_identity_validation_expression(property::string(
                props,
                "IdentityValidationExpression",
            ))
            .set_authorizer_result_ttl_in_seconds(property::integer(
                props,
                "AuthorizerResultTtlInSeconds",
            )?)
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateAuthorizer", e))?;
        let id = out.id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "RestApiId")?;
        Ok(get(ctx, &api, id).await?.map(|a| Live {
            properties: props_of(&api, &a, desired),
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let ops = update_ops(old, new)?;
        if !ops.is_empty() {
            ctx.clients
                .apigateway()
                .update_authorizer()
                .rest_api_id(property::required(new, "RestApiId")?)
                .authorizer_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateAuthorizer", e))?;
        }
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, props: &Props) -> Result<()> {
        property::deleted(
            "apigateway:DeleteAuthorizer",
            ctx.clients
                .apigateway()
                .delete_authorizer()
                .rest_api_id(property::required(props, "RestApiId")?)
                .authorizer_id(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// Authorizers have no tags: the one of this API with the template's name (names are
    /// unique within an API).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let api = property::required(props, "RestApiId")?;
        let Some(name) = property::string(props, "Name") else {
            return Ok(None);
        };
        let out = match ctx
            .clients
            .apigateway()
            .get_authorizers()
            .rest_api_id(api)
            .limit(500)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if not_found!(e) => return Ok(None),
            Err(e) => return Err(sdk_error("apigateway:GetAuthorizers", e)),
        };
        Ok(out
            .items()
            .iter()
            .filter(|a| a.name() == Some(name.as_str()))
            .filter_map(|a| a.id())
            .find(|id| !crate::resources::is_earlier_copy(props, id))
            .map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_arns_follow_the_template_order_and_patch_by_arn() {
        let live = vec!["b".to_string(), "a".to_string()];
        assert_eq!(
            same_set_like(live, Some(&json!(["a", "b"]))),
            json!(["a", "b"])
        );
        let old = json!({"ProviderARNs": ["a"]});
        let new = json!({"ProviderARNs": ["b"], "AuthorizerResultTtlInSeconds": 60});
        let ops = update_ops(old.as_object().unwrap(), new.as_object().unwrap()).unwrap();
        let paths: Vec<_> = ops.iter().filter_map(|o| o.path()).collect();
        assert_eq!(
            paths,
            [
                "/authorizerResultTtlInSeconds",
                "/providerARNs/b",
                "/providerARNs/a"
            ]
        );
    }
}
