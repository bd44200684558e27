//! `AWS::RDS::DBInstance`. Physical id: the instance identifier (RDS stores it in lower case).
//!
//! Every create and modification waits (SDK waiter) until the instance is `available` again, so
//! dependents see a usable database. `MasterUserPassword` arrives already resolved from a
//! dynamic reference: it is sent to RDS and nowhere else (never read back, never in an error).

use super::{
    boolean, changed, integer, owned, rds_tags, same_set, string, strings, update_tags, user_tags,
    wait_error,
};
use crate::aws::AwsError;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_rds::Client;
use aws_sdk_rds::client::Waiters;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbInstance as Instance};
use serde_json::{Value, json};
use std::time::Duration;

pub struct DbInstance;

/// Creating or modifying an instance takes minutes, a Multi-AZ or storage change can take long.
const MAX_WAIT_AVAILABLE: Duration = Duration::from_secs(90 * 60);
const MAX_WAIT_DELETED: Duration = Duration::from_secs(60 * 60);

/// The properties this handler manages; any other is refused rather than silently ignored.
const MANAGED: &[&str] = &[
    "DBInstanceIdentifier",
    "Engine",
    "EngineVersion",
    "DBInstanceClass",
    "AllocatedStorage",
    "MaxAllocatedStorage",
    "StorageType",
    "Iops",
    "StorageThroughput",
    "StorageEncrypted",
    "KmsKeyId",
    "MultiAZ",
    "BackupRetentionPeriod",
    "PreferredBackupWindow",
    "PreferredMaintenanceWindow",
    "AutoMinorVersionUpgrade",
    "CopyTagsToSnapshot",
    "EnableIAMDatabaseAuthentication",
    "EnableCloudwatchLogsExports",
    "MonitoringInterval",
    "MonitoringRoleArn",
    "VPCSecurityGroups",
    "DBSubnetGroupName",
    "DeletionProtection",
    "PubliclyAccessible",
    "MasterUsername",
    "MasterUserPassword",
    "ManageMasterUserPassword",
    "DBName",
    "Port",
    "DBParameterGroupName",
    "Tags",
];

