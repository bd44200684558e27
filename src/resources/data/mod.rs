//! Data sources: resources that already exist and that templates refer to without managing them,
//! as Terraform's data sources do. `Fuelflow::Data::DefaultVpc` is the region's default VPC with
//! its default subnets:
//!
//! ```yaml
//! Resources:
//!   Default: {Type: Fuelflow::Data::DefaultVpc}
//!   Db:
//!     Type: AWS::RDS::DBSubnetGroup
//!     Properties:
//!       DBSubnetGroupDescription: default subnets
//!       SubnetIds: !GetAtt Default.SubnetIds
//! ```
//!
//! They are looked up at every plan (never recorded, created or deleted), so `Ref` and
//! `Fn::GetAtt` of them are known at plan time.

use super::{Attributes, Clients, ResourceError};
use serde_json::json;

pub const DEFAULT_VPC: &str = "Fuelflow::Data::DefaultVpc";

pub fn is_data_source(type_name: &str) -> bool {
    type_name.starts_with("Fuelflow::Data::")
}

/// Looks a data source up: (what `Ref` returns, its attributes).
pub async fn lookup(
    clients: &Clients,
    type_name: &str,
) -> Result<(String, Attributes), ResourceError> {
    match type_name {
        DEFAULT_VPC => default_vpc(clients).await,
        other => Err(ResourceError::new(
            "UnsupportedType",
            format!("no data source {other}"),
        )),
    }
}

async fn default_vpc(clients: &Clients) -> Result<(String, Attributes), ResourceError> {
    use aws_sdk_ec2::types::Filter;
    let ec2 = clients.ec2();
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .map_err(|e| crate::aws::AwsError::from_sdk("ec2:DescribeVpcs", e))?;
    let Some(vpc) = vpcs.vpcs().first() else {
        return Err(ResourceError::new(
            "NoDefaultVpc",
            "this region has no default VPC",
        ));
    };
    let vpc_id = vpc.vpc_id().unwrap_or_default().to_string();
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .filters(
            Filter::builder()
                .name("default-for-az")
                .values("true")
                .build(),
        )
        .send()
        .await
        .map_err(|e| crate::aws::AwsError::from_sdk("ec2:DescribeSubnets", e))?;
    let mut by_zone: Vec<(String, String)> = subnets
        .subnets()
        .iter()
        .map(|s| {
            (
                s.availability_zone().unwrap_or_default().to_string(),
                s.subnet_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    by_zone.sort();
    let mut attributes = Attributes::new();
    attributes.insert("VpcId".into(), json!(vpc_id));
    attributes.insert(
        "CidrBlock".into(),
        json!(vpc.cidr_block().unwrap_or_default()),
    );
    attributes.insert(
        "SubnetIds".into(),
        json!(by_zone.iter().map(|(_, s)| s).collect::<Vec<_>>()),
    );
    attributes.insert(
        "AvailabilityZones".into(),
        json!(by_zone.iter().map(|(z, _)| z).collect::<Vec<_>>()),
    );
    Ok((vpc_id, attributes))
}
