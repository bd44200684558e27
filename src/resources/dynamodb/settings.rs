//! A table's settings that have calls of their own (point-in-time recovery, time to live, tags)
//! and the live table in template shape.

use super::shape::{self, boolean};
use crate::resources::sdk_error;
use crate::resources::{Ctx, Props, ResourceError, Result, template_tags, text};
use aws_sdk_dynamodb::types::{
    PointInTimeRecoverySpecification, TableDescription, Tag, TimeToLiveSpecification,
    TimeToLiveStatus,
};
use serde_json::{Value, json};

/// The properties read from DescribeTable, only those the template sets.
pub(super) fn live_properties(table: &TableDescription, desired: &Props) -> Props {
    let mut props = Props::new();
    let mut put = |key: &str, value: Option<Value>| {
        if desired.contains_key(key) {
            if let Some(v) = value {
                props.insert(key.to_string(), v);
            }
        }
    };
    put("TableName", table.table_name().map(|n| json!(n)));
    put(
        "KeySchema",
        Some(shape::key_schema_json(table.key_schema())),
    );
    put(
        "AttributeDefinitions",
        Some(shape::attribute_definitions_json(
            table.attribute_definitions(),
            desired.get("AttributeDefinitions"),
        )),
    );
    let mode = table
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "PROVISIONED".into());
    put("BillingMode", Some(json!(mode)));
    put(
        "ProvisionedThroughput",
        table
            .provisioned_throughput()
            .map(|t| shape::throughput_json(t.read_capacity_units(), t.write_capacity_units())),
    );
    put(
        "GlobalSecondaryIndexes",
        Some(shape::global_indexes_json(
            table.global_secondary_indexes(),
            desired.get("GlobalSecondaryIndexes"),
        )),
    );
    put(
        "LocalSecondaryIndexes",
        Some(shape::local_indexes_json(
            table.local_secondary_indexes(),
            desired.get("LocalSecondaryIndexes"),
        )),
    );
    put("SSESpecification", Some(sse_json(table, desired)));
    put(
        "StreamSpecification",
        table
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type())
            .map(|v| json!({"StreamViewType": v.as_str()})),
    );
    put(
        "DeletionProtectionEnabled",
        Some(json!(table.deletion_protection_enabled().unwrap_or(false))),
    );
    props
}

pub(super) fn sse_json(table: &TableDescription, desired: &Props) -> Value {
    let want = desired.get("SSESpecification");
    let sse = table.sse_description();
    let on = sse
        .and_then(|s| s.status())
        .is_some_and(|s| s.as_str() == "ENABLED");
    let mut out = serde_json::Map::new();
    out.insert("SSEEnabled".into(), json!(on));
    if want.is_some_and(|w| w.get("SSEType").is_some()) {
        if let Some(t) = sse.and_then(|s| s.sse_type()) {
            out.insert("SSEType".into(), json!(t.as_str()));
        }
    }
    if let Some(key) = want.and_then(|w| w.get("KMSMasterKeyId")).and_then(text) {
        if let Some(live) = sse.and_then(|s| s.kms_master_key_arn()) {
            let same = live == key || live.ends_with(&format!("/{key}"));
            out.insert(
                "KMSMasterKeyId".into(),
                json!(if same { key } else { live.to_string() }),
            );
        }
    }
    Value::Object(out)
}
pub(super) fn point_in_time_recovery(props: &Props) -> Result<Option<bool>> {
    let spec = props.get("PointInTimeRecoverySpecification");
    boolean(
        spec.and_then(|s| s.get("PointInTimeRecoveryEnabled")),
        "PointInTimeRecoverySpecification",
    )
}

pub(super) async fn set_point_in_time_recovery(ctx: &Ctx, name: &str, on: bool) -> Result<()> {
    let spec = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(on)
        .build()
        .map_err(|e| ResourceError::invalid("PointInTimeRecoverySpecification", e))?;
    ctx.clients
        .dynamodb()
        .update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(spec)
        .send()
        .await
        .map_err(|e| sdk_error("dynamodb:UpdateContinuousBackups", e))?;
    Ok(())
}

