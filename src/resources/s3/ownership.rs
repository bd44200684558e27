//! `OwnershipControls`: who owns objects others upload (and whether ACLs still apply).

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
use serde_json::{Value, json};

use super::value::{aws, list, object, only_keys, required_string};
use crate::resources::{ResourceError, Result};

const RULES: &str = "OwnershipControls.Rules";

pub(super) fn config(value: &Value) -> Result<OwnershipControls> {
    let map = object("OwnershipControls", value)?;
    only_keys("OwnershipControls", map, &["Rules"])?;
    let rules = list(RULES, map.get("Rules"))?
        .iter()
        .map(|rule| {
            let rule = object(RULES, rule)?;
            only_keys(RULES, rule, &["ObjectOwnership"])?;
            let owner = required_string("ObjectOwnership", rule.get("ObjectOwnership"))?;
            if !ObjectOwnership::values().contains(&owner.as_str()) {
                return Err(ResourceError::invalid(
                    "ObjectOwnership",
                    format!("`{owner}` is not one of {:?}", ObjectOwnership::values()),
                ));
            }
            OwnershipControlsRule::builder()
                .object_ownership(ObjectOwnership::from(owner.as_str()))
                .build()
                .map_err(|e| ResourceError::invalid(RULES, e))
        })
        .collect::<Result<Vec<_>>>()?;
    OwnershipControls::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| ResourceError::invalid(RULES, e))
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketOwnershipControls"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str) -> Result<Option<Value>> {
    let out = match s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if e.code() == Some("OwnershipControlsNotFoundError") => return Ok(None),
        Err(e) => return Err(aws("s3:GetBucketOwnershipControls")(e)),
    };
    Ok(out.ownership_controls().map(|c| {
        let rules: Vec<Value> = c
            .rules()
            .iter()
            .map(|r| json!({ "ObjectOwnership": r.object_ownership().as_str() }))
            .collect();
        json!({ "Rules": rules })
    }))
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketOwnershipControls"))?;
    Ok(())
}