impl Resource for DbInstance {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn secret_properties(&self) -> &'static [&'static str] {
        &["MasterUserPassword"]
    }

    fn takes_final_snapshot(&self) -> bool {
        true
    }

    async fn delete_with_snapshot(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        snapshot: &str,
    ) -> Result<()> {
        delete_instance(ctx, physical_id, Some(snapshot)).await
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("DBInstanceIdentifier")
    }

    fn name_rules(&self) -> (usize, bool) {
        (63, true)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props)?;
        let id = string(props, "DBInstanceIdentifier")
            .ok_or_else(|| ResourceError::invalid("DBInstanceIdentifier", "missing"))?
            .to_lowercase();
        let password = string(props, "MasterUserPassword");
        ctx.clients
            .rds()
            .create_db_instance()
            .db_instance_identifier(&id)
            // Engine names are case-insensitive in RDS ("MySQL" in AWS's own samples); send
            // the canonical lower-case name that every endpoint accepts.
            .set_engine(string(props, "Engine").map(|e| e.to_lowercase()))
            .set_engine_version(string(props, "EngineVersion"))
            .set_db_instance_class(string(props, "DBInstanceClass"))
            .set_allocated_storage(integer(props, "AllocatedStorage")?)
            .set_max_allocated_storage(integer(props, "MaxAllocatedStorage")?)
            .set_storage_type(string(props, "StorageType"))
            .set_iops(integer(props, "Iops")?)
            .set_storage_throughput(integer(props, "StorageThroughput")?)
            .set_storage_encrypted(boolean(props, "StorageEncrypted")?)
            .set_kms_key_id(string(props, "KmsKeyId"))
            .set_multi_az(boolean(props, "MultiAZ")?)
            .set_backup_retention_period(integer(props, "BackupRetentionPeriod")?)
            .set_preferred_backup_window(string(props, "PreferredBackupWindow"))
            .set_preferred_maintenance_window(string(props, "PreferredMaintenanceWindow"))
            .set_auto_minor_version_upgrade(boolean(props, "AutoMinorVersionUpgrade")?)
            .set_copy_tags_to_snapshot(boolean(props, "CopyTagsToSnapshot")?)
            .set_enable_iam_database_authentication(boolean(
                props,
                "EnableIAMDatabaseAuthentication",
            )?)
            .set_enable_cloudwatch_logs_exports(strings(props, "EnableCloudwatchLogsExports")?)
            .set_monitoring_interval(integer(props, "MonitoringInterval")?)
            .set_monitoring_role_arn(string(props, "MonitoringRoleArn"))
            .set_vpc_security_group_ids(strings(props, "VPCSecurityGroups")?)
            .set_db_subnet_group_name(string(props, "DBSubnetGroupName"))
            .set_deletion_protection(boolean(props, "DeletionProtection")?)
            .set_publicly_accessible(boolean(props, "PubliclyAccessible")?)
            .set_master_username(string(props, "MasterUsername"))
            .set_master_user_password(password.clone())
            .set_manage_master_user_password(boolean(props, "ManageMasterUserPassword")?)
            .set_db_name(string(props, "DBName"))
            .set_port(integer(props, "Port")?)
            .set_db_parameter_group_name(string(props, "DBParameterGroupName"))
            .set_tags(Some(rds_tags(ctx.tags_with_ownership(props))))
            .send()
            .await
            .map_err(|e| scrub(AwsError::from_sdk("rds:CreateDBInstance", e), &password))?;
        let mut instance = wait_available(ctx, &id).await?;
        if monitoring_was_dropped(props, &instance)? {
            // Some endpoints (moto, for one) ignore monitoring on create; setting it again
            // with a modification works everywhere.
            ctx.clients
                .rds()
                .modify_db_instance()
                .db_instance_identifier(&id)
                .set_monitoring_interval(integer(props, "MonitoringInterval")?)
                .set_monitoring_role_arn(string(props, "MonitoringRoleArn"))
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("rds:ModifyDBInstance", e))?;
            instance = wait_available(ctx, &id).await?;
        }
        Ok(Created {
            physical_id: id,
            attributes: attributes(&instance),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        Ok(describe(ctx, physical_id).await?.map(|db| Live {
            properties: live_properties(&db, desired),
            attributes: attributes(&db),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        check_supported(new)?;
        if changed(old, new, "Engine") {
            return Err(ResourceError::invalid(
                "Engine",
                "cannot change in place; give the instance a new DBInstanceIdentifier to replace it",
            ));
        }
        let modify = modification(ctx.clients.rds(), physical_id, old, new)?;
        let instance = if let Some(request) = modify {
            let password = string(new, "MasterUserPassword");
            request
                .send()
                .await
                .map_err(|e| scrub(AwsError::from_sdk("rds:ModifyDBInstance", e), &password))?;
            wait_available(ctx, physical_id).await?
        } else {
            describe(ctx, physical_id).await?.ok_or_else(gone)?
        };
        update_tags(
            ctx,
            instance.db_instance_arn().unwrap_or_default(),
            old,
            new,
        )
        .await?;
        Ok(attributes(&instance))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        delete_instance(ctx, physical_id, None).await
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        if let Some(id) = string(props, "DBInstanceIdentifier") {
            return Ok(describe(ctx, &id)
                .await?
                .and_then(|db| db.db_instance_identifier));
        }
        let mut pages = ctx
            .clients
            .rds()
            .describe_db_instances()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::from_sdk("rds:DescribeDBInstances", e))?;
            if let Some(db) = page
                .db_instances()
                .iter()
                .find(|db| owned(ctx, db.tag_list()))
            {
                return Ok(db.db_instance_identifier.clone());
            }
        }
        Ok(None)
    }
}

async fn delete_instance(ctx: &Ctx, id: &str, final_snapshot: Option<&str>) -> Result<()> {
    let Some(db) = describe(ctx, id).await? else {
        return Ok(());
    };
    if db.deletion_protection() == Some(true) {
        return Err(ResourceError::new(
            "DeletionProtectionEnabled",
            format!(
                "DB instance `{id}` has deletion protection on: set DeletionProtection to false \
                 in the template and apply, then delete it"
            ),
        ));
    }
    if db.db_instance_status() != Some("deleting") {
        let result = ctx
            .clients
            .rds()
            .delete_db_instance()
            .db_instance_identifier(id)
            .skip_final_snapshot(final_snapshot.is_none())
            .set_final_db_snapshot_identifier(final_snapshot.map(str::to_string))
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_db_instance_not_found_fault()) =>
            {
                return Ok(());
            }
            // Busy (creating, modifying, backing up): the engine retries after a pause.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_invalid_db_instance_state_fault()) =>
            {
                return Err(
                    ResourceError::from(AwsError::from_sdk("rds:DeleteDBInstance", e)).retryable(),
                );
            }
            Err(e) => return Err(AwsError::from_sdk("rds:DeleteDBInstance", e).into()),
        }
    }
    ctx.clients
        .rds()
        .wait_until_db_instance_deleted()
        .db_instance_identifier(id)
        .wait(MAX_WAIT_DELETED)
        .await
        .map_err(|e| wait_error(&format!("DB instance `{id}` to be deleted"), e))?;
    Ok(())
}

