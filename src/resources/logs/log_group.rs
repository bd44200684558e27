//! `AWS::Logs::LogGroup`: a CloudWatch Logs group with its retention, KMS key, class and tags.
//! Physical id: the group name. The class (`LogGroupClass`) is fixed at create: CloudWatch Logs
//! has no call to change it, and CloudFormation refuses the update, so fuelflow does too.

use crate::resources::Owner;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_cloudwatchlogs::types::{LogGroup as LiveGroup, LogGroupClass};
use serde_json::json;

pub struct LogGroup;

/// The group's ARN as `Fn::GetAtt Arn` gives it (with the `:*` suffix).
fn arn(ctx: &Ctx, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}:*",
        ctx.region, ctx.account_id
    )
}

/// The ARN the tagging API takes (without `:*`).
fn tagging_arn(ctx: &Ctx, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}",
        ctx.region, ctx.account_id
    )
}

fn attributes(ctx: &Ctx, name: &str) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(arn(ctx, name)))])
}

async fn describe(ctx: &Ctx, name: &str) -> Result<Option<LiveGroup>> {
    let mut pages = ctx
        .clients
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("logs:DescribeLogGroups", e))?;
        if let Some(group) = page
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(group.clone()));
        }
    }
    Ok(None)
}

async fn set_retention(ctx: &Ctx, name: &str, days: Option<i32>) -> Result<()> {
    let logs = ctx.clients.logs();
    match days {
        Some(days) => logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("logs:PutRetentionPolicy", e)),
        None => logs
            .delete_retention_policy()
            .log_group_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("logs:DeleteRetentionPolicy", e)),
    }
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "LogGroupName",
    "KmsKeyId",
    "LogGroupClass",
    "RetentionInDays",
    "Tags",
];

/// The class a group has when the template names none.
const STANDARD: &str = "STANDARD";

/// The class the props ask for (`STANDARD` when absent).
fn class(props: &Props) -> String {
    property::string(props, "LogGroupClass").unwrap_or_else(|| STANDARD.into())
}

impl Resource for LogGroup {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("LogGroupName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (512, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "LogGroupName")?;
        ctx.clients
            .logs()
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(property::string(props, "KmsKeyId"))
            .set_log_group_class(
                property::string(props, "LogGroupClass").map(|c| LogGroupClass::from(c.as_str())),
            )
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .send()
            .await
            .map_err(|e| sdk_error("logs:CreateLogGroup", e))?;
        if let Some(days) = property::integer(props, "RetentionInDays")? {
            set_retention(ctx, &name, Some(days)).await?;
        }
        Ok(Created {
            attributes: attributes(ctx, &name),
            physical_id: name,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(group) = describe(ctx, name).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("LogGroupName".into(), json!(name));
        if let Some(days) = group.retention_in_days() {
            p.insert("RetentionInDays".into(), json!(days));
        }
        if let Some(key) = group.kms_key_id() {
            p.insert("KmsKeyId".into(), json!(key));
        }
        // A group made before classes existed reports none: it is a standard one.
        let live_class = group.log_group_class().map(|c| c.as_str());
        p.insert(
            "LogGroupClass".into(),
            json!(live_class.unwrap_or(STANDARD)),
        );
        if desired.contains_key("Tags") {
            let tags = ctx
                .clients
                .logs()
                .list_tags_for_resource()
                .resource_arn(tagging_arn(ctx, name))
                .send()
                .await
                .map_err(|e| sdk_error("logs:ListTagsForResource", e))?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.tags().into_iter().flatten()),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(ctx, name),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let logs = ctx.clients.logs();
        // Refused before anything else changes, so the update leaves the group as it was.
        if class(old) != class(new) {
            return Err(ResourceError::new(
                "NotUpdatable",
                format!(
                    "{name}: LogGroupClass cannot change from {} to {} after the log group is \
                     created (CloudWatch Logs has no such call); give the group a new \
                     LogGroupName to replace it, or keep the class",
                    class(old),
                    class(new)
                ),
            ));
        }
        if property::changed(old, new, "RetentionInDays") {
            set_retention(ctx, name, property::integer(new, "RetentionInDays")?).await?;
        }
        if property::changed(old, new, "KmsKeyId") {
            match property::string(new, "KmsKeyId") {
                Some(key) => logs
                    .associate_kms_key()
                    .log_group_name(name)
                    .kms_key_id(key)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_error("logs:AssociateKmsKey", e))?,
                None => logs
                    .disassociate_kms_key()
                    .log_group_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_error("logs:DisassociateKmsKey", e))?,
            }
        }
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            logs.tag_resource()
                .resource_arn(tagging_arn(ctx, name))
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("logs:TagResource", e))?;
        }
        if !removed.is_empty() {
            logs.untag_resource()
                .resource_arn(tagging_arn(ctx, name))
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("logs:UntagResource", e))?;
        }
        Ok(attributes(ctx, name))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "logs:DeleteLogGroup",
            ctx.clients
                .logs()
                .delete_log_group()
                .log_group_name(physical_id)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "LogGroupName") else {
            return Ok(None);
        };
        Ok(describe(ctx, &name).await?.map(|_| name))
    }

    async fn owner(&self, ctx: &Ctx, name: &str) -> Result<Option<Owner>> {
        if describe(ctx, name).await?.is_none() {
            return Ok(None);
        }
        let tags = ctx
            .clients
            .logs()
            .list_tags_for_resource()
            .resource_arn(tagging_arn(ctx, name))
            .send()
            .await
            .map_err(|e| sdk_error("logs:ListTagsForResource", e))?;
        Ok(Owner::from_tags(tags.tags().into_iter().flatten()))
    }
}
