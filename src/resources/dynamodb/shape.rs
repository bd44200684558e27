//! The table's nested properties, both ways: template JSON to SDK types for the calls, and
//! described values back to template JSON for `read` (in the template's order and spelling
//! wherever AWS returns the same thing differently ordered).

pub use crate::resources::property::value::boolean;
use crate::resources::{ResourceError, Result, compare, text};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndex, GlobalSecondaryIndexDescription, KeySchemaElement,
    KeyType, LocalSecondaryIndex, LocalSecondaryIndexDescription, Projection, ProjectionType,
    ProvisionedThroughput, ScalarAttributeType, SseSpecification, SseType, StreamSpecification,
    StreamViewType,
};
use serde_json::{Map, Value, json};

fn field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(text)
}

fn list<'a>(v: Option<&'a Value>, property: &str) -> Result<&'a [Value]> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ResourceError::invalid(property, "expected a list")),
    }
}

fn built<T>(property: &str, r: std::result::Result<T, impl std::fmt::Display>) -> Result<T> {
    r.map_err(|e| ResourceError::invalid(property, e))
}

fn long(v: &Value, key: &str, property: &str) -> Result<i64> {
    field(v, key)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ResourceError::invalid(property, format!("{key} must be an integer")))
}

pub fn key_schema(v: Option<&Value>, property: &str) -> Result<Vec<KeySchemaElement>> {
    list(v, property)?
        .iter()
        .map(|k| {
            built(
                property,
                KeySchemaElement::builder()
                    .set_attribute_name(field(k, "AttributeName"))
                    .set_key_type(field(k, "KeyType").map(|t| KeyType::from(t.as_str())))
                    .build(),
            )
        })
        .collect()
}

pub fn attribute_definitions(v: Option<&Value>) -> Result<Vec<AttributeDefinition>> {
    const P: &str = "AttributeDefinitions";
    list(v, P)?
        .iter()
        .map(|a| {
            built(
                P,
                AttributeDefinition::builder()
                    .set_attribute_name(field(a, "AttributeName"))
                    .set_attribute_type(
                        field(a, "AttributeType").map(|t| ScalarAttributeType::from(t.as_str())),
                    )
                    .build(),
            )
        })
        .collect()
}

pub fn throughput(v: &Value, property: &str) -> Result<ProvisionedThroughput> {
    built(
        property,
        ProvisionedThroughput::builder()
            .read_capacity_units(long(v, "ReadCapacityUnits", property)?)
            .write_capacity_units(long(v, "WriteCapacityUnits", property)?)
            .build(),
    )
}

