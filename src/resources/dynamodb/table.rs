//! `AWS::DynamoDB::Table`. Physical id: the table name.
//!
//! Every create and update waits (SDK waiter) until the table is `ACTIVE` again. Global secondary
//! indexes are changed one per UpdateTable call, as DynamoDB requires, waiting for each.

use super::shape::{self, boolean};
use crate::aws::AwsError;
use crate::resources::property::changed;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, TypicalSeconds,
    compare, text,
};
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    BillingMode, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndexUpdate, IndexStatus, TableDescription, TableStatus, Tag,
    UpdateGlobalSecondaryIndexAction,
};
use serde_json::{Value, json};
use std::time::Duration;

use super::settings::{
    list_tags, live_properties, point_in_time_recovery, point_in_time_recovery_live,
    set_point_in_time_recovery, set_time_to_live, time_to_live_live, update_tags,
    update_time_to_live,
};

pub struct Table;

const MAX_WAIT: Duration = Duration::from_secs(30 * 60);
/// Index builds have no SDK waiter: poll this often while one runs.
const INDEX_POLL: Duration = Duration::from_secs(5);

const MANAGED: &[&str] = &[
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "SSESpecification",
    "PointInTimeRecoverySpecification",
    "TimeToLiveSpecification",
    "StreamSpecification",
    "DeletionProtectionEnabled",
    "Tags",
];

