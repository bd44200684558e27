//! `AWS::EC2::Subnet`. Physical id: the subnet id.

use super::{
    boolean, changed, ec2_error, flag, has_code, ownership_filters, string, tag_specification,
    update_tags, user_tags, wait_error,
};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{ResourceType, Subnet as LiveSubnet};
use serde_json::json;
use std::time::Duration;

pub struct Subnet;

const MAX_WAIT: Duration = Duration::from_secs(5 * 60);

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "VpcId",
    "MapPublicIpOnLaunch",
    "AvailabilityZone",
    "CidrBlock",
    "Tags",
];

impl Resource for Subnet {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let client = ctx.clients.ec2();
        let out = client
            .create_subnet()
            .set_vpc_id(string(props, "VpcId"))
            .set_cidr_block(string(props, "CidrBlock"))
            .set_availability_zone(string(props, "AvailabilityZone"))
            .tag_specifications(tag_specification(ctx, props, ResourceType::Subnet))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateSubnet", e))?;
        let id = out.subnet.and_then(|s| s.subnet_id).unwrap_or_default();
        client
            .wait_until_subnet_available()
            .subnet_ids(&id)
            .wait(MAX_WAIT)
            .await
            .map_err(|e| wait_error(&format!("subnet {id} to be available"), e))?;
        if boolean(props, "MapPublicIpOnLaunch")? == Some(true) {
            set_map_public_ip(ctx, &id, true).await?;
        }
        let subnet = describe(ctx, &id).await?.ok_or_else(gone)?;
        Ok(Created {
            physical_id: id,
            attributes: attributes(&subnet),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(subnet) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        let mut put = |key: &str, value: Option<&str>| {
            if let Some(v) = value {
                properties.insert(key.into(), json!(v));
            }
        };
        put("VpcId", subnet.vpc_id());
        put("CidrBlock", subnet.cidr_block());
        put("AvailabilityZone", subnet.availability_zone());
        properties.insert(
            "MapPublicIpOnLaunch".into(),
            json!(subnet.map_public_ip_on_launch().unwrap_or(false)),
        );
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(subnet.tags()));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(&subnet),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        if changed(old, new, "MapPublicIpOnLaunch") {
            let on = boolean(new, "MapPublicIpOnLaunch")?.unwrap_or(false);
            set_map_public_ip(ctx, physical_id, on).await?;
        }
        update_tags(ctx, physical_id, old, new).await?;
        let subnet = describe(ctx, physical_id).await?.ok_or_else(gone)?;
        Ok(attributes(&subnet))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match ctx
            .clients
            .ec2()
            .delete_subnet()
            .subnet_id(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, "InvalidSubnetID.NotFound") => Ok(()),
            Err(e) => Err(ec2_error("ec2:DeleteSubnet", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_subnets()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeSubnets", e))?;
        Ok(out
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id.clone())
            .find(|id| !crate::resources::is_earlier_copy(props, id)))
    }
}

async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveSubnet>> {
    match ctx
        .clients
        .ec2()
        .describe_subnets()
        .subnet_ids(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.subnets.and_then(|s| s.into_iter().next())),
        Err(e) if has_code(&e, "InvalidSubnetID.NotFound") => Ok(None),
        Err(e) => Err(ec2_error("ec2:DescribeSubnets", e)),
    }
}

async fn set_map_public_ip(ctx: &Ctx, id: &str, on: bool) -> Result<()> {
    ctx.clients
        .ec2()
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(flag(on))
        .send()
        .await
        .map_err(|e| ec2_error("ec2:ModifySubnetAttribute", e))?;
    Ok(())
}

fn attributes(subnet: &LiveSubnet) -> Attributes {
    let mut attributes = Attributes::new();
    for (key, value) in [
        ("SubnetId", subnet.subnet_id()),
        ("AvailabilityZone", subnet.availability_zone()),
        ("VpcId", subnet.vpc_id()),
        ("CidrBlock", subnet.cidr_block()),
    ] {
        if let Some(v) = value {
            attributes.insert(key.into(), json!(v));
        }
    }
    attributes
}

fn gone() -> ResourceError {
    ResourceError::new("InvalidSubnetID.NotFound", "the subnet is gone")
}
