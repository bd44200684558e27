//! `AWS::RDS::DBSubnetGroup`. Physical id: the group name (RDS stores it in lower case).

use super::{changed, owned, rds_tags, same_set, string, strings, update_tags, user_tags};
use crate::aws::AwsError;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_rds::types::DbSubnetGroup as Group;
use serde_json::json;

pub struct DbSubnetGroup;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "DBSubnetGroupDescription",
    "DBSubnetGroupName",
    "SubnetIds",
    "Tags",
];

impl Resource for DbSubnetGroup {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("DBSubnetGroupName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (255, true)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = string(props, "DBSubnetGroupName")
            .ok_or_else(|| ResourceError::invalid("DBSubnetGroupName", "missing"))?
            .to_lowercase();
        let out = ctx
            .clients
            .rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(
                string(props, "DBSubnetGroupDescription").unwrap_or_default(),
            )
            .set_subnet_ids(strings(props, "SubnetIds")?)
            .set_tags(Some(rds_tags(ctx.tags_with_ownership(props))))
            .send()
            .await
            .map_err(|e| sdk_error("rds:CreateDBSubnetGroup", e))?;
        Ok(Created {
            physical_id: name,
            attributes: out
                .db_subnet_group
                .as_ref()
                .map(attributes)
                .unwrap_or_default(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(group) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        let name = group.db_subnet_group_name().unwrap_or_default();
        // RDS lower-cases the name; report the template's spelling when it is the same name.
        let name = match string(desired, "DBSubnetGroupName") {
            Some(want) if want.eq_ignore_ascii_case(name) => want,
            _ => name.to_string(),
        };
        properties.insert("DBSubnetGroupName".into(), json!(name));
        if let Some(d) = group.db_subnet_group_description() {
            properties.insert("DBSubnetGroupDescription".into(), json!(d));
        }
        let subnets = group
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier().map(str::to_string))
            .collect();
        properties.insert(
            "SubnetIds".into(),
            same_set(desired.get("SubnetIds"), subnets),
        );
        if desired.contains_key("Tags") {
            let tags = list_tags(ctx, group.db_subnet_group_arn().unwrap_or_default()).await?;
            properties.insert("Tags".into(), user_tags(&tags));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(&group),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let modified =
            if changed(old, new, "DBSubnetGroupDescription") || changed(old, new, "SubnetIds") {
                ctx.clients
                    .rds()
                    .modify_db_subnet_group()
                    .db_subnet_group_name(physical_id)
                    .set_db_subnet_group_description(string(new, "DBSubnetGroupDescription"))
                    .set_subnet_ids(strings(new, "SubnetIds")?)
                    .send()
                    .await
                    .map_err(|e| sdk_error("rds:ModifyDBSubnetGroup", e))?
                    .db_subnet_group
            } else {
                None
            };
        let group = match modified {
            Some(group) => group,
            None => describe(ctx, physical_id).await?.ok_or_else(|| {
                ResourceError::new("DBSubnetGroupNotFoundFault", "the subnet group is gone")
            })?,
        };
        update_tags(
            ctx,
            group.db_subnet_group_arn().unwrap_or_default(),
            old,
            new,
        )
        .await?;
        Ok(attributes(&group))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let result = ctx
            .clients
            .rds()
            .delete_db_subnet_group()
            .db_subnet_group_name(physical_id)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_db_subnet_group_not_found_fault()) =>
            {
                Ok(())
            }
            // Still used by an instance being deleted: worth another try shortly.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_invalid_db_subnet_group_state_fault()) =>
            {
                Err(
                    ResourceError::from(AwsError::from_sdk("rds:DeleteDBSubnetGroup", e))
                        .retryable(),
                )
            }
            Err(e) => Err(AwsError::from_sdk("rds:DeleteDBSubnetGroup", e).into()),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        if let Some(name) = string(props, "DBSubnetGroupName") {
            return Ok(describe(ctx, &name)
                .await?
                .and_then(|g| g.db_subnet_group_name));
        }
        let mut pages = ctx
            .clients
            .rds()
            .describe_db_subnet_groups()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("rds:DescribeDBSubnetGroups", e))?;
            for group in page.db_subnet_groups() {
                let tags = list_tags(ctx, group.db_subnet_group_arn().unwrap_or_default()).await?;
                if owned(ctx, &tags) {
                    return Ok(group.db_subnet_group_name.clone());
                }
            }
        }
        Ok(None)
    }
}

async fn describe(ctx: &Ctx, name: &str) -> Result<Option<Group>> {
    let result = ctx
        .clients
        .rds()
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await;
    match result {
        Ok(out) => Ok(out.db_subnet_groups.and_then(|g| g.into_iter().next())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_subnet_group_not_found_fault()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::from_sdk("rds:DescribeDBSubnetGroups", e).into()),
    }
}

async fn list_tags(ctx: &Ctx, arn: &str) -> Result<Vec<aws_sdk_rds::types::Tag>> {
    let out = ctx
        .clients
        .rds()
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| sdk_error("rds:ListTagsForResource", e))?;
    Ok(out.tag_list.unwrap_or_default())
}

fn attributes(group: &Group) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(arn) = group.db_subnet_group_arn() {
        attributes.insert("DBSubnetGroupArn".into(), json!(arn));
    }
    attributes
}
