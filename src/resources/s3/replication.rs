//! `ReplicationConfiguration`: a role and rules copying new objects to other buckets. S3 wants
//! versioning enabled on the source and every destination (the bucket checks its own, see
//! `check_versioning` in bucket.rs). A rule with a `Filter` is sent in S3's current form (with
//! `DeleteMarkerReplication`, Disabled unless the template says otherwise); one without, in the
//! first form (a `Prefix`, empty for every object).

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    AccessControlTranslation, DeleteMarkerReplication, DeleteMarkerReplicationStatus, Destination,
    EncryptionConfiguration, Metrics, MetricsStatus, OwnerOverride, ReplicaModifications,
    ReplicaModificationsStatus, ReplicationConfiguration, ReplicationRule,
    ReplicationRuleAndOperator, ReplicationRuleFilter, ReplicationRuleStatus, ReplicationTime,
    ReplicationTimeStatus, ReplicationTimeValue, SourceSelectionCriteria, SseKmsEncryptedObjects,
    SseKmsEncryptedObjectsStatus, StorageClass,
};
use serde_json::{Map, Value, json};

use super::id_configs::{tag, tag_value, tags};
use super::value::{aws, int, list, object, only_keys, required_int, required_string, string};
use crate::resources::{ResourceError, Result};

const PROP: &str = "ReplicationConfiguration";
const RULES: &str = "ReplicationConfiguration.Rules";

pub(super) fn config(value: &Value) -> Result<ReplicationConfiguration> {
    let map = object(PROP, value)?;
    only_keys(PROP, map, &["Role", "Rules"])?;
    let rules = list(RULES, map.get("Rules"))?;
    if rules.is_empty() {
        return Err(ResourceError::invalid(RULES, "needs at least one rule"));
    }
    ReplicationConfiguration::builder()
        .role(required_string(
            "ReplicationConfiguration.Role",
            map.get("Role"),
        )?)
        .set_rules(Some(rules.iter().map(rule).collect::<Result<_>>()?))
        .build()
        .map_err(|e| ResourceError::invalid(PROP, e))
}

/// `Enabled` / `Disabled` (the spellings every status of a rule takes) at `prop`.
fn status(prop: &str, v: Option<&Value>) -> Result<String> {
    let s = required_string(prop, v)?;
    if s != "Enabled" && s != "Disabled" {
        return Err(ResourceError::invalid(
            prop,
            format!("`{s}` is not Enabled or Disabled"),
        ));
    }
    Ok(s)
}

/// The `Status` of an object like `{Status: Enabled}` at `prop`.
fn status_of(prop: &str, v: &Value) -> Result<String> {
    let m = object(prop, v)?;
    only_keys(prop, m, &["Status"])?;
    status(&format!("{prop}.Status"), m.get("Status"))
}

fn rule(value: &Value) -> Result<ReplicationRule> {
    let r = object(RULES, value)?;
    only_keys(
        RULES,
        r,
        &[
            "DeleteMarkerReplication",
            "Destination",
            "Filter",
            "Id",
            "Prefix",
            "Priority",
            "SourceSelectionCriteria",
            "Status",
        ],
    )?;
    let mut b = ReplicationRule::builder()
        .set_id(string("Rules.Id", r.get("Id"))?)
        .set_priority(int("Rules.Priority", r.get("Priority"))?)
        .status(ReplicationRuleStatus::from(
            status("Rules.Status", r.get("Status"))?.as_str(),
        ))
        .destination(destination(r.get("Destination").ok_or_else(|| {
            ResourceError::invalid("Rules.Destination", "is required")
        })?)?);
    match (r.get("Filter"), string("Rules.Prefix", r.get("Prefix"))?) {
        (Some(_), Some(_)) => {
            return Err(ResourceError::invalid(
                RULES,
                "a rule takes a Filter or a Prefix, not both",
            ));
        }
        (Some(f), None) => {
            let marker = match r.get("DeleteMarkerReplication") {
                Some(v) => status_of("Rules.DeleteMarkerReplication", v)?,
                None => "Disabled".to_owned(),
            };
            b = b.filter(filter(f)?).delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::from(marker.as_str()))
                    .build(),
            );
        }
        (None, prefix) => {
            if r.contains_key("DeleteMarkerReplication") {
                return Err(ResourceError::invalid(
                    "Rules.DeleteMarkerReplication",
                    "needs a Filter in the rule (S3 refuses it with a Prefix-only rule)",
                ));
            }
            // The first form, deprecated by S3 but what a template without a Filter means.
            #[allow(deprecated)]
            {
                b = b.prefix(prefix.unwrap_or_default());
            }
        }
    }
    if let Some(c) = r.get("SourceSelectionCriteria") {
        b = b.source_selection_criteria(criteria(c)?);
    }
    b.build().map_err(|e| ResourceError::invalid(RULES, e))
}

