//! `LifecycleConfiguration`: expiration, transitions and clean-up rules.
//!
//! CloudFormation's rule shape is flatter than the API's: `Prefix`, `TagFilters` and the object
//! size limits become the API's `Filter` (an `And` when there are several conditions), and the
//! legacy single-item forms (`Transition`, `NoncurrentVersionTransition`,
//! `NoncurrentVersionExpirationInDays`) are accepted and read back in the form the template uses.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter,
    NoncurrentVersionExpiration, NoncurrentVersionTransition, Tag, Transition,
    TransitionDefaultMinimumObjectSize, TransitionStorageClass,
};
use serde_json::{Map, Value, json};

use super::value::{
    aws, boolean, drop_unset_false, int, list, long, object, only_keys, required_int,
    required_string, string,
};
use crate::resources::{ResourceError, Result};

const PROP: &str = "LifecycleConfiguration";
const RULES: &str = "LifecycleConfiguration.Rules";
const MIN_SIZE: &str = "TransitionDefaultMinimumObjectSize";
const RULE_KEYS: [&str; 16] = [
    "AbortIncompleteMultipartUpload",
    "ExpirationDate",
    "ExpirationInDays",
    "ExpiredObjectDeleteMarker",
    "Id",
    "NoncurrentVersionExpiration",
    "NoncurrentVersionExpirationInDays",
    "NoncurrentVersionTransition",
    "NoncurrentVersionTransitions",
    "ObjectSizeGreaterThan",
    "ObjectSizeLessThan",
    "Prefix",
    "Status",
    "TagFilters",
    "Transition",
    "Transitions",
];

/// The lifecycle configuration and the default minimum transition size, when the template sets it.
pub(super) fn config(
    value: &Value,
) -> Result<(
    BucketLifecycleConfiguration,
    Option<TransitionDefaultMinimumObjectSize>,
)> {
    let map = object(PROP, value)?;
    only_keys(PROP, map, &["Rules", MIN_SIZE])?;
    let rules = list(RULES, map.get("Rules"))?
        .iter()
        .map(rule)
        .collect::<Result<Vec<_>>>()?;
    let config = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| ResourceError::invalid(RULES, e))?;
    let min_size = string(MIN_SIZE, map.get(MIN_SIZE))?
        .map(|s| TransitionDefaultMinimumObjectSize::from(s.as_str()));
    Ok((config, min_size))
}

fn rule(value: &Value) -> Result<LifecycleRule> {
    let r = object(RULES, value)?;
    only_keys(RULES, r, &RULE_KEYS)?;
    let status = match required_string("Status", r.get("Status"))?.as_str() {
        "Enabled" => ExpirationStatus::Enabled,
        "Disabled" => ExpirationStatus::Disabled,
        other => {
            return Err(ResourceError::invalid(
                "Status",
                format!("`{other}` is not Enabled or Disabled"),
            ));
        }
    };
    let expiration = LifecycleExpiration::builder()
        .set_days(days("ExpirationInDays", r.get("ExpirationInDays"), 1)?)
        .set_date(date("ExpirationDate", r.get("ExpirationDate"))?)
        .set_expired_object_delete_marker(boolean(
            "ExpiredObjectDeleteMarker",
            r.get("ExpiredObjectDeleteMarker"),
        )?)
        .build();
    let has_expiration = expiration.days().is_some()
        || expiration.date().is_some()
        || expiration.expired_object_delete_marker().is_some();

    let mut transitions = list("Transitions", r.get("Transitions"))?.to_vec();
    transitions.extend(r.get("Transition").cloned());
    let mut noncurrent_transitions = list(
        "NoncurrentVersionTransitions",
        r.get("NoncurrentVersionTransitions"),
    )?
    .to_vec();
    noncurrent_transitions.extend(r.get("NoncurrentVersionTransition").cloned());

    LifecycleRule::builder()
        .set_id(string("Id", r.get("Id"))?)
        .status(status)
        .filter(filter(r)?)
        .set_expiration(has_expiration.then_some(expiration))
        .set_transitions(Some(
            transitions.iter().map(transition).collect::<Result<_>>()?,
        ))
        .set_noncurrent_version_transitions(Some(
            noncurrent_transitions
                .iter()
                .map(noncurrent_transition)
                .collect::<Result<_>>()?,
        ))
        .set_noncurrent_version_expiration(noncurrent_expiration(r)?)
        .set_abort_incomplete_multipart_upload(
            r.get("AbortIncompleteMultipartUpload")
                .map(|a| {
                    let a = object("AbortIncompleteMultipartUpload", a)?;
                    only_keys(
                        "AbortIncompleteMultipartUpload",
                        a,
                        &["DaysAfterInitiation"],
                    )?;
                    let days = required_int("DaysAfterInitiation", a.get("DaysAfterInitiation"))?;
                    Ok::<_, ResourceError>(
                        AbortIncompleteMultipartUpload::builder()
                            .days_after_initiation(days)
                            .build(),
                    )
                })
                .transpose()?,
        )
        .build()
        .map_err(|e| ResourceError::invalid(RULES, e))
}

