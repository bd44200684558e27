//! `AWS::Lambda::Url`: the HTTPS endpoint of a function or of one of its aliases (`Qualifier`),
//! with its auth type, CORS and invoke mode. Physical id (`Ref`): the function ARN Lambda
//! reports for the URL (with the alias when there is a qualifier). A function has at most one
//! URL per qualifier, so a create whose answer was lost meets "already exists" when repeated and
//! the URL is then looked up: never a second one.

use super::event_source_mapping::same_function;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_lambda::operation::get_function_url_config::GetFunctionUrlConfigOutput as UrlConfig;
use aws_sdk_lambda::types::{Cors, FunctionUrlAuthType, InvokeMode};
use serde_json::{Value, json};

pub struct Url;

const MANAGED: &[&str] = &[
    "AuthType",
    "Cors",
    "InvokeMode",
    "Qualifier",
    "TargetFunctionArn",
];

/// (function ARN without qualifier, qualifier) of `arn:aws:lambda:R:A:function:NAME[:QUALIFIER]`.
fn split(arn: &str) -> Result<(String, Option<String>)> {
    let fields: Vec<&str> = arn.split(':').collect();
    match fields.as_slice() {
        [_, _, "lambda", _, _, "function", _] => Ok((arn.to_string(), None)),
        [_, _, "lambda", _, _, "function", _, qualifier] => {
            Ok((fields[..7].join(":"), Some(qualifier.to_string())))
        }
        _ => Err(ResourceError::new(
            "InvalidPhysicalId",
            format!("`{arn}` is not a Lambda function ARN"),
        )),
    }
}

fn cors(props: &Props) -> Result<Option<Cors>> {
    let Some(c) = property::object(props, "Cors")? else {
        return Ok(None);
    };
    let list = |key: &str| property::value::strings(c.get(key), "Cors").map(Some);
    Ok(Some(
        Cors::builder()
            .set_allow_credentials(property::value::boolean(c.get("AllowCredentials"), "Cors")?)
            .set_allow_headers(list("AllowHeaders")?)
            .set_allow_methods(list("AllowMethods")?)
            .set_allow_origins(list("AllowOrigins")?)
            .set_expose_headers(list("ExposeHeaders")?)
            .set_max_age(property::value::integer(c.get("MaxAge"), "Cors")?)
            .build(),
    ))
}

/// The live CORS settings in template shape: only what is set (empty lists left out).
fn cors_value(c: &Cors) -> Option<Value> {
    let mut v = Props::new();
    if let Some(b) = c.allow_credentials() {
        v.insert("AllowCredentials".into(), json!(b));
    }
    for (key, list) in [
        ("AllowHeaders", c.allow_headers()),
        ("AllowMethods", c.allow_methods()),
        ("AllowOrigins", c.allow_origins()),
        ("ExposeHeaders", c.expose_headers()),
    ] {
        if !list.is_empty() {
            v.insert(key.into(), json!(list));
        }
    }
    if let Some(age) = c.max_age() {
        v.insert("MaxAge".into(), json!(age));
    }
    (!v.is_empty()).then_some(Value::Object(v))
}

fn attributes(out: &UrlConfig) -> Attributes {
    Attributes::from([
        ("FunctionArn".to_string(), json!(out.function_arn())),
        ("FunctionUrl".to_string(), json!(out.function_url())),
    ])
}

async fn get(ctx: &Ctx, function: &str, qualifier: Option<String>) -> Result<Option<UrlConfig>> {
    let answer = ctx
        .clients
        .lambda()
        .get_function_url_config()
        .function_name(function)
        .set_qualifier(qualifier)
        .send()
        .await;
    super::event_source_mapping::found("lambda:GetFunctionUrlConfig", answer, |s| {
        s.is_resource_not_found_exception()
    })
}