pub(super) async fn point_in_time_recovery_live(ctx: &Ctx, name: &str) -> Result<bool> {
    let out = ctx
        .clients
        .dynamodb()
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("dynamodb:DescribeContinuousBackups", e))?;
    Ok(out
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .is_some_and(|s| s.as_str() == "ENABLED"))
}

pub(super) async fn set_time_to_live(ctx: &Ctx, name: &str, spec: &Value) -> Result<()> {
    let on = boolean(spec.get("Enabled"), "TimeToLiveSpecification")?.unwrap_or(false);
    let spec = TimeToLiveSpecification::builder()
        .set_attribute_name(spec.get("AttributeName").and_then(text))
        .enabled(on)
        .build()
        .map_err(|e| ResourceError::invalid("TimeToLiveSpecification", e))?;
    ctx.clients
        .dynamodb()
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| sdk_error("dynamodb:UpdateTimeToLive", e))?;
    Ok(())
}

/// TTL goes off (on the attribute it was on) before it comes on for another attribute.
pub(super) async fn update_time_to_live(
    ctx: &Ctx,
    name: &str,
    old: &Props,
    new: &Props,
) -> Result<()> {
    let spec = |p: &Props| p.get("TimeToLiveSpecification").cloned();
    let enabled = |s: &Option<Value>| -> Result<bool> {
        Ok(boolean(
            s.as_ref().and_then(|s| s.get("Enabled")),
            "TimeToLiveSpecification",
        )?
        .unwrap_or(false))
    };
    let (old, new) = (spec(old), spec(new));
    if enabled(&old)? {
        let mut off = old.clone().unwrap();
        off["Enabled"] = json!(false);
        set_time_to_live(ctx, name, &off).await?;
    }
    if enabled(&new)? {
        set_time_to_live(ctx, name, new.as_ref().unwrap()).await?;
    }
    Ok(())
}

/// `{AttributeName, Enabled}`. AWS names no attribute while TTL is off: the template's name is
/// reported then, since it is not what differs.
pub(super) async fn time_to_live_live(ctx: &Ctx, name: &str, desired: &Value) -> Result<Value> {
    let out = ctx
        .clients
        .dynamodb()
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("dynamodb:DescribeTimeToLive", e))?;
    let ttl = out.time_to_live_description();
    let on = ttl
        .and_then(|t| t.time_to_live_status())
        .is_some_and(|s| matches!(s, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
    let attribute = match ttl.and_then(|t| t.attribute_name()) {
        Some(a) if on => Some(a.to_string()),
        _ if !on => desired.get("AttributeName").and_then(text),
        _ => None,
    };
    let mut spec = serde_json::Map::new();
    if let Some(attr) = attribute {
        spec.insert("AttributeName".into(), json!(attr));
    }
    spec.insert("Enabled".into(), json!(on));
    Ok(Value::Object(spec))
}

pub(super) async fn list_tags(ctx: &Ctx, arn: &str) -> Result<Vec<Tag>> {
    let mut tags = Vec::new();
    let mut token = None;
    loop {
        let out = ctx
            .clients
            .dynamodb()
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("dynamodb:ListTagsOfResource", e))?;
        tags.extend(out.tags.unwrap_or_default());
        token = out.next_token;
        if token.is_none() {
            return Ok(tags);
        }
    }
}

pub(super) async fn update_tags(ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<()> {
    let (old, new) = (template_tags(old), template_tags(new));
    let removed: Vec<String> = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(nk, _)| nk == k))
        .map(|(k, _)| k.clone())
        .collect();
    let set = new
        .into_iter()
        .filter(|t| !old.contains(t))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| ResourceError::invalid("Tags", e))?;
    let client = ctx.clients.dynamodb();
    if !removed.is_empty() {
        client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk_error("dynamodb:UntagResource", e))?;
    }
    if !set.is_empty() {
        client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk_error("dynamodb:TagResource", e))?;
    }
    Ok(())
}
