//! `IntelligentTieringConfigurations`: archive tiers per Id (each its own S3 configuration). A
//! change puts the configurations that differ and deletes those the template no longer has.
//! moto 5.2 has none of these operations (it answers them as other bucket calls).

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    IntelligentTieringAccessTier, IntelligentTieringAndOperator, IntelligentTieringConfiguration,
    IntelligentTieringFilter, IntelligentTieringStatus, Tiering,
};
use serde_json::{Map, Value, json};

use super::id_configs::{ids, in_template_order, tag_value, tags};
use super::value::{aws, list, object, only_keys, required_int, required_string, string};
use crate::resources::compare::equivalent;
use crate::resources::{ResourceError, Result};

const PROP: &str = "IntelligentTieringConfigurations";

pub(super) fn configs(value: &Value) -> Result<Vec<IntelligentTieringConfiguration>> {
    let items = list(PROP, Some(value))?;
    ids(PROP, items)?;
    items.iter().map(one).collect()
}

fn one(value: &Value) -> Result<IntelligentTieringConfiguration> {
    let c = object(PROP, value)?;
    only_keys(
        PROP,
        c,
        &["Id", "Prefix", "Status", "TagFilters", "Tierings"],
    )?;
    let status = required_string("IntelligentTieringConfigurations.Status", c.get("Status"))?;
    if status != "Enabled" && status != "Disabled" {
        return Err(ResourceError::invalid(
            "IntelligentTieringConfigurations.Status",
            format!("`{status}` is not Enabled or Disabled"),
        ));
    }
    let tierings = list(
        "IntelligentTieringConfigurations.Tierings",
        c.get("Tierings"),
    )?
    .iter()
    .map(|t| {
        const P: &str = "IntelligentTieringConfigurations.Tierings";
        let t = object(P, t)?;
        only_keys(P, t, &["AccessTier", "Days"])?;
        Tiering::builder()
            .access_tier(IntelligentTieringAccessTier::from(
                required_string("Tierings.AccessTier", t.get("AccessTier"))?.as_str(),
            ))
            .days(required_int("Tierings.Days", t.get("Days"))?)
            .build()
            .map_err(|e| ResourceError::invalid(P, e))
    })
    .collect::<Result<Vec<_>>>()?;
    if tierings.is_empty() {
        return Err(ResourceError::invalid(
            "IntelligentTieringConfigurations.Tierings",
            "needs at least one tier",
        ));
    }
    let prefix = string("IntelligentTieringConfigurations.Prefix", c.get("Prefix"))?;
    let tags = tags(
        "IntelligentTieringConfigurations.TagFilters",
        c.get("TagFilters"),
    )?;
    // S3 takes one condition as itself, several under `And`.
    let filter = match (prefix, tags.len()) {
        (None, 0) => None,
        (Some(p), 0) => Some(IntelligentTieringFilter::builder().prefix(p).build()),
        (None, 1) => Some(
            IntelligentTieringFilter::builder()
                .tag(tags[0].clone())
                .build(),
        ),
        (prefix, _) => Some(
            IntelligentTieringFilter::builder()
                .and(
                    IntelligentTieringAndOperator::builder()
                        .set_prefix(prefix)
                        .set_tags(Some(tags))
                        .build(),
                )
                .build(),
        ),
    };
    IntelligentTieringConfiguration::builder()
        .id(required_string(
            "IntelligentTieringConfigurations.Id",
            c.get("Id"),
        )?)
        .status(IntelligentTieringStatus::from(status.as_str()))
        .set_tierings(Some(tierings))
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
            s3.put_bucket_intelligent_tiering_configuration()
                .bucket(bucket)
                .id(config.id())
                .intelligent_tiering_configuration(config)
                .send()
                .await
                .map_err(aws("s3:PutBucketIntelligentTieringConfiguration"))?;
        }
    }
    for id in live_items.iter().filter_map(|l| l.get("Id")?.as_str()) {
        if !wanted.iter().any(|w| w == id) {
            delete(s3, bucket, id).await?;
        }
    }
    Ok(())
}

async fn delete(s3: &Client, bucket: &str, id: &str) -> Result<()> {
    s3.delete_bucket_intelligent_tiering_configuration()
        .bucket(bucket)
        .id(id)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketIntelligentTieringConfiguration"))?;
    Ok(())
}

/// Every live configuration (`[]` for none), in the template's order.
pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let mut live = Vec::new();
    let mut token = None;
    loop {
        let out = s3
            .list_bucket_intelligent_tiering_configurations()
            .bucket(bucket)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(aws("s3:ListBucketIntelligentTieringConfigurations"))?;
        live.extend(
            out.intelligent_tiering_configuration_list()
                .iter()
                .map(shape),
        );
        token = out.next_continuation_token().map(str::to_owned);
        if token.is_none() || out.is_truncated() != Some(true) {
            break;
        }
    }
    Ok(Some(json!(in_template_order(desired, live))))
}

fn shape(c: &IntelligentTieringConfiguration) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(c.id()));
    out.insert("Status".into(), json!(c.status().as_str()));
    let tierings: Vec<Value> = c
        .tierings()
        .iter()
        .map(|t| json!({"AccessTier": t.access_tier().as_str(), "Days": t.days()}))
        .collect();
    out.insert("Tierings".into(), json!(tierings));
    if let Some(f) = c.filter() {
        let prefix = f.prefix().or(f.and().and_then(|a| a.prefix()));
        if let Some(p) = prefix {
            out.insert("Prefix".into(), json!(p));
        }
        let mut tags: Vec<Value> = f.tag().map(tag_value).into_iter().collect();
        tags.extend(
            f.and()
                .map(|a| a.tags())
                .unwrap_or_default()
                .iter()
                .map(tag_value),
        );
        if !tags.is_empty() {
            out.insert("TagFilters".into(), json!(tags));
        }
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
        let v = json!([{"Id": "a", "Status": "Enabled",
            "Tierings": [{"AccessTier": "ARCHIVE_ACCESS", "Days": 90}],
            "Prefix": "p/", "TagFilters": [{"Key": "k", "Value": "v"}]}]);
        let c = &configs(&v).unwrap()[0];
        let and = c.filter().unwrap().and().unwrap();
        assert_eq!(and.prefix(), Some("p/"));
        assert_eq!(shape(c), v[0]);
        let only_prefix = json!([{"Id": "b", "Status": "Disabled", "Prefix": "x",
            "Tierings": [{"AccessTier": "DEEP_ARCHIVE_ACCESS", "Days": 180}]}]);
        let c = &configs(&only_prefix).unwrap()[0];
        assert_eq!(c.filter().unwrap().prefix(), Some("x"));
        assert_eq!(shape(c), only_prefix[0]);
        for bad in [
            json!([{"Id": "a", "Status": "Enabled", "Tierings": []}]),
            json!([{"Id": "a", "Status": "On", "Tierings": [{"AccessTier": "A", "Days": 1}]}]),
            json!([{"Status": "Enabled", "Tierings": [{"AccessTier": "A", "Days": 1}]}]),
            json!({"Id": "a"}),
        ] {
            assert!(configs(&bad).is_err(), "{bad}");
        }
    }
}
