//! The network the function can use on AWS (issue 16), live on moto: after applying the dev
//! platform, the VPC the function runs in has the S3 gateway endpoint on the private subnets'
//! route tables and the Secrets Manager interface endpoint in those subnets, behind a security
//! group that admits 443 from the function's group only; dev re-plans empty and a destroy leaves
//! none of it. And the NAT variant (`EnableNat: "true"`): a public subnet, an internet gateway,
//! a NAT gateway and the private subnets' default route through it.

use crate::platform::{Clients, Platform};
use crate::support::{MotoServer, fuelflow, stderr, stdout};
use aws_sdk_ec2::types::{Filter, RouteTable, VpcEndpoint};

fn by(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The function's VPC, subnets (sorted) and security group, as Lambda reports them.
async fn function_network(c: &Clients, env: &str) -> (String, Vec<String>, String) {
    let f = c
        .lambda
        .get_function_configuration()
        .function_name(format!("fuel-flow-{env}-api"))
        .send()
        .await
        .unwrap();
    let config = f.vpc_config().expect("the function runs in a VPC");
    let mut subnets = config.subnet_ids().to_vec();
    subnets.sort();
    assert_eq!(subnets.len(), 2, "{config:?}");
    let group = config.security_group_ids()[0].clone();
    // (moto's GetFunctionConfiguration may leave VpcId out: the subnets say which VPC.)
    let described = c.ec2.describe_subnets().subnet_ids(&subnets[0]).send();
    let vpc = described.await.unwrap().subnets()[0]
        .vpc_id()
        .unwrap()
        .to_string();
    (vpc, subnets, group)
}

/// The route tables the subnets are explicitly associated with, one per subnet.
async fn subnet_route_tables(c: &Clients, subnets: &[String]) -> Vec<RouteTable> {
    let mut tables = Vec::new();
    for subnet in subnets {
        let out = c.ec2.describe_route_tables();
        let out = out.filters(by("association.subnet-id", subnet)).send();
        let found = out.await.unwrap().route_tables().to_vec();
        assert_eq!(
            found.len(),
            1,
            "{subnet} has its own route table: {found:?}"
        );
        tables.push(found[0].clone());
    }
    tables
}

async fn endpoints(c: &Clients, vpc: &str) -> Vec<VpcEndpoint> {
    let out = c.ec2.describe_vpc_endpoints().filters(by("vpc-id", vpc));
    let all = out.send().await.unwrap().vpc_endpoints().to_vec();
    all.into_iter()
        .filter(|e| e.state().map(|s| s.as_str().to_lowercase()) != Some("deleted".into()))
        .collect()
}

fn endpoint<'e>(all: &'e [VpcEndpoint], service: &str) -> &'e VpcEndpoint {
    let name = format!("com.amazonaws.us-east-1.{service}");
    let found: Vec<_> = all
        .iter()
        .filter(|e| e.service_name() == Some(&name))
        .collect();
    assert_eq!(found.len(), 1, "one {name} endpoint: {all:?}");
    found[0]
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn the_function_reaches_s3_and_secrets_manager_through_endpoints_in_its_subnets() {
    let p = Platform::new();
    let c = p.clients().await;
    p.expect(0, &["bootstrap", "--env", "dev", "--auto-approve"]);
    p.expect(0, &["apply", "--env", "dev", "--auto-approve"]);

    let (vpc, subnets, function_group) = function_network(&c, "dev").await;
    let tables = subnet_route_tables(&c, &subnets).await;
    let table_ids = sorted(
        tables
            .iter()
            .map(|t| t.route_table_id().unwrap().to_string())
            .collect(),
    );
    assert!(tables.iter().all(|t| t.vpc_id() == Some(vpc.as_str())));
    assert_ne!(table_ids[0], table_ids[1], "a route table per subnet");
    // No route to the internet by default: only the VPC and S3's prefix list.
    for t in &tables {
        assert!(
            t.routes()
                .iter()
                .all(|r| r.destination_cidr_block() != Some("0.0.0.0/0")),
            "{t:?}"
        );
    }

    let all = endpoints(&c, &vpc).await;
    let s3 = endpoint(&all, "s3");
    assert_eq!(s3.vpc_endpoint_type().map(|t| t.as_str()), Some("Gateway"));
    assert_eq!(sorted(s3.route_table_ids().to_vec()), table_ids);

    let secrets = endpoint(&all, "secretsmanager");
    assert_eq!(
        secrets.vpc_endpoint_type().map(|t| t.as_str()),
        Some("Interface")
    );
    assert_eq!(sorted(secrets.subnet_ids().to_vec()), subnets);
    assert_eq!(secrets.private_dns_enabled(), Some(true));
    let groups: Vec<_> = secrets
        .groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    // The endpoint's group admits HTTPS from the function's group, and nothing else.
    let group = c.ec2.describe_security_groups().group_ids(groups[0]).send();
    let group = group.await.unwrap().security_groups()[0].clone();
    let rules = group.ip_permissions();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(
        (rules[0].from_port(), rules[0].to_port()),
        (Some(443), Some(443))
    );
    let sources: Vec<_> = rules[0]
        .user_id_group_pairs()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    assert_eq!(sources, [function_group.as_str()]);
    assert!(rules[0].ip_ranges().is_empty(), "{rules:?}");

    let out = p.expect(0, &["plan", "--env", "dev", "--detailed-exitcode"]);
    assert!(out.contains("No changes"), "{out}");

    p.expect(0, &["destroy", "--env", "dev", "--auto-approve"]);
    assert!(endpoints(&c, &vpc).await.is_empty(), "endpoints left");
    let owned = Filter::builder()
        .name("tag-key")
        .values("fuelflow:stack")
        .build();
    let tables = c.ec2.describe_route_tables().filters(owned).send().await;
    assert!(
        tables.unwrap().route_tables().is_empty(),
        "route tables left"
    );
}

