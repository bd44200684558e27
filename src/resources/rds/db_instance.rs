//! `AWS::RDS::DBInstance`. Physical id: the instance identifier (RDS stores it in lower case).
//!
//! Every create and modification waits (SDK waiter) until the instance is `available` again, so
//! dependents see a usable database. `MasterUserPassword` arrives already resolved from a
//! dynamic reference: it is sent to RDS and nowhere else (never read back, never in an error).

use super::{boolean, changed, integer, owned, rds_tags, string, strings, update_tags, wait_error};
use crate::aws::AwsError;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, TypicalSeconds,
};
use aws_sdk_rds::client::Waiters;
use aws_sdk_rds::types::DbInstance as Instance;
use std::time::Duration;

use super::instance_shape::{attributes, live_properties, modification};

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

    /// An instance takes 5-15 minutes to become available; a modification or a delete several.
    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 600,
            update: 300,
            delete: 300,
        }
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
                .map_err(|e| sdk_error("rds:ModifyDBInstance", e))?;
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

    /// By its identifier, else by the ownership tags. An instance still being created (a run
    /// killed during CreateDBInstance, or whose answer was lost) is waited for until available,
    /// so what adoption reads and updates is the whole instance.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let found = match string(props, "DBInstanceIdentifier") {
            Some(id) => describe(ctx, &id).await?,
            None => find_owned(ctx).await?,
        };
        let Some(db) = found else { return Ok(None) };
        let Some(id) = db.db_instance_identifier.clone() else {
            return Ok(None);
        };
        if still_creating(db.db_instance_status()) {
            wait_available(ctx, &id).await?;
        }
        Ok(Some(id))
    }
}

/// Statuses an instance passes through on its way to `available` after CreateDBInstance.
fn still_creating(status: Option<&str>) -> bool {
    matches!(
        status,
        Some("creating" | "backing-up" | "configuring-enhanced-monitoring" | "modifying")
    )
}

/// The instance carrying this resource's ownership tags.
async fn find_owned(ctx: &Ctx) -> Result<Option<Instance>> {
    {
        let mut pages = ctx
            .clients
            .rds()
            .describe_db_instances()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("rds:DescribeDBInstances", e))?;
            if let Some(db) = page
                .db_instances()
                .iter()
                .find(|db| owned(ctx, db.tag_list()))
            {
                return Ok(Some(db.clone()));
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

fn check_supported(props: &Props) -> Result<()> {
    match props
        .keys()
        .find(|k| !MANAGED.contains(&k.as_str()) && !crate::resources::is_engine_key(k))
    {
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

/// Keeps a password out of an error message, should RDS ever echo it back.
fn scrub(e: AwsError, password: &Option<String>) -> ResourceError {
    let mut e = ResourceError::from(e);
    if let Some(p) = password.as_deref().filter(|p| !p.is_empty()) {
        e.message = crate::resources::scrub::scrub(&e.message, p);
    }
    e
}
