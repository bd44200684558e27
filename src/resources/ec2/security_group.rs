//! `AWS::EC2::SecurityGroup`. Physical id: the group id (what CloudFormation's `Ref` returns for
//! a VPC group).
//!
//! Inline `SecurityGroupIngress` / `SecurityGroupEgress` lists are made to match the live rules
//! exactly, rule by rule, and only when the template has the list: a group that leaves its rules
//! to standalone `SecurityGroupIngress` resources is not touched. (As with CloudFormation, do not
//! mix inline rules and standalone rules of the same direction on one group.)

use super::rules::{self, Direction, allow_all_egress, describe_group, live_rules, template_rules};
use super::{ec2_error, ownership_filters, string, tag_specification, update_tags, user_tags};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_ec2::types::{ResourceType, SecurityGroup as LiveGroup};
use serde_json::json;

pub struct SecurityGroup;

const INGRESS: &str = "SecurityGroupIngress";
const EGRESS: &str = "SecurityGroupEgress";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "GroupDescription",
    "GroupName",
    "VpcId",
    "SecurityGroupIngress",
    "SecurityGroupEgress",
    "Tags",
];

impl Resource for SecurityGroup {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        // Validate the rules before anything exists.
        template_rules(props.get(INGRESS), Direction::Ingress, INGRESS)?;
        template_rules(props.get(EGRESS), Direction::Egress, EGRESS)?;
        let out = ctx
            .clients
            .ec2()
            .create_security_group()
            .group_name(string(props, "GroupName").unwrap_or_else(|| generated_name(ctx)))
            .description(string(props, "GroupDescription").unwrap_or_default())
            .set_vpc_id(string(props, "VpcId"))
            .tag_specifications(tag_specification(ctx, props, ResourceType::SecurityGroup))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateSecurityGroup", e))?;
        let id = out.group_id.unwrap_or_default();
        // A new VPC group allows all egress: listed egress rules replace that default.
        let group = apply_rules(ctx, &id, &Props::new(), props).await?;
        Ok(Created {
            physical_id: id,
            attributes: attributes(&group),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(group) = describe_group(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if let Some(d) = group.description() {
            properties.insert("GroupDescription".into(), json!(d));
        }
        if desired.contains_key("GroupName") {
            properties.insert("GroupName".into(), json!(group.group_name()));
        }
        if let Some(vpc) = group.vpc_id() {
            properties.insert("VpcId".into(), json!(vpc));
        }
        for (key, direction) in [(INGRESS, Direction::Ingress), (EGRESS, Direction::Egress)] {
            if desired.contains_key(key) {
                let live = live_rules(&group, direction);
                let shape = rules::live_in_template_shape(desired.get(key), &live, direction);
                properties.insert(key.into(), shape);
            }
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(group.tags()));
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
        let group = apply_rules(ctx, physical_id, old, new).await?;
        update_tags(ctx, physical_id, old, new).await?;
        Ok(attributes(&group))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match ctx
            .clients
            .ec2()
            .delete_security_group()
            .group_id(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if super::has_code(&e, "InvalidGroup.NotFound") => Ok(()),
            // Still attached to an interface being deleted (a Lambda ENI, an RDS instance).
            Err(e) => Err(ec2_error("ec2:DeleteSecurityGroup", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_security_groups()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeSecurityGroups", e))?;
        Ok(out
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id.clone())
            .find(|id| !crate::resources::is_earlier_copy(props, id)))
    }
}

/// Makes the live rules match `new` for each direction the template manages (or managed in
/// `old`: a removed ingress list means no ingress rules, a removed egress list means the default
/// allow-all egress). Returns the group as it is afterwards.
async fn apply_rules(ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<LiveGroup> {
    let group = describe_group(ctx, id).await?.ok_or_else(gone)?;
    let mut touched = false;
    if new.contains_key(INGRESS) || old.contains_key(INGRESS) {
        let desired = template_rules(new.get(INGRESS), Direction::Ingress, INGRESS)?;
        let live = live_rules(&group, Direction::Ingress);
        if desired != live {
            rules::converge(ctx, id, Direction::Ingress, &desired, &live).await?;
            touched = true;
        }
    }
    if new.contains_key(EGRESS) || old.contains_key(EGRESS) {
        let desired = match new.get(EGRESS) {
            Some(v) => template_rules(Some(v), Direction::Egress, EGRESS)?,
            None => vec![allow_all_egress()],
        };
        let live = live_rules(&group, Direction::Egress);
        if desired != live {
            rules::converge(ctx, id, Direction::Egress, &desired, &live).await?;
            touched = true;
        }
    }
    if !touched {
        return Ok(group);
    }
    describe_group(ctx, id).await?.ok_or_else(gone)
}

/// CloudFormation's way when `GroupName` is not given: stack, logical id and a random suffix.
fn generated_name(ctx: &Ctx) -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let mut name = format!("{}-{}-{}", ctx.stack, ctx.logical_id, &suffix[..12]);
    name.truncate(255);
    name
}

fn attributes(group: &LiveGroup) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(id) = group.group_id() {
        attributes.insert("GroupId".into(), json!(id));
        attributes.insert("Id".into(), json!(id));
    }
    if let Some(vpc) = group.vpc_id() {
        attributes.insert("VpcId".into(), json!(vpc));
    }
    attributes
}

fn gone() -> ResourceError {
    ResourceError::new("InvalidGroup.NotFound", "the security group is gone")
}
