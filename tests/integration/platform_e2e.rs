//! The Fuel Flow platform end to end (issue 7), from a copy of the repo's own `fuelflow.yaml`,
//! `stacks/` and `functions/`: bootstrap, apply dev, every seed property checked live through
//! the SDK, an empty plan, four kinds of drift planned and repaired, destroy leaving only the
//! backend. And prod: strict validation, plan and apply on a fresh emulator, Multi-AZ and
//! deletion protection live, and a destroy the database's protection refuses.

use crate::support;
use crate::support::s3::live_versioning;

use crate::platform::{Clients, Platform, live};

const STATE_BUCKET: &str = "fuel-flow-state-123456789012-us-east-1";
const LOCK_TABLE: &str = "fuel-flow-locks";

async fn check_seed(c: &Clients, env: &str) {
    live::buckets(c, env).await;
    live::roles(c, env).await;
    let net = live::network(c, env).await;
    let db = live::database(c, env, &net).await;
    let function_arn = live::function(c, env, &net, &db).await;
    live::log_groups(c, env).await;
    live::api(c, env, &function_arn).await;
    live::alarms(c, env).await;
}

#[tokio::test]
async fn dev_applies_matches_the_seed_repairs_drift_and_destroys_to_the_backend() {
    let p = Platform::new();
    let c = p.clients().await;
    p.expect(0, &["bootstrap", "--env", "dev", "--auto-approve"]);
    let out = p.expect(0, &["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.contains("Apply complete"), "{out}");
    check_seed(&c, "dev").await;
    let out = p.expect(0, &["plan", "--env", "dev", "--detailed-exitcode"]);
    assert!(out.contains("No changes"), "{out}");

    let drifted = drift(&c).await;
    let out = p.expect(2, &["plan", "--env", "dev", "--detailed-exitcode"]);
    for (logical_id, property) in [
        ("AppDataBucket", "VersioningConfiguration"),
        ("DatabaseSecurityGroup", "SecurityGroupIngress"),
        ("ApiFunctionLogGroup", "RetentionInDays"),
        ("Vpc", "Tags"),
    ] {
        let line = format!("~ {logical_id} (");
        let at = out.find(&line).unwrap_or_else(|| panic!("{line}\n{out}"));
        let block = &out[at..];
        let block = &block[..block.find("\n  ~ ").unwrap_or(block.len())];
        assert!(
            block.contains("[drift]") && block.contains(&format!("{property}:")),
            "{logical_id}: {block}"
        );
    }
    assert!(
        out.contains("Plan: 0 to add, 4 to change, 0 to destroy."),
        "{out}"
    );
    p.expect(0, &["apply", "--env", "dev", "--auto-approve"]);
    repaired(&c, &drifted).await;
    check_seed(&c, "dev").await;
    p.expect(0, &["plan", "--env", "dev", "--detailed-exitcode"]);

    p.expect(0, &["destroy", "--env", "dev", "--auto-approve"]);
    only_the_backend_is_left(&c).await;
}

struct Drifted {
    db_sg: String,
    vpc_id: String,
}

/// Four kinds of change made out of band: a bucket setting, a security group rule, a log group
/// retention and a tag.
async fn drift(c: &Clients) -> Drifted {
    use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let suspended = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Suspended)
        .build();
    c.s3.put_bucket_versioning()
        .bucket(live::bucket("dev", "app-data"))
        .versioning_configuration(suspended)
        .send()
        .await
        .unwrap();
    let net = live::network(c, "dev").await;
    let open = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    c.ec2
        .authorize_security_group_ingress()
        .group_id(&net.db_sg)
        .ip_permissions(open)
        .send()
        .await
        .unwrap();
    c.logs
        .put_retention_policy()
        .log_group_name("/aws/lambda/fuel-flow-dev-api")
        .retention_in_days(1)
        .send()
        .await
        .unwrap();
    c.ec2
        .create_tags()
        .resources(&net.vpc_id)
        .tags(Tag::builder().key("environment").value("hacked").build())
        .send()
        .await
        .unwrap();
    Drifted {
        db_sg: net.db_sg,
        vpc_id: net.vpc_id,
    }
}

async fn repaired(c: &Clients, d: &Drifted) {
    let status = live_versioning(&c.s3, &live::bucket("dev", "app-data")).await;
    assert_eq!(status, "Enabled");
    let sg = c.ec2.describe_security_groups().group_ids(&d.db_sg);
    let sg = sg.send().await.unwrap().security_groups()[0].clone();
    live::db_rules_are_vpc_only(&sg, "10.40.0.0/16");
    let retention = live::log_group_retention(c, "/aws/lambda/fuel-flow-dev-api").await;
    assert_eq!(retention, Some(14));
    let vpc = c
        .ec2
        .describe_vpcs()
        .vpc_ids(&d.vpc_id)
        .send()
        .await
        .unwrap();
    let env_tag = vpc.vpcs()[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("environment"))
        .and_then(|t| t.value().map(str::to_string));
    assert_eq!(env_tag.as_deref(), Some("dev"));
}

async fn only_the_backend_is_left(c: &Clients) {
    let buckets = c.s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, [STATE_BUCKET]);
    let state = c.s3.list_objects_v2().bucket(STATE_BUCKET).send().await;
    assert!(!state.unwrap().contents().is_empty(), "state kept");
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), [LOCK_TABLE]);

    let roles = c.iam.list_roles().send().await.unwrap();
    let roles: Vec<_> = roles
        .roles()
        .iter()
        .map(|r| r.role_name())
        .filter(|n| n.starts_with("fuel-flow"))
        .collect();
    assert!(roles.is_empty(), "{roles:?}");
    assert!(live::platform_vpcs(c, "dev").await.is_empty());
    let owned = aws_sdk_ec2::types::Filter::builder()
        .name("tag-key")
        .values("fuelflow:stack")
        .build();
    let vpcs = c.ec2.describe_vpcs().filters(owned.clone()).send().await;
    assert!(vpcs.unwrap().vpcs().is_empty());
    let subnets = c.ec2.describe_subnets().filters(owned.clone()).send().await;
    assert!(subnets.unwrap().subnets().is_empty());
    let groups = c.ec2.describe_security_groups().filters(owned).send().await;
    assert!(groups.unwrap().security_groups().is_empty());

    let dbs = c.rds.describe_db_instances().send().await.unwrap();
    assert!(dbs.db_instances().is_empty());
    // The database's `DeletionPolicy: Snapshot` kept a final snapshot: the one thing besides the
    // backend that a destroy leaves on purpose.
    let snapshots = c.rds.describe_db_snapshots().send().await.unwrap();
    let snapshots: Vec<_> = snapshots
        .db_snapshots()
        .iter()
        .filter_map(|s| s.db_snapshot_identifier())
        .collect();
    assert!(
        snapshots.len() == 1 && snapshots[0].starts_with("fuel-flow-dev-db-final-"),
        "{snapshots:?}"
    );
    let subnet_groups = c.rds.describe_db_subnet_groups().send().await.unwrap();
    assert!(
        subnet_groups
            .db_subnet_groups()
            .iter()
            .all(|g| g.db_subnet_group_name() == Some("default")),
        "{subnet_groups:?}"
    );
    // A deleted secret waits out its recovery window (listed only with IncludePlannedDeletion).
    let secrets = c.secrets.list_secrets().send().await.unwrap();
    assert!(secrets.secret_list().is_empty(), "{secrets:?}");
    let functions = c.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty());
    let apis = c.apigw.get_rest_apis().send().await.unwrap();
    assert!(apis.items().is_empty());
    let alarms = c.cloudwatch.describe_alarms().send().await.unwrap();
    assert!(alarms.metric_alarms().is_empty());
    let groups = c.logs.describe_log_groups().send().await.unwrap();
    let groups: Vec<_> = groups
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .collect();
    assert!(groups.is_empty(), "{groups:?}");
}

#[tokio::test]
async fn prod_validates_plans_applies_and_its_database_refuses_destroy() {
    let p = Platform::new();
    let c = p.clients().await;
    p.expect(0, &["validate", "--strict", "--env", "prod"]);
    p.expect(0, &["bootstrap", "--env", "prod", "--auto-approve"]);
    let out = p.expect(2, &["plan", "--env", "prod", "--detailed-exitcode"]);
    assert!(
        out.contains("Plan: 50 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    assert!(out.contains("MultiAZ: \"true\""), "{out}");

    p.expect(0, &["apply", "--env", "prod", "--auto-approve"]);
    check_seed(&c, "prod").await;
    p.expect(0, &["plan", "--env", "prod", "--detailed-exitcode"]);

    let out = p.run(&["destroy", "--env", "prod", "--auto-approve"]);
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Database") && err.contains("DeletionProtection"),
        "{err}"
    );
    let db = c
        .rds
        .describe_db_instances()
        .db_instance_identifier("fuel-flow-prod-db");
    let db = db.send().await.expect("the database is still there");
    assert_eq!(db.db_instances()[0].deletion_protection(), Some(true));
}
