//! `PublicAccessBlockConfiguration`: the four block-public-access flags (absent means false).

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde_json::{Value, json};

use super::value::{aws, boolean, drop_unset_false, object, only_keys};
use crate::resources::Result;

const PROP: &str = "PublicAccessBlockConfiguration";
const FLAGS: [&str; 4] = [
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

pub(super) fn config(value: &Value) -> Result<PublicAccessBlockConfiguration> {
    let map = object(PROP, value)?;
    only_keys(PROP, map, &FLAGS)?;
    let flag = |name: &str| boolean(name, map.get(name)).map(|b| b.unwrap_or(false));
    Ok(PublicAccessBlockConfiguration::builder()
        .block_public_acls(flag("BlockPublicAcls")?)
        .block_public_policy(flag("BlockPublicPolicy")?)
        .ignore_public_acls(flag("IgnorePublicAcls")?)
        .restrict_public_buckets(flag("RestrictPublicBuckets")?)
        .build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutPublicAccessBlock"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => out,
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => return Ok(None),
        Err(e) => return Err(aws("s3:GetPublicAccessBlock")(e)),
    };
    let Some(c) = out.public_access_block_configuration() else {
        return Ok(None);
    };
    let live = json!({
        "BlockPublicAcls": c.block_public_acls().unwrap_or(false),
        "BlockPublicPolicy": c.block_public_policy().unwrap_or(false),
        "IgnorePublicAcls": c.ignore_public_acls().unwrap_or(false),
        "RestrictPublicBuckets": c.restrict_public_buckets().unwrap_or(false),
    });
    Ok(Some(drop_unset_false(Some(desired), live)))
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeletePublicAccessBlock"))?;
    Ok(())
}
