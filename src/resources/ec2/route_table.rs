//! `AWS::EC2::RouteTable`. Physical id: the route table id. Its routes are `AWS::EC2::Route`
//! resources (and the ones gateway endpoints add), never read here: only the table itself.

use super::{
    ec2_error, has_code, ownership_filters, string, tag_specification, update_tags, user_tags,
};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result, is_earlier_copy};
use aws_sdk_ec2::types::{ResourceType, RouteTable as LiveTable};
use serde_json::json;

pub struct RouteTable;

const NOT_FOUND: &str = "InvalidRouteTableID.NotFound";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["VpcId", "Tags"];

impl Resource for RouteTable {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .ec2()
            .create_route_table()
            .set_vpc_id(string(props, "VpcId"))
            .tag_specifications(tag_specification(ctx, props, ResourceType::RouteTable))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateRouteTable", e))?;
        let id = out
            .route_table
            .and_then(|t| t.route_table_id)
            .unwrap_or_default();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(table) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if let Some(vpc) = table.vpc_id() {
            properties.insert("VpcId".into(), json!(vpc));
        }
        if desired.contains_key("Tags") {
            properties.insert("Tags".into(), user_tags(table.tags()));
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
            .delete_route_table()
            .route_table_id(physical_id)
            .send()
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(ec2_error("ec2:DeleteRouteTable", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let out = ctx
            .clients
            .ec2()
            .describe_route_tables()
            .set_filters(Some(ownership_filters(ctx)))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeRouteTables", e))?;
        Ok(out
            .route_tables()
            .iter()
            .filter(|t| super::owned_here(ctx, t.tags()))
            .filter_map(|t| t.route_table_id.clone())
            .find(|id| !is_earlier_copy(props, id)))
    }
}

/// The route table, or `None` when it is gone.
pub(super) async fn describe(ctx: &Ctx, id: &str) -> Result<Option<LiveTable>> {
    let answer = ctx
        .clients
        .ec2()
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out.route_tables.and_then(|t| t.into_iter().next())),
        Err(e) if has_code(&e, NOT_FOUND) => Ok(None),
        Err(e) => Err(ec2_error("ec2:DescribeRouteTables", e)),
    }
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("RouteTableId".to_string(), json!(id))])
}
