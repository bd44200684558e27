//! `AWS::ApiGateway::UsagePlan`: throttling and a quota for the API stages it lists, applied to
//! the API keys added to it (`UsagePlanKey`). Physical id (and `Ref`): the plan id.
//!
//! A stage's own `Throttle` (per method) is sent at create; changing it in place later is
//! refused (API Gateway's patch paths for it are not implemented here yet).

use super::api_key::retag;
use super::{not_found, patch, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigateway::operation::get_usage_plan::GetUsagePlanOutput;
use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use serde_json::{Map, Value, json};

pub struct UsagePlan;

const MANAGED: &[&str] = &[
    "ApiStages",
    "Description",
    "Quota",
    "Tags",
    "Throttle",
    "UsagePlanName",
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(id))])
}

fn arn(ctx: &Ctx, id: &str) -> String {
    format!("arn:aws:apigateway:{}::/usageplans/{id}", ctx.region)
}

fn throttle(v: &Map<String, Value>, what: &str) -> Result<ThrottleSettings> {
    let burst = property::value::integer(v.get("BurstLimit"), &format!("{what}.BurstLimit"))?;
    let rate = match v.get("RateLimit").and_then(property::text) {
        None => None,
        Some(t) => Some(t.parse::<f64>().map_err(|_| {
            ResourceError::invalid(&format!("{what}.RateLimit"), "must be a number")
        })?),
    };
    Ok(ThrottleSettings::builder()
        .set_burst_limit(burst)
        .set_rate_limit(rate)
        .build())
}

fn throttle_value(t: &ThrottleSettings) -> Value {
    json!({"BurstLimit": t.burst_limit(), "RateLimit": property::number(t.rate_limit())})
}

fn quota(props: &Props) -> Result<Option<QuotaSettings>> {
    let Some(q) = property::object(props, "Quota")? else {
        return Ok(None);
    };
    Ok(Some(
        QuotaSettings::builder()
            .set_limit(property::value::integer(q.get("Limit"), "Quota.Limit")?)
            .set_offset(property::value::integer(q.get("Offset"), "Quota.Offset")?)
            .set_period(
                property::value::string(q.get("Period"), "Quota.Period")?
                    .map(|p| QuotaPeriodType::from(p.as_str())),
            )
            .build(),
    ))
}

/// The template's `ApiStages` entries, each as an object.
fn stages(props: &Props) -> Result<Vec<Map<String, Value>>> {
    match props.get("ApiStages") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_object()
                    .cloned()
                    .ok_or_else(|| ResourceError::invalid("ApiStages", "entries must be objects"))
            })
            .collect(),
        Some(_) => Err(ResourceError::invalid("ApiStages", "must be a list")),
    }
}

/// `<api id>:<stage>`, as API Gateway names a plan's stage in patch values.
fn stage_key(s: &Map<String, Value>) -> String {
    let api = property::string(s, "ApiId").unwrap_or_default();
    let stage = property::string(s, "Stage").unwrap_or_default();
    format!("{api}:{stage}")
}

fn api_stage(s: &Map<String, Value>) -> Result<ApiStage> {
    let mut b = ApiStage::builder()
        .set_api_id(property::string(s, "ApiId"))
        .set_stage(property::string(s, "Stage"));
    if let Some(t) = property::object(s, "Throttle")? {
        for (method, settings) in t {
            let settings = settings.as_object().ok_or_else(|| {
                ResourceError::invalid("ApiStages.Throttle", "values must be objects")
            })?;
            b = b.throttle(method, throttle(settings, "ApiStages.Throttle")?);
        }
    }
    Ok(b.build())
}

fn api_stage_value(s: &ApiStage) -> Value {
    let mut v = json!({"ApiId": s.api_id(), "Stage": s.stage()});
    if let Some(t) = s.throttle().filter(|t| !t.is_empty()) {
        v["Throttle"] = Value::Object(
            t.iter()
                .map(|(k, t)| (k.clone(), throttle_value(t)))
                .collect(),
        );
    }
    v
}

async fn get(ctx: &Ctx, id: &str) -> Result<Option<GetUsagePlanOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_usage_plan()
        .usage_plan_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetUsagePlan", e)),
    }
}

