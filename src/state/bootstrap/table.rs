//! The lock table: `LockID` string hash key, on-demand billing (locks are rare and bursty),
//! encrypted with KMS, point-in-time recovery on, tagged as fuelflow's.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, ScalarAttributeType, SseSpecification, SseStatus, SseType,
    TableDescription, TableStatus, Tag,
};

use super::{BackendSpec, BootstrapError, ItemChange, Repairs, tag_drift, wanted_tags};
use crate::aws::AwsError;

type Result<T> = std::result::Result<T, BootstrapError>;

const HASH_KEY: &str = "LockID";
const ACTIVE_WAIT: Duration = Duration::from_secs(300);

pub(super) async fn ensure(db: &Client, spec: &BackendSpec, dry_run: bool) -> Result<ItemChange> {
    let table = spec.lock_table.as_str();
    let Some(description) = describe(db, table).await? else {
        if !dry_run {
            create(db, spec).await?;
            wait_active(db, table).await?;
            enable_pitr(db, table).await?;
        }
        return Ok(ItemChange::Created);
    };
    check_key_schema(table, &description)?;
    if description.table_status() != Some(&TableStatus::Active) && !dry_run {
        // Created or updated a moment ago by someone else: updates are refused until ACTIVE.
        wait_active(db, table).await?;
    }
    let mut repairs = Repairs::new();
    let billing = description
        .billing_mode_summary()
        .and_then(|b| b.billing_mode());
    if billing != Some(&BillingMode::PayPerRequest) {
        let was = billing.map_or("PROVISIONED", |b| b.as_str());
        repairs.found([format!("billing mode was {was}")]);
        if !dry_run {
            update(db, table, |r| r.billing_mode(BillingMode::PayPerRequest)).await?;
        }
    }
    let sse = description.sse_description().and_then(|s| s.status());
    if !matches!(
        sse,
        Some(SseStatus::Enabled | SseStatus::Enabling | SseStatus::Updating)
    ) {
        let was = sse.map_or("not enabled (AWS owned key)", |s| s.as_str());
        repairs.found([format!("server-side encryption with KMS was {was}")]);
        if !dry_run {
            update(db, table, |r| r.sse_specification(sse_specification(spec))).await?;
        }
    }
    if repairs.found(pitr_drift(db, table).await?) && !dry_run {
        enable_pitr(db, table).await?;
    }
    let arn = description.table_arn().unwrap_or_default();
    let wanted = wanted_tags(spec, "lock-table");
    let missing = tag_drift(&wanted, &tags(db, arn).await?);
    if repairs.found(missing) && !dry_run {
        tag(db, arn, &wanted).await?;
    }
    Ok(repairs.change())
}

async fn describe(db: &Client, table: &str) -> Result<Option<TableDescription>> {
    match db.describe_table().table_name(table).send().await {
        Ok(out) => Ok(out.table),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::from_sdk("dynamodb:DescribeTable", e).into()),
    }
}

/// A table keyed differently cannot hold locks, and a key schema cannot be changed: refuse.
fn check_key_schema(table: &str, description: &TableDescription) -> Result<()> {
    let keys: Vec<(&str, &KeyType)> = description
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    let hash_type = description
        .attribute_definitions()
        .iter()
        .find(|a| a.attribute_name() == HASH_KEY)
        .map(|a| a.attribute_type());
    if keys != [(HASH_KEY, &KeyType::Hash)] || hash_type != Some(&ScalarAttributeType::S) {
        let found: Vec<String> = keys
            .iter()
            .map(|(n, t)| format!("{n} ({})", t.as_str()))
            .collect();
        return Err(BootstrapError::IncompatibleTable {
            table: table.into(),
            reason: format!(
                "its key is [{}], fuelflow needs a single string hash key {HASH_KEY}",
                found.join(", ")
            ),
        });
    }
    Ok(())
}

fn sse_specification(spec: &BackendSpec) -> SseSpecification {
    SseSpecification::builder()
        .enabled(true)
        .sse_type(SseType::Kms)
        .set_kms_master_key_id(spec.kms_key_id.clone())
        .build()
}

async fn create(db: &Client, spec: &BackendSpec) -> Result<()> {
    let tags = wanted_tags(spec, "lock-table")
        .iter()
        .map(|(k, v)| dynamo_tag(k, v))
        .collect();
    let result = db
        .create_table()
        .table_name(&spec.lock_table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(HASH_KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(HASH_KEY)
                .key_type(KeyType::Hash)
                .build()
                .expect("name and type are set"),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .sse_specification(sse_specification(spec))
        .set_tags(Some(tags))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        // Another bootstrap won the race; waiting for ACTIVE and PITR still apply.
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(AwsError::from_sdk("dynamodb:CreateTable", e).into()),
    }
}

async fn wait_active(db: &Client, table: &str) -> Result<()> {
    db.wait_until_table_exists()
        .table_name(table)
        .wait(ACTIVE_WAIT)
        .await
        .map_err(|e| {
            AwsError::new(
                "dynamodb:DescribeTable",
                "WaiterFailed",
                &format!("table {table} did not become ACTIVE: {e}"),
            )
        })?;
    Ok(())
}

async fn update<F>(db: &Client, table: &str, configure: F) -> Result<()>
where
    F: FnOnce(
        aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
    ) -> aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
{
    configure(db.update_table().table_name(table))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("dynamodb:UpdateTable", e))?;
    // One update at a time: the table is UPDATING until it is done.
    wait_active(db, table).await
}

async fn pitr_drift(db: &Client, table: &str) -> Result<Option<String>> {
    let out = db
        .describe_continuous_backups()
        .table_name(table)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("dynamodb:DescribeContinuousBackups", e))?;
    let status = out
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    Ok(match status {
        Some(PointInTimeRecoveryStatus::Enabled) => None,
        Some(other) => Some(format!("point-in-time recovery was {}", other.as_str())),
        None => Some("point-in-time recovery was not configured".into()),
    })
}

async fn enable_pitr(db: &Client, table: &str) -> Result<()> {
    db.update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .expect("enabled is set"),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("dynamodb:UpdateContinuousBackups", e))?;
    Ok(())
}

async fn tags(db: &Client, arn: &str) -> Result<Vec<(String, String)>> {
    let out = db
        .list_tags_of_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("dynamodb:ListTagsOfResource", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect())
}

async fn tag(db: &Client, arn: &str, tags: &[(String, String)]) -> Result<()> {
    db.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags.iter().map(|(k, v)| dynamo_tag(k, v)).collect()))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("dynamodb:TagResource", e))?;
    Ok(())
}

fn dynamo_tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}
