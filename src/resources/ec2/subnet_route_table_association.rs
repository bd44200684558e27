//! `AWS::EC2::SubnetRouteTableAssociation`. Physical id: the association id (`rtbassoc-...`).
//! Both properties are create-only. An association has no tags: `find` takes the association
//! of that subnet with that table.

use super::{ec2_error, has_code, route_table};
use crate::resources::property::required;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result, is_earlier_copy};
use aws_sdk_ec2::types::Filter;
use serde_json::json;

pub struct SubnetRouteTableAssociation;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["RouteTableId", "SubnetId"];

impl Resource for SubnetRouteTableAssociation {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .ec2()
            .associate_route_table()
            .route_table_id(required(props, "RouteTableId")?)
            .subnet_id(required(props, "SubnetId")?)
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:AssociateRouteTable", e))?;
        let id = out.association_id.unwrap_or_default();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, _desired: &Props) -> Result<Option<Live>> {
        let out = ctx
            .clients
            .ec2()
            .describe_route_tables()
            .filters(
                Filter::builder()
                    .name("association.route-table-association-id")
                    .values(physical_id)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| ec2_error("ec2:DescribeRouteTables", e))?;
        let association = out
            .route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .find(|a| a.route_table_association_id() == Some(physical_id));
        let Some(association) = association else {
            return Ok(None);
        };
        let mut properties = Props::new();
        for (key, value) in [
            ("RouteTableId", association.route_table_id()),
            ("SubnetId", association.subnet_id()),
        ] {
            if let Some(v) = value {
                properties.insert(key.into(), json!(v));
            }
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(physical_id),
        }))
    }

    /// Both properties are create-only: a change is a replacement, never an update.
    async fn update(
        &self,
        _ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        _new: &Props,
    ) -> Result<Attributes> {
        Ok(attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let answer = ctx
            .clients
            .ec2()
            .disassociate_route_table()
            .association_id(physical_id)
            .send()
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, "InvalidAssociationID.NotFound") => Ok(()),
            Err(e) => Err(ec2_error("ec2:DisassociateRouteTable", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let table = required(props, "RouteTableId")?;
        let subnet = required(props, "SubnetId")?;
        let Some(live) = route_table::describe(ctx, &table).await? else {
            return Ok(None);
        };
        Ok(live
            .associations()
            .iter()
            .filter(|a| a.subnet_id() == Some(subnet.as_str()))
            .filter_map(|a| a.route_table_association_id.clone())
            .find(|id| !is_earlier_copy(props, id)))
    }
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(id))])
}
