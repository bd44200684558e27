//! `AWS::ApiGateway::ApiKey`: a key clients send in `x-api-key`, served through usage plans.
//! Physical id (and `Ref`): the key id. `Value` is a secret (recorded hashed, read back only
//! when the template sets it); `GenerateDistinctId` is write-only (and ignored by AWS today).

use super::{not_found, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigateway::operation::get_api_key::GetApiKeyOutput;
use aws_sdk_apigateway::types::{Op, PatchOperation, StageKey};
use serde_json::{Value, json};

pub struct ApiKey;

const MANAGED: &[&str] = &[
    "CustomerId",
    "Description",
    "Enabled",
    "GenerateDistinctId",
    "Name",
    "StageKeys",
    "Tags",
    "Value",
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("APIKeyId".to_string(), json!(id))])
}

fn arn(ctx: &Ctx, id: &str) -> String {
    format!("arn:aws:apigateway:{}::/apikeys/{id}", ctx.region)
}

/// Sets and removes the template's tags on `arn` (API keys and usage plans tag alike).
pub(super) async fn retag(ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<()> {
    let gateway = ctx.clients.apigateway();
    let (set, removed) = property::tag_changes(old, new);
    if !set.is_empty() {
        gateway
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(set.into_iter().collect()))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:TagResource", e))?;
    }
    if !removed.is_empty() {
        gateway
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:UntagResource", e))?;
    }
    Ok(())
}

/// `StageKeys` as API Gateway writes them: `<rest api id>/<stage name>`.
fn stage_keys(props: &Props) -> Result<Vec<String>> {
    let Some(keys) = props.get("StageKeys").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let keys = keys
        .as_array()
        .ok_or_else(|| ResourceError::invalid("StageKeys", "must be a list"))?;
    keys.iter()
        .map(|k| {
            let k = k
                .as_object()
                .ok_or_else(|| ResourceError::invalid("StageKeys", "entries must be objects"))?;
            let api = property::value::string(k.get("RestApiId"), "StageKeys.RestApiId")?;
            let stage = property::value::string(k.get("StageName"), "StageKeys.StageName")?;
            Ok(format!(
                "{}/{}",
                api.unwrap_or_default(),
                stage.unwrap_or_default()
            ))
        })
        .collect()
}

/// The live stage keys in the template's shape and order (unmatched live ones last).
fn stage_keys_value(live: &[String], desired: &Props) -> Value {
    let wanted = stage_keys(desired).unwrap_or_default();
    let mut ordered: Vec<&String> = wanted.iter().filter(|w| live.contains(w)).collect();
    ordered.extend(live.iter().filter(|l| !wanted.contains(l)));
    Value::Array(
        ordered
            .into_iter()
            .map(|k| {
                let (api, stage) = k.split_once('/').unwrap_or((k, ""));
                json!({"RestApiId": api, "StageName": stage})
            })
            .collect(),
    )
}

async fn get(ctx: &Ctx, id: &str, with_value: bool) -> Result<Option<GetApiKeyOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_api_key()
        .api_key(id)
        .include_value(with_value)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetApiKey", e)),
    }
}

fn props_of(k: &GetApiKeyOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    for (key, v) in [
        ("Name", k.name()),
        ("Description", k.description()),
        ("CustomerId", k.customer_id()),
        ("Value", k.value()),
    ] {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            p.insert(key.into(), json!(v));
        }
    }
    p.insert("Enabled".into(), json!(k.enabled()));
    if !k.stage_keys().is_empty() || desired.contains_key("StageKeys") {
        p.insert(
            "StageKeys".into(),
            stage_keys_value(k.stage_keys(), desired),
        );
    }
    // Write-only: what the template said.
    if let Some(v) = desired.get("GenerateDistinctId") {
        p.insert("GenerateDistinctId".into(), v.clone());
    }
    if desired.contains_key("Tags") {
        p.insert(
            "Tags".into(),
            property::tags_value(k.tags().into_iter().flatten()),
        );
    }
    p
}

