//! Amazon EC2 networking: `AWS::EC2::VPC`, `AWS::EC2::Subnet`, `AWS::EC2::SecurityGroup` and
//! the standalone `AWS::EC2::SecurityGroupIngress` / `AWS::EC2::SecurityGroupEgress` rules; the
//! VPC plumbing of issue 16: route tables, routes and their subnet associations, internet
//! gateways and their attachments, Elastic IPs, NAT gateways, VPC endpoints, network ACLs and
//! their entries.
//!
//! AWS assigns the ids of all of these, so none has a name property: `adopt` finds them by the
//! ownership tags with `tag:fuelflow:stack` / `tag:fuelflow:logical-id` filters. EC2 models no
//! error shapes, so "not found" is recognised by its error code.

pub mod eip;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod network_acl;
pub mod network_acl_entry;
pub mod route;
pub mod route_table;
mod rules;
pub mod security_group;
pub mod security_group_egress;
pub mod security_group_ingress;
mod standalone_rule;
pub mod subnet;
pub mod subnet_route_table_association;
pub mod vpc;
pub mod vpc_endpoint;
pub mod vpc_gateway_attachment;

use super::text;
use super::{Ctx, OWNER_LOGICAL_ID_TAG, OWNER_STACK_TAG, Props, ResourceError, Result};
use crate::resources::property::{boolean, changed, string};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType, Tag, TagSpecification};
use serde_json::{Value, json};

/// A configuration override for one create call of an API that is not idempotent (`CreateVpc`,
/// `CreateSubnet`, `CreateSecurityGroup`): no SDK retry, so a lost answer reaches the engine,
/// which looks the resource up before it tries again instead of creating a second one.
fn sent_once() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

fn flag(on: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(on).build()
}

/// Tags for the create call itself, so the resource is never untagged, even for a moment.
fn tag_specification(ctx: &Ctx, props: &Props, kind: ResourceType) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(ec2_tags(ctx.tags_with_ownership(props))))
        .build()
}

fn ec2_tags(tags: Vec<(String, String)>) -> Vec<Tag> {
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

/// The Describe* filters that select what this stack's resource `ctx.logical_id` carries.
fn ownership_filters(ctx: &Ctx) -> Vec<Filter> {
    [
        (OWNER_STACK_TAG, &ctx.stack),
        (OWNER_LOGICAL_ID_TAG, &ctx.logical_id),
    ]
    .into_iter()
    .map(|(key, value)| {
        Filter::builder()
            .name(format!("tag:{key}"))
            .values(value.clone())
            .build()
    })
    .collect()
}

/// Whether live EC2 tags carry this stack's ownership tags for `ctx.logical_id` (for the
/// Describe* calls whose `tag:` filters moto ignores, checked again on the answer).
fn owned_here(ctx: &Ctx, tags: &[Tag]) -> bool {
    let has = |key: &str, value: &str| {
        tags.iter()
            .any(|t| t.key() == Some(key) && t.value() == Some(value))
    };
    has(OWNER_STACK_TAG, &ctx.stack) && has(OWNER_LOGICAL_ID_TAG, &ctx.logical_id)
}

/// The pending create's client token (the engine's [`CLIENT_TOKEN`](crate::resources::CLIENT_TOKEN),
/// the same across the retries of one create), cut to the 64 characters EC2 takes.
fn client_token(props: &Props) -> Option<String> {
    let mut token = string(props, crate::resources::CLIENT_TOKEN)?;
    token.truncate(64);
    Some(token)
}

/// Brings the tags of `resource_id` from the `old` template tags to the `new` ones.
async fn update_tags(ctx: &Ctx, resource_id: &str, old: &Props, new: &Props) -> Result<()> {
    let (set, removed) = super::tag_changes(old, new);
    let removed: Vec<Tag> = removed
        .iter()
        .map(|k| Tag::builder().key(k).build())
        .collect();
    let client = ctx.clients.ec2();
    if !removed.is_empty() {
        client
            .delete_tags()
            .resources(resource_id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DeleteTags", e))?;
    }
    if !set.is_empty() {
        client
            .create_tags()
            .resources(resource_id)
            .set_tags(Some(ec2_tags(set)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateTags", e))?;
    }
    Ok(())
}

/// Whether an EC2 error has this code (EC2 has no modeled errors to match on).
fn has_code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>, code: &str) -> bool {
    e.as_service_error().and_then(|s| s.code()) == Some(code)
}

/// An EC2 error; `DependencyViolation` (something still being deleted uses it) is retryable.
fn ec2_error<E, R>(operation: &str, e: SdkError<E, R>) -> ResourceError
where
    E: ProvideErrorMetadata
        + aws_smithy_types::retry::ProvideErrorKind
        + std::error::Error
        + 'static,
    R: std::fmt::Debug,
{
    let retry = has_code(&e, "DependencyViolation");
    let e = crate::resources::sdk_error(operation, e);
    if retry { e.retryable() } else { e }
}

fn wait_error<E>(what: &str, e: E) -> ResourceError
where
    E: ProvideErrorMetadata + std::fmt::Display,
{
    ResourceError::new(
        e.code().unwrap_or("WaitFailed"),
        format!("waiting for {what}: {e}"),
    )
}
