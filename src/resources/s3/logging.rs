//! `LoggingConfiguration`: server access logs. As in CloudFormation, logs go to the bucket itself
//! when `DestinationBucketName` is not set.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    BucketLoggingStatus, LoggingEnabled, PartitionDateSource, PartitionedPrefix, SimplePrefix,
    TargetObjectKeyFormat,
};
use serde_json::{Map, Value, json};

use super::value::{aws, object, only_keys, string};
use crate::resources::{ResourceError, Result};

const PROP: &str = "LoggingConfiguration";
const FORMAT: &str = "LoggingConfiguration.TargetObjectKeyFormat";

pub(super) fn config(value: &Value, bucket: &str) -> Result<BucketLoggingStatus> {
    let map = object(PROP, value)?;
    only_keys(
        PROP,
        map,
        &[
            "DestinationBucketName",
            "LogFilePrefix",
            "TargetObjectKeyFormat",
        ],
    )?;
    let target = string("DestinationBucketName", map.get("DestinationBucketName"))?;
    let prefix = string("LogFilePrefix", map.get("LogFilePrefix"))?;
    let enabled = LoggingEnabled::builder()
        .target_bucket(target.unwrap_or_else(|| bucket.to_owned()))
        .target_prefix(prefix.unwrap_or_default())
        .set_target_object_key_format(
            map.get("TargetObjectKeyFormat")
                .map(key_format)
                .transpose()?,
        )
        .build()
        .map_err(|e| ResourceError::invalid(PROP, e))?;
    Ok(BucketLoggingStatus::builder()
        .logging_enabled(enabled)
        .build())
}

fn key_format(value: &Value) -> Result<TargetObjectKeyFormat> {
    let map = object(FORMAT, value)?;
    only_keys(FORMAT, map, &["SimplePrefix", "PartitionedPrefix"])?;
    let mut format = TargetObjectKeyFormat::builder();
    if map.contains_key("SimplePrefix") {
        format = format.simple_prefix(SimplePrefix::builder().build());
    }
    if let Some(partitioned) = map.get("PartitionedPrefix") {
        let p = object("PartitionedPrefix", partitioned)?;
        only_keys("PartitionedPrefix", p, &["PartitionDateSource"])?;
        let source = string("PartitionDateSource", p.get("PartitionDateSource"))?;
        format = format.partitioned_prefix(
            PartitionedPrefix::builder()
                .set_partition_date_source(source.as_deref().map(PartitionDateSource::from))
                .build(),
        );
    }
    Ok(format.build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_logging()
        .bucket(bucket)
        .bucket_logging_status(config(value, bucket)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketLogging"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = s3
        .get_bucket_logging()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:GetBucketLogging"))?;
    let Some(enabled) = out.logging_enabled() else {
        return Ok(None);
    };
    let mentions = |key: &str| desired.get(key).is_some();
    let mut live = Map::new();
    // The bucket itself is the default destination; show it only when the template names one.
    if enabled.target_bucket() != bucket || mentions("DestinationBucketName") {
        live.insert(
            "DestinationBucketName".into(),
            json!(enabled.target_bucket()),
        );
    }
    if !enabled.target_prefix().is_empty() || mentions("LogFilePrefix") {
        live.insert("LogFilePrefix".into(), json!(enabled.target_prefix()));
    }
    if let Some(format) = enabled.target_object_key_format() {
        let mut f = Map::new();
        if format.simple_prefix().is_some() {
            f.insert("SimplePrefix".into(), json!({}));
        }
        if let Some(p) = format.partitioned_prefix() {
            let mut partitioned = Map::new();
            if let Some(source) = p.partition_date_source() {
                partitioned.insert("PartitionDateSource".into(), json!(source.as_str()));
            }
            f.insert("PartitionedPrefix".into(), Value::Object(partitioned));
        }
        if !f.is_empty()
            && (mentions("TargetObjectKeyFormat") || f.contains_key("PartitionedPrefix"))
        {
            live.insert("TargetObjectKeyFormat".into(), Value::Object(f));
        }
    }
    Ok(Some(Value::Object(live)))
}

/// An empty logging status turns access logging off.
pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.put_bucket_logging()
        .bucket(bucket)
        .bucket_logging_status(BucketLoggingStatus::builder().build())
        .send()
        .await
        .map_err(aws("s3:PutBucketLogging"))?;
    Ok(())
}