/// One condition goes straight into the filter; several need an `And`; none is the empty prefix.
fn filter(r: &Map<String, Value>) -> Result<LifecycleRuleFilter> {
    let prefix = string("Prefix", r.get("Prefix"))?;
    let tags = list("TagFilters", r.get("TagFilters"))?
        .iter()
        .map(|t| {
            let t = object("TagFilters", t)?;
            only_keys("TagFilters", t, &["Key", "Value"])?;
            Tag::builder()
                .key(required_string("TagFilters.Key", t.get("Key"))?)
                .value(required_string("TagFilters.Value", t.get("Value"))?)
                .build()
                .map_err(|e| ResourceError::invalid("TagFilters", e))
        })
        .collect::<Result<Vec<_>>>()?;
    let greater = long("ObjectSizeGreaterThan", r.get("ObjectSizeGreaterThan"))?;
    let less = long("ObjectSizeLessThan", r.get("ObjectSizeLessThan"))?;
    let conditions = usize::from(prefix.is_some())
        + tags.len()
        + usize::from(greater.is_some())
        + usize::from(less.is_some());
    let filter = LifecycleRuleFilter::builder();
    Ok(match conditions {
        0 => filter.prefix("").build(),
        1 if !tags.is_empty() => filter.tag(tags[0].clone()).build(),
        1 => filter
            .set_prefix(prefix)
            .set_object_size_greater_than(greater)
            .set_object_size_less_than(less)
            .build(),
        _ => filter
            .and(
                LifecycleRuleAndOperator::builder()
                    .set_prefix(prefix)
                    .set_tags(Some(tags))
                    .set_object_size_greater_than(greater)
                    .set_object_size_less_than(less)
                    .build(),
            )
            .build(),
    })
}

fn storage_class(prop: &str, t: &Map<String, Value>) -> Result<TransitionStorageClass> {
    let class = required_string(prop, t.get("StorageClass"))?;
    // CloudFormation also accepts the old spelling `Glacier`.
    let class = class.to_ascii_uppercase();
    if !TransitionStorageClass::values().contains(&class.as_str()) {
        return Err(ResourceError::invalid(
            prop,
            format!(
                "`{class}` is not one of {:?}",
                TransitionStorageClass::values()
            ),
        ));
    }
    Ok(TransitionStorageClass::from(class.as_str()))
}

fn transition(value: &Value) -> Result<Transition> {
    let t = object("Transitions", value)?;
    only_keys(
        "Transitions",
        t,
        &["StorageClass", "TransitionDate", "TransitionInDays"],
    )?;
    Ok(Transition::builder()
        .storage_class(storage_class("Transitions.StorageClass", t)?)
        .set_days(days("TransitionInDays", t.get("TransitionInDays"), 0)?)
        .set_date(date("TransitionDate", t.get("TransitionDate"))?)
        .build())
}

/// A day count S3 accepts: at least `min` (S3 refuses `Days: -1` with InvalidArgument; some
/// endpoints store it, so it is refused here before any call).
fn days(prop: &str, v: Option<&Value>, min: i32) -> Result<Option<i32>> {
    match int(prop, v)? {
        Some(n) if n < min => Err(ResourceError::invalid(
            prop,
            format!("must be at least {min}, got {n}"),
        )),
        n => Ok(n),
    }
}