fn update_ops(old: &Props, new: &Props) -> Result<Vec<PatchOperation>> {
    let mut ops = Vec::new();
    for (key, path) in [
        ("Description", "/description"),
        ("CustomerId", "/customerId"),
    ] {
        if property::changed(old, new, key) {
            ops.push(replace(
                path,
                property::string(new, key).unwrap_or_default(),
            ));
        }
    }
    if property::changed(old, new, "Enabled") {
        let enabled = property::boolean(new, "Enabled")?.unwrap_or(false);
        ops.push(replace("/enabled", enabled.to_string()));
    }
    if property::changed(old, new, "StageKeys") {
        let before = stage_keys(old)?;
        let after = stage_keys(new)?;
        for k in after.iter().filter(|k| !before.contains(k)) {
            ops.push(patch(Op::Add, "/stages", Some(k.clone())));
        }
        for k in before.iter().filter(|k| !after.contains(k)) {
            ops.push(patch(Op::Remove, "/stages", Some(k.clone())));
        }
    }
    Ok(ops)
}

impl Resource for ApiKey {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn secret_properties(&self) -> &'static [&'static str] {
        &["Value"]
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("Name")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let keys = stage_keys(props)?;
        let keys = keys
            .iter()
            .map(|k| {
                let (api, stage) = k.split_once('/').unwrap_or((k, ""));
                StageKey::builder()
                    .rest_api_id(api)
                    .stage_name(stage)
                    .build()
            })
            .collect::<Vec<_>>();
        let out = ctx
            .clients
            .apigateway()
            .create_api_key()
            .set_name(property::string(props, "Name"))
            .set_description(property::string(props, "Description"))
            .set_customer_id(property::string(props, "CustomerId"))
            .set_enabled(property::boolean(props, "Enabled")?)
            .set_generate_distinct_id(property::boolean(props, "GenerateDistinctId")?)
            .set_value(property::string(props, "Value"))
            .set_stage_keys((!keys.is_empty()).then_some(keys))
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateApiKey", e))?;
        let id = out.id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let with_value = desired.contains_key("Value");
        Ok(get(ctx, id, with_value).await?.map(|k| Live {
            properties: props_of(&k, desired),
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let ops = update_ops(old, new)?;
        if !ops.is_empty() {
            ctx.clients
                .apigateway()
                .update_api_key()
                .api_key(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateApiKey", e))?;
        }
        retag(ctx, &arn(ctx, id), old, new).await?;
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "apigateway:DeleteApiKey",
            ctx.clients
                .apigateway()
                .delete_api_key()
                .api_key(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// API key names are not unique: the key with this name that carries this resource's
    /// ownership tags (and is none of its earlier copies).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "Name") else {
            return Ok(None);
        };
        let mut pages = ctx
            .clients
            .apigateway()
            .get_api_keys()
            .name_query(&name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("apigateway:GetApiKeys", e))?;
            if let Some(id) = page
                .items()
                .iter()
                .filter(|k| k.name() == Some(name.as_str()))
                .filter(|k| property::owned_by(ctx, k.tags().into_iter().flatten()))
                .filter_map(|k| k.id())
                .find(|id| !crate::resources::is_earlier_copy(props, id))
            {
                return Ok(Some(id.to_string()));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_keys_round_trip_in_the_template_order() {
        let desired = json!({"StageKeys": [
            {"RestApiId": "a1", "StageName": "prod"}, {"RestApiId": "b2", "StageName": "dev"}
        ]});
        let desired = desired.as_object().unwrap();
        assert_eq!(stage_keys(desired).unwrap(), ["a1/prod", "b2/dev"]);
        let live = vec!["b2/dev".to_string(), "a1/prod".to_string()];
        assert_eq!(stage_keys_value(&live, desired), desired["StageKeys"]);
    }
}
