//! `CorsConfiguration`: cross-origin rules for browsers.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use serde_json::{Map, Value, json};

use super::value::{aws, int, list, object, only_keys, string, strings};
use crate::resources::{ResourceError, Result};

const RULES: &str = "CorsConfiguration.CorsRules";

pub(super) fn config(value: &Value) -> Result<CorsConfiguration> {
    let map = object("CorsConfiguration", value)?;
    only_keys("CorsConfiguration", map, &["CorsRules"])?;
    let rules = list(RULES, map.get("CorsRules"))?
        .iter()
        .map(rule)
        .collect::<Result<Vec<_>>>()?;
    CorsConfiguration::builder()
        .set_cors_rules(Some(rules))
        .build()
        .map_err(|e| ResourceError::invalid(RULES, e))
}

fn rule(value: &Value) -> Result<CorsRule> {
    let r = object(RULES, value)?;
    only_keys(
        RULES,
        r,
        &[
            "AllowedHeaders",
            "AllowedMethods",
            "AllowedOrigins",
            "ExposedHeaders",
            "Id",
            "MaxAge",
        ],
    )?;
    let non_empty = |v: Vec<String>| (!v.is_empty()).then_some(v);
    CorsRule::builder()
        .set_id(string("Id", r.get("Id"))?)
        .set_allowed_headers(non_empty(strings(
            "AllowedHeaders",
            r.get("AllowedHeaders"),
        )?))
        .set_allowed_methods(Some(strings("AllowedMethods", r.get("AllowedMethods"))?))
        .set_allowed_origins(Some(strings("AllowedOrigins", r.get("AllowedOrigins"))?))
        .set_expose_headers(non_empty(strings(
            "ExposedHeaders",
            r.get("ExposedHeaders"),
        )?))
        .set_max_age_seconds(int("MaxAge", r.get("MaxAge"))?)
        .build()
        .map_err(|e| ResourceError::invalid(RULES, e))
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketCors"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str) -> Result<Option<Value>> {
    let out = match s3.get_bucket_cors().bucket(bucket).send().await {
        Ok(out) => out,
        Err(e) if e.code() == Some("NoSuchCORSConfiguration") => return Ok(None),
        Err(e) => return Err(aws("s3:GetBucketCors")(e)),
    };
    let rules: Vec<Value> = out
        .cors_rules()
        .iter()
        .map(|r| {
            let mut rule = Map::new();
            let mut list = |key: &str, items: &[String]| {
                if !items.is_empty() {
                    rule.insert(key.into(), json!(items));
                }
            };
            list("AllowedHeaders", r.allowed_headers());
            list("AllowedMethods", r.allowed_methods());
            list("AllowedOrigins", r.allowed_origins());
            list("ExposedHeaders", r.expose_headers());
            if let Some(id) = r.id() {
                rule.insert("Id".into(), json!(id));
            }
            if let Some(max_age) = r.max_age_seconds() {
                rule.insert("MaxAge".into(), json!(max_age));
            }
            Value::Object(rule)
        })
        .collect();
    Ok((!rules.is_empty()).then(|| json!({ "CorsRules": rules })))
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_bucket_cors()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketCors"))?;
    Ok(())
}
