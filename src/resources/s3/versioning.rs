//! `VersioningConfiguration`. A bucket once versioned can only be suspended, never unversioned,
//! so removing the property from the template suspends versioning.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use serde_json::{Value, json};

use super::value::{aws, object, only_keys, required_string};
use crate::resources::{ResourceError, Result};

const PROP: &str = "VersioningConfiguration";

pub(super) fn config(value: &Value) -> Result<VersioningConfiguration> {
    let map = object(PROP, value)?;
    only_keys(PROP, map, &["Status"])?;
    let status =
        match required_string("VersioningConfiguration.Status", map.get("Status"))?.as_str() {
            "Enabled" => BucketVersioningStatus::Enabled,
            "Suspended" => BucketVersioningStatus::Suspended,
            other => {
                return Err(ResourceError::invalid(
                    "VersioningConfiguration.Status",
                    format!("`{other}` is not Enabled or Suspended"),
                ));
            }
        };
    Ok(VersioningConfiguration::builder().status(status).build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketVersioning"))?;
    Ok(())
}

/// `Enabled`, `Suspended`, or `None` for a bucket never versioned.
async fn status(s3: &Client, bucket: &str) -> Result<Option<String>> {
    match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => Ok(out.status().map(|s| s.as_str().to_owned())),
        Err(e) => match crate::aws_lenient::undecoded_success(&e) {
            Some(body) => Ok(crate::aws_lenient::elements(&body, "Status").pop()),
            None => Err(aws("s3:GetBucketVersioning")(e)),
        },
    }
}

pub(super) async fn get(s3: &Client, bucket: &str) -> Result<Option<Value>> {
    Ok(status(s3, bucket).await?.map(|s| json!({ "Status": s })))
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    if status(s3, bucket).await?.as_deref() == Some("Enabled") {
        put(s3, bucket, &json!({"Status": "Suspended"})).await?;
    }
    Ok(())
}