fn noncurrent_transition(value: &Value) -> Result<NoncurrentVersionTransition> {
    let prop = "NoncurrentVersionTransitions";
    let t = object(prop, value)?;
    only_keys(
        prop,
        t,
        &[
            "StorageClass",
            "TransitionInDays",
            "NewerNoncurrentVersions",
        ],
    )?;
    Ok(NoncurrentVersionTransition::builder()
        .storage_class(storage_class(
            "NoncurrentVersionTransitions.StorageClass",
            t,
        )?)
        .noncurrent_days(required_int("TransitionInDays", t.get("TransitionInDays"))?)
        .set_newer_noncurrent_versions(int(
            "NewerNoncurrentVersions",
            t.get("NewerNoncurrentVersions"),
        )?)
        .build())
}

fn noncurrent_expiration(r: &Map<String, Value>) -> Result<Option<NoncurrentVersionExpiration>> {
    if let Some(e) = r.get("NoncurrentVersionExpiration") {
        let prop = "NoncurrentVersionExpiration";
        let e = object(prop, e)?;
        only_keys(prop, e, &["NoncurrentDays", "NewerNoncurrentVersions"])?;
        return Ok(Some(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(required_int("NoncurrentDays", e.get("NoncurrentDays"))?)
                .set_newer_noncurrent_versions(int(
                    "NewerNoncurrentVersions",
                    e.get("NewerNoncurrentVersions"),
                )?)
                .build(),
        ));
    }
    let days = int(
        "NoncurrentVersionExpirationInDays",
        r.get("NoncurrentVersionExpirationInDays"),
    )?;
    Ok(days.map(|d| {
        NoncurrentVersionExpiration::builder()
            .noncurrent_days(d)
            .build()
    }))
}

fn date(prop: &str, v: Option<&Value>) -> Result<Option<DateTime>> {
    string(prop, v)?
        .map(|s| {
            DateTime::from_str(&s, DateTimeFormat::DateTime).map_err(|_| {
                ResourceError::invalid(prop, format!("`{s}` is not an ISO 8601 UTC time"))
            })
        })
        .transpose()
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    let (config, min_size) = config(value)?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(config)
        .set_transition_default_minimum_object_size(min_size)
        .send()
        .await
        .map_err(aws("s3:PutBucketLifecycleConfiguration"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = match s3
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => return Ok(None),
        Err(e) => return Err(aws("s3:GetBucketLifecycleConfiguration")(e)),
    };
    let wanted: &[Value] = desired
        .get("Rules")
        .and_then(Value::as_array)
        .map_or(&[], |v| v);
    // Pair each live rule with the template rule it stands for: same Id, else same position.
    let mut rules: Vec<(usize, Value)> = out
        .rules()
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let by_id = rule.id().and_then(|id| {
                wanted
                    .iter()
                    .position(|w| w.get("Id").and_then(Value::as_str) == Some(id))
            });
            let position =
                by_id.or_else(|| wanted.get(i).filter(|w| w.get("Id").is_none()).map(|_| i));
            let template = position.and_then(|p| wanted[p].as_object());
            (position.unwrap_or(usize::MAX), live_rule(rule, template))
        })
        .collect();
    rules.sort_by_key(|(position, _)| *position);
    let mut live = Map::new();
    live.insert(
        "Rules".into(),
        Value::Array(rules.into_iter().map(|(_, r)| r).collect()),
    );
    if desired.get(MIN_SIZE).is_some() {
        if let Some(size) = out.transition_default_minimum_object_size() {
            live.insert(MIN_SIZE.into(), json!(size.as_str()));
        }
    }
    Ok(Some(drop_unset_false(Some(desired), Value::Object(live))))
}

