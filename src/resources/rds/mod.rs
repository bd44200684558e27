//! Amazon RDS: `AWS::RDS::DBSubnetGroup` and `AWS::RDS::DBInstance`, plus what both share
//! (tagging by ARN, reading loosely typed template values, waiter errors).

pub mod db_instance;
pub mod db_subnet_group;
mod instance_shape;

use super::{Ctx, Props, ResourceError, Result, text};
use crate::resources::property::{boolean, changed, integer, string, strings_if_set as strings};
use crate::resources::sdk_error;
use aws_sdk_rds::types::Tag;
use serde_json::{Value, json};

/// A live list reported in the desired order when it holds the same items (AWS keeps no order
/// for security groups, subnets or log types).
fn same_set(desired: Option<&Value>, live: Vec<String>) -> Value {
    if let Some(Value::Array(want)) = desired {
        let want: Vec<String> = want.iter().filter_map(text).collect();
        let mut a = want.clone();
        let mut b = live.clone();
        a.sort();
        b.sort();
        if a == b {
            return json!(want);
        }
    }
    json!(live)
}

fn rds_tags(tags: Vec<(String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Tags in the template's shape, without the ones fuelflow or AWS own.
fn user_tags(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
            .filter(|(k, _)| !k.starts_with("fuelflow:") && !k.starts_with("aws:"))
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// Whether a resource's tags carry this stack's ownership tags.
fn owned(ctx: &Ctx, tags: &[Tag]) -> bool {
    ctx.ownership_tags().iter().all(|(k, v)| {
        tags.iter()
            .any(|t| t.key() == Some(k.as_str()) && t.value() == Some(v.as_str()))
    })
}

/// Brings the tags of the resource at `arn` from the `old` template tags to the `new` ones.
async fn update_tags(ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<()> {
    let (set, removed) = super::tag_changes(old, new);
    let client = ctx.clients.rds();
    if !removed.is_empty() {
        client
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk_error("rds:RemoveTagsFromResource", e))?;
    }
    if !set.is_empty() {
        client
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(rds_tags(set)))
            .send()
            .await
            .map_err(|e| sdk_error("rds:AddTagsToResource", e))?;
    }
    Ok(())
}

/// A waiter that gave up: the service's error code when polling failed, else `WaitFailed`
/// (a failure state such as `failed`, or the time limit).
fn wait_error<E>(what: &str, e: E) -> ResourceError
where
    E: aws_sdk_rds::error::ProvideErrorMetadata + std::fmt::Display,
{
    ResourceError::new(
        e.code().unwrap_or("WaitFailed"),
        format!("waiting for {what}: {e}"),
    )
}