impl Resource for Table {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// A table waits until ACTIVE (tens of seconds), each index change again.
    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 20,
            update: 20,
            delete: 20,
        }
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("TableName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (255, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props)?;
        let name = props
            .get("TableName")
            .and_then(text)
            .ok_or_else(|| ResourceError::invalid("TableName", "missing"))?;
        let throughput = match props.get("ProvisionedThroughput") {
            Some(t) => Some(shape::throughput(t, "ProvisionedThroughput")?),
            None => None,
        };
        let global = shape::global_indexes(props.get("GlobalSecondaryIndexes"))?;
        let local = shape::local_indexes(props.get("LocalSecondaryIndexes"))?;
        let tags = ctx
            .tags_with_ownership(props)
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| ResourceError::invalid("Tags", e))?;
        let streams = props.get("StreamSpecification");
        ctx.clients
            .dynamodb()
            .create_table()
            .table_name(&name)
            .set_key_schema(Some(shape::key_schema(
                props.get("KeySchema"),
                "KeySchema",
            )?))
            .set_attribute_definitions(Some(shape::attribute_definitions(
                props.get("AttributeDefinitions"),
            )?))
            .set_billing_mode(billing_mode(props))
            .set_provisioned_throughput(throughput)
            .set_global_secondary_indexes((!global.is_empty()).then_some(global))
            .set_local_secondary_indexes((!local.is_empty()).then_some(local))
            .set_sse_specification(match props.get("SSESpecification") {
                Some(v) => Some(shape::sse(Some(v))?),
                None => None,
            })
            .set_stream_specification(match streams {
                Some(v) => Some(shape::stream(Some(v))?),
                None => None,
            })
            .set_deletion_protection_enabled(boolean(
                props.get("DeletionProtectionEnabled"),
                "DeletionProtectionEnabled",
            )?)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| sdk_error("dynamodb:CreateTable", e))?;
        wait_active(ctx, &name).await?;
        if point_in_time_recovery(props)? == Some(true) {
            set_point_in_time_recovery(ctx, &name, true).await?;
        }
        if let Some(ttl) = props.get("TimeToLiveSpecification") {
            if boolean(ttl.get("Enabled"), "TimeToLiveSpecification")? == Some(true) {
                set_time_to_live(ctx, &name, ttl).await?;
            }
        }
        let table = describe(ctx, &name).await?.ok_or_else(gone)?;
        Ok(Created {
            physical_id: name,
            attributes: attributes(&table),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(table) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = live_properties(&table, desired);
        if desired.contains_key("PointInTimeRecoverySpecification") {
            let on = point_in_time_recovery_live(ctx, physical_id).await?;
            properties.insert(
                "PointInTimeRecoverySpecification".into(),
                json!({"PointInTimeRecoveryEnabled": on}),
            );
        }
        if let Some(want) = desired.get("TimeToLiveSpecification") {
            properties.insert(
                "TimeToLiveSpecification".into(),
                time_to_live_live(ctx, physical_id, want).await?,
            );
        }
        if desired.contains_key("Tags") {
            let tags = list_tags(ctx, table.table_arn().unwrap_or_default()).await?;
            let user: Vec<Value> = tags
                .iter()
                .filter(|t| !t.key().starts_with("fuelflow:") && !t.key().starts_with("aws:"))
                .map(|t| json!({"Key": t.key(), "Value": t.value()}))
                .collect();
            properties.insert("Tags".into(), Value::Array(user));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(&table),
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
        for key in ["KeySchema", "LocalSecondaryIndexes"] {
            if changed(old, new, key) {
                return Err(ResourceError::invalid(
                    key,
                    "cannot change in place; give the table a new TableName to replace it",
                ));
            }
        }
        let client = ctx.clients.dynamodb();
        let update = || client.update_table().table_name(physical_id);
        if changed(old, new, "BillingMode") || changed(old, new, "ProvisionedThroughput") {
            let throughput = match (billing_mode(new), new.get("ProvisionedThroughput")) {
                (Some(BillingMode::PayPerRequest), _) | (_, None) => None,
                (_, Some(t)) => Some(shape::throughput(t, "ProvisionedThroughput")?),
            };
            update()
                .billing_mode(billing_mode(new).unwrap_or(BillingMode::Provisioned))
                .set_provisioned_throughput(throughput)
                .send()
                .await
                .map_err(|e| sdk_error("dynamodb:UpdateTable", e))?;
            wait_active(ctx, physical_id).await?;
        }
        if old.contains_key("GlobalSecondaryIndexes") || new.contains_key("GlobalSecondaryIndexes")
        {
            update_global_indexes(ctx, physical_id, new).await?;
        }
        if changed(old, new, "StreamSpecification") {
            // A stream's view type cannot change while it is on: switch it off first.
            if old.get("StreamSpecification").is_some() {
                update()
                    .set_stream_specification(Some(shape::stream(None)?))
                    .send()
                    .await
                    .map_err(|e| sdk_error("dynamodb:UpdateTable", e))?;
                wait_active(ctx, physical_id).await?;
            }
            if let Some(spec) = new.get("StreamSpecification") {
                update()
                    .stream_specification(shape::stream(Some(spec))?)
                    .send()
                    .await
                    .map_err(|e| sdk_error("dynamodb:UpdateTable", e))?;
                wait_active(ctx, physical_id).await?;
            }
        }
        if changed(old, new, "SSESpecification") {
            update()
                .sse_specification(shape::sse(new.get("SSESpecification"))?)
                .send()
                .await
                .map_err(|e| sdk_error("dynamodb:UpdateTable", e))?;
            wait_active(ctx, physical_id).await?;
        }
        if changed(old, new, "DeletionProtectionEnabled") {
            let on = boolean(
                new.get("DeletionProtectionEnabled"),
                "DeletionProtectionEnabled",
            )?;
            update()
                .deletion_protection_enabled(on.unwrap_or(false))
                .send()
                .await
                .map_err(|e| sdk_error("dynamodb:UpdateTable", e))?;
            wait_active(ctx, physical_id).await?;
        }
        if changed(old, new, "PointInTimeRecoverySpecification") {
            let on = point_in_time_recovery(new)?.unwrap_or(false);
            set_point_in_time_recovery(ctx, physical_id, on).await?;
        }
        if changed(old, new, "TimeToLiveSpecification") {
            update_time_to_live(ctx, physical_id, old, new).await?;
        }
        let table = describe(ctx, physical_id).await?.ok_or_else(gone)?;
        update_tags(ctx, table.table_arn().unwrap_or_default(), old, new).await?;
        Ok(attributes(&table))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let Some(table) = describe(ctx, physical_id).await? else {
            return Ok(());
        };
        if table.deletion_protection_enabled() == Some(true) {
            return Err(ResourceError::new(
                "DeletionProtectionEnabled",
                format!(
                    "table `{physical_id}` has deletion protection on: set \
                     DeletionProtectionEnabled to false in the template and apply, then delete it"
                ),
            ));
        }
        let client = ctx.clients.dynamodb();
        match client.delete_table().table_name(physical_id).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(());
            }
            // Being created or updated: the engine retries after a pause.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                return Err(
                    ResourceError::from(AwsError::from_sdk("dynamodb:DeleteTable", e)).retryable(),
                );
            }
            Err(e) => return Err(AwsError::from_sdk("dynamodb:DeleteTable", e).into()),
        }
        client
            .wait_until_table_not_exists()
            .table_name(physical_id)
            .wait(MAX_WAIT)
            .await
            .map_err(|e| wait_error(physical_id, "to be deleted", e))?;
        Ok(())
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        if let Some(name) = props.get("TableName").and_then(text) {
            return Ok(describe(ctx, &name).await?.and_then(|t| t.table_name));
        }
        let mut pages = ctx.clients.dynamodb().list_tables().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("dynamodb:ListTables", e))?;
            for name in page.table_names() {
                let Some(table) = describe(ctx, name).await? else {
                    continue;
                };
                let tags = list_tags(ctx, table.table_arn().unwrap_or_default()).await?;
                let owned = ctx
                    .ownership_tags()
                    .iter()
                    .all(|(k, v)| tags.iter().any(|t| t.key() == k && t.value() == v));
                if owned {
                    return Ok(Some(name.clone()));
                }
            }
        }
        Ok(None)
    }
}