/// One live rule in template shape, in the forms `template` (the matching template rule) uses.
fn live_rule(rule: &LifecycleRule, template: Option<&Map<String, Value>>) -> Value {
    let uses = |key: &str| template.is_some_and(|t| t.contains_key(key));
    let mut r = Map::new();
    // S3 names rules the template leaves unnamed; that generated Id is not the template's.
    if let Some(id) = rule.id().filter(|_| template.is_none() || uses("Id")) {
        r.insert("Id".into(), json!(id));
    }
    r.insert("Status".into(), json!(rule.status().as_str()));

    let filter = rule.filter();
    let and = filter.and_then(LifecycleRuleFilter::and);
    let prefix = and
        .and_then(LifecycleRuleAndOperator::prefix)
        .or_else(|| filter.and_then(LifecycleRuleFilter::prefix))
        .or(legacy_prefix(rule));
    if let Some(prefix) = prefix.filter(|p| !p.is_empty() || uses("Prefix")) {
        r.insert("Prefix".into(), json!(prefix));
    }
    let mut tags: Vec<&Tag> = and.map(|a| a.tags().iter().collect()).unwrap_or_default();
    tags.extend(filter.and_then(LifecycleRuleFilter::tag));
    if !tags.is_empty() {
        let tags: Vec<Value> = tags
            .iter()
            .map(|t| json!({"Key": t.key(), "Value": t.value()}))
            .collect();
        r.insert("TagFilters".into(), Value::Array(tags));
    }
    let greater = and
        .and_then(LifecycleRuleAndOperator::object_size_greater_than)
        .or_else(|| filter.and_then(LifecycleRuleFilter::object_size_greater_than));
    let less = and
        .and_then(LifecycleRuleAndOperator::object_size_less_than)
        .or_else(|| filter.and_then(LifecycleRuleFilter::object_size_less_than));
    if let Some(size) = greater {
        r.insert("ObjectSizeGreaterThan".into(), json!(size.to_string()));
    }
    if let Some(size) = less {
        r.insert("ObjectSizeLessThan".into(), json!(size.to_string()));
    }

    if let Some(e) = rule.expiration() {
        if let Some(days) = e.days() {
            r.insert("ExpirationInDays".into(), json!(days));
        }
        if let Some(d) = e.date() {
            r.insert(
                "ExpirationDate".into(),
                date_like(template.and_then(|t| t.get("ExpirationDate")), d),
            );
        }
        if let Some(marker) = e.expired_object_delete_marker() {
            r.insert("ExpiredObjectDeleteMarker".into(), json!(marker));
        }
    }
    if let Some(e) = rule.noncurrent_version_expiration() {
        let legacy =
            uses("NoncurrentVersionExpirationInDays") && !uses("NoncurrentVersionExpiration");
        match (e.noncurrent_days(), e.newer_noncurrent_versions()) {
            (Some(days), None) if legacy => {
                r.insert("NoncurrentVersionExpirationInDays".into(), json!(days));
            }
            (days, newer) => {
                let mut e = Map::new();
                e.extend(days.map(|d| ("NoncurrentDays".to_owned(), json!(d))));
                e.extend(newer.map(|n| ("NewerNoncurrentVersions".to_owned(), json!(n))));
                r.insert("NoncurrentVersionExpiration".into(), Value::Object(e));
            }
        }
    }
    let classes = template_storage_classes(template);
    let transitions: Vec<Value> = rule
        .transitions()
        .iter()
        .map(|t| {
            let mut v = Map::new();
            if let Some(class) = t.storage_class() {
                v.insert("StorageClass".into(), class_like(&classes, class.as_str()));
            }
            if let Some(days) = t.days() {
                v.insert("TransitionInDays".into(), json!(days));
            }
            if let Some(d) = t.date() {
                let wanted = template
                    .and_then(|t| t.get("Transition").or_else(|| t.get("Transitions")?.get(0)))
                    .and_then(|t| t.get("TransitionDate"));
                v.insert("TransitionDate".into(), date_like(wanted, d));
            }
            Value::Object(v)
        })
        .collect();
    put_list(
        &mut r,
        "Transitions",
        "Transition",
        transitions,
        uses("Transition") && !uses("Transitions"),
    );
    let noncurrent: Vec<Value> = rule
        .noncurrent_version_transitions()
        .iter()
        .map(|t| {
            let mut v = Map::new();
            if let Some(class) = t.storage_class() {
                v.insert("StorageClass".into(), class_like(&classes, class.as_str()));
            }
            v.extend(
                t.noncurrent_days()
                    .map(|d| ("TransitionInDays".to_owned(), json!(d))),
            );
            v.extend(
                t.newer_noncurrent_versions()
                    .map(|n| ("NewerNoncurrentVersions".to_owned(), json!(n))),
            );
            Value::Object(v)
        })
        .collect();
    let legacy = uses("NoncurrentVersionTransition") && !uses("NoncurrentVersionTransitions");
    put_list(
        &mut r,
        "NoncurrentVersionTransitions",
        "NoncurrentVersionTransition",
        noncurrent,
        legacy,
    );
    if let Some(days) = rule
        .abort_incomplete_multipart_upload()
        .and_then(AbortIncompleteMultipartUpload::days_after_initiation)
    {
        r.insert(
            "AbortIncompleteMultipartUpload".into(),
            json!({ "DaysAfterInitiation": days }),
        );
    }
    Value::Object(r)
}