/// `stacks/network.yaml` alone, in template mode with `EnableNat=true`, on a private emulator.
#[tokio::test]
async fn the_nat_variant_plans_applies_and_routes_the_private_subnets_through_it() {
    let moto = MotoServer::start();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo.join("stacks/network.yaml"),
        dir.path().join("network.yaml"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "-t",
            "network.yaml",
            "--stack-name",
            "fuel-flow-network-dev",
            "--parameter",
            "Environment=dev",
            "--parameter",
            "EnableNat=true",
            "--backend-bucket",
            "nat-variant-state",
            "--lock-table",
            "nat-variant-locks",
        ];
        args.extend(extra);
        let out = fuelflow(dir.path(), &args, Some(&moto));
        assert!(
            out.status.success() || out.status.code() == Some(2),
            "fuelflow {extra:?}\n{}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    };
    run(&["validate", "--strict"]);
    run(&["bootstrap", "--auto-approve"]);
    let plan = run(&["plan"]);
    for resource in [
        "PublicSubnet (AWS::EC2::Subnet)",
        "InternetGateway (AWS::EC2::InternetGateway)",
        "InternetGatewayAttachment (AWS::EC2::VPCGatewayAttachment)",
        "NatAddress (AWS::EC2::EIP)",
        "NatGateway (AWS::EC2::NatGateway)",
        "PrivateDefaultRouteA (AWS::EC2::Route)",
        "PrivateDefaultRouteB (AWS::EC2::Route)",
    ] {
        assert!(plan.contains(resource), "{resource}:\n{plan}");
    }
    assert!(plan.contains("Plan: 22 to add"), "{plan}");
    run(&["apply", "--auto-approve"]);

    let config = moto.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let nats = ec2.describe_nat_gateways().send().await.unwrap();
    let nats: Vec<_> = nats
        .nat_gateways()
        .iter()
        .filter(|g| g.state().map(|s| s.as_str()) == Some("available"))
        .collect();
    assert_eq!(nats.len(), 1, "{nats:?}");
    let nat = nats[0].nat_gateway_id().unwrap();
    let public = nats[0].subnet_id().unwrap();
    let tables = ec2.describe_route_tables().send().await.unwrap();
    let default_route = |t: &RouteTable| {
        t.routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .cloned()
    };
    let mut via_nat = 0;
    for t in tables.route_tables() {
        let subnets: Vec<_> = t
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .collect();
        match default_route(t) {
            Some(r) if subnets == [public] => {
                assert!(
                    r.gateway_id().is_some_and(|g| g.starts_with("igw-")),
                    "{r:?}"
                )
            }
            Some(r) if r.nat_gateway_id() == Some(nat) => via_nat += subnets.len(),
            _ => {}
        }
    }
    assert_eq!(
        via_nat, 2,
        "both private subnets route through the NAT gateway"
    );

    let replan = run(&["plan", "--detailed-exitcode"]);
    assert!(replan.contains("No changes"), "{replan}");
    run(&["destroy", "--auto-approve"]);
    let nats = ec2.describe_nat_gateways().send().await.unwrap();
    assert!(
        nats.nat_gateways()
            .iter()
            .all(|g| g.state().map(|s| s.as_str()) == Some("deleted")),
        "{nats:?}"
    );
}
