//! How a DB instance's properties map to RDS: the ModifyDBInstance call for a change, and the
//! live instance in template shape (with its `GetAtt` attributes).

use super::{boolean, changed, integer, same_set, string, strings, user_tags};
use crate::resources::{Attributes, Props, Result};
use aws_sdk_rds::Client;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbInstance as Instance};
use serde_json::{Value, json};

/// The ModifyDBInstance call (applied immediately) for the properties that differ, or `None`
/// when nothing does. A property removed from the template goes back to the RDS default where
/// there is one; settings without a default stay as they are.
pub(super) fn modification(
    client: &Client,
    id: &str,
    old: &Props,
    new: &Props,
) -> Result<Option<Modify>> {
    let mut req = client
        .modify_db_instance()
        .db_instance_identifier(id)
        .apply_immediately(true);
    let mut any = false;
    macro_rules! when_changed {
        ($key:literal, $value:expr, |$v:ident| $apply:expr) => {
            if changed(old, new, $key) {
                if let Some($v) = $value {
                    req = $apply;
                    any = true;
                }
            }
        };
    }
    // The template names the version to run: going there may be a major upgrade.
    when_changed!("EngineVersion", string(new, "EngineVersion"), |v| req
        .engine_version(v)
        .allow_major_version_upgrade(true));
    when_changed!("DBInstanceClass", string(new, "DBInstanceClass"), |v| req
        .db_instance_class(v));
    when_changed!("AllocatedStorage", integer(new, "AllocatedStorage")?, |v| {
        req.allocated_storage(v)
    });
    when_changed!(
        "MaxAllocatedStorage",
        integer(new, "MaxAllocatedStorage")?,
        |v| req.max_allocated_storage(v)
    );
    // Storage type, IOPS and throughput are validated together by RDS: send them together.
    if ["StorageType", "Iops", "StorageThroughput"]
        .iter()
        .any(|k| changed(old, new, k))
    {
        req = req
            .set_storage_type(string(new, "StorageType"))
            .set_iops(integer(new, "Iops")?)
            .set_storage_throughput(integer(new, "StorageThroughput")?);
        any = true;
    }
    when_changed!(
        "MultiAZ",
        Some(boolean(new, "MultiAZ")?.unwrap_or(false)),
        |v| req.multi_az(v)
    );
    when_changed!(
        "BackupRetentionPeriod",
        Some(integer(new, "BackupRetentionPeriod")?.unwrap_or(1)),
        |v| req.backup_retention_period(v)
    );
    when_changed!(
        "PreferredBackupWindow",
        string(new, "PreferredBackupWindow"),
        |v| req.preferred_backup_window(v)
    );
    when_changed!(
        "PreferredMaintenanceWindow",
        string(new, "PreferredMaintenanceWindow"),
        |v| req.preferred_maintenance_window(v)
    );
    when_changed!(
        "AutoMinorVersionUpgrade",
        Some(boolean(new, "AutoMinorVersionUpgrade")?.unwrap_or(true)),
        |v| req.auto_minor_version_upgrade(v)
    );
    when_changed!(
        "CopyTagsToSnapshot",
        Some(boolean(new, "CopyTagsToSnapshot")?.unwrap_or(false)),
        |v| req.copy_tags_to_snapshot(v)
    );
    when_changed!(
        "EnableIAMDatabaseAuthentication",
        Some(boolean(new, "EnableIAMDatabaseAuthentication")?.unwrap_or(false)),
        |v| req.enable_iam_database_authentication(v)
    );
    when_changed!(
        "EnableCloudwatchLogsExports",
        Some(log_exports_change(old, new)?),
        |v| req.cloudwatch_logs_export_configuration(v)
    );
    // RDS wants the role whenever the interval is above 0: send both.
    if changed(old, new, "MonitoringInterval") || changed(old, new, "MonitoringRoleArn") {
        req = req
            .monitoring_interval(integer(new, "MonitoringInterval")?.unwrap_or(0))
            .set_monitoring_role_arn(string(new, "MonitoringRoleArn"));
        any = true;
    }
    when_changed!(
        "VPCSecurityGroups",
        strings(new, "VPCSecurityGroups")?,
        |v| req.set_vpc_security_group_ids(Some(v))
    );
    when_changed!(
        "DeletionProtection",
        Some(boolean(new, "DeletionProtection")?.unwrap_or(false)),
        |v| req.deletion_protection(v)
    );
    when_changed!(
        "PubliclyAccessible",
        boolean(new, "PubliclyAccessible")?,
        |v| req.publicly_accessible(v)
    );
    when_changed!(
        "MasterUserPassword",
        string(new, "MasterUserPassword"),
        |v| req.master_user_password(v)
    );
    when_changed!(
        "ManageMasterUserPassword",
        boolean(new, "ManageMasterUserPassword")?,
        |v| req.manage_master_user_password(v)
    );
    when_changed!("Port", integer(new, "Port")?, |v| req.db_port_number(v));
    when_changed!(
        "DBParameterGroupName",
        string(new, "DBParameterGroupName"),
        |v| req.db_parameter_group_name(v)
    );
    Ok(any.then_some(req))
}

