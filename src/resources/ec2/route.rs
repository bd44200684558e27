//! `AWS::EC2::Route`: one IPv4 route of a route table. Physical id:
//! `<route table id>|<destination CIDR>` (a route has no id of its own; the pair is unique).
//! A route has no tags: `find` takes the route of that destination in that table.

use super::{ec2_error, has_code, route_table, string};
use crate::resources::property::required;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, is_earlier_copy,
};
use aws_sdk_ec2::types::Route as LiveRoute;
use serde_json::json;

pub struct Route;

/// How the live route reports one of its targets.
type Target = fn(&LiveRoute) -> Option<&str>;

/// Where a route may send traffic, each with how the live route reports it.
const TARGETS: &[(&str, Target)] = &[
    ("GatewayId", LiveRoute::gateway_id),
    ("NatGatewayId", LiveRoute::nat_gateway_id),
    ("NetworkInterfaceId", LiveRoute::network_interface_id),
    ("TransitGatewayId", LiveRoute::transit_gateway_id),
    (
        "VpcPeeringConnectionId",
        LiveRoute::vpc_peering_connection_id,
    ),
];

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "RouteTableId",
    "DestinationCidrBlock",
    "GatewayId",
    "NatGatewayId",
    "NetworkInterfaceId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
];

impl Resource for Route {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let table = required(props, "RouteTableId")?;
        let destination = required(props, "DestinationCidrBlock")?;
        ctx.clients
            .ec2()
            .create_route()
            .route_table_id(&table)
            .destination_cidr_block(&destination)
            .set_gateway_id(string(props, "GatewayId"))
            .set_nat_gateway_id(string(props, "NatGatewayId"))
            .set_network_interface_id(string(props, "NetworkInterfaceId"))
            .set_transit_gateway_id(string(props, "TransitGatewayId"))
            .set_vpc_peering_connection_id(string(props, "VpcPeeringConnectionId"))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateRoute", e))?;
        Ok(Created {
            physical_id: format!("{table}|{destination}"),
            attributes: attributes(&destination),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, _desired: &Props) -> Result<Option<Live>> {
        let (table, destination) = parse(physical_id)?;
        let Some(route) = live_route(ctx, table, destination).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("RouteTableId".into(), json!(table));
        properties.insert("DestinationCidrBlock".into(), json!(destination));
        for (key, target) in TARGETS {
            if let Some(id) = target(&route) {
                properties.insert(key.to_string(), json!(id));
            }
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(destination),
        }))
    }

    /// A new target: `ReplaceRoute` (table and destination are create-only).
    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let (table, destination) = parse(physical_id)?;
        ctx.clients
            .ec2()
            .replace_route()
            .route_table_id(table)
            .destination_cidr_block(destination)
            .set_gateway_id(string(new, "GatewayId"))
            .set_nat_gateway_id(string(new, "NatGatewayId"))
            .set_network_interface_id(string(new, "NetworkInterfaceId"))
            .set_transit_gateway_id(string(new, "TransitGatewayId"))
            .set_vpc_peering_connection_id(string(new, "VpcPeeringConnectionId"))
            .send()
            .await
            .map_err(|e| ec2_error("ec2:ReplaceRoute", e))?;
        Ok(attributes(destination))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let (table, destination) = parse(physical_id)?;
        let answer = ctx
            .clients
            .ec2()
            .delete_route()
            .route_table_id(table)
            .destination_cidr_block(destination)
            .send()
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e)
                if has_code(&e, "InvalidRoute.NotFound")
                    || has_code(&e, "InvalidRouteTableID.NotFound") =>
            {
                Ok(())
            }
            Err(e) => Err(ec2_error("ec2:DeleteRoute", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let table = required(props, "RouteTableId")?;
        let destination = required(props, "DestinationCidrBlock")?;
        let id = format!("{table}|{destination}");
        let found = live_route(ctx, &table, &destination).await?.is_some();
        Ok(Some(id).filter(|id| found && !is_earlier_copy(props, id)))
    }
}

/// The route of `destination` in `table`, or `None` when it (or the table) is gone.
async fn live_route(ctx: &Ctx, table: &str, destination: &str) -> Result<Option<LiveRoute>> {
    let Some(live) = route_table::describe(ctx, table).await? else {
        return Ok(None);
    };
    Ok(live
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some(destination))
        .cloned())
}

fn parse(physical_id: &str) -> Result<(&str, &str)> {
    physical_id.split_once('|').ok_or_else(|| {
        ResourceError::new(
            "InvalidRoute.Id",
            format!("{physical_id}: not <route table id>|<destination CIDR>"),
        )
    })
}

fn attributes(destination: &str) -> Attributes {
    Attributes::from([("CidrBlock".to_string(), json!(destination))])
}