fn shaped(live: Value, desired: Option<&Value>) -> Value {
    match desired {
        Some(d) => property::shape_like(&live, d),
        None => live,
    }
}

fn props_of(u: &GetUsagePlanOutput, desired: &Props) -> Props {
    let mut p = Props::new();
    if let Some(n) = u.name() {
        p.insert("UsagePlanName".into(), json!(n));
    }
    if let Some(d) = u.description().filter(|d| !d.is_empty()) {
        p.insert("Description".into(), json!(d));
    }
    if !u.api_stages().is_empty() || desired.contains_key("ApiStages") {
        let live = u.api_stages().iter().map(api_stage_value).collect();
        p.insert(
            "ApiStages".into(),
            super::list_like(live, desired.get("ApiStages"), &["ApiId", "Stage"]),
        );
    }
    if let Some(t) = u.throttle() {
        p.insert(
            "Throttle".into(),
            shaped(throttle_value(t), desired.get("Throttle")),
        );
    }
    if let Some(q) = u.quota() {
        let live = json!({
            "Limit": q.limit(), "Offset": q.offset(), "Period": q.period().map(|p| p.as_str())
        });
        p.insert("Quota".into(), shaped(live, desired.get("Quota")));
    }
    if desired.contains_key("Tags") {
        p.insert(
            "Tags".into(),
            property::tags_value(u.tags().into_iter().flatten()),
        );
    }
    p
}

/// Replace operations for the fields of an object property (`/throttle/rateLimit`), or its
/// removal when the template dropped it.
fn object_patch(
    old: &Props,
    new: &Props,
    key: &str,
    prefix: &str,
    fields: &[(&str, &str)],
) -> Result<Vec<PatchOperation>> {
    if !property::changed(old, new, key) {
        return Ok(Vec::new());
    }
    let Some(obj) = property::object(new, key)? else {
        return Ok(vec![patch(Op::Remove, prefix, None)]);
    };
    Ok(fields
        .iter()
        .filter_map(|(field, path)| {
            let v = obj.get(*field).and_then(property::text)?;
            Some(replace(format!("{prefix}/{path}"), v))
        })
        .collect())
}

fn stages_patch(old: &Props, new: &Props) -> Result<Vec<PatchOperation>> {
    let before = stages(old)?;
    let after = stages(new)?;
    let mut ops = Vec::new();
    for s in &after {
        let key = stage_key(s);
        match before.iter().find(|b| stage_key(b) == key) {
            None => {
                ops.push(patch(Op::Add, "/apiStages", Some(key.clone())));
                if s.contains_key("Throttle") {
                    return Err(ResourceError::invalid(
                        "ApiStages",
                        format!("{key}: a stage's Throttle is only sent at create"),
                    ));
                }
            }
            Some(b)
                if !crate::resources::compare::equivalent(
                    s.get("Throttle").unwrap_or(&Value::Null),
                    b.get("Throttle").unwrap_or(&Value::Null),
                ) =>
            {
                return Err(ResourceError::invalid(
                    "ApiStages",
                    format!("{key}: a stage's Throttle cannot be changed in place yet"),
                ));
            }
            Some(_) => {}
        }
    }
    for b in before
        .iter()
        .filter(|b| !after.iter().any(|a| stage_key(a) == stage_key(b)))
    {
        ops.push(patch(Op::Remove, "/apiStages", Some(stage_key(b))));
    }
    Ok(ops)
}

fn update_ops(old: &Props, new: &Props) -> Result<Vec<PatchOperation>> {
    let mut ops = Vec::new();
    for (key, path) in [("UsagePlanName", "/name"), ("Description", "/description")] {
        if property::changed(old, new, key) {
            ops.push(replace(
                path,
                property::string(new, key).unwrap_or_default(),
            ));
        }
    }
    let throttle = [("BurstLimit", "burstLimit"), ("RateLimit", "rateLimit")];
    ops.extend(object_patch(old, new, "Throttle", "/throttle", &throttle)?);
    let quota = [
        ("Limit", "limit"),
        ("Offset", "offset"),
        ("Period", "period"),
    ];
    ops.extend(object_patch(old, new, "Quota", "/quota", &quota)?);
    ops.extend(stages_patch(old, new)?);
    Ok(ops)
}

