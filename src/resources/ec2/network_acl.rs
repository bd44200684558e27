//! `AWS::EC2::NetworkAcl`. Physical id: the network ACL id. Its rules are
//! `AWS::EC2::NetworkAclEntry` resources, never read here: only the ACL itself. (A new ACL
//! denies everything until entries allow it.)

use super::{
    ec2_error, has_code, ownership_filters, string, tag_specification, update_tags, user_tags,
};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result, is_earlier_copy};
use aws_sdk_ec2::types::{NetworkAcl as LiveAcl, ResourceType};
use serde_json::json;

pub struct NetworkAcl;

const NOT_FOUND: &str = "InvalidNetworkAclID.NotFound";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["VpcId", "Tags"];

impl Resource for NetworkAcl {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .ec2()
            .create_network_acl()
            .set_vpc_id(string(props, "VpcId"))
            .tag_specifications(tag_specification(ctx, props, ResourceType::NetworkAcl))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateNetworkAcl", e))?;
        let id = out
            .network_acl
            .and_then(|a| a.network_acl_id)
            .unwrap_or_default();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(acl) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if let Some(vpc) = acl.vpc_id() {
            properties.insert("VpcId".into(), json!(vpc));
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(acl.tags()));
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
            .delete_network_acl()
            .network_acl_id(physical_id)
            .send()
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(ec2_error("ec2:DeleteNetworkAcl", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_network_acls()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeNetworkAcls", e))?;
        Ok(out
            .network_acls()
            .iter()
            .filter(|t| super::owned_here(ctx, t.tags()))
            .filter_map(|t| t.network_acl_id.clone())
            .find(|id| !is_earlier_copy(props, id)))
    }
}

/// The network ACL, or `None` when it is gone.
pub(super) async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveAcl>> {
    let answer = ctx
        .clients
        .ec2()
        .describe_network_acls()
        .network_acl_ids(id)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out.network_acls.and_then(|t| t.into_iter().next())),
        // (moto answers a missing ACL with the route table's code.)
        Err(e) if has_code(&e, NOT_FOUND) || has_code(&e, "InvalidRouteTableID.NotFound") => {
            Ok(None)
        }
        Err(e) => Err(ec2_error("ec2:DescribeNetworkAcls", e)),
    }
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(id))])
}