/// Log types to turn on and off, from the old and new `EnableCloudwatchLogsExports`.
pub(super) fn log_exports_change(
    old: &Props,
    new: &Props,
) -> Result<CloudwatchLogsExportConfiguration> {
    let old = strings(old, "EnableCloudwatchLogsExports")?.unwrap_or_default();
    let new = strings(new, "EnableCloudwatchLogsExports")?.unwrap_or_default();
    let enable: Vec<String> = new.iter().filter(|l| !old.contains(l)).cloned().collect();
    let disable: Vec<String> = old.iter().filter(|l| !new.contains(l)).cloned().collect();
    Ok(CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types(Some(enable))
        .set_disable_log_types(Some(disable))
        .build())
}
/// The managed properties in template shape; only the keys the template sets.
/// `MasterUserPassword` is never readable and never reported.
pub(super) fn live_properties(db: &Instance, desired: &Props) -> Props {
    let mut props = Props::new();
    let mut put = |key: &str, value: Option<Value>| {
        if desired.contains_key(key) {
            if let Some(v) = value {
                props.insert(key.to_string(), v);
            }
        }
    };
    let want = |key: &str| string(desired, key).unwrap_or_default();
    // RDS lower-cases identifiers and names and reports engines and versions in full ("16.3"
    // for "16"): report the template's spelling when it names the same thing.
    let same_name = |key: &str, live: Option<&str>| {
        live.map(|l| {
            json!(if want(key).eq_ignore_ascii_case(l) {
                want(key)
            } else {
                l.to_string()
            })
        })
    };
    put(
        "DBInstanceIdentifier",
        same_name("DBInstanceIdentifier", db.db_instance_identifier()),
    );
    put("Engine", same_name("Engine", db.engine()));
    put(
        "EngineVersion",
        db.engine_version().map(|live| {
            let want = want("EngineVersion");
            json!(if live.starts_with(&format!("{want}.")) {
                want
            } else {
                live.to_string()
            })
        }),
    );
    put("DBInstanceClass", db.db_instance_class().map(|v| json!(v)));
    put("AllocatedStorage", db.allocated_storage().map(|v| json!(v)));
    put(
        "MaxAllocatedStorage",
        db.max_allocated_storage().map(|v| json!(v)),
    );
    put("StorageType", db.storage_type().map(|v| json!(v)));
    put("Iops", db.iops().map(|v| json!(v)));
    put(
        "StorageThroughput",
        db.storage_throughput().map(|v| json!(v)),
    );
    put("StorageEncrypted", db.storage_encrypted().map(|v| json!(v)));
    put(
        "KmsKeyId",
        db.kms_key_id().map(|live| {
            let want = want("KmsKeyId");
            let same = live.ends_with(&format!("/{want}")) || live.ends_with(&format!(":{want}"));
            json!(if same { want } else { live.to_string() })
        }),
    );
    put("MultiAZ", db.multi_az().map(|v| json!(v)));
    put(
        "BackupRetentionPeriod",
        db.backup_retention_period().map(|v| json!(v)),
    );
    put(
        "PreferredBackupWindow",
        db.preferred_backup_window().map(|v| json!(v)),
    );
    put(
        "PreferredMaintenanceWindow",
        db.preferred_maintenance_window().map(|v| json!(v)),
    );
    put(
        "AutoMinorVersionUpgrade",
        db.auto_minor_version_upgrade().map(|v| json!(v)),
    );
    put(
        "CopyTagsToSnapshot",
        db.copy_tags_to_snapshot().map(|v| json!(v)),
    );
    put(
        "EnableIAMDatabaseAuthentication",
        db.iam_database_authentication_enabled().map(|v| json!(v)),
    );
    put(
        "EnableCloudwatchLogsExports",
        Some(same_set(
            desired.get("EnableCloudwatchLogsExports"),
            db.enabled_cloudwatch_logs_exports().to_vec(),
        )),
    );
    put(
        "MonitoringInterval",
        Some(json!(db.monitoring_interval().unwrap_or(0))),
    );
    put(
        "MonitoringRoleArn",
        db.monitoring_role_arn().map(|v| json!(v)),
    );
    put(
        "VPCSecurityGroups",
        Some(same_set(
            desired.get("VPCSecurityGroups"),
            db.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect(),
        )),
    );
    put(
        "DBSubnetGroupName",
        same_name(
            "DBSubnetGroupName",
            db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        ),
    );
    put(
        "DeletionProtection",
        db.deletion_protection().map(|v| json!(v)),
    );
    put(
        "PubliclyAccessible",
        db.publicly_accessible().map(|v| json!(v)),
    );
    put("MasterUsername", db.master_username().map(|v| json!(v)));
    put(
        "ManageMasterUserPassword",
        Some(json!(db.master_user_secret().is_some())),
    );
    put("DBName", db.db_name().map(|v| json!(v)));
    put(
        "Port",
        db.endpoint()
            .and_then(|e| e.port())
            .or(db.db_instance_port())
            .map(|v| json!(v)),
    );
    put(
        "DBParameterGroupName",
        db.db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name())
            .map(|v| json!(v)),
    );
    put("Tags", Some(user_tags(db.tag_list())));
    props
}

pub(super) fn attributes(db: &Instance) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(endpoint) = db.endpoint() {
        if let Some(address) = endpoint.address() {
            attributes.insert("Endpoint.Address".into(), json!(address));
        }
        if let Some(port) = endpoint.port() {
            // GetAtt Endpoint.Port is a string in CloudFormation.
            attributes.insert("Endpoint.Port".into(), json!(port.to_string()));
        }
    }
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(v) = value {
            attributes.insert(key.into(), Value::String(v.to_string()));
        }
    };
    put("DBInstanceArn", db.db_instance_arn());
    put("DbiResourceId", db.dbi_resource_id());
    put(
        "MasterUserSecret.SecretArn",
        db.master_user_secret().and_then(|s| s.secret_arn()),
    );
    attributes
}
