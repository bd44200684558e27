//! What the per-Id configuration lists (intelligent tiering, metrics) and replication filters
//! share: `{Key, Value}` tag filters, and live lists put back in the template's order.

use aws_sdk_s3::types::Tag;
use serde_json::{Value, json};

use super::value::{list, object, only_keys, required_string};
use crate::resources::{ResourceError, Result};

/// A template's `TagFilters` (or any `{Key, Value}` list) as S3 tags.
pub(super) fn tags(prop: &str, v: Option<&Value>) -> Result<Vec<Tag>> {
    list(prop, v)?.iter().map(|t| tag(prop, t)).collect()
}

pub(super) fn tag(prop: &str, v: &Value) -> Result<Tag> {
    let t = object(prop, v)?;
    only_keys(prop, t, &["Key", "Value"])?;
    Tag::builder()
        .key(required_string("Key", t.get("Key"))?)
        .value(required_string("Value", t.get("Value"))?)
        .build()
        .map_err(|e| ResourceError::invalid(prop, e))
}

pub(super) fn tag_value(t: &Tag) -> Value {
    json!({"Key": t.key(), "Value": t.value()})
}

/// The `Id`s of a template list, refusing a list that names one twice (S3 keeps one per Id).
pub(super) fn ids(prop: &str, items: &[Value]) -> Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for item in items {
        let id = required_string(&format!("{prop}.Id"), object(prop, item)?.get("Id"))?;
        if ids.contains(&id) {
            return Err(ResourceError::invalid(
                prop,
                format!("Id `{id}` is used twice"),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Live items (each with an `Id`) in the order of the template's items with the same `Id`; the
/// others (made outside the template: drift) after them, by `Id`.
pub(super) fn in_template_order(desired: &Value, mut live: Vec<Value>) -> Vec<Value> {
    let wanted: Vec<&str> = desired
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("Id").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let key = |v: &Value| {
        let id = v.get("Id").and_then(Value::as_str).unwrap_or_default();
        let at = wanted.iter().position(|w| *w == id).unwrap_or(usize::MAX);
        (at, id.to_owned())
    };
    live.sort_by_key(key);
    live
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_items_follow_the_template_then_the_rest() {
        let desired = json!([{"Id": "b"}, {"Id": "a"}]);
        let live = vec![
            json!({"Id": "z"}),
            json!({"Id": "a"}),
            json!({"Id": "b"}),
            json!({"Id": "c"}),
        ];
        let ordered = in_template_order(&desired, live);
        let ids: Vec<&str> = ordered.iter().map(|v| v["Id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["b", "a", "c", "z"]);
        assert!(super::ids("P", &[json!({"Id": "x"}), json!({"Id": "x"})]).is_err());
        assert!(tags("P", Some(&json!([{"Key": "k"}]))).is_err());
    }
}