/// Rules written by older tools keep the prefix on the rule itself instead of in a filter.
#[allow(deprecated)]
fn legacy_prefix(rule: &LifecycleRule) -> Option<&str> {
    rule.prefix()
}

/// A list under its plural key, or its only item under the legacy singular key.
fn put_list(
    r: &mut Map<String, Value>,
    plural: &str,
    singular: &str,
    mut items: Vec<Value>,
    legacy: bool,
) {
    match items.len() {
        0 => {}
        1 if legacy => {
            r.insert(singular.into(), items.remove(0));
        }
        _ => {
            r.insert(plural.into(), Value::Array(items));
        }
    }
}

fn template_storage_classes(template: Option<&Map<String, Value>>) -> Vec<String> {
    let Some(t) = template else { return Vec::new() };
    [
        "Transitions",
        "Transition",
        "NoncurrentVersionTransitions",
        "NoncurrentVersionTransition",
    ]
    .iter()
    .filter_map(|k| t.get(*k))
    .flat_map(|v| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    })
    .filter_map(|t| t.get("StorageClass")?.as_str().map(str::to_owned))
    .collect()
}

/// The template's spelling of a storage class (`Glacier`) when it means the live one (`GLACIER`).
fn class_like(template_classes: &[String], live: &str) -> Value {
    let spelled = template_classes
        .iter()
        .find(|c| c.eq_ignore_ascii_case(live));
    json!(spelled.map_or(live, String::as_str))
}

/// The template's text of a time when it is the same instant as the live one.
fn date_like(template: Option<&Value>, live: &DateTime) -> Value {
    if let Some(text) = template.and_then(Value::as_str) {
        if DateTime::from_str(text, DateTimeFormat::DateTime)
            .ok()
            .as_ref()
            == Some(live)
        {
            return json!(text);
        }
    }
    json!(live.fmt(DateTimeFormat::DateTime).unwrap_or_default())
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_bucket_lifecycle()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketLifecycle"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_day_counts_are_refused() {
        let bad = json!({"StorageClass": "GLACIER", "TransitionInDays": "-1"});
        let err = transition(&bad).unwrap_err().to_string();
        assert!(
            err.contains("TransitionInDays") && err.contains("at least 0"),
            "{err}"
        );
        let zero = json!({"StorageClass": "GLACIER", "TransitionInDays": 0});
        assert_eq!(transition(&zero).unwrap().days(), Some(0));
    }

    #[test]
    fn conditions_become_the_api_filter() {
        let one = filter(json!({"Prefix": "logs/"}).as_object().unwrap()).unwrap();
        assert_eq!(one.prefix(), Some("logs/"));
        let none = filter(&Map::new()).unwrap();
        assert_eq!(none.prefix(), Some(""));
        let both = json!({"Prefix": "a/", "TagFilters": [{"Key": "k", "Value": "v"}]});
        let both = filter(both.as_object().unwrap()).unwrap();
        assert_eq!(both.and().unwrap().prefix(), Some("a/"));
        assert_eq!(both.and().unwrap().tags().len(), 1);
    }

    #[test]
    fn live_rule_reads_back_in_the_template_form() {
        let template = json!({
            "Status": "Enabled", "Prefix": "tmp/", "NoncurrentVersionExpirationInDays": 7,
            "Transition": {"StorageClass": "Glacier", "TransitionInDays": 30}
        });
        let rule = rule(&template).unwrap();
        let live = live_rule(&rule, template.as_object());
        assert!(
            crate::resources::compare::equivalent(&template, &live),
            "{live}"
        );
    }

    #[test]
    fn unknown_rule_keys_are_refused() {
        let err = rule(&json!({"Status": "Enabled", "Bogus": 1})).unwrap_err();
        assert!(err.message.contains("Bogus"), "{err}");
    }
}
