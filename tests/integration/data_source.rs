//! `Fuelflow::Data::DefaultVpc`: the region's default VPC and its subnets, used without being
//! managed: known at plan time, never created, recorded or deleted.

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};

#[tokio::test]
async fn the_default_vpc_is_looked_up_not_managed() {
    let moto = MotoServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let name: String = unique("data")
        .to_lowercase()
        .chars()
        .take(30)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    std::fs::write(
        dir.path().join("t.yaml"),
        format!(
            "Resources:\n  Default: {{Type: Fuelflow::Data::DefaultVpc}}\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: in the default VPC\n      VpcId: !Ref Default\n      SecurityGroupIngress: [{{IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !GetAtt Default.CidrBlock}}]\n  Subnets:\n    Type: AWS::RDS::DBSubnetGroup\n    Properties:\n      DBSubnetGroupName: {name}-default\n      DBSubnetGroupDescription: the default subnets\n      SubnetIds: !GetAtt Default.SubnetIds\n"
        ),
    )
    .unwrap();
    let base = [
        "-t",
        "t.yaml",
        "--stack-name",
        name.as_str(),
        "--backend-bucket",
        &format!("{name}-state"),
        "--lock-table",
        &format!("{name}-locks"),
    ]
    .map(String::from);
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend(extra);
        fuelflow(dir.path(), &args, Some(moto))
    };
    assert!(run(&["bootstrap", "--auto-approve"]).status.success());
    let plan = run(&["plan"]);
    assert!(
        stdout(&plan).contains("Plan: 2 to add"),
        "{}{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(
        !stdout(&plan).contains("Default (Fuelflow::Data::DefaultVpc)"),
        "a data source is not planned"
    );
    let out = run(&["apply", "--auto-approve"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    let config = moto.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let default = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("is-default")
                .values("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let default_id = default.vpcs()[0].vpc_id().unwrap().to_string();
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:fuelflow:stack")
                .values(&name)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(groups.security_groups().len(), 1);
    assert_eq!(
        groups.security_groups()[0].vpc_id(),
        Some(default_id.as_str())
    );
    let rds = aws_sdk_rds::Client::new(&config);
    let group = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(format!("{name}-default"))
        .send()
        .await
        .unwrap();
    assert!(group.db_subnet_groups()[0].subnets().len() >= 2);

    let again = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let state = run(&["state", "list"]);
    assert!(
        !stdout(&state).contains("Fuelflow::Data"),
        "data sources are not recorded"
    );
    assert!(run(&["destroy", "--auto-approve"]).status.success());
    let still = ec2
        .describe_vpcs()
        .vpc_ids(&default_id)
        .send()
        .await
        .unwrap();
    assert_eq!(still.vpcs().len(), 1, "the default VPC is never deleted");
}