impl Resource for UsagePlan {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let stages = stages(props)?
            .iter()
            .map(api_stage)
            .collect::<Result<Vec<_>>>()?;
        let out = ctx
            .clients
            .apigateway()
            .create_usage_plan()
            .name(
                property::string(props, "UsagePlanName")
                    .unwrap_or_else(|| format!("{}-{}", ctx.stack, ctx.logical_id)),
            )
            .set_description(property::string(props, "Description"))
            .set_api_stages((!stages.is_empty()).then_some(stages))
            .set_throttle(
                property::object(props, "Throttle")?
                    .map(|t| throttle(t, "Throttle"))
                    .transpose()?,
            )
            .set_quota(quota(props)?)
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateUsagePlan", e))?;
        let id = out.id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        Ok(get(ctx, id).await?.map(|u| Live {
            properties: props_of(&u, desired),
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let ops = update_ops(old, new)?;
        if !ops.is_empty() {
            ctx.clients
                .apigateway()
                .update_usage_plan()
                .usage_plan_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateUsagePlan", e))?;
        }
        retag(ctx, &arn(ctx, id), old, new).await?;
        Ok(attributes(id))
    }

    /// Takes the plan off its stages first: API Gateway refuses to delete a plan still
    /// associated with API stages.
    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let Some(plan) = get(ctx, id).await? else {
            return Ok(());
        };
        let gateway = ctx.clients.apigateway();
        let ops: Vec<PatchOperation> = plan
            .api_stages()
            .iter()
            .map(|s| {
                let key = format!(
                    "{}:{}",
                    s.api_id().unwrap_or_default(),
                    s.stage().unwrap_or_default()
                );
                patch(Op::Remove, "/apiStages", Some(key))
            })
            .collect();
        if !ops.is_empty() {
            match gateway
                .update_usage_plan()
                .usage_plan_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if not_found!(e) => return Ok(()),
                Err(e) => return Err(sdk_error("apigateway:UpdateUsagePlan", e)),
            }
        }
        property::deleted(
            "apigateway:DeleteUsagePlan",
            gateway.delete_usage_plan().usage_plan_id(id).send().await,
            |s| s.is_not_found_exception(),
        )
    }

    /// Plan names are not unique: by the ownership tags.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let mut pages = ctx
            .clients
            .apigateway()
            .get_usage_plans()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("apigateway:GetUsagePlans", e))?;
            if let Some(id) = page
                .items()
                .iter()
                .filter(|u| property::owned_by(ctx, u.tags().into_iter().flatten()))
                .filter_map(|u| u.id())
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

    fn ops(old: Value, new: Value) -> Result<Vec<(String, String, Option<String>)>> {
        Ok(
            update_ops(old.as_object().unwrap(), new.as_object().unwrap())?
                .iter()
                .map(|o| {
                    (
                        o.op().unwrap().as_str().to_string(),
                        o.path().unwrap().to_string(),
                        o.value().map(str::to_string),
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn stages_are_added_and_removed_by_api_and_stage() {
        let old = json!({"ApiStages": [{"ApiId": "a", "Stage": "dev"}], "Quota": {"Limit": 5}});
        let new =
            json!({"ApiStages": [{"ApiId": "a", "Stage": "prod"}], "Throttle": {"RateLimit": 2}});
        let got = ops(old, new).unwrap();
        assert!(got.contains(&(
            "replace".into(),
            "/throttle/rateLimit".into(),
            Some("2".into())
        )));
        assert!(got.contains(&("remove".into(), "/quota".into(), None)));
        assert!(got.contains(&("add".into(), "/apiStages".into(), Some("a:prod".into()))));
        assert!(got.contains(&("remove".into(), "/apiStages".into(), Some("a:dev".into()))));
    }

    #[test]
    fn a_stage_throttle_change_is_refused() {
        let old = json!({"ApiStages": [{"ApiId": "a", "Stage": "dev"}]});
        let new = json!({"ApiStages": [{"ApiId": "a", "Stage": "dev",
            "Throttle": {"/pets/GET": {"RateLimit": 1}}}]});
        assert!(ops(old, new).is_err());
    }
}
