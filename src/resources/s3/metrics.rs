//! `MetricsConfigurations`: CloudWatch request metrics per Id, for the whole bucket or a filter
//! (prefix, tags, access point). A change puts the configurations that differ and deletes those
//! the template no longer has. moto 5.2 has none of these operations.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{MetricsAndOperator, MetricsConfiguration, MetricsFilter};
use serde_json::{Map, Value, json};

use super::id_configs::{ids, in_template_order, tag_value, tags};
use super::value::{aws, list, object, only_keys, required_string, string};
use crate::resources::compare::equivalent;
use crate::resources::{ResourceError, Result};

const PROP: &str = "MetricsConfigurations";

pub(super) fn configs(value: &Value) -> Result<Vec<MetricsConfiguration>> {
    let items = list(PROP, Some(value))?;
    ids(PROP, items)?;
    items.iter().map(one).collect()
}

fn one(value: &Value) -> Result<MetricsConfiguration> {
    let c = object(PROP, value)?;
    only_keys(PROP, c, &["AccessPointArn", "Id", "Prefix", "TagFilters"])?;
    let prefix = string("MetricsConfigurations.Prefix", c.get("Prefix"))?;
    let access_point = string(
        "MetricsConfigurations.AccessPointArn",
        c.get("AccessPointArn"),
    )?;
    let mut tags = tags("MetricsConfigurations.TagFilters", c.get("TagFilters"))?;
    // S3 takes one condition as itself, several under `And`.
    let filter = match (prefix, access_point, tags.len()) {
        (None, None, 0) => None,
        (Some(p), None, 0) => Some(MetricsFilter::Prefix(p)),
        (None, Some(a), 0) => Some(MetricsFilter::AccessPointArn(a)),
        (None, None, 1) => tags.pop().map(MetricsFilter::Tag),
        (prefix, access_point, _) => Some(MetricsFilter::And(
            MetricsAndOperator::builder()
                .set_prefix(prefix)
                .set_access_point_arn(access_point)
                .set_tags((!tags.is_empty()).then_some(tags))
                .build(),
        )),
    };
    MetricsConfiguration::builder()
        .id(required_string("MetricsConfigurations.Id", c.get("Id"))?)
        .set_filter(filter)
        .build()
        .map_err(|e| ResourceError::invalid(PROP, e))
}

/// Puts what differs from `live` (none at create) and deletes the live Ids the template dropped.
pub(super) async fn put(
    s3: &Client,
    bucket: &str,
    value: &Value,
    live: Option<&Value>,
) -> Result<()> {
    let items = list(PROP, Some(value))?;
    let wanted = ids(PROP, items)?;
    let live_items = live
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (item, config) in items.iter().zip(configs(value)?) {
        let same = live_items
            .iter()
            .any(|l| l.get("Id") == item.get("Id") && equivalent(item, l));
        if !same {
            s3.put_bucket_metrics_configuration()
                .bucket(bucket)
                .id(config.id())
                .metrics_configuration(config)
                .send()
                .await
                .map_err(aws("s3:PutBucketMetricsConfiguration"))?;
        }
    }
    for id in live_items.iter().filter_map(|l| l.get("Id")?.as_str()) {
        if !wanted.iter().any(|w| w == id) {
            s3.delete_bucket_metrics_configuration()
                .bucket(bucket)
                .id(id)
                .send()
                .await
                .map_err(aws("s3:DeleteBucketMetricsConfiguration"))?;
        }
    }
    Ok(())
}

/// Every live configuration (`[]` for none), in the template's order.
pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let mut live = Vec::new();
    let mut token = None;
    loop {
        let out = s3
            .list_bucket_metrics_configurations()
            .bucket(bucket)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(aws("s3:ListBucketMetricsConfigurations"))?;
        live.extend(out.metrics_configuration_list().iter().map(shape));
        token = out.next_continuation_token().map(str::to_owned);
        if token.is_none() || out.is_truncated() != Some(true) {
            break;
        }
    }
    Ok(Some(json!(in_template_order(desired, live))))
}

fn shape(c: &MetricsConfiguration) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(c.id()));
    let (prefix, access_point, tags): (Option<&str>, Option<&str>, Vec<Value>) = match c.filter() {
        Some(MetricsFilter::Prefix(p)) => (Some(p), None, vec![]),
        Some(MetricsFilter::AccessPointArn(a)) => (None, Some(a), vec![]),
        Some(MetricsFilter::Tag(t)) => (None, None, vec![tag_value(t)]),
        Some(MetricsFilter::And(a)) => (
            a.prefix(),
            a.access_point_arn(),
            a.tags().iter().map(tag_value).collect(),
        ),
        _ => (None, None, vec![]),
    };
    if let Some(p) = prefix {
        out.insert("Prefix".into(), json!(p));
    }
    if let Some(a) = access_point {
        out.insert("AccessPointArn".into(), json!(a));
    }
    if !tags.is_empty() {
        out.insert("TagFilters".into(), json!(tags));
    }
    Value::Object(out)
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    let live = get(s3, bucket, &json!([])).await?.unwrap_or_default();
    put(s3, bucket, &json!([]), Some(&live)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_become_one_filter_and_read_back_flat() {
        let cases = [
            json!({"Id": "all"}),
            json!({"Id": "p", "Prefix": "logs/"}),
            json!({"Id": "t", "TagFilters": [{"Key": "k", "Value": "v"}]}),
            json!({"Id": "ap", "AccessPointArn": "arn:aws:s3:us-east-1:1:accesspoint/a"}),
            json!({"Id": "and", "Prefix": "x/", "TagFilters": [{"Key": "k", "Value": "v"}]}),
        ];
        let configs = configs(&json!(cases)).unwrap();
        assert!(configs[0].filter().is_none());
        assert!(matches!(
            configs[1].filter(),
            Some(MetricsFilter::Prefix(_))
        ));
        assert!(matches!(configs[2].filter(), Some(MetricsFilter::Tag(_))));
        assert!(matches!(configs[4].filter(), Some(MetricsFilter::And(_))));
        for (c, want) in configs.iter().zip(&cases) {
            assert_eq!(&shape(c), want);
        }
        assert!(super::configs(&json!([{"Prefix": "x"}])).is_err());
        assert!(super::configs(&json!([{"Id": "a"}, {"Id": "a"}])).is_err());
    }
}