impl Resource for Url {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let auth = property::required(props, "AuthType")?;
        let out = ctx
            .clients
            .lambda()
            .create_function_url_config()
            .function_name(property::required(props, "TargetFunctionArn")?)
            .set_qualifier(property::string(props, "Qualifier"))
            .auth_type(FunctionUrlAuthType::from(auth.as_str()))
            .set_cors(cors(props)?)
            .set_invoke_mode(
                property::string(props, "InvokeMode").map(|m| InvokeMode::from(m.as_str())),
            )
            .send()
            .await
            .map_err(|e| sdk_error("lambda:CreateFunctionUrlConfig", e))?;
        let arn = out.function_arn().to_string();
        split(&arn)?;
        Ok(Created {
            attributes: Attributes::from([
                ("FunctionArn".to_string(), json!(arn)),
                ("FunctionUrl".to_string(), json!(out.function_url())),
            ]),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let (function, qualifier) = split(arn)?;
        let Some(out) = get(ctx, &function, qualifier).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        let (live_function, live_qualifier) = split(out.function_arn())?;
        let written = desired.get("TargetFunctionArn").filter(|w| {
            w.as_str().is_some_and(|w| {
                same_function(w, &live_function) || same_function(w, out.function_arn())
            })
        });
        p.insert(
            "TargetFunctionArn".into(),
            written.cloned().unwrap_or(json!(live_function)),
        );
        if let Some(q) = live_qualifier {
            p.insert("Qualifier".into(), json!(q));
        }
        p.insert("AuthType".into(), json!(out.auth_type().as_str()));
        if let Some(mode) = out.invoke_mode() {
            p.insert("InvokeMode".into(), json!(mode.as_str().to_uppercase()));
        }
        if let Some(c) = out.cors().and_then(cors_value) {
            p.insert("Cors".into(), c);
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(&out),
        }))
    }

    /// Sends the whole configuration; CORS or the invoke mode dropped from the template go back
    /// to none and `BUFFERED`.
    async fn update(&self, ctx: &Ctx, arn: &str, _old: &Props, new: &Props) -> Result<Attributes> {
        let (function, qualifier) = split(arn)?;
        let auth = property::required(new, "AuthType")?;
        let mode = property::string(new, "InvokeMode").unwrap_or_else(|| "BUFFERED".into());
        let out = ctx
            .clients
            .lambda()
            .update_function_url_config()
            .function_name(function)
            .set_qualifier(qualifier)
            .auth_type(FunctionUrlAuthType::from(auth.as_str()))
            .cors(cors(new)?.unwrap_or_else(|| Cors::builder().build()))
            .invoke_mode(InvokeMode::from(mode.as_str()))
            .send()
            .await
            .map_err(|e| sdk_error("lambda:UpdateFunctionUrlConfig", e))?;
        Ok(Attributes::from([
            ("FunctionArn".to_string(), json!(arn)),
            ("FunctionUrl".to_string(), json!(out.function_url())),
        ]))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        let (function, qualifier) = split(arn)?;
        property::deleted(
            "lambda:DeleteFunctionUrlConfig",
            ctx.clients
                .lambda()
                .delete_function_url_config()
                .function_name(function)
                .set_qualifier(qualifier)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    /// The URL of the template's function and qualifier (there is at most one).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(function) = property::string(props, "TargetFunctionArn") else {
            return Ok(None);
        };
        let qualifier = property::string(props, "Qualifier");
        Ok(get(ctx, &function, qualifier)
            .await?
            .map(|out| out.function_arn().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_arns_split_into_function_and_qualifier() {
        let function = "arn:aws:lambda:us-east-1:123456789012:function:api";
        assert_eq!(split(function).unwrap(), (function.to_string(), None));
        assert_eq!(
            split(&format!("{function}:live")).unwrap(),
            (function.to_string(), Some("live".to_string()))
        );
        assert!(split("arn:aws:sqs:us-east-1:123456789012:q").is_err());
    }

    #[test]
    fn only_the_cors_settings_that_are_set_read_back() {
        let c = Cors::builder()
            .allow_origins("https://example.com")
            .max_age(60)
            .build();
        assert_eq!(
            cors_value(&c),
            Some(json!({"AllowOrigins": ["https://example.com"], "MaxAge": 60}))
        );
        assert_eq!(cors_value(&Cors::builder().build()), None);
    }
}
