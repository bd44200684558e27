//! `AWS::EC2::VPC`, `Subnet`, `SecurityGroup`, `SecurityGroupIngress` and `SecurityGroupEgress`
//! against moto, through the library.
use crate::support;
use crate::support::handlers::{self, assert_live, props};

use crate::support::MotoServer;
use fuelflow::resources::{Ctx, Handler, Props, compare, handler};
use serde_json::json;

/// Each test uses its own stack name so adopt-by-tags finds only its own resources.
async fn ctx(stack: &str, logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), support::unique(stack), logical_id).await
}

fn h(type_name: &str) -> &'static dyn Handler {
    handler(type_name).unwrap()
}

async fn dns_hostnames(ctx: &Ctx, vpc: &str) -> bool {
    ctx.clients
        .ec2()
        .describe_vpc_attribute()
        .vpc_id(vpc)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap()
        .enable_dns_hostnames()
        .and_then(|v| v.value())
        .unwrap()
}

async fn new_vpc(ctx: &Ctx, cidr: &str) -> String {
    let mut ctx = ctx.clone();
    ctx.logical_id = "Vpc".into();
    h("AWS::EC2::VPC")
        .create(&ctx, &props(json!({"CidrBlock": cidr})))
        .await
        .unwrap()
        .physical_id
}