fn filter(value: &Value) -> Result<ReplicationRuleFilter> {
    const P: &str = "Rules.Filter";
    let f = object(P, value)?;
    only_keys(P, f, &["And", "Prefix", "TagFilter"])?;
    if f.len() > 1 {
        return Err(ResourceError::invalid(
            P,
            "takes one of And, Prefix or TagFilter",
        ));
    }
    let and = match f.get("And") {
        Some(a) => {
            let a = object("Rules.Filter.And", a)?;
            only_keys("Rules.Filter.And", a, &["Prefix", "TagFilters"])?;
            Some(
                ReplicationRuleAndOperator::builder()
                    .set_prefix(string("Filter.And.Prefix", a.get("Prefix"))?)
                    .set_tags(Some(tags("Filter.And.TagFilters", a.get("TagFilters"))?))
                    .build(),
            )
        }
        None => None,
    };
    Ok(ReplicationRuleFilter::builder()
        .set_prefix(string("Filter.Prefix", f.get("Prefix"))?)
        .set_tag(match f.get("TagFilter") {
            Some(t) => Some(tag("Filter.TagFilter", t)?),
            None => None,
        })
        .set_and(and)
        .build())
}

fn destination(value: &Value) -> Result<Destination> {
    const P: &str = "Rules.Destination";
    let d = object(P, value)?;
    only_keys(
        P,
        d,
        &[
            "AccessControlTranslation",
            "Account",
            "Bucket",
            "EncryptionConfiguration",
            "Metrics",
            "ReplicationTime",
            "StorageClass",
        ],
    )?;
    let invalid = |e| ResourceError::invalid(P, e);
    let minutes = |prop: &str, v: Option<&Value>| -> Result<ReplicationTimeValue> {
        let m = object(prop, v.unwrap_or(&Value::Null))?;
        only_keys(prop, m, &["Minutes"])?;
        Ok(ReplicationTimeValue::builder()
            .minutes(required_int(&format!("{prop}.Minutes"), m.get("Minutes"))?)
            .build())
    };
    let mut b = Destination::builder()
        .bucket(required_string("Destination.Bucket", d.get("Bucket"))?)
        .set_account(string("Destination.Account", d.get("Account"))?)
        .set_storage_class(
            string("Destination.StorageClass", d.get("StorageClass"))?
                .map(|c| StorageClass::from(c.as_str())),
        );
    if let Some(t) = d.get("AccessControlTranslation") {
        let t = object("Destination.AccessControlTranslation", t)?;
        only_keys("Destination.AccessControlTranslation", t, &["Owner"])?;
        let owner = required_string("AccessControlTranslation.Owner", t.get("Owner"))?;
        b = b.access_control_translation(
            AccessControlTranslation::builder()
                .owner(OwnerOverride::from(owner.as_str()))
                .build()
                .map_err(invalid)?,
        );
    }
    if let Some(e) = d.get("EncryptionConfiguration") {
        let e = object("Destination.EncryptionConfiguration", e)?;
        only_keys(
            "Destination.EncryptionConfiguration",
            e,
            &["ReplicaKmsKeyID"],
        )?;
        b = b.encryption_configuration(
            EncryptionConfiguration::builder()
                .set_replica_kms_key_id(string("ReplicaKmsKeyID", e.get("ReplicaKmsKeyID"))?)
                .build(),
        );
    }
    if let Some(m) = d.get("Metrics") {
        let m = object("Destination.Metrics", m)?;
        only_keys("Destination.Metrics", m, &["EventThreshold", "Status"])?;
        let threshold = match m.get("EventThreshold") {
            Some(t) => Some(minutes("Metrics.EventThreshold", Some(t))?),
            None => None,
        };
        b = b.metrics(
            Metrics::builder()
                .status(MetricsStatus::from(
                    status("Metrics.Status", m.get("Status"))?.as_str(),
                ))
                .set_event_threshold(threshold)
                .build()
                .map_err(invalid)?,
        );
    }
    if let Some(t) = d.get("ReplicationTime") {
        let t = object("Destination.ReplicationTime", t)?;
        only_keys("Destination.ReplicationTime", t, &["Status", "Time"])?;
        b = b.replication_time(
            ReplicationTime::builder()
                .status(ReplicationTimeStatus::from(
                    status("ReplicationTime.Status", t.get("Status"))?.as_str(),
                ))
                .time(minutes("ReplicationTime.Time", t.get("Time"))?)
                .build()
                .map_err(invalid)?,
        );
    }
    b.build().map_err(invalid)
}

