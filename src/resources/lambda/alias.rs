//! `AWS::Lambda::Alias`: a name pointing at a function version, optionally splitting traffic
//! with a second version (`RoutingConfig`). Physical id (`Ref`): the alias ARN.
//! A create whose answer was lost meets "already exists" when repeated, and the alias of that
//! name is then looked up (the engine's `create_once`): never a second alias.

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_lambda::types::AliasRoutingConfiguration;
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct Alias;

const MANAGED: &[&str] = &[
    "Description",
    "FunctionName",
    "FunctionVersion",
    "Name",
    "RoutingConfig",
];

fn attributes(arn: &str) -> Attributes {
    Attributes::from([("AliasArn".to_string(), json!(arn))])
}

/// (function, alias) from an alias ARN `arn:aws:lambda:REGION:ACCOUNT:function:NAME:ALIAS`.
fn parts(arn: &str) -> Result<(String, String)> {
    let fields: Vec<&str> = arn.split(':').collect();
    match fields.as_slice() {
        [.., "function", function, alias] => Ok((function.to_string(), alias.to_string())),
        _ => Err(ResourceError::new(
            "InvalidPhysicalId",
            format!("`{arn}` is not a Lambda alias ARN"),
        )),
    }
}

/// `RoutingConfig.AdditionalVersionWeights` as the API takes it (version -> weight).
fn routing(props: &Props) -> Result<Option<AliasRoutingConfiguration>> {
    let Some(config) = props.get("RoutingConfig") else {
        return Ok(None);
    };
    let mut weights = HashMap::new();
    let items = config
        .get("AdditionalVersionWeights")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for w in items {
        let w: Props = w.as_object().cloned().unwrap_or_default();
        let version = property::required(&w, "FunctionVersion")?;
        let weight = property::float(&w, "FunctionWeight")?
            .ok_or_else(|| ResourceError::invalid("RoutingConfig", "FunctionWeight is required"))?;
        weights.insert(version, weight);
    }
    Ok(Some(
        AliasRoutingConfiguration::builder()
            .set_additional_version_weights(Some(weights))
            .build(),
    ))
}

async fn get(
    ctx: &Ctx,
    function: &str,
    name: &str,
) -> Result<Option<aws_sdk_lambda::operation::get_alias::GetAliasOutput>> {
    match ctx
        .clients
        .lambda()
        .get_alias()
        .function_name(function)
        .name(name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("lambda:GetAlias", e)),
    }
}

impl Resource for Alias {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .lambda()
            .create_alias()
            .function_name(property::required(props, "FunctionName")?)
            .name(property::required(props, "Name")?)
            .function_version(property::required(props, "FunctionVersion")?)
            .set_description(property::string(props, "Description"))
            .set_routing_config(routing(props)?)
            .send()
            .await
            .map_err(|e| sdk_error("lambda:CreateAlias", e))?;
        let arn = out.alias_arn().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&arn),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let (function, name) = parts(arn)?;
        let Some(alias) = get(ctx, &function, &name).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        // As the template names it (a name or an ARN): the alias belongs to that function.
        let function_as_written = desired
            .get("FunctionName")
            .cloned()
            .unwrap_or(json!(function));
        p.insert("FunctionName".into(), function_as_written);
        p.insert("Name".into(), json!(name));
        p.insert("FunctionVersion".into(), json!(alias.function_version()));
        if let Some(d) = alias.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        let weights = alias
            .routing_config()
            .and_then(|r| r.additional_version_weights())
            .filter(|w| !w.is_empty());
        if let Some(weights) = weights {
            let mut list: Vec<(&String, &f64)> = weights.iter().collect();
            list.sort_by(|a, b| a.0.cmp(b.0));
            let list: Vec<Value> = list
                .into_iter()
                .map(|(v, w)| json!({"FunctionVersion": v, "FunctionWeight": w}))
                .collect();
            p.insert(
                "RoutingConfig".into(),
                json!({"AdditionalVersionWeights": list}),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(arn),
        }))
    }

    async fn update(&self, ctx: &Ctx, arn: &str, _old: &Props, new: &Props) -> Result<Attributes> {
        let (function, name) = parts(arn)?;
        // An empty routing configuration sends all traffic to FunctionVersion again.
        let routing = routing(new)?.unwrap_or_else(|| AliasRoutingConfiguration::builder().build());
        ctx.clients
            .lambda()
            .update_alias()
            .function_name(function)
            .name(name)
            .function_version(property::required(new, "FunctionVersion")?)
            .description(property::string(new, "Description").unwrap_or_default())
            .routing_config(routing)
            .send()
            .await
            .map_err(|e| sdk_error("lambda:UpdateAlias", e))?;
        Ok(attributes(arn))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        let (function, name) = parts(arn)?;
        property::deleted(
            "lambda:DeleteAlias",
            ctx.clients
                .lambda()
                .delete_alias()
                .function_name(function)
                .name(name)
                .send()
                .await,
            // DeleteAlias models no not-found error; AWS answers an absent alias with success.
            |s| {
                aws_sdk_lambda::error::ProvideErrorMetadata::code(s)
                    == Some("ResourceNotFoundException")
            },
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(function), Some(name)) = (
            property::string(props, "FunctionName"),
            property::string(props, "Name"),
        ) else {
            return Ok(None);
        };
        Ok(get(ctx, &function, &name)
            .await?
            .and_then(|a| a.alias_arn().map(str::to_string)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_arns_name_function_and_alias() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:api:live";
        assert_eq!(parts(arn).unwrap(), ("api".into(), "live".into()));
        assert!(parts("arn:aws:lambda:us-east-1:123456789012:function:api").is_err());
    }
}