#[tokio::test]
async fn vpc_lifecycle() {
    let ctx = ctx("vpc-stack", "Network").await;
    let vpc = h("AWS::EC2::VPC");
    let desired = props(json!({
        "CidrBlock": "10.30.0.0/16",
        "EnableDnsSupport": true,
        "EnableDnsHostnames": true,
        "InstanceTenancy": "default",
        "Tags": [{"Key": "Name", "Value": "fuel-flow"}]
    }));
    let created = vpc.create(&ctx, &desired).await.unwrap();
    let id = created.physical_id.clone();
    assert!(id.starts_with("vpc-"));
    assert_eq!(created.attributes["VpcId"], json!(id));
    assert_eq!(created.attributes["CidrBlock"], "10.30.0.0/16");
    assert!(
        created.attributes["DefaultSecurityGroup"]
            .as_str()
            .unwrap()
            .starts_with("sg-")
    );
    assert!(
        created.attributes["DefaultNetworkAcl"]
            .as_str()
            .unwrap()
            .starts_with("acl-")
    );
    assert!(dns_hostnames(&ctx, &id).await);
    let live_vpc = ctx
        .clients
        .ec2()
        .describe_vpcs()
        .vpc_ids(&id)
        .send()
        .await
        .unwrap();
    let tags = live_vpc.vpcs()[0].tags();
    assert!(
        tags.iter()
            .any(|t| t.key() == Some("fuelflow:logical-id") && t.value() == Some("Network"))
    );

    let live = vpc.read(&ctx, &id, &desired).await.unwrap().unwrap();
    assert_live(&desired, &live);

    let mut changed = desired.clone();
    changed["EnableDnsHostnames"] = json!(false);
    changed["Tags"] = json!([{"Key": "Name", "Value": "fuel-flow-2"}]);
    vpc.update(&ctx, &id, &desired, &changed).await.unwrap();
    assert!(!dns_hostnames(&ctx, &id).await);
    assert_live(
        &changed,
        &vpc.read(&ctx, &id, &changed).await.unwrap().unwrap(),
    );

    // Drift: hostnames switched on by hand.
    ctx.clients
        .ec2()
        .modify_vpc_attribute()
        .vpc_id(&id)
        .enable_dns_hostnames(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let live = vpc.read(&ctx, &id, &changed).await.unwrap().unwrap();
    assert_eq!(live.properties["EnableDnsHostnames"], json!(true));
    vpc.update(&ctx, &id, &live.properties, &changed)
        .await
        .unwrap();
    assert!(!dns_hostnames(&ctx, &id).await);

    assert_eq!(
        vpc.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );
    vpc.delete(&ctx, &id, &changed).await.unwrap();
    assert!(vpc.read(&ctx, &id, &changed).await.unwrap().is_none());
    vpc.delete(&ctx, &id, &changed).await.unwrap();
    assert_eq!(
        vpc.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );

    // Deleted out of band.
    let other = vpc
        .create(&ctx, &props(json!({"CidrBlock": "10.31.0.0/16"})))
        .await
        .unwrap();
    ctx.clients
        .ec2()
        .delete_vpc()
        .vpc_id(&other.physical_id)
        .send()
        .await
        .unwrap();
    assert!(
        vpc.read(&ctx, &other.physical_id, &desired)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn subnet_lifecycle() {
    let ctx = ctx("subnet-stack", "PublicA").await;
    let subnet = h("AWS::EC2::Subnet");
    let vpc_id = new_vpc(&ctx, "10.40.0.0/16").await;
    let desired = props(json!({
        "VpcId": vpc_id,
        "CidrBlock": "10.40.1.0/24",
        "AvailabilityZone": "us-east-1a",
        "MapPublicIpOnLaunch": true,
        "Tags": [{"Key": "tier", "Value": "public"}]
    }));
    let created = subnet.create(&ctx, &desired).await.unwrap();
    let id = created.physical_id.clone();
    assert!(id.starts_with("subnet-"));
    assert_eq!(created.attributes["AvailabilityZone"], "us-east-1a");
    assert_eq!(created.attributes["VpcId"], json!(vpc_id));
    let live_subnet = || async {
        ctx.clients
            .ec2()
            .describe_subnets()
            .subnet_ids(&id)
            .send()
            .await
            .unwrap()
            .subnets
            .unwrap()
            .remove(0)
    };
    assert_eq!(live_subnet().await.map_public_ip_on_launch(), Some(true));
    assert_live(
        &desired,
        &subnet.read(&ctx, &id, &desired).await.unwrap().unwrap(),
    );

    let mut changed = desired.clone();
    changed["MapPublicIpOnLaunch"] = json!(false);
    changed["Tags"] = json!([{"Key": "tier", "Value": "private"}]);
    subnet.update(&ctx, &id, &desired, &changed).await.unwrap();
    assert_eq!(live_subnet().await.map_public_ip_on_launch(), Some(false));
    assert_live(
        &changed,
        &subnet.read(&ctx, &id, &changed).await.unwrap().unwrap(),
    );

    // Drift: a tag removed by hand.
    ctx.clients
        .ec2()
        .delete_tags()
        .resources(&id)
        .tags(aws_sdk_ec2::types::Tag::builder().key("tier").build())
        .send()
        .await
        .unwrap();
    let live = subnet.read(&ctx, &id, &changed).await.unwrap().unwrap();
    assert_eq!(live.properties["Tags"], json!([]));
    subnet
        .update(&ctx, &id, &live.properties, &changed)
        .await
        .unwrap();
    assert_live(
        &changed,
        &subnet.read(&ctx, &id, &changed).await.unwrap().unwrap(),
    );

    assert_eq!(
        subnet
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );
    subnet.delete(&ctx, &id, &changed).await.unwrap();
    assert!(subnet.read(&ctx, &id, &changed).await.unwrap().is_none());
    subnet.delete(&ctx, &id, &changed).await.unwrap();
    assert_eq!(
        subnet
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn security_group_rules_are_reconciled() {
    let ctx = ctx("sg-stack", "AppSg").await;
    let sg = h("AWS::EC2::SecurityGroup");
    let vpc_id = new_vpc(&ctx, "10.50.0.0/16").await;
    let mut peer_ctx = ctx.clone();
    peer_ctx.logical_id = "PeerSg".into();
    let peer = sg
        .create(
            &peer_ctx,
            &props(json!({"GroupDescription": "peer", "VpcId": vpc_id})),
        )
        .await
        .unwrap()
        .physical_id;

    let desired = props(json!({
        "GroupDescription": "app servers",
        "VpcId": vpc_id,
        "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8", "Description": "https"},
            {"IpProtocol": "tcp", "FromPort": "5432", "ToPort": "5432", "SourceSecurityGroupId": peer}
        ],
        "SecurityGroupEgress": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
        ],
        "Tags": [{"Key": "tier", "Value": "app"}]
    }));
    let created = sg.create(&ctx, &desired).await.unwrap();
    let id = created.physical_id.clone();
    assert!(id.starts_with("sg-"));
    assert_eq!(created.attributes["GroupId"], json!(id));
    assert_eq!(created.attributes["VpcId"], json!(vpc_id));

    let live_group = || async {
        ctx.clients
            .ec2()
            .describe_security_groups()
            .group_ids(&id)
            .send()
            .await
            .unwrap()
            .security_groups
            .unwrap()
            .remove(0)
    };
    let group = live_group().await;
    assert!(
        group.group_name().unwrap().contains("AppSg"),
        "generated name"
    );
    // The default allow-all egress is gone; only the listed rule is left.
    assert_eq!(group.ip_permissions_egress().len(), 1);
    assert_eq!(group.ip_permissions_egress()[0].ip_protocol(), Some("tcp"));
    assert_eq!(group.ip_permissions().len(), 2);
    assert_live(
        &desired,
        &sg.read(&ctx, &id, &desired).await.unwrap().unwrap(),
    );

    // Rule by rule: a description change, a removed rule, a new one; egress back to the default.
    let mut changed = desired.clone();
    changed["SecurityGroupIngress"] = json!([
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8", "Description": "https from the vpc"},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "CidrIpv6": "::/0"}
    ]);
    changed.remove("SecurityGroupEgress");
    sg.update(&ctx, &id, &desired, &changed).await.unwrap();
    let group = live_group().await;
    assert_eq!(group.ip_permissions().len(), 2);
    let https = group
        .ip_permissions()
        .iter()
        .find(|p| p.from_port() == Some(443))
        .unwrap();
    assert_eq!(
        https.ip_ranges()[0].description(),
        Some("https from the vpc")
    );
    assert!(
        group
            .ip_permissions()
            .iter()
            .all(|p| p.user_id_group_pairs().is_empty())
    );
    assert_eq!(group.ip_permissions_egress().len(), 1);
    assert_eq!(group.ip_permissions_egress()[0].ip_protocol(), Some("-1"));
    assert_live(
        &changed,
        &sg.read(&ctx, &id, &changed).await.unwrap().unwrap(),
    );

    // Drift: a rule added by hand shows up and is revoked.
    ctx.clients
        .ec2()
        .authorize_security_group_ingress()
        .group_id(&id)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let live = sg.read(&ctx, &id, &changed).await.unwrap().unwrap();
    assert!(!compare::equivalent(
        &changed["SecurityGroupIngress"],
        &live.properties["SecurityGroupIngress"]
    ));
    assert_eq!(
        live.properties["SecurityGroupIngress"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    sg.update(&ctx, &id, &live.properties, &changed)
        .await
        .unwrap();
    assert_eq!(live_group().await.ip_permissions().len(), 2);
    assert_live(
        &changed,
        &sg.read(&ctx, &id, &changed).await.unwrap().unwrap(),
    );

    assert_eq!(
        sg.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );
    sg.delete(&ctx, &id, &changed).await.unwrap();
    assert!(sg.read(&ctx, &id, &changed).await.unwrap().is_none());
    sg.delete(&ctx, &id, &changed).await.unwrap();
    assert_eq!(
        sg.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn standalone_rules() {
    let ctx = ctx("rule-stack", "DbIngress").await;
    let vpc_id = new_vpc(&ctx, "10.60.0.0/16").await;
    let group = h("AWS::EC2::SecurityGroup")
        .create(
            &ctx,
            &props(json!({"GroupDescription": "db", "VpcId": vpc_id})),
        )
        .await
        .unwrap()
        .physical_id;
    let ingress = h("AWS::EC2::SecurityGroupIngress");
    let desired = props(json!({
        "GroupId": group,
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "CidrIp": "10.60.0.0/16",
        "Description": "postgres"
    }));
    let created = ingress.create(&ctx, &desired).await.unwrap();
    let id = created.physical_id.clone();
    assert_eq!(
        id,
        format!("{group}|ingress|tcp|5432|5432|cidr=10.60.0.0/16")
    );
    let live_group = || async {
        ctx.clients
            .ec2()
            .describe_security_groups()
            .group_ids(&group)
            .send()
            .await
            .unwrap()
            .security_groups
            .unwrap()
            .remove(0)
    };
    assert_eq!(live_group().await.ip_permissions().len(), 1);
    assert_live(
        &desired,
        &ingress.read(&ctx, &id, &desired).await.unwrap().unwrap(),
    );

    let mut changed = desired.clone();
    changed["Description"] = json!("postgres from the vpc");
    ingress.update(&ctx, &id, &desired, &changed).await.unwrap();
    let g = live_group().await;
    assert_eq!(
        g.ip_permissions()[0].ip_ranges()[0].description(),
        Some("postgres from the vpc")
    );
    assert_live(
        &changed,
        &ingress.read(&ctx, &id, &changed).await.unwrap().unwrap(),
    );
    assert_eq!(
        ingress
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );

    ingress.delete(&ctx, &id, &changed).await.unwrap();
    assert!(live_group().await.ip_permissions().is_empty());
    assert!(ingress.read(&ctx, &id, &changed).await.unwrap().is_none());
    ingress.delete(&ctx, &id, &changed).await.unwrap();
    assert_eq!(
        ingress
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );

    // Egress (protocol written as a number): a rule next to the default allow-all; deleting it
    // leaves the default alone.
    let egress = h("AWS::EC2::SecurityGroupEgress");
    let out = props(json!({
        "GroupId": group,
        "IpProtocol": "6",
        "FromPort": 443,
        "ToPort": 443,
        "DestinationSecurityGroupId": group
    }));
    let rule = egress.create(&ctx, &out).await.unwrap().physical_id;
    assert_eq!(live_group().await.ip_permissions_egress().len(), 2);
    assert_live(
        &out,
        &egress.read(&ctx, &rule, &out).await.unwrap().unwrap(),
    );
    egress.delete(&ctx, &rule, &out).await.unwrap();
    let g = live_group().await;
    assert_eq!(g.ip_permissions_egress().len(), 1);
    assert_eq!(g.ip_permissions_egress()[0].ip_protocol(), Some("-1"));
    // The group gone: the rule reads as gone and deleting it is fine.
    h("AWS::EC2::SecurityGroup")
        .delete(&ctx, &group, &Props::new())
        .await
        .unwrap();
    assert!(egress.read(&ctx, &rule, &out).await.unwrap().is_none());
    egress.delete(&ctx, &rule, &out).await.unwrap();
}