pub fn projection(v: Option<&Value>) -> Projection {
    let v = v.cloned().unwrap_or(Value::Null);
    let non_key: Option<Vec<String>> = v
        .get("NonKeyAttributes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(text).collect());
    Projection::builder()
        .set_projection_type(field(&v, "ProjectionType").map(|t| ProjectionType::from(t.as_str())))
        .set_non_key_attributes(non_key)
        .build()
}

pub fn global_indexes(v: Option<&Value>) -> Result<Vec<GlobalSecondaryIndex>> {
    const P: &str = "GlobalSecondaryIndexes";
    list(v, P)?.iter().map(global_index).collect()
}

/// What fuelflow sends and reads back for an index; anything else (ContributorInsightsSpecification,
/// OnDemandThroughput, ...) is refused rather than dropped, which would show as drift forever.
const GLOBAL_INDEX_KEYS: &[&str] = &[
    "IndexName",
    "KeySchema",
    "Projection",
    "ProvisionedThroughput",
];

pub fn global_index(i: &Value) -> Result<GlobalSecondaryIndex> {
    const P: &str = "GlobalSecondaryIndexes";
    let keys = i.as_object().into_iter().flat_map(|o| o.keys());
    if let Some(key) = keys
        .into_iter()
        .find(|k| !GLOBAL_INDEX_KEYS.contains(&k.as_str()))
    {
        return Err(ResourceError::invalid(
            P,
            format!(
                "`{key}` in an index is not supported by fuelflow yet (supported: {})",
                GLOBAL_INDEX_KEYS.join(", ")
            ),
        ));
    }
    let throughput = match i.get("ProvisionedThroughput") {
        Some(t) => Some(throughput(t, P)?),
        None => None,
    };
    built(
        P,
        GlobalSecondaryIndex::builder()
            .set_index_name(field(i, "IndexName"))
            .set_key_schema(Some(key_schema(i.get("KeySchema"), P)?))
            .projection(projection(i.get("Projection")))
            .set_provisioned_throughput(throughput)
            .build(),
    )
}

pub fn local_indexes(v: Option<&Value>) -> Result<Vec<LocalSecondaryIndex>> {
    const P: &str = "LocalSecondaryIndexes";
    list(v, P)?
        .iter()
        .map(|i| {
            built(
                P,
                LocalSecondaryIndex::builder()
                    .set_index_name(field(i, "IndexName"))
                    .set_key_schema(Some(key_schema(i.get("KeySchema"), P)?))
                    .projection(projection(i.get("Projection")))
                    .build(),
            )
        })
        .collect()
}

/// `SSESpecification`; an absent one means encryption with the AWS owned key (the default).
pub fn sse(v: Option<&Value>) -> Result<SseSpecification> {
    const P: &str = "SSESpecification";
    let v = v.cloned().unwrap_or(Value::Null);
    Ok(SseSpecification::builder()
        .set_enabled(Some(boolean(v.get("SSEEnabled"), P)?.unwrap_or(false)))
        .set_sse_type(field(&v, "SSEType").map(|t| SseType::from(t.as_str())))
        .set_kms_master_key_id(field(&v, "KMSMasterKeyId"))
        .build())
}

/// `StreamSpecification`; an absent one means no stream.
pub fn stream(v: Option<&Value>) -> Result<StreamSpecification> {
    let view = v.and_then(|v| field(v, "StreamViewType"));
    built(
        "StreamSpecification",
        StreamSpecification::builder()
            .stream_enabled(view.is_some())
            .set_stream_view_type(view.map(|t| StreamViewType::from(t.as_str())))
            .build(),
    )
}

// ---- described values back to template JSON ----

pub fn key_schema_json(keys: &[KeySchemaElement]) -> Value {
    keys.iter()
        .map(|k| json!({"AttributeName": k.attribute_name(), "KeyType": k.key_type().as_str()}))
        .collect()
}

pub fn attribute_definitions_json(defs: &[AttributeDefinition], desired: Option<&Value>) -> Value {
    let live: Vec<Value> = defs
        .iter()
        .map(|a| json!({"AttributeName": a.attribute_name(), "AttributeType": a.attribute_type().as_str()}))
        .collect();
    in_desired_order(desired, live, |v| field(v, "AttributeName"))
}

pub fn throughput_json(read: Option<i64>, write: Option<i64>) -> Value {
    json!({"ReadCapacityUnits": read.unwrap_or(0), "WriteCapacityUnits": write.unwrap_or(0)})
}

fn projection_json(p: Option<&Projection>, desired: Option<&Value>) -> Value {
    let mut out = Map::new();
    let Some(p) = p else {
        return Value::Object(out);
    };
    if let Some(t) = p.projection_type() {
        out.insert("ProjectionType".into(), json!(t.as_str()));
    }
    if !p.non_key_attributes().is_empty() {
        let live = json!(p.non_key_attributes());
        let wanted = desired.and_then(|d| d.get("NonKeyAttributes"));
        let same = wanted.is_some_and(|w| same_strings(w, &live));
        out.insert(
            "NonKeyAttributes".into(),
            if same { wanted.cloned().unwrap() } else { live },
        );
    }
    Value::Object(out)
}

pub fn global_indexes_json(
    live: &[GlobalSecondaryIndexDescription],
    desired: Option<&Value>,
) -> Value {
    let items = live
        .iter()
        .map(|i| {
            let name = i.index_name().unwrap_or_default();
            let want = desired_index(desired, name);
            let mut out = Map::new();
            out.insert("IndexName".into(), json!(name));
            out.insert("KeySchema".into(), key_schema_json(i.key_schema()));
            out.insert(
                "Projection".into(),
                projection_json(i.projection(), want.and_then(|w| w.get("Projection"))),
            );
            if want.is_some_and(|w| w.get("ProvisionedThroughput").is_some()) {
                let t = i.provisioned_throughput();
                out.insert(
                    "ProvisionedThroughput".into(),
                    throughput_json(
                        t.and_then(|t| t.read_capacity_units()),
                        t.and_then(|t| t.write_capacity_units()),
                    ),
                );
            }
            Value::Object(out)
        })
        .collect();
    in_desired_order(desired, items, |v| field(v, "IndexName"))
}

pub fn local_indexes_json(
    live: &[LocalSecondaryIndexDescription],
    desired: Option<&Value>,
) -> Value {
    let items = live
        .iter()
        .map(|i| {
            let name = i.index_name().unwrap_or_default();
            let want = desired_index(desired, name);
            json!({
                "IndexName": name,
                "KeySchema": key_schema_json(i.key_schema()),
                "Projection": projection_json(i.projection(), want.and_then(|w| w.get("Projection"))),
            })
        })
        .collect();
    in_desired_order(desired, items, |v| field(v, "IndexName"))
}

fn desired_index<'a>(desired: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    desired?
        .as_array()?
        .iter()
        .find(|d| field(d, "IndexName").as_deref() == Some(name))
}

