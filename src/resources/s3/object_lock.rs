//! `ObjectLockEnabled` and `ObjectLockConfiguration`, both read through
//! GetObjectLockConfiguration. Object lock is turned on at create (CreateBucket's flag) or later
//! by PutObjectLockConfiguration on a versioned bucket; S3 never turns it off, so
//! `ObjectLockEnabled: false` on a locked bucket is refused. Objects under retention cannot be
//! deleted before it ends, so such a bucket cannot be emptied and destroyed until then.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
    ObjectLockRule,
};
use serde_json::{Map, Value, json};

use super::value::{aws, boolean, int, object, only_keys, string};
use crate::resources::{ResourceError, Result};

const ENABLED: &str = "ObjectLockEnabled";
const PROP: &str = "ObjectLockConfiguration";
const RETENTION: &str = "ObjectLockConfiguration.Rule.DefaultRetention";

/// The `ObjectLockEnabled` flag.
pub(super) fn enabled(value: &Value) -> Result<bool> {
    Ok(boolean(ENABLED, Some(value))?.unwrap_or(false))
}

pub(super) fn config(value: &Value) -> Result<ObjectLockConfiguration> {
    let map = object(PROP, value)?;
    only_keys(PROP, map, &["ObjectLockEnabled", "Rule"])?;
    if let Some(state) = string(
        "ObjectLockConfiguration.ObjectLockEnabled",
        map.get(ENABLED),
    )? {
        if state != "Enabled" {
            return Err(ResourceError::invalid(
                "ObjectLockConfiguration.ObjectLockEnabled",
                format!("`{state}` is not Enabled (the only value S3 takes)"),
            ));
        }
    }
    let rule = match map.get("Rule") {
        Some(rule) => {
            let rule = object("ObjectLockConfiguration.Rule", rule)?;
            only_keys("ObjectLockConfiguration.Rule", rule, &["DefaultRetention"])?;
            match rule.get("DefaultRetention") {
                Some(r) => Some(
                    ObjectLockRule::builder()
                        .default_retention(retention(r)?)
                        .build(),
                ),
                None => None,
            }
        }
        None => None,
    };
    Ok(ObjectLockConfiguration::builder()
        .object_lock_enabled(ObjectLockEnabled::Enabled)
        .set_rule(rule)
        .build())
}

/// A mode and exactly one of days or years, as S3 requires (else MalformedXML).
fn retention(value: &Value) -> Result<DefaultRetention> {
    let r = object(RETENTION, value)?;
    only_keys(RETENTION, r, &["Mode", "Days", "Years"])?;
    let mode = match string("DefaultRetention.Mode", r.get("Mode"))?.as_deref() {
        Some("GOVERNANCE") => ObjectLockRetentionMode::Governance,
        Some("COMPLIANCE") => ObjectLockRetentionMode::Compliance,
        Some(other) => {
            return Err(ResourceError::invalid(
                "DefaultRetention.Mode",
                format!("`{other}` is not GOVERNANCE or COMPLIANCE"),
            ));
        }
        None => {
            return Err(ResourceError::invalid(
                "DefaultRetention.Mode",
                "is required",
            ));
        }
    };
    let days = int("DefaultRetention.Days", r.get("Days"))?;
    let years = int("DefaultRetention.Years", r.get("Years"))?;
    match (days, years) {
        (Some(n), None) | (None, Some(n)) if n > 0 => {}
        _ => {
            return Err(ResourceError::invalid(
                RETENTION,
                "needs exactly one of Days or Years, a positive number",
            ));
        }
    }
    Ok(DefaultRetention::builder()
        .mode(mode)
        .set_days(days)
        .set_years(years)
        .build())
}

/// The live configuration, `None` for a bucket without object lock.
async fn live(s3: &Client, bucket: &str) -> Result<Option<ObjectLockConfiguration>> {
    match s3
        .get_object_lock_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .object_lock_configuration()
            .filter(|c| c.object_lock_enabled() == Some(&ObjectLockEnabled::Enabled))
            .cloned()),
        Err(e) if e.code() == Some("ObjectLockConfigurationNotFoundError") => Ok(None),
        Err(e) => Err(aws("s3:GetObjectLockConfiguration")(e)),
    }
}

pub(super) async fn get_enabled(s3: &Client, bucket: &str) -> Result<Option<Value>> {
    Ok(Some(json!(live(s3, bucket).await?.is_some())))
}

/// Only reached on update, when the flag differs from the live bucket.
pub(super) async fn put_enabled(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    if !enabled(value)? {
        return Err(ResourceError::invalid(
            ENABLED,
            "is false, but the bucket has object lock, which S3 never turns off: keep it, or \
             replace the bucket (another BucketName)",
        ));
    }
    put(s3, bucket, &json!({})).await
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_object_lock_configuration()
        .bucket(bucket)
        .object_lock_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutObjectLockConfiguration"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let Some(c) = live(s3, bucket).await? else {
        return Ok(None);
    };
    let mut out = Map::new();
    // S3 always answers `Enabled`; the template may leave it out.
    if desired.get(ENABLED).is_some() {
        out.insert(ENABLED.into(), json!("Enabled"));
    }
    if let Some(r) = c.rule().and_then(ObjectLockRule::default_retention) {
        let mut retention = Map::new();
        if let Some(mode) = r.mode() {
            retention.insert("Mode".into(), json!(mode.as_str()));
        }
        // (moto answers the unset one as 0.)
        for (key, n) in [("Days", r.days()), ("Years", r.years())] {
            if let Some(n) = n.filter(|n| *n > 0) {
                retention.insert(key.into(), json!(n));
            }
        }
        out.insert("Rule".into(), json!({"DefaultRetention": retention}));
    }
    Ok(Some(Value::Object(out)))
}

/// The configuration removed from the template: no default retention (the lock itself stays).
pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    if live(s3, bucket).await?.is_some_and(|c| c.rule().is_some()) {
        put(s3, bucket, &json!({})).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_needs_a_mode_and_one_period() {
        let ok = json!({"ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}});
        let c = config(&ok).unwrap();
        let r = c.rule().unwrap().default_retention().unwrap();
        assert_eq!(r.years(), Some(1));
        assert_eq!(r.mode(), Some(&ObjectLockRetentionMode::Compliance));
        for bad in [
            json!({"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}),
            json!({"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE"}}}),
            json!({"Rule": {"DefaultRetention": {"Days": 3}}}),
            json!({"Rule": {"DefaultRetention": {"Mode": "LEGAL", "Days": 3}}}),
            json!({"ObjectLockEnabled": "Disabled"}),
            json!({"Rule": {"Retention": {}}}),
        ] {
            assert!(config(&bad).is_err(), "{bad}");
        }
        assert!(enabled(&json!("true")).unwrap());
        assert!(!enabled(&json!(false)).unwrap());
    }
}
