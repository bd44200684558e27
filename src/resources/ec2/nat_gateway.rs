//! `AWS::EC2::NatGateway`. Physical id: the NAT gateway id. `CreateNatGateway` takes a client
//! token: the pending create's, so a create retried after a lost answer returns the same
//! gateway instead of a second one (billed by the hour). Create waits until the gateway is
//! available, delete until it is deleted (its Elastic IP and subnet are freed only then).

use super::{
    client_token, ec2_error, has_code, owned_here, ownership_filters, string, tag_specification,
    update_tags, user_tags, wait_error,
};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, Result, TypicalSeconds, is_earlier_copy,
};
use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway as LiveGateway, NatGatewayState};
use aws_sdk_ec2::types::{Filter, ResourceType};
use serde_json::json;
use std::time::Duration;

pub struct NatGateway;

const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["SubnetId", "AllocationId", "ConnectivityType", "Tags"];

impl Resource for NatGateway {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 90,
            update: 2,
            delete: 60,
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let client = ctx.clients.ec2();
        let out = client
            .create_nat_gateway()
            .set_subnet_id(string(props, "SubnetId"))
            .set_allocation_id(string(props, "AllocationId"))
            .set_connectivity_type(
                string(props, "ConnectivityType").map(|c| ConnectivityType::from(c.as_str())),
            )
            .set_client_token(client_token(props))
            .tag_specifications(tag_specification(ctx, props, ResourceType::Natgateway))
            // No SDK retry either: the engine looks the gateway up by its tags after a lost
            // answer (moto ignores client tokens; AWS would answer the same gateway).
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateNatGateway", e))?;
        let id = out
            .nat_gateway
            .and_then(|g| g.nat_gateway_id)
            .unwrap_or_default();
        wait_available(ctx, &id).await?;
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
        if let Some(subnet) = gateway.subnet_id() {
            properties.insert("SubnetId".into(), json!(subnet));
        }
        if let Some(kind) = gateway.connectivity_type() {
            properties.insert("ConnectivityType".into(), json!(kind.as_str()));
        }
        let allocation = gateway
            .nat_gateway_addresses()
            .iter()
            .find_map(|a| a.allocation_id());
        if let Some(allocation) = allocation {
            properties.insert("AllocationId".into(), json!(allocation));
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(gateway.tags()));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(physical_id),
        }))
    }

    /// Only the tags change in place (everything else is create-only).
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
        // (moto answers a delete of an unknown id with HTTP 500: ask first.)
        if describe(ctx, physical_id).await?.is_none() {
            return Ok(());
        }
        let client = ctx.clients.ec2();
        match client
            .delete_nat_gateway()
            .nat_gateway_id(physical_id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if has_code(&e, "NatGatewayNotFound") => return Ok(()),
            Err(e) => return Err(ec2_error("ec2:DeleteNatGateway", e)),
        }
        client
            .wait_until_nat_gateway_deleted()
            .nat_gateway_ids(physical_id)
            .wait(MAX_WAIT)
            .await
            .map_err(|e| wait_error(&format!("NAT gateway {physical_id} to be deleted"), e))?;
        Ok(())
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_nat_gateways()
            .set_filter(Some(ownership_filters(ctx)))
            .filter(
                Filter::builder()
                    .name("state")
                    .values("pending")
                    .values("available")
                    .build(),
            )
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeNatGateways", e))?;
        // (moto ignores tag filters on NAT gateways: the tags are checked on the answer too.)
        let found = out
            .nat_gateways()
            .iter()
            .filter(|g| owned_here(ctx, g.tags()) && is_live(g))
            .filter_map(|g| g.nat_gateway_id.clone())
            .find(|id| !is_earlier_copy(props, id));
        if let Some(id) = &found {
            wait_available(ctx, id).await?;
        }
        Ok(found)
    }
}

async fn wait_available(ctx: &Ctx, id: &str) -> Result<()> {
    ctx.clients
        .ec2()
        .wait_until_nat_gateway_available()
        .nat_gateway_ids(id)
        .wait(MAX_WAIT)
        .await
        .map_err(|e| wait_error(&format!("NAT gateway {id} to be available"), e))?;
    Ok(())
}

/// The gateway, or `None` when it is gone or going (a deleted NAT gateway stays listed for
/// about an hour).
async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveGateway>> {
    let answer = ctx
        .clients
        .ec2()
        .describe_nat_gateways()
        .filter(Filter::builder().name("nat-gateway-id").values(id).build())
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out
            .nat_gateways
            .and_then(|g| g.into_iter().find(|g| g.nat_gateway_id() == Some(id)))
            .filter(is_live)),
        Err(e) if has_code(&e, "NatGatewayNotFound") => Ok(None),
        Err(e) => Err(ec2_error("ec2:DescribeNatGateways", e)),
    }
}

fn is_live(gateway: &LiveGateway) -> bool {
    !matches!(
        gateway.state(),
        Some(NatGatewayState::Deleted | NatGatewayState::Deleting)
    )
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("NatGatewayId".to_string(), json!(id))])
}
