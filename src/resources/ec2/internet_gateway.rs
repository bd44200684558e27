//! `AWS::EC2::InternetGateway`. Physical id: the internet gateway id. Its attachment to a VPC is
//! an `AWS::EC2::VPCGatewayAttachment`, never read here.

use super::{ec2_error, has_code, ownership_filters, tag_specification, update_tags, user_tags};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result, is_earlier_copy};
use aws_sdk_ec2::types::{InternetGateway as LiveGateway, ResourceType};
use serde_json::json;

pub struct InternetGateway;

const NOT_FOUND: &str = "InvalidInternetGatewayID.NotFound";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["Tags"];

impl Resource for InternetGateway {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .ec2()
            .create_internet_gateway()
            .tag_specifications(tag_specification(ctx, props, ResourceType::InternetGateway))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateInternetGateway", e))?;
        let id = out
            .internet_gateway
            .and_then(|g| g.internet_gateway_id)
            .unwrap_or_default();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(gateway) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(gateway.tags()));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(physical_id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        update_tags(ctx, physical_id, old, new).await?;
        Ok(attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let answer = ctx
            .clients
            .ec2()
            .delete_internet_gateway()
            .internet_gateway_id(physical_id)
            .send()
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(ec2_error("ec2:DeleteInternetGateway", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_internet_gateways()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeInternetGateways", e))?;
        Ok(out
            .internet_gateways()
            .iter()
            .filter(|g| super::owned_here(ctx, g.tags()))
            .filter_map(|g| g.internet_gateway_id.clone())
            .find(|id| !is_earlier_copy(props, id)))
    }
}

/// The internet gateway, or `None` when it is gone.
async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveGateway>> {
    let answer = ctx
        .clients
        .ec2()
        .describe_internet_gateways()
        .internet_gateway_ids(id)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out.internet_gateways.and_then(|g| g.into_iter().next())),
        Err(e) if has_code(&e, NOT_FOUND) => Ok(None),
        Err(e) => Err(ec2_error("ec2:DescribeInternetGateways", e)),
    }
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("InternetGatewayId".to_string(), json!(id))])
}