fn criteria(value: &Value) -> Result<SourceSelectionCriteria> {
    const P: &str = "Rules.SourceSelectionCriteria";
    let c = object(P, value)?;
    only_keys(P, c, &["ReplicaModifications", "SseKmsEncryptedObjects"])?;
    let invalid = |e| ResourceError::invalid(P, e);
    let replica = match c.get("ReplicaModifications") {
        Some(v) => Some(
            ReplicaModifications::builder()
                .status(ReplicaModificationsStatus::from(
                    status_of("ReplicaModifications", v)?.as_str(),
                ))
                .build()
                .map_err(invalid)?,
        ),
        None => None,
    };
    let kms = match c.get("SseKmsEncryptedObjects") {
        Some(v) => Some(
            SseKmsEncryptedObjects::builder()
                .status(SseKmsEncryptedObjectsStatus::from(
                    status_of("SseKmsEncryptedObjects", v)?.as_str(),
                ))
                .build()
                .map_err(invalid)?,
        ),
        None => None,
    };
    Ok(SourceSelectionCriteria::builder()
        .set_replica_modifications(replica)
        .set_sse_kms_encrypted_objects(kms)
        .build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_replication()
        .bucket(bucket)
        .replication_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketReplication"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = match s3.get_bucket_replication().bucket(bucket).send().await {
        Ok(out) => out,
        Err(e) if e.code() == Some("ReplicationConfigurationNotFoundError") => return Ok(None),
        Err(e) => return Err(aws("s3:GetBucketReplication")(e)),
    };
    let Some(c) = out.replication_configuration() else {
        return Ok(None);
    };
    let wanted: &[Value] = desired
        .get("Rules")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    // Pair each live rule with the template rule it stands for: same Id, else same position.
    let mut rules: Vec<(usize, Value)> = c
        .rules()
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let by_id = rule.id().and_then(|id| {
                wanted
                    .iter()
                    .position(|w| w.get("Id").and_then(Value::as_str) == Some(id))
            });
            let at = by_id.or((i < wanted.len()).then_some(i));
            let template = at.and_then(|p| wanted[p].as_object());
            (at.unwrap_or(usize::MAX), live_rule(rule, template))
        })
        .collect();
    rules.sort_by_key(|(at, _)| *at);
    let rules: Vec<Value> = rules.into_iter().map(|(_, r)| r).collect();
    Ok(Some(json!({"Role": c.role(), "Rules": rules})))
}

/// A live rule in template shape. What S3 fills in where the template says nothing (a generated
/// Id, a priority, the empty prefix or filter, delete markers not replicated) is left out then.
fn live_rule(rule: &ReplicationRule, template: Option<&Map<String, Value>>) -> Value {
    let says = |k: &str| template.is_some_and(|t| t.contains_key(k));
    let mut out = Map::new();
    if let Some(id) = rule.id().filter(|_| says("Id")) {
        out.insert("Id".into(), json!(id));
    }
    if let Some(p) = rule.priority().filter(|_| says("Priority")) {
        out.insert("Priority".into(), json!(p));
    }
    #[allow(deprecated)] // a rule in the first form
    let prefix = rule.prefix();
    if let Some(p) = prefix.filter(|p| !p.is_empty() || says("Prefix")) {
        out.insert("Prefix".into(), json!(p));
    }
    if let Some(f) = rule.filter() {
        let mut filter = Map::new();
        if let Some(p) = f.prefix() {
            filter.insert("Prefix".into(), json!(p));
        }
        if let Some(t) = f.tag() {
            filter.insert("TagFilter".into(), tag_value(t));
        }
        if let Some(a) = f.and() {
            let mut and = Map::new();
            if let Some(p) = a.prefix() {
                and.insert("Prefix".into(), json!(p));
            }
            let tags: Vec<Value> = a.tags().iter().map(tag_value).collect();
            and.insert("TagFilters".into(), json!(tags));
            filter.insert("And".into(), Value::Object(and));
        }
        let everything =
            filter.is_empty() || (filter.len() == 1 && filter.get("Prefix") == Some(&json!("")));
        if !everything || says("Filter") {
            out.insert("Filter".into(), Value::Object(filter));
        }
    }
    out.insert("Status".into(), json!(rule.status().as_str()));
    if let Some(d) = rule.destination() {
        out.insert("Destination".into(), live_destination(d));
    }
    if let Some(m) = rule.delete_marker_replication() {
        let status = m.status().map_or("Disabled", |s| s.as_str());
        if status != "Disabled" || says("DeleteMarkerReplication") {
            out.insert("DeleteMarkerReplication".into(), json!({"Status": status}));
        }
    }
    if let Some(c) = rule.source_selection_criteria() {
        let mut criteria = Map::new();
        if let Some(r) = c.replica_modifications() {
            criteria.insert(
                "ReplicaModifications".into(),
                json!({"Status": r.status().as_str()}),
            );
        }
        if let Some(k) = c.sse_kms_encrypted_objects() {
            criteria.insert(
                "SseKmsEncryptedObjects".into(),
                json!({"Status": k.status().as_str()}),
            );
        }
        if !criteria.is_empty() || says("SourceSelectionCriteria") {
            out.insert("SourceSelectionCriteria".into(), Value::Object(criteria));
        }
    }
    Value::Object(out)
}

