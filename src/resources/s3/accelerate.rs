//! `AccelerateConfiguration`: transfer acceleration. S3 keeps no "never set" state once it was
//! set, so removing the property from the template suspends it.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{AccelerateConfiguration, BucketAccelerateStatus};
use serde_json::{Value, json};

use super::value::{aws, object, only_keys, required_string};
use crate::resources::{ResourceError, Result};

const PROP: &str = "AccelerateConfiguration";

pub(super) fn config(value: &Value) -> Result<AccelerateConfiguration> {
    let map = object(PROP, value)?;
    only_keys(PROP, map, &["AccelerationStatus"])?;
    let prop = "AccelerateConfiguration.AccelerationStatus";
    let status = match required_string(prop, map.get("AccelerationStatus"))?.as_str() {
        "Enabled" => BucketAccelerateStatus::Enabled,
        "Suspended" => BucketAccelerateStatus::Suspended,
        other => {
            return Err(ResourceError::invalid(
                prop,
                format!("`{other}` is not Enabled or Suspended"),
            ));
        }
    };
    Ok(AccelerateConfiguration::builder().status(status).build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_accelerate_configuration()
        .bucket(bucket)
        .accelerate_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketAccelerateConfiguration"))?;
    Ok(())
}

/// `Enabled`, `Suspended`, or `None` for a bucket never accelerated.
async fn status(s3: &Client, bucket: &str) -> Result<Option<String>> {
    match s3
        .get_bucket_accelerate_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out.status().map(|s| s.as_str().to_owned())),
        // moto names the answer's root wrongly (see `aws_lenient`).
        Err(e) => match crate::aws_lenient::undecoded_success(&e) {
            Some(body) => Ok(crate::aws_lenient::elements(&body, "Status").pop()),
            None => Err(aws("s3:GetBucketAccelerateConfiguration")(e)),
        },
    }
}

pub(super) async fn get(s3: &Client, bucket: &str) -> Result<Option<Value>> {
    Ok(status(s3, bucket)
        .await?
        .map(|s| json!({ "AccelerationStatus": s })))
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    if status(s3, bucket).await?.as_deref() == Some("Enabled") {
        put(s3, bucket, &json!({"AccelerationStatus": "Suspended"})).await?;
    }
    Ok(())
}
