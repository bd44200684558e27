//! `AWS::EC2::VPCEndpoint`, Gateway (S3, DynamoDB: routes in `RouteTableIds`) or Interface
//! (network interfaces in `SubnetIds`, behind `SecurityGroupIds`, with private DNS). Physical
//! id: the endpoint id. `CreateVpcEndpoint` takes the pending create's client token; the call
//! is also sent once, so after a lost answer the engine finds the endpoint by its tags. Create
//! waits until the endpoint is available, delete until it is gone (its subnets and security
//! groups can go only then).

use super::{
    client_token, ec2_error, has_code, owned_here, ownership_filters, string, tag_specification,
    update_tags, user_tags,
};
use crate::resources::property::{boolean, changed, document, document_like, strings};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, TypicalSeconds,
    is_earlier_copy,
};
use aws_sdk_ec2::types::{ResourceType, VpcEndpoint as LiveEndpoint, VpcEndpointType};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct VpcEndpoint;

const MAX_WAIT: Duration = Duration::from_secs(10 * 60);
const NOT_FOUND: &str = "InvalidVpcEndpointId.NotFound";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "VpcId",
    "ServiceName",
    "VpcEndpointType",
    "PrivateDnsEnabled",
    "SecurityGroupIds",
    "SubnetIds",
    "RouteTableIds",
    "PolicyDocument",
    "Tags",
];

/// How the live endpoint reports one of its id lists.
type IdList = fn(&LiveEndpoint) -> Vec<String>;

/// The id lists, each with how the live endpoint reports it.
const LISTS: &[(&str, IdList)] = &[
    ("SubnetIds", |e| e.subnet_ids().to_vec()),
    ("RouteTableIds", |e| e.route_table_ids().to_vec()),
    ("SecurityGroupIds", |e| {
        e.groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect()
    }),
];

impl Resource for VpcEndpoint {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 60,
            update: 30,
            delete: 60,
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let kind = string(props, "VpcEndpointType").unwrap_or_else(|| "Gateway".into());
        let list = |key| strings(props, key).map(|l| Some(l).filter(|l| !l.is_empty()));
        let out = ctx
            .clients
            .ec2()
            .create_vpc_endpoint()
            .set_vpc_id(string(props, "VpcId"))
            .set_service_name(string(props, "ServiceName"))
            .vpc_endpoint_type(VpcEndpointType::from(kind.as_str()))
            .set_private_dns_enabled(boolean(props, "PrivateDnsEnabled")?)
            .set_subnet_ids(list("SubnetIds")?)
            .set_route_table_ids(list("RouteTableIds")?)
            .set_security_group_ids(list("SecurityGroupIds")?)
            .set_policy_document(document(props, "PolicyDocument"))
            .set_client_token(client_token(props))
            .tag_specifications(tag_specification(ctx, props, ResourceType::VpcEndpoint))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateVpcEndpoint", e))?;
        let id = out
            .vpc_endpoint
            .and_then(|e| e.vpc_endpoint_id)
            .unwrap_or_default();
        let endpoint = wait_until(ctx, &id, "available", |e| {
            !e.is_some_and(|e| is_state(e, "pending"))
        })
        .await?
        .ok_or_else(|| ResourceError::new(NOT_FOUND, format!("the endpoint {id} is gone")))?;
        if is_state(&endpoint, "failed") || is_state(&endpoint, "rejected") {
            return Err(ResourceError::new(
                "VpcEndpointFailed",
                format!("the endpoint {id} is {:?}", endpoint.state()),
            ));
        }
        Ok(Created {
            attributes: attributes(&endpoint),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(endpoint) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        let mut put = |key: &str, value: Option<&str>| {
            if let Some(v) = value {
                properties.insert(key.into(), json!(v));
            }
        };
        put("VpcId", endpoint.vpc_id());
        put("ServiceName", endpoint.service_name());
        put(
            "VpcEndpointType",
            endpoint.vpc_endpoint_type().map(|t| t.as_str()),
        );
        if desired.contains_key("PrivateDnsEnabled") {
            let on = endpoint.private_dns_enabled().unwrap_or(false);
            properties.insert("PrivateDnsEnabled".into(), json!(on));
        }
        for (key, live) in LISTS {
            if desired.contains_key(*key) {
                let wanted = strings(desired, key).unwrap_or_default();
                properties.insert(key.to_string(), in_order_of(live(&endpoint), &wanted));
            }
        }
        if let (Some(policy), true) = (
            endpoint.policy_document(),
            desired.contains_key("PolicyDocument"),
        ) {
            let shaped = document_like(policy, desired.get("PolicyDocument"));
            properties.insert("PolicyDocument".into(), shaped);
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(endpoint.tags()));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(&endpoint),
        }))
    }

    /// `ModifyVpcEndpoint`: the id lists by what to add and what to remove, the policy, private
    /// DNS; then the tags.
    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let mut request = ctx
            .clients
            .ec2()
            .modify_vpc_endpoint()
            .vpc_endpoint_id(physical_id);
        let mut any = false;
        for key in ["SubnetIds", "RouteTableIds", "SecurityGroupIds"] {
            if !changed(old, new, key) {
                continue;
            }
            let (before, after) = (strings(old, key)?, strings(new, key)?);
            let add: Vec<String> = after
                .iter()
                .filter(|i| !before.contains(i))
                .cloned()
                .collect();
            let remove: Vec<String> = before
                .iter()
                .filter(|i| !after.contains(i))
                .cloned()
                .collect();
            let (add, remove) = (
                Some(add).filter(|l| !l.is_empty()),
                Some(remove).filter(|l| !l.is_empty()),
            );
            any |= add.is_some() || remove.is_some();
            request = match key {
                "SubnetIds" => request
                    .set_add_subnet_ids(add)
                    .set_remove_subnet_ids(remove),
                "RouteTableIds" => request
                    .set_add_route_table_ids(add)
                    .set_remove_route_table_ids(remove),
                _ => request
                    .set_add_security_group_ids(add)
                    .set_remove_security_group_ids(remove),
            };
        }
        if changed(old, new, "PolicyDocument") {
            any = true;
            request = match document(new, "PolicyDocument") {
                Some(policy) => request.policy_document(policy),
                None => request.reset_policy(true),
            };
        }
        if changed(old, new, "PrivateDnsEnabled") {
            any = true;
            let on = boolean(new, "PrivateDnsEnabled")?.unwrap_or(false);
            request = request.private_dns_enabled(on);
        }
        if any {
            request
                .send()
                .await
                .map_err(|e| ec2_error("ec2:ModifyVpcEndpoint", e))?;
        }
        update_tags(ctx, physical_id, old, new).await?;
        let endpoint = describe(ctx, physical_id)
            .await?
            .ok_or_else(|| ResourceError::new(NOT_FOUND, format!("{physical_id} is gone")))?;
        Ok(attributes(&endpoint))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let out = ctx
            .clients
            .ec2()
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(physical_id)
            .send()
            .await;
        match out {
            Ok(out) => {
                // Failures come back per endpoint, inside a successful answer.
                let failure = out
                    .unsuccessful()
                    .iter()
                    .find_map(|u| u.error())
                    .filter(|e| !e.code().unwrap_or_default().contains("NotFound"));
                if let Some(e) = failure {
                    return Err(ResourceError::new(
                        e.code().unwrap_or("DeleteVpcEndpointsFailed"),
                        format!(
                            "ec2:DeleteVpcEndpoints {physical_id}: {}",
                            e.message().unwrap_or_default()
                        ),
                    ));
                }
            }
            Err(e) if has_code(&e, NOT_FOUND) => return Ok(()),
            Err(e) => return Err(ec2_error("ec2:DeleteVpcEndpoints", e)),
        }
        wait_until(ctx, physical_id, "deleted", |e| e.is_none()).await?;
        Ok(())
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_vpc_endpoints()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeVpcEndpoints", e))?;
        let found = out
            .vpc_endpoints()
            .iter()
            .filter(|e| owned_here(ctx, e.tags()) && is_live(e))
            .filter_map(|e| e.vpc_endpoint_id.clone())
            .find(|id| !is_earlier_copy(props, id));
        if let Some(id) = &found {
            wait_until(ctx, id, "available", |e| {
                !e.is_some_and(|e| is_state(e, "pending"))
            })
            .await?;
        }
        Ok(found)
    }
}

