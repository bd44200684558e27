//! `AWS::EC2::VPC`. Physical id: the VPC id.

use super::{
    boolean, changed, ec2_error, flag, has_code, ownership_filters, string, tag_specification,
    update_tags, user_tags, wait_error,
};
use crate::resources::is_earlier_copy;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, TypicalSeconds,
};
use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{Filter, ResourceType, Tenancy, Vpc as LiveVpc, VpcAttributeName};
use serde_json::json;
use std::time::Duration;

pub struct Vpc;

const MAX_WAIT: Duration = Duration::from_secs(5 * 60);
/// AWS defaults, which a property removed from the template goes back to.
const DNS_SUPPORT_DEFAULT: bool = true;
const DNS_HOSTNAMES_DEFAULT: bool = false;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "CidrBlock",
    "InstanceTenancy",
    "EnableDnsSupport",
    "EnableDnsHostnames",
    "Tags",
];

impl Resource for Vpc {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// A VPC waits until available; its delete waits for its dependencies to go.
    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 5,
            update: 2,
            delete: 5,
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let client = ctx.clients.ec2();
        let out = client
            .create_vpc()
            .set_cidr_block(string(props, "CidrBlock"))
            .set_instance_tenancy(
                string(props, "InstanceTenancy").map(|t| Tenancy::from(t.as_str())),
            )
            .tag_specifications(tag_specification(ctx, props, ResourceType::Vpc))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateVpc", e))?;
        let id = out.vpc.and_then(|v| v.vpc_id).unwrap_or_default();
        client
            .wait_until_vpc_available()
            .vpc_ids(&id)
            .wait(MAX_WAIT)
            .await
            .map_err(|e| wait_error(&format!("VPC {id} to be available"), e))?;
        // One attribute per ModifyVpcAttribute call; only what differs from the default.
        if let Some(on) =
            boolean(props, "EnableDnsSupport")?.filter(|on| *on != DNS_SUPPORT_DEFAULT)
        {
            set_attribute(ctx, &id, VpcAttributeName::EnableDnsSupport, on).await?;
        }
        if let Some(on) =
            boolean(props, "EnableDnsHostnames")?.filter(|on| *on != DNS_HOSTNAMES_DEFAULT)
        {
            set_attribute(ctx, &id, VpcAttributeName::EnableDnsHostnames, on).await?;
        }
        let vpc = describe(ctx, &id).await?.ok_or_else(gone)?;
        Ok(Created {
            physical_id: id,
            attributes: attributes(ctx, &vpc).await?,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(vpc) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if let Some(cidr) = vpc.cidr_block() {
            properties.insert("CidrBlock".into(), json!(cidr));
        }
        if let Some(tenancy) = vpc.instance_tenancy() {
            properties.insert("InstanceTenancy".into(), json!(tenancy.as_str()));
        }
        // After DescribeVpcs, everything else in one round trip.
        let wanted = |key| desired.contains_key(key).then_some(key);
        let (dns_support, dns_hostnames, attributes) = tokio::try_join!(
            attribute_if(ctx, physical_id, wanted("EnableDnsSupport")),
            attribute_if(ctx, physical_id, wanted("EnableDnsHostnames")),
            attributes(ctx, &vpc),
        )?;
        for (key, value) in [
            ("EnableDnsSupport", dns_support),
            ("EnableDnsHostnames", dns_hostnames),
        ] {
            if let Some(on) = value {
                properties.insert(key.into(), json!(on));
            }
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(vpc.tags()));
        }
        Ok(Some(Live {
            properties,
            attributes,
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        if changed(old, new, "EnableDnsSupport") {
            let on = boolean(new, "EnableDnsSupport")?.unwrap_or(DNS_SUPPORT_DEFAULT);
            set_attribute(ctx, physical_id, VpcAttributeName::EnableDnsSupport, on).await?;
        }
        if changed(old, new, "EnableDnsHostnames") {
            let on = boolean(new, "EnableDnsHostnames")?.unwrap_or(DNS_HOSTNAMES_DEFAULT);
            set_attribute(ctx, physical_id, VpcAttributeName::EnableDnsHostnames, on).await?;
        }
        if changed(old, new, "InstanceTenancy") {
            // EC2 only allows going from dedicated to default in place.
            let tenancy = string(new, "InstanceTenancy").unwrap_or_else(|| "default".into());
            ctx.clients
                .ec2()
                .modify_vpc_tenancy()
                .vpc_id(physical_id)
                .instance_tenancy(tenancy.as_str().into())
                .send()
                .await
                .map_err(|e| ec2_error("ec2:ModifyVpcTenancy", e))?;
        }
        update_tags(ctx, physical_id, old, new).await?;
        let vpc = describe(ctx, physical_id).await?.ok_or_else(gone)?;
        attributes(ctx, &vpc).await
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match ctx
            .clients
            .ec2()
            .delete_vpc()
            .vpc_id(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, "InvalidVpcID.NotFound") => Ok(()),
            Err(e) => Err(ec2_error("ec2:DeleteVpc", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_vpcs()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeVpcs", e))?;
        Ok(out
            .vpcs()
            .iter()
            .filter_map(|v| v.vpc_id.clone())
            .find(|id| !is_earlier_copy(props, id)))
    }
}

async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveVpc>> {
    match ctx.clients.ec2().describe_vpcs().vpc_ids(id).send().await {
        Ok(out) => Ok(out.vpcs.and_then(|v| v.into_iter().next())),
        Err(e) if has_code(&e, "InvalidVpcID.NotFound") => Ok(None),
        Err(e) => Err(ec2_error("ec2:DescribeVpcs", e)),
    }
}

/// The DNS attribute named by the property `key`, when the template sets it.
async fn attribute_if(ctx: &Ctx, id: &str, key: Option<&str>) -> Result<Option<bool>> {
    let name = match key {
        None => return Ok(None),
        Some("EnableDnsHostnames") => VpcAttributeName::EnableDnsHostnames,
        Some(_) => VpcAttributeName::EnableDnsSupport,
    };
    attribute(ctx, id, name).await.map(Some)
}

async fn attribute(ctx: &Ctx, id: &str, name: VpcAttributeName) -> Result<bool> {
    let out = ctx
        .clients
        .ec2()
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(|e| ec2_error("ec2:DescribeVpcAttribute", e))?;
    let value = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    Ok(value.and_then(|v| v.value()).unwrap_or(false))
}

async fn set_attribute(ctx: &Ctx, id: &str, name: VpcAttributeName, on: bool) -> Result<()> {
    let request = ctx.clients.ec2().modify_vpc_attribute().vpc_id(id);
    let request = match name {
        VpcAttributeName::EnableDnsHostnames => request.enable_dns_hostnames(flag(on)),
        _ => request.enable_dns_support(flag(on)),
    };
    request
        .send()
        .await
        .map_err(|e| ec2_error("ec2:ModifyVpcAttribute", e))?;
    Ok(())
}

/// `VpcId`, `CidrBlock`, and the default security group and network ACL EC2 made with the VPC.
async fn attributes(ctx: &Ctx, vpc: &LiveVpc) -> Result<Attributes> {
    let id = vpc.vpc_id().unwrap_or_default();
    let vpc_filter = Filter::builder().name("vpc-id").values(id).build();
    let client = ctx.clients.ec2();
    let groups = async {
        client
            .describe_security_groups()
            .filters(vpc_filter.clone())
            .filters(
                Filter::builder()
                    .name("group-name")
                    .values("default")
                    .build(),
            )
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeSecurityGroups", e))
    };
    let acls = async {
        client
            .describe_network_acls()
            .filters(vpc_filter.clone())
            .filters(Filter::builder().name("default").values("true").build())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeNetworkAcls", e))
    };
    let (groups, acls) = tokio::try_join!(groups, acls)?;
    let mut attributes = Attributes::new();
    attributes.insert("VpcId".into(), json!(id));
    if let Some(cidr) = vpc.cidr_block() {
        attributes.insert("CidrBlock".into(), json!(cidr));
    }
    if let Some(group) = groups.security_groups().first().and_then(|g| g.group_id()) {
        attributes.insert("DefaultSecurityGroup".into(), json!(group));
    }
    if let Some(acl) = acls.network_acls().first().and_then(|a| a.network_acl_id()) {
        attributes.insert("DefaultNetworkAcl".into(), json!(acl));
    }
    Ok(attributes)
}

fn gone() -> ResourceError {
    ResourceError::new("InvalidVpcID.NotFound", "the VPC is gone")
}
