//! `AWS::EC2::VPCGatewayAttachment` of an internet gateway. Physical id: `IGW|<vpc id>`, as
//! CloudFormation names it: a VPC has at most one internet gateway, so the VPC identifies the
//! attachment, and a new `InternetGatewayId` is an update (detach the old, attach the new).
//! (Virtual private gateways, `VpnGatewayId`, are not managed.)

use super::{ec2_error, has_code};
use crate::resources::property::required;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, is_earlier_copy,
};
use aws_sdk_ec2::types::Filter;
use serde_json::json;

pub struct VpcGatewayAttachment;

const PREFIX: &str = "IGW|";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["VpcId", "InternetGatewayId"];

impl Resource for VpcGatewayAttachment {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let vpc = required(props, "VpcId")?;
        attach(ctx, &required(props, "InternetGatewayId")?, &vpc).await?;
        Ok(Created {
            physical_id: format!("{PREFIX}{vpc}"),
            attributes: attributes(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, _desired: &Props) -> Result<Option<Live>> {
        let vpc = vpc_of(physical_id)?;
        let Some(gateway) = attached_gateway(ctx, vpc).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("VpcId".into(), json!(vpc));
        properties.insert("InternetGatewayId".into(), json!(gateway));
        Ok(Some(Live {
            properties,
            attributes: attributes(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let vpc = vpc_of(physical_id)?;
        if let Some(old_gateway) = crate::resources::property::string(old, "InternetGatewayId") {
            detach(ctx, &old_gateway, vpc).await?;
        }
        attach(ctx, &required(new, "InternetGatewayId")?, vpc).await?;
        Ok(attributes())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let vpc = vpc_of(physical_id)?;
        // The gateway attached now (the recorded one may have been replaced by hand).
        let gateway = match attached_gateway(ctx, vpc).await? {
            Some(gateway) => gateway,
            None => return Ok(()),
        };
        detach(ctx, &gateway, vpc).await
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let vpc = required(props, "VpcId")?;
        let wanted = required(props, "InternetGatewayId")?;
        let id = format!("{PREFIX}{vpc}");
        let attached = attached_gateway(ctx, &vpc).await? == Some(wanted);
        Ok(Some(id).filter(|id| attached && !is_earlier_copy(props, id)))
    }
}

async fn attach(ctx: &Ctx, gateway: &str, vpc: &str) -> Result<()> {
    ctx.clients
        .ec2()
        .attach_internet_gateway()
        .internet_gateway_id(gateway)
        .vpc_id(vpc)
        .customize()
        .config_override(super::sent_once())
        .send()
        .await
        .map_err(|e| ec2_error("ec2:AttachInternetGateway", e))?;
    Ok(())
}

async fn detach(ctx: &Ctx, gateway: &str, vpc: &str) -> Result<()> {
    let answer = ctx
        .clients
        .ec2()
        .detach_internet_gateway()
        .internet_gateway_id(gateway)
        .vpc_id(vpc)
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        Err(e)
            if has_code(&e, "Gateway.NotAttached")
                || has_code(&e, "InvalidInternetGatewayID.NotFound") =>
        {
            Ok(())
        }
        Err(e) => Err(ec2_error("ec2:DetachInternetGateway", e)),
    }
}

/// The internet gateway attached to `vpc`, if any.
async fn attached_gateway(ctx: &Ctx, vpc: &str) -> Result<Option<String>> {
    let out = ctx
        .clients
        .ec2()
        .describe_internet_gateways()
        .filters(
            Filter::builder()
                .name("attachment.vpc-id")
                .values(vpc)
                .build(),
        )
        .send()
        .await
        .map_err(|e| ec2_error("ec2:DescribeInternetGateways", e))?;
    Ok(out
        .internet_gateways()
        .iter()
        .find(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc)))
        .and_then(|g| g.internet_gateway_id.clone()))
}

fn vpc_of(physical_id: &str) -> Result<&str> {
    physical_id.strip_prefix(PREFIX).ok_or_else(|| {
        ResourceError::new(
            "InvalidAttachment.Id",
            format!("{physical_id}: not IGW|<vpc id>"),
        )
    })
}

fn attributes() -> Attributes {
    Attributes::from([("AttachmentType".to_string(), json!("InternetGateway"))])
}