/// The endpoint, or `None` when it is gone or going.
async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveEndpoint>> {
    let answer = ctx
        .clients
        .ec2()
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out
            .vpc_endpoints
            .and_then(|e| e.into_iter().next())
            .filter(is_live)),
        Err(e) if has_code(&e, NOT_FOUND) => Ok(None),
        Err(e) => Err(ec2_error("ec2:DescribeVpcEndpoints", e)),
    }
}

/// Polls until `done` says so (EC2 has no waiter for endpoints); the last answer.
async fn wait_until(
    ctx: &Ctx,
    id: &str,
    what: &str,
    done: impl Fn(Option<&LiveEndpoint>) -> bool,
) -> Result<Option<LiveEndpoint>> {
    let deadline = Instant::now() + MAX_WAIT;
    let mut delay = Duration::from_millis(200);
    loop {
        let endpoint = describe(ctx, id).await?;
        if done(endpoint.as_ref()) {
            return Ok(endpoint);
        }
        if Instant::now() + delay > deadline {
            return Err(ResourceError::new(
                "WaitTimeout",
                format!("waiting for VPC endpoint {id} to be {what}"),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

fn is_live(endpoint: &LiveEndpoint) -> bool {
    !is_state(endpoint, "deleted") && !is_state(endpoint, "deleting")
}

/// The endpoint's state, in any case: EC2 answers `available`, the SDK's enum says `Available`
/// (so a lower-case answer parses as `Unknown` and matches no variant).
fn is_state(endpoint: &LiveEndpoint, state: &str) -> bool {
    endpoint
        .state()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case(state))
}

/// The live ids in the template's order when they are the same set (EC2 keeps no order).
fn in_order_of(mut live: Vec<String>, wanted: &[String]) -> Value {
    let mut sorted_wanted = wanted.to_vec();
    sorted_wanted.sort();
    live.sort();
    if live == sorted_wanted {
        json!(wanted)
    } else {
        json!(live)
    }
}

/// `Id`, `CreationTimestamp`, `NetworkInterfaceIds` and `DnsEntries` (as CloudFormation gives
/// them: `<hosted zone id>:<DNS name>`).
fn attributes(endpoint: &LiveEndpoint) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(id) = endpoint.vpc_endpoint_id() {
        attributes.insert("Id".into(), json!(id));
    }
    if let Some(at) = endpoint.creation_timestamp() {
        attributes.insert("CreationTimestamp".into(), json!(at.to_string()));
    }
    attributes.insert(
        "NetworkInterfaceIds".into(),
        json!(endpoint.network_interface_ids()),
    );
    let dns: Vec<String> = endpoint
        .dns_entries()
        .iter()
        .map(|d| {
            format!(
                "{}:{}",
                d.hosted_zone_id().unwrap_or_default(),
                d.dns_name().unwrap_or_default()
            )
        })
        .collect();
    attributes.insert("DnsEntries".into(), json!(dns));
    attributes
}