/// `live` reordered to follow the desired list (matched by `key`); unmatched items go last.
fn in_desired_order(
    desired: Option<&Value>,
    mut live: Vec<Value>,
    key: impl Fn(&Value) -> Option<String>,
) -> Value {
    let mut out = Vec::new();
    for want in desired.and_then(Value::as_array).into_iter().flatten() {
        if let Some(i) = live
            .iter()
            .position(|l| key(l).is_some() && key(l) == key(want))
        {
            out.push(live.remove(i));
        }
    }
    out.extend(live);
    Value::Array(out)
}

fn same_strings(a: &Value, b: &Value) -> bool {
    let sorted = |v: &Value| {
        let mut items: Vec<String> = v
            .as_array()
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default();
        items.sort();
        items
    };
    sorted(a) == sorted(b)
}

/// Whether two index definitions (template shape) describe the same index structure.
pub fn same_index_structure(a: &Value, b: &Value) -> bool {
    let structure = |v: &Value| {
        let mut p = v.get("Projection").cloned().unwrap_or(json!({}));
        if let Some(Value::Array(attrs)) = p.get_mut("NonKeyAttributes") {
            attrs.sort_by_key(|a| a.to_string());
        }
        (v.get("KeySchema").cloned(), p)
    };
    let (ka, pa) = structure(a);
    let (kb, pb) = structure(b);
    compare::equivalent(&ka.unwrap_or(Value::Null), &kb.unwrap_or(Value::Null))
        && compare::equivalent(&pa, &pb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_settings_fuelflow_cannot_read_back_are_refused() {
        let index = json!({
            "IndexName": "byUser",
            "KeySchema": [{"AttributeName": "u", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ContributorInsightsSpecification": {"Enabled": true}
        });
        let err = global_index(&index).unwrap_err().to_string();
        assert!(err.contains("ContributorInsightsSpecification"), "{err}");
        let mut plain = index;
        plain
            .as_object_mut()
            .unwrap()
            .remove("ContributorInsightsSpecification");
        assert!(global_index(&plain).is_ok());
    }
}