/// Deletes, creates and re-throughputs global secondary indexes until the live ones match the
/// template, one index per call. An index whose keys or projection changed is rebuilt.
async fn update_global_indexes(ctx: &Ctx, name: &str, new: &Props) -> Result<()> {
    let table = describe(ctx, name).await?.ok_or_else(gone)?;
    let desired: Vec<Value> = new
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let live = shape::global_indexes_json(table.global_secondary_indexes(), Some(&json!(desired)));
    let live = live.as_array().cloned().unwrap_or_default();
    let index_name = |v: &Value| v.get("IndexName").and_then(text).unwrap_or_default();
    let mut updates = Vec::new();
    for l in &live {
        match desired.iter().find(|d| index_name(d) == index_name(l)) {
            Some(d) if shape::same_index_structure(d, l) => {
                let want = d.get("ProvisionedThroughput");
                if want.is_some_and(|w| !compare::equivalent(w, &l["ProvisionedThroughput"])) {
                    let throughput = shape::throughput(want.unwrap(), "GlobalSecondaryIndexes")?;
                    let action = UpdateGlobalSecondaryIndexAction::builder()
                        .index_name(index_name(l))
                        .provisioned_throughput(throughput)
                        .build();
                    updates.push(
                        GlobalSecondaryIndexUpdate::builder()
                            .update(invalid(action)?)
                            .build(),
                    );
                }
            }
            _ => {
                let action = DeleteGlobalSecondaryIndexAction::builder()
                    .index_name(index_name(l))
                    .build();
                updates.push(
                    GlobalSecondaryIndexUpdate::builder()
                        .delete(invalid(action)?)
                        .build(),
                );
            }
        }
    }
    for d in &desired {
        let rebuilt = live
            .iter()
            .find(|l| index_name(l) == index_name(d))
            .is_some_and(|l| !shape::same_index_structure(d, l));
        if rebuilt || !live.iter().any(|l| index_name(l) == index_name(d)) {
            let index = shape::global_index(d)?;
            let action = CreateGlobalSecondaryIndexAction::builder()
                .index_name(index.index_name)
                .set_key_schema(Some(index.key_schema))
                .set_projection(index.projection)
                .set_provisioned_throughput(index.provisioned_throughput)
                .build();
            updates.push(
                GlobalSecondaryIndexUpdate::builder()
                    .create(invalid(action)?)
                    .build(),
            );
        }
    }
    for update in updates {
        ctx.clients
            .dynamodb()
            .update_table()
            .table_name(name)
            // A new index may use attributes the table did not define before.
            .set_attribute_definitions(Some(shape::attribute_definitions(
                new.get("AttributeDefinitions"),
            )?))
            .global_secondary_index_updates(update)
            .send()
            .await
            .map_err(|e| sdk_error("dynamodb:UpdateTable", e))?;
        wait_indexes_settled(ctx, name).await?;
    }
    Ok(())
}