fn live_destination(d: &Destination) -> Value {
    let mut out = Map::new();
    out.insert("Bucket".into(), json!(d.bucket()));
    if let Some(a) = d.account() {
        out.insert("Account".into(), json!(a));
    }
    if let Some(c) = d.storage_class() {
        out.insert("StorageClass".into(), json!(c.as_str()));
    }
    if let Some(t) = d.access_control_translation() {
        out.insert(
            "AccessControlTranslation".into(),
            json!({"Owner": t.owner().as_str()}),
        );
    }
    if let Some(k) = d
        .encryption_configuration()
        .and_then(|e| e.replica_kms_key_id())
    {
        out.insert(
            "EncryptionConfiguration".into(),
            json!({"ReplicaKmsKeyID": k}),
        );
    }
    if let Some(m) = d.metrics() {
        let mut metrics = Map::new();
        metrics.insert("Status".into(), json!(m.status().as_str()));
        if let Some(t) = m.event_threshold().and_then(|t| t.minutes()) {
            metrics.insert("EventThreshold".into(), json!({"Minutes": t}));
        }
        out.insert("Metrics".into(), Value::Object(metrics));
    }
    if let Some(t) = d.replication_time() {
        let mut time = Map::new();
        time.insert("Status".into(), json!(t.status().as_str()));
        if let Some(m) = t.time().and_then(|t| t.minutes()) {
            time.insert("Time".into(), json!({"Minutes": m}));
        }
        out.insert("ReplicationTime".into(), Value::Object(time));
    }
    Value::Object(out)
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_bucket_replication()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketReplication"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(deprecated)]
    fn rules_take_the_form_s3_expects() {
        let v2 = json!({"Role": "arn:aws:iam::1:role/r", "Rules": [{"Id": "all", "Priority": 1,
            "Status": "Enabled", "Filter": {"And": {"Prefix": "logs/",
                "TagFilters": [{"Key": "k", "Value": "v"}]}},
            "Destination": {"Bucket": "arn:aws:s3:::dst", "StorageClass": "STANDARD_IA",
                "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}}}]});
        let c = config(&v2).unwrap();
        let rule = &c.rules()[0];
        assert_eq!(rule.priority(), Some(1));
        assert_eq!(
            rule.delete_marker_replication().unwrap().status(),
            Some(&DeleteMarkerReplicationStatus::Disabled)
        );
        assert_eq!(rule.filter().unwrap().and().unwrap().tags().len(), 1);
        let v1 = json!({"Role": "r", "Rules": [{"Status": "Enabled",
            "Destination": {"Bucket": "arn:aws:s3:::dst"}}]});
        assert_eq!(config(&v1).unwrap().rules()[0].prefix(), Some(""));
        for bad in [
            json!({"Role": "r", "Rules": []}),
            json!({"Role": "r", "Rules": [{"Status": "On", "Destination": {"Bucket": "b"}}]}),
            json!({"Role": "r", "Rules": [{"Status": "Enabled"}]}),
            json!({"Role": "r", "Rules": [{"Status": "Enabled", "Prefix": "a", "Filter": {},
                "Destination": {"Bucket": "b"}}]}),
            json!({"Role": "r", "Rules": [{"Status": "Enabled", "Destination": {"Bucket": "b"},
                "DeleteMarkerReplication": {"Status": "Enabled"}}]}),
            json!({"Rules": [{"Status": "Enabled", "Destination": {"Bucket": "b"}}]}),
        ] {
            assert!(config(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_s3_fills_in_reads_back_only_where_the_template_says_it() {
        let rule = ReplicationRule::builder()
            .id("generated")
            .priority(1)
            .filter(ReplicationRuleFilter::builder().prefix("").build())
            .status(ReplicationRuleStatus::Enabled)
            .delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::Disabled)
                    .build(),
            )
            .destination(
                Destination::builder()
                    .bucket("arn:aws:s3:::d")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let bare = json!({"Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::d"}});
        assert_eq!(live_rule(&rule, bare.as_object()), bare);
        let full = json!({"Id": "generated", "Priority": 1, "Filter": {"Prefix": ""},
            "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::d"},
            "DeleteMarkerReplication": {"Status": "Disabled"}});
        assert_eq!(live_rule(&rule, full.as_object()), full);
    }
}
