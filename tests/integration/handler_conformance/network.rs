//! Conformance fixtures of VPC plumbing: route tables, gateways, endpoints (issue 16).

#[allow(unused_imports)]
use super::*;
use aws_sdk_ec2::types::{Filter, NatGatewayState};

impl Env {
    async fn internet_gateway(&self) -> String {
        self.make("AWS::EC2::InternetGateway", json!({}))
            .await
            .physical_id
    }

    async fn route_table(&self, vpc: &str) -> String {
        self.make("AWS::EC2::RouteTable", json!({"VpcId": vpc}))
            .await
            .physical_id
    }

    /// An Elastic IP: its allocation id.
    async fn allocation(&self) -> String {
        let created = self.make("AWS::EC2::EIP", json!({"Domain": "vpc"})).await;
        text_of(&created.attributes["AllocationId"])
    }
}

fn text_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn team(value: &str) -> Value {
    json!([{"Key": "team", "Value": value}])
}

fn by(name: &str, value: impl Into<String>) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Whether the route table `table` has a route to `destination`.
async fn has_route(ctx: &Ctx, table: &str, destination: &str) -> bool {
    let out = ctx
        .clients
        .ec2()
        .describe_route_tables()
        .route_table_ids(table);
    out.send().await.is_ok_and(|o| {
        o.route_tables()
            .iter()
            .flat_map(|t| t.routes())
            .any(|r| r.destination_cidr_block() == Some(destination))
    })
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::EC2::EIP",
        desired: |_| Box::pin(async move { props(json!({"Domain": "vpc", "Tags": team("fuel")})) }),
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .ec2()
                    .describe_addresses()
                    .filters(by("public-ip", id));
                out.send().await.is_ok_and(|o| !o.addresses().is_empty())
            })
        },
        update: Update::Property("Tags", |_, _| value(team("flow"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::InternetGateway",
        desired: |_| Box::pin(async move { props(json!({"Tags": team("fuel")})) }),
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.ec2().describe_internet_gateways();
                let out = out.internet_gateway_ids(id).send().await;
                out.is_ok_and(|o| !o.internet_gateways().is_empty())
            })
        },
        update: Update::Property("Tags", |_, _| value(team("flow"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::NatGateway",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                let subnet = env.subnet(&vpc, "10.0.1.0/24", "us-east-1a").await;
                let allocation = env.allocation().await;
                props(json!({
                    "SubnetId": subnet, "AllocationId": allocation, "ConnectivityType": "public",
                    "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.ec2().describe_nat_gateways();
                let out = out.filter(by("nat-gateway-id", &id)).send().await;
                out.is_ok_and(|o| {
                    o.nat_gateways().iter().any(|g| {
                        g.nat_gateway_id() == Some(id.as_str())
                            && g.state() != Some(&NatGatewayState::Deleted)
                    })
                })
            })
        },
        update: Update::Property("Tags", |_, _| value(team("flow"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::NetworkAcl",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                props(json!({"VpcId": vpc, "Tags": team("fuel")}))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .ec2()
                    .describe_network_acls()
                    .network_acl_ids(id);
                out.send().await.is_ok_and(|o| !o.network_acls().is_empty())
            })
        },
        update: Update::Property("Tags", |_, _| value(team("flow"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::NetworkAclEntry",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                let acl = env
                    .make("AWS::EC2::NetworkAcl", json!({"VpcId": vpc}))
                    .await;
                props(json!({
                    "NetworkAclId": acl.physical_id, "RuleNumber": 100, "Egress": false,
                    "Protocol": 6, "RuleAction": "allow", "CidrBlock": "10.0.0.0/16",
                    "PortRange": {"From": 443, "To": 443}
                }))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx.clients.ec2().describe_network_acls();
                let out = out.network_acl_ids(text(&p, "NetworkAclId")).send().await;
                out.is_ok_and(|o| {
                    o.network_acls()
                        .iter()
                        .flat_map(|a| a.entries())
                        .any(|e| e.rule_number() == Some(100) && e.egress() == Some(false))
                })
            })
        },
        update: Update::Property("PortRange", |_, _| value(json!({"From": 5432, "To": 5432}))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::Route",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                let table = env.route_table(&vpc).await;
                let gateway = env.internet_gateway().await;
                props(json!({
                    "RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway
                }))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move { has_route(&ctx, &text(&p, "RouteTableId"), "0.0.0.0/0").await })
        },
        update: Update::Property("GatewayId", |env, _| {
            Box::pin(async move { json!(env.internet_gateway().await) })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::RouteTable",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                props(json!({"VpcId": vpc, "Tags": team("fuel")}))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .ec2()
                    .describe_route_tables()
                    .route_table_ids(id);
                out.send().await.is_ok_and(|o| !o.route_tables().is_empty())
            })
        },
        update: Update::Property("Tags", |_, _| value(team("flow"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::SubnetRouteTableAssociation",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                let subnet = env.subnet(&vpc, "10.0.1.0/24", "us-east-1a").await;
                let table = env.route_table(&vpc).await;
                props(json!({"RouteTableId": table, "SubnetId": subnet}))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.ec2().describe_route_tables();
                let out = out.filters(by("association.route-table-association-id", &id));
                out.send().await.is_ok_and(|o| {
                    o.route_tables()
                        .iter()
                        .flat_map(|t| t.associations())
                        .any(|a| a.route_table_association_id() == Some(id.as_str()))
                })
            })
        },
        update: Update::NoneMutable,
        not_read_back: &[],
        skip: &[],
    },
    // An Interface endpoint (the richer kind); the Gateway kind is checked live by
    // platform_network's test of the dev platform.
    Fixture {
        type_name: "AWS::EC2::VPCEndpoint",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                let subnet = env.subnet(&vpc, "10.0.1.0/24", "us-east-1a").await;
                let group = env
                    .make(
                        "AWS::EC2::SecurityGroup",
                        json!({"GroupDescription": "endpoint", "VpcId": vpc}),
                    )
                    .await
                    .physical_id;
                props(json!({
                    "VpcId": vpc, "ServiceName": "com.amazonaws.us-east-1.secretsmanager",
                    "VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
                    "SubnetIds": [subnet], "SecurityGroupIds": [group], "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .ec2()
                    .describe_vpc_endpoints()
                    .vpc_endpoint_ids(&id);
                out.send().await.is_ok_and(|o| {
                    o.vpc_endpoints().iter().any(|e| {
                        !e.state()
                            .is_some_and(|s| s.as_str().eq_ignore_ascii_case("deleted"))
                    })
                })
            })
        },
        update: Update::Property("SubnetIds", |env, p| {
            Box::pin(async move {
                let second = env
                    .subnet(&text(&p, "VpcId"), "10.0.2.0/24", "us-east-1b")
                    .await;
                let first = p["SubnetIds"][0].clone();
                json!([first, second])
            })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::EC2::VPCGatewayAttachment",
        desired: |env| {
            Box::pin(async move {
                let vpc = env.vpc().await;
                let gateway = env.internet_gateway().await;
                props(json!({"VpcId": vpc, "InternetGatewayId": gateway}))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx.clients.ec2().describe_internet_gateways();
                let out = out.filters(by("attachment.vpc-id", text(&p, "VpcId")));
                out.send().await.is_ok_and(|o| {
                    o.internet_gateways().iter().any(|g| {
                        g.internet_gateway_id() == p["InternetGatewayId"].as_str()
                            && !g.attachments().is_empty()
                    })
                })
            })
        },
        update: Update::Property("InternetGatewayId", |env, _| {
            Box::pin(async move { json!(env.internet_gateway().await) })
        }),
        not_read_back: &[],
        skip: &[],
    },
];