fn invalid<T>(r: std::result::Result<T, impl std::fmt::Display>) -> Result<T> {
    r.map_err(|e| ResourceError::invalid("GlobalSecondaryIndexes", e))
}

/// Waits until the table is ACTIVE and no index is being built or removed. DynamoDB has no
/// waiter for indexes, hence the poll.
async fn wait_indexes_settled(ctx: &Ctx, name: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + MAX_WAIT;
    loop {
        wait_active(ctx, name).await?;
        let table = describe(ctx, name).await?.ok_or_else(gone)?;
        let busy = table
            .global_secondary_indexes()
            .iter()
            .any(|i| i.index_status() != Some(&IndexStatus::Active));
        if !busy {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(ResourceError::new(
                "WaitFailed",
                format!("the indexes of table `{name}` were still changing after {MAX_WAIT:?}"),
            ));
        }
        tokio::time::sleep(INDEX_POLL).await;
    }
}

async fn wait_active(ctx: &Ctx, name: &str) -> Result<()> {
    ctx.clients
        .dynamodb()
        .wait_until_table_exists()
        .table_name(name)
        .wait(MAX_WAIT)
        .await
        .map_err(|e| wait_error(name, "to be ACTIVE", e))?;
    Ok(())
}

fn wait_error<E>(name: &str, what: &str, e: E) -> ResourceError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Display,
{
    ResourceError::new(
        e.code().unwrap_or("WaitFailed"),
        format!("waiting for table `{name}` {what}: {e}"),
    )
}

/// The table, or `None` when it does not exist or is being deleted.
async fn describe(ctx: &Ctx, name: &str) -> Result<Option<TableDescription>> {
    match ctx
        .clients
        .dynamodb()
        .describe_table()
        .table_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .table
            .filter(|t| t.table_status() != Some(&TableStatus::Deleting))),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::from_sdk("dynamodb:DescribeTable", e).into()),
    }
}

fn billing_mode(props: &Props) -> Option<BillingMode> {
    props
        .get("BillingMode")
        .and_then(text)
        .map(|m| BillingMode::from(m.as_str()))
}

fn check_supported(props: &Props) -> Result<()> {
    match props
        .keys()
        .find(|k| !MANAGED.contains(&k.as_str()) && !crate::resources::is_engine_key(k))
    {
        Some(key) => Err(ResourceError::invalid(
            key,
            format!(
                "not supported by fuelflow's AWS::DynamoDB::Table (supported: {})",
                MANAGED.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn attributes(table: &TableDescription) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(arn) = table.table_arn() {
        attributes.insert("Arn".into(), json!(arn));
    }
    if let Some(arn) = table.latest_stream_arn() {
        attributes.insert("StreamArn".into(), json!(arn));
    }
    attributes
}

fn gone() -> ResourceError {
    ResourceError::new("ResourceNotFoundException", "the table is gone")
}