/// The ModifyDBInstance call (applied immediately) for the properties that differ, or `None`
/// when nothing does. A property removed from the template goes back to the RDS default where
/// there is one; settings without a default stay as they are.
fn modification(client: &Client, id: &str, old: &Props, new: &Props) -> Result<Option<Modify>> {
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
fn log_exports_change(old: &Props, new: &Props) -> Result<CloudwatchLogsExportConfiguration> {
    let old = strings(old, "EnableCloudwatchLogsExports")?.unwrap_or_default();
    let new = strings(new, "EnableCloudwatchLogsExports")?.unwrap_or_default();
    let enable: Vec<String> = new.iter().filter(|l| !old.contains(l)).cloned().collect();
    let disable: Vec<String> = old.iter().filter(|l| !new.contains(l)).cloned().collect();
    Ok(CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types(Some(enable))
        .set_disable_log_types(Some(disable))
        .build())
}

fn check_supported(props: &Props) -> Result<()> {
    match props.keys().find(|k| !MANAGED.contains(&k.as_str())) {
        Some(key) => Err(ResourceError::invalid(
            key,
            format!(
                "not supported by fuelflow's AWS::RDS::DBInstance (supported: {})",
                MANAGED.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn monitoring_was_dropped(props: &Props, db: &Instance) -> Result<bool> {
    let wanted = integer(props, "MonitoringInterval")?.unwrap_or(0);
    Ok(wanted > 0 && db.monitoring_interval().unwrap_or(0) == 0)
}

async fn wait_available(ctx: &Ctx, id: &str) -> Result<Instance> {
    let done = ctx
        .clients
        .rds()
        .wait_until_db_instance_available()
        .db_instance_identifier(id)
        .wait(MAX_WAIT_AVAILABLE)
        .await
        .map_err(|e| wait_error(&format!("DB instance `{id}` to be available"), e))?;
    done.into_result()
        .ok()
        .and_then(|out| out.db_instances.and_then(|d| d.into_iter().next()))
        .ok_or_else(gone)
}

async fn describe(ctx: &Ctx, id: &str) -> Result<Option<Instance>> {
    let result = ctx
        .clients
        .rds()
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await;
    match result {
        Ok(out) => Ok(out.db_instances.and_then(|d| d.into_iter().next())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_instance_not_found_fault()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::from_sdk("rds:DescribeDBInstances", e).into()),
    }
}

fn gone() -> ResourceError {
    ResourceError::new("DBInstanceNotFound", "the DB instance is gone")
}

/// The managed properties in template shape; only the keys the template sets.
/// `MasterUserPassword` is never readable and never reported.
fn live_properties(db: &Instance, desired: &Props) -> Props {
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

fn attributes(db: &Instance) -> Attributes {
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

/// Keeps a password out of an error message, should RDS ever echo it back.
fn scrub(e: AwsError, password: &Option<String>) -> ResourceError {
    let mut e = ResourceError::from(e);
    if let Some(p) = password.as_deref().filter(|p| !p.is_empty()) {
        e.message = e.message.replace(p, "(sensitive)");
    }
    e
}
