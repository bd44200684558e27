//! `AWS::EC2::EIP`: an Elastic IP address (for a NAT gateway). Physical id: the public IP, as
//! CloudFormation's `Ref` returns it; `AllocationId` is an attribute. Association with an
//! instance (`InstanceId`) is not managed.

use super::{ec2_error, has_code, ownership_filters, string, tag_specification, update_tags};
use super::{owned_here, user_tags};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, is_earlier_copy,
};
use aws_sdk_ec2::types::{Address, DomainType, Filter, ResourceType};
use serde_json::json;

pub struct Eip;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["Domain", "Tags"];

impl Resource for Eip {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let domain = string(props, "Domain").unwrap_or_else(|| "vpc".into());
        let out = ctx
            .clients
            .ec2()
            .allocate_address()
            .domain(DomainType::from(domain.as_str()))
            .tag_specifications(tag_specification(ctx, props, ResourceType::ElasticIp))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:AllocateAddress", e))?;
        let ip = out.public_ip.unwrap_or_default();
        let mut attributes = Attributes::new();
        attributes.insert("PublicIp".into(), json!(ip));
        if let Some(allocation) = out.allocation_id {
            attributes.insert("AllocationId".into(), json!(allocation));
        }
        Ok(Created {
            physical_id: ip,
            attributes,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(address) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if let Some(domain) = address.domain() {
            properties.insert("Domain".into(), json!(domain.as_str()));
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(address.tags()));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(&address),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let address = describe(ctx, physical_id)
            .await?
            .ok_or_else(|| gone(physical_id))?;
        // Tags go on the allocation, not on the address.
        let allocation = address.allocation_id().unwrap_or(physical_id);
        update_tags(ctx, allocation, old, new).await?;
        Ok(attributes(&address))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let Some(address) = describe(ctx, physical_id).await? else {
            return Ok(());
        };
        let request = ctx.clients.ec2().release_address();
        let request = match address.allocation_id() {
            Some(allocation) => request.allocation_id(allocation),
            None => request.public_ip(physical_id),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if has_code(&e, "InvalidAllocationID.NotFound")
                    || has_code(&e, "InvalidAddress.NotFound") =>
            {
                Ok(())
            }
            Err(e) => Err(ec2_error("ec2:ReleaseAddress", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_addresses()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeAddresses", e))?;
        Ok(out
            .addresses()
            .iter()
            .filter(|a| owned_here(ctx, a.tags()))
            .filter_map(|a| a.public_ip.clone())
            .find(|ip| !is_earlier_copy(props, ip)))
    }
}

/// The address with this public IP, or `None` when it was released (a filter, not
/// `PublicIps`, so a missing address is an empty answer rather than an error).
async fn describe(ctx: &Ctx, ip: &str) -> Result<Option<Address>> {
    let out = ctx
        .clients
        .ec2()
        .describe_addresses()
        .filters(Filter::builder().name("public-ip").values(ip).build())
        .send()
        .await
        .map_err(|e| ec2_error("ec2:DescribeAddresses", e))?;
    Ok(out
        .addresses
        .and_then(|a| a.into_iter().find(|a| a.public_ip() == Some(ip))))
}

fn attributes(address: &Address) -> Attributes {
    let mut attributes = Attributes::new();
    for (key, value) in [
        ("PublicIp", address.public_ip()),
        ("AllocationId", address.allocation_id()),
    ] {
        if let Some(v) = value {
            attributes.insert(key.into(), json!(v));
        }
    }
    attributes
}

fn gone(ip: &str) -> ResourceError {
    ResourceError::new(
        "InvalidAddress.NotFound",
        format!("the Elastic IP {ip} is gone"),
    )
}
