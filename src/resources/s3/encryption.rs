//! `BucketEncryption`: default server-side encryption rules (SSE-S3, SSE-KMS, DSSE-KMS) and
//! whether S3 Bucket Keys are used.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use serde_json::{Map, Value, json};

use super::value::{
    aws, boolean, drop_unset_false, list, object, only_keys, required_string, string,
};
use crate::resources::{ResourceError, Result};

const RULES: &str = "BucketEncryption.ServerSideEncryptionConfiguration";

pub(super) fn config(value: &Value) -> Result<ServerSideEncryptionConfiguration> {
    let map = object("BucketEncryption", value)?;
    only_keys(
        "BucketEncryption",
        map,
        &["ServerSideEncryptionConfiguration"],
    )?;
    let rules = list(RULES, map.get("ServerSideEncryptionConfiguration"))?
        .iter()
        .map(rule)
        .collect::<Result<Vec<_>>>()?;
    if rules.is_empty() {
        return Err(ResourceError::invalid(RULES, "needs at least one rule"));
    }
    ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| ResourceError::invalid(RULES, e))
}

fn rule(value: &Value) -> Result<ServerSideEncryptionRule> {
    let map = object(RULES, value)?;
    only_keys(
        RULES,
        map,
        &["BucketKeyEnabled", "ServerSideEncryptionByDefault"],
    )?;
    let mut rule = ServerSideEncryptionRule::builder()
        .set_bucket_key_enabled(boolean("BucketKeyEnabled", map.get("BucketKeyEnabled"))?);
    if let Some(default) = map.get("ServerSideEncryptionByDefault") {
        let prop = "ServerSideEncryptionByDefault";
        let d = object(prop, default)?;
        only_keys(prop, d, &["SSEAlgorithm", "KMSMasterKeyID"])?;
        let algorithm = required_string("SSEAlgorithm", d.get("SSEAlgorithm"))?;
        if !["AES256", "aws:kms", "aws:kms:dsse"].contains(&algorithm.as_str()) {
            return Err(ResourceError::invalid(
                "SSEAlgorithm",
                format!("`{algorithm}` is not AES256, aws:kms or aws:kms:dsse"),
            ));
        }
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
            .set_kms_master_key_id(string("KMSMasterKeyID", d.get("KMSMasterKeyID"))?)
            .build()
            .map_err(|e| ResourceError::invalid(prop, e))?;
        rule = rule.apply_server_side_encryption_by_default(by_default);
    }
    Ok(rule.build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketEncryption"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => out,
        // AWS now always answers with the default AES256 rule; older buckets and moto answer 404.
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            return Ok(None);
        }
        Err(e) => return Err(aws("s3:GetBucketEncryption")(e)),
    };
    let Some(config) = out.server_side_encryption_configuration() else {
        return Ok(None);
    };
    let rules: Vec<Value> = config
        .rules()
        .iter()
        .map(|r| {
            let mut rule = Map::new();
            if let Some(enabled) = r.bucket_key_enabled() {
                rule.insert("BucketKeyEnabled".into(), json!(enabled));
            }
            if let Some(d) = r.apply_server_side_encryption_by_default() {
                let mut by_default = Map::new();
                by_default.insert("SSEAlgorithm".into(), json!(d.sse_algorithm().as_str()));
                if let Some(key) = d.kms_master_key_id() {
                    by_default.insert("KMSMasterKeyID".into(), json!(key));
                }
                rule.insert(
                    "ServerSideEncryptionByDefault".into(),
                    Value::Object(by_default),
                );
            }
            Value::Object(rule)
        })
        .collect();
    let live = json!({ "ServerSideEncryptionConfiguration": rules });
    Ok(Some(drop_unset_false(Some(desired), live)))
}

/// Without a configuration of its own, S3 encrypts new objects with SSE-S3.
pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketEncryption"))?;
    Ok(())
}
