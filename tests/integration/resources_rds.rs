//! `AWS::RDS::DBSubnetGroup` and `AWS::RDS::DBInstance` against moto, through the library.

use crate::support::handlers::{self, assert_no_drift_except, props};
use crate::support::{MotoServer, unique};
use fuelflow::resources::{Ctx, Props, compare, handler};
use serde_json::json;

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), "test-stack", logical_id).await
}

fn name(prefix: &str) -> String {
    unique(prefix).to_lowercase()
}

/// A VPC with subnets in two zones, made with the SDK directly.
async fn subnets(ctx: &Ctx, n: usize) -> Vec<String> {
    let ec2 = ctx.clients.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc_id = vpc.vpc.unwrap().vpc_id.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let zone = if i % 2 == 0 {
            "us-east-1a"
        } else {
            "us-east-1b"
        };
        let out = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.20.{i}.0/24"))
            .availability_zone(zone)
            .send()
            .await
            .unwrap();
        ids.push(out.subnet.unwrap().subnet_id.unwrap());
    }
    ids
}

#[tokio::test]
async fn db_subnet_group_lifecycle() {
    let ctx = ctx("DbSubnets").await;
    let h = handler("AWS::RDS::DBSubnetGroup").unwrap();
    assert_eq!(h.name_property(), Some("DBSubnetGroupName"));
    let subnet_ids = subnets(&ctx, 3).await;
    let group_name = name("subnets");
    let desired = props(json!({
        "DBSubnetGroupName": group_name,
        "DBSubnetGroupDescription": "database subnets",
        "SubnetIds": [subnet_ids[0], subnet_ids[1]],
        "Tags": [{"Key": "tier", "Value": "data"}]
    }));
    let created = h.create(&ctx, &desired).await.unwrap();
    assert_eq!(created.physical_id, group_name);
    assert!(
        created.attributes["DBSubnetGroupArn"]
            .as_str()
            .unwrap()
            .contains(&group_name)
    );

    let rds = ctx.clients.rds();
    let live_group = |name: String| async move {
        rds.describe_db_subnet_groups()
            .db_subnet_group_name(name)
            .send()
            .await
            .unwrap()
            .db_subnet_groups
            .unwrap()
            .remove(0)
    };
    let group = live_group(group_name.clone()).await;
    assert_eq!(
        group.db_subnet_group_description(),
        Some("database subnets")
    );
    assert_eq!(group.subnets().len(), 2);

    let live = h.read(&ctx, &group_name, &desired).await.unwrap().unwrap();
    assert_no_drift_except(&desired, &live.properties, &[]);

    // In place: tags (description and subnets: see the next test).
    let mut changed = desired.clone();
    changed["Tags"] =
        json!([{"Key": "tier", "Value": "database"}, {"Key": "owner", "Value": "dba"}]);
    h.update(&ctx, &group_name, &desired, &changed)
        .await
        .unwrap();
    let arn = group.db_subnet_group_arn().unwrap().to_string();
    let tags = rds
        .list_tags_for_resource()
        .resource_name(&arn)
        .send()
        .await
        .unwrap();
    let tag = |k: &str| {
        tags.tag_list()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value().map(str::to_string))
    };
    assert_eq!(tag("tier").as_deref(), Some("database"));
    assert_eq!(tag("owner").as_deref(), Some("dba"));
    assert_eq!(tag("fuelflow:stack").as_deref(), Some("test-stack"));
    let live = h.read(&ctx, &group_name, &changed).await.unwrap().unwrap();
    assert_no_drift_except(&changed, &live.properties, &[]);

    // Drift (a tag removed by hand) is shown and repaired. Description drift cannot be staged:
    // moto's ModifyDBSubnetGroup loses the group (see the next test).
    rds.remove_tags_from_resource()
        .resource_name(&arn)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let live = h.read(&ctx, &group_name, &changed).await.unwrap().unwrap();
    assert!(!compare::equivalent(
        &changed["Tags"],
        &live.properties["Tags"]
    ));
    h.update(&ctx, &group_name, &live.properties, &changed)
        .await
        .unwrap();
    let live = h.read(&ctx, &group_name, &changed).await.unwrap().unwrap();
    assert_no_drift_except(&changed, &live.properties, &[]);

    // adopt by name and by ownership tags.
    assert_eq!(
        h.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(group_name.clone())
    );
    let mut nameless = changed.clone();
    nameless.remove("DBSubnetGroupName");
    assert_eq!(
        h.adopt(&ctx, &nameless)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(group_name.clone())
    );

    h.delete(&ctx, &group_name, &changed).await.unwrap();
    assert!(h.read(&ctx, &group_name, &changed).await.unwrap().is_none());
    h.delete(&ctx, &group_name, &changed).await.unwrap();
    assert_eq!(
        h.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn subnet_group_modified_in_place_and_deleted_out_of_band() {
    let ctx = ctx("DbSubnets2").await;
    let h = handler("AWS::RDS::DBSubnetGroup").unwrap();
    let subnet_ids = subnets(&ctx, 3).await;
    let group_name = name("subnets2");
    let desired = props(json!({
        "DBSubnetGroupName": group_name,
        "DBSubnetGroupDescription": "database subnets",
        "SubnetIds": [subnet_ids[0], subnet_ids[1]]
    }));
    h.create(&ctx, &desired).await.unwrap();
    let mut changed = desired.clone();
    changed["DBSubnetGroupDescription"] = json!("db subnets v2");
    changed["SubnetIds"] = json!([subnet_ids[1], subnet_ids[2], subnet_ids[0]]);
    let attrs = h
        .update(&ctx, &group_name, &desired, &changed)
        .await
        .unwrap();
    assert!(
        attrs["DBSubnetGroupArn"]
            .as_str()
            .unwrap()
            .ends_with(&group_name)
    );
    // moto 5.2.1's ModifyDBSubnetGroup answers with the modified group and then forgets it (it
    // pops the group and never stores it back): on moto the group now reads as deleted out of
    // band. On AWS it would read back modified.
    assert!(h.read(&ctx, &group_name, &changed).await.unwrap().is_none());
    h.delete(&ctx, &group_name, &changed).await.unwrap();

    // Deleted out of band with the SDK.
    let other = name("subnets3");
    let other_props = props(json!({
        "DBSubnetGroupName": other,
        "DBSubnetGroupDescription": "x",
        "SubnetIds": [subnet_ids[0], subnet_ids[1]]
    }));
    h.create(&ctx, &other_props).await.unwrap();
    ctx.clients
        .rds()
        .delete_db_subnet_group()
        .db_subnet_group_name(&other)
        .send()
        .await
        .unwrap();
    assert!(h.read(&ctx, &other, &other_props).await.unwrap().is_none());
    h.delete(&ctx, &other, &other_props).await.unwrap();
}

#[tokio::test]
async fn db_instance_lifecycle() {
    let ctx = ctx("Database").await;
    let h = handler("AWS::RDS::DBInstance").unwrap();
    let password = "Sup3r-secret-pw-4711";
    let id = name("db");
    let subnet_ids = subnets(&ctx, 2).await;
    let group = name("dbsubnets");
    let groups = handler("AWS::RDS::DBSubnetGroup").unwrap();
    groups
        .create(
            &ctx,
            &props(json!({"DBSubnetGroupName": group, "DBSubnetGroupDescription": "db", "SubnetIds": subnet_ids})),
        )
        .await
        .unwrap();
    let role_arn = "arn:aws:iam::123456789012:role/rds-monitoring";
    let desired = props(json!({
        "DBInstanceIdentifier": id,
        "Engine": "postgres",
        "EngineVersion": "16.3",
        "DBInstanceClass": "db.t3.micro",
        "AllocatedStorage": "20",
        "StorageType": "gp3",
        "StorageEncrypted": true,
        "MultiAZ": false,
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-04:00",
        "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
        "MonitoringInterval": 60,
        "MonitoringRoleArn": role_arn,
        "DBSubnetGroupName": group,
        "DeletionProtection": true,
        "PubliclyAccessible": false,
        "MasterUsername": "app",
        "MasterUserPassword": password,
        "DBName": "fuel",
        "Port": 5432,
        "Tags": [{"Key": "tier", "Value": "data"}]
    }));
    let created = h.create(&ctx, &desired).await.unwrap();
    assert_eq!(created.physical_id, id);
    assert!(
        created.attributes["DBInstanceArn"]
            .as_str()
            .unwrap()
            .ends_with(&id)
    );
    assert!(created.attributes.contains_key("Endpoint.Address"));
    assert_eq!(created.attributes["Endpoint.Port"], "5432");

    let rds = ctx.clients.rds();
    let live_db = || async {
        rds.describe_db_instances()
            .db_instance_identifier(&id)
            .send()
            .await
            .unwrap()
            .db_instances
            .unwrap()
            .remove(0)
    };
    let db = live_db().await;
    assert_eq!(db.db_instance_class(), Some("db.t3.micro"));
    assert_eq!(
        db.monitoring_interval(),
        Some(60),
        "monitoring set after create"
    );
    assert_eq!(db.monitoring_role_arn(), Some(role_arn));
    assert_eq!(db.deletion_protection(), Some(true));
    assert!(
        db.tag_list()
            .iter()
            .any(|t| t.key() == Some("fuelflow:logical-id") && t.value() == Some("Database"))
    );

    let live = h.read(&ctx, &id, &desired).await.unwrap().unwrap();
    assert_no_drift_except(&desired, &live.properties, &["MasterUserPassword"]);
    assert!(!live.properties.contains_key("MasterUserPassword"));
    assert!(!format!("{live:?}").contains(password));

    // In place: class, backups, logs, tags.
    let mut changed = desired.clone();
    changed["DBInstanceClass"] = json!("db.t3.small");
    changed["BackupRetentionPeriod"] = json!(3);
    changed["EnableCloudwatchLogsExports"] = json!(["postgresql"]);
    changed["Tags"] = json!([{"Key": "tier", "Value": "database"}]);
    let attrs = h.update(&ctx, &id, &desired, &changed).await.unwrap();
    assert!(!format!("{attrs:?}").contains(password));
    let db = live_db().await;
    assert_eq!(db.db_instance_class(), Some("db.t3.small"));
    assert_eq!(db.backup_retention_period(), Some(3));
    assert_eq!(
        db.enabled_cloudwatch_logs_exports(),
        ["postgresql".to_string()]
    );
    let live = h.read(&ctx, &id, &changed).await.unwrap().unwrap();
    assert_no_drift_except(&changed, &live.properties, &["MasterUserPassword"]);

    // Drift: retention changed by hand is shown and put back.
    rds.modify_db_instance()
        .db_instance_identifier(&id)
        .backup_retention_period(10)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let live = h.read(&ctx, &id, &changed).await.unwrap().unwrap();
    assert!(compare::equivalent(
        &json!(10),
        &live.properties["BackupRetentionPeriod"]
    ));
    h.update(&ctx, &id, &live.properties, &changed)
        .await
        .unwrap();
    assert_eq!(live_db().await.backup_retention_period(), Some(3));

    // adopt by name and by ownership tags.
    assert_eq!(
        h.adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );
    let mut nameless = changed.clone();
    nameless.remove("DBInstanceIdentifier");
    assert_eq!(
        h.adopt(&ctx, &nameless)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );

    // Deletion protection refuses the delete with a clear code, then is lifted in place.
    let err = h.delete(&ctx, &id, &changed).await.unwrap_err();
    assert_eq!(err.code, "DeletionProtectionEnabled");
    assert!(err.message.contains("DeletionProtection"));
    let mut unprotected = changed.clone();
    unprotected["DeletionProtection"] = json!(false);
    h.update(&ctx, &id, &changed, &unprotected).await.unwrap();
    assert_eq!(live_db().await.deletion_protection(), Some(false));

    h.delete(&ctx, &id, &unprotected).await.unwrap();
    assert!(h.read(&ctx, &id, &unprotected).await.unwrap().is_none());
    h.delete(&ctx, &id, &unprotected).await.unwrap();
    assert_eq!(
        h.adopt(&ctx, &unprotected)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
    groups.delete(&ctx, &group, &Props::new()).await.unwrap();
}

#[tokio::test]
async fn db_instance_final_snapshot_and_out_of_band_delete() {
    let ctx = ctx("Snap").await;
    let h = handler("AWS::RDS::DBInstance").unwrap();
    let base = |id: &str| {
        props(json!({
            "DBInstanceIdentifier": id,
            "Engine": "mysql",
            "DBInstanceClass": "db.t3.micro",
            "AllocatedStorage": 20,
            "MasterUsername": "admin",
            "MasterUserPassword": "another-Secret-99"
        }))
    };
    let id = name("snapdb");
    h.create(&ctx, &base(&id)).await.unwrap();
    let snapshot = format!("{id}-final");
    assert!(h.takes_final_snapshot());
    h.delete_with_snapshot(&ctx, &id, &snapshot).await.unwrap();
    assert!(h.read(&ctx, &id, &base(&id)).await.unwrap().is_none());
    let snaps = ctx
        .clients
        .rds()
        .describe_db_snapshots()
        .db_snapshot_identifier(&snapshot)
        .send()
        .await
        .unwrap();
    assert_eq!(snaps.db_snapshots().len(), 1);

    // Gone behind fuelflow's back: read says so, delete is still fine.
    let other = name("gonedb");
    h.create(&ctx, &base(&other)).await.unwrap();
    ctx.clients
        .rds()
        .delete_db_instance()
        .db_instance_identifier(&other)
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    assert!(h.read(&ctx, &other, &base(&other)).await.unwrap().is_none());
    h.delete(&ctx, &other, &base(&other)).await.unwrap();

    // Unsupported properties are refused, not silently dropped; the password never shows.
    let mut bad = base(&name("baddb"));
    bad.insert("Timezone".into(), json!("UTC"));
    let err = h.create(&ctx, &bad).await.unwrap_err();
    assert_eq!(err.code, "InvalidProperty");
    assert!(!format!("{err:?}").contains("another-Secret-99"));
}
