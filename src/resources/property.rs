//! Small readers for template property values, shared by the compute, API and observability
//! handlers (templates pass numbers and booleans either as JSON values or as text).

use crate::resources::{Props, ResourceError, Result, compare, text};
use serde_json::{Map, Value};

/// Keys the engine adds for the handler's use (`fuelflow:TemplateDir`); never sent to AWS.
pub const RESERVED_PREFIX: &str = "fuelflow:";

/// The props without the engine's reserved `fuelflow:` keys.
pub fn without_reserved(props: &Props) -> Props {
    props
        .iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub fn string(props: &Props, key: &str) -> Option<String> {
    props.get(key).and_then(text)
}

pub fn required(props: &Props, key: &str) -> Result<String> {
    string(props, key).ok_or_else(|| ResourceError::invalid(key, "is required"))
}

pub fn int(props: &Props, key: &str) -> Result<Option<i32>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => text(v)
            .and_then(|t| t.parse::<i32>().ok())
            .map(Some)
            .ok_or_else(|| ResourceError::invalid(key, "must be an integer")),
    }
}

pub fn float(props: &Props, key: &str) -> Result<Option<f64>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => text(v)
            .and_then(|t| t.parse::<f64>().ok())
            .map(Some)
            .ok_or_else(|| ResourceError::invalid(key, "must be a number")),
    }
}

pub fn boolean(props: &Props, key: &str) -> Result<Option<bool>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match text(v).as_deref() {
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            _ => Err(ResourceError::invalid(key, "must be true or false")),
        },
    }
}

/// A list of scalars as text (an absent key is an empty list).
pub fn strings(props: &Props, key: &str) -> Result<Vec<String>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                text(i).ok_or_else(|| ResourceError::invalid(key, "must be a list of strings"))
            })
            .collect(),
        Some(_) => Err(ResourceError::invalid(key, "must be a list")),
    }
}

pub fn object<'p>(props: &'p Props, key: &str) -> Result<Option<&'p Map<String, Value>>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(ResourceError::invalid(key, "must be an object")),
    }
}

/// A `{name: value}` object as text pairs.
pub fn string_map(props: &Props, key: &str) -> Result<Vec<(String, String)>> {
    Ok(object(props, key)?
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
                .collect()
        })
        .unwrap_or_default())
}

/// Whether a property differs between two prop sets (absent and absent are the same).
pub fn changed(old: &Props, new: &Props, key: &str) -> bool {
    match (old.get(key), new.get(key)) {
        (None, None) => false,
        (Some(a), Some(b)) => !compare::equivalent(b, a),
        _ => true,
    }
}

pub fn any_changed(old: &Props, new: &Props, keys: &[&str]) -> bool {
    keys.iter().any(|k| changed(old, new, k))
}

/// A JSON document property (a policy, a schema) as the text AWS takes: strings pass through,
/// objects are serialized.
pub fn document(props: &Props, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A document read back from AWS, in the shape the template wrote it: parsed when the template
/// gave an object, left as text when it gave text.
pub fn document_like(live: &str, desired: Option<&Value>) -> Value {
    match desired {
        Some(Value::String(_)) | None => match serde_json::from_str::<Value>(live) {
            Ok(parsed) if matches!(desired, Some(Value::String(d)) if serde_json::from_str::<Value>(d).ok().as_ref() == Some(&parsed)) => {
                desired.cloned().unwrap_or(Value::Null)
            }
            _ => Value::String(live.to_string()),
        },
        Some(_) => serde_json::from_str(live).unwrap_or_else(|_| Value::String(live.into())),
    }
}

/// A float as JSON, written as an integer when it is whole (80.0 reads back as 80).
pub fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}

/// `live` cut down to the keys `desired` sets, recursively through objects and lists of the same
/// length, so defaults AWS fills in (a timeout, a log group name) do not look like drift.
pub fn shape_like(live: &Value, desired: &Value) -> Value {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => Value::Object(
            d.keys()
                .filter_map(|k| Some((k.clone(), shape_like(l.get(k)?, &d[k]))))
                .collect(),
        ),
        (Value::Array(l), Value::Array(d)) if l.len() == d.len() => {
            Value::Array(l.iter().zip(d).map(|(l, d)| shape_like(l, d)).collect())
        }
        _ => live.clone(),
    }
}

/// Template `Tags` changes: (keys to set with values, keys to remove); ownership tags untouched.
pub fn tag_changes(old: &Props, new: &Props) -> (Vec<(String, String)>, Vec<String>) {
    let old_tags = crate::resources::template_tags(old);
    let new_tags = crate::resources::template_tags(new);
    let set = new_tags
        .iter()
        .filter(|t| !t.0.starts_with(RESERVED_PREFIX) && !old_tags.contains(t))
        .cloned()
        .collect();
    let removed = old_tags
        .iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX) && !new_tags.iter().any(|(n, _)| n == k))
        .map(|(k, _)| k.clone())
        .collect();
    (set, removed)
}

/// Live tags in template shape, without `fuelflow:` and `aws:` tags, sorted by key.
pub fn tags_value<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    let mut tags: Vec<(&String, &String)> = tags
        .into_iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX) && !k.starts_with("aws:"))
        .collect();
    tags.sort();
    Value::Array(
        tags.into_iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// Whether a tag map carries this resource's ownership tags.
pub fn owned_by<'a>(
    ctx: &crate::resources::Ctx,
    tags: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> bool {
    let tags: Vec<_> = tags.into_iter().collect();
    ctx.ownership_tags()
        .iter()
        .all(|(k, v)| tags.iter().any(|(tk, tv)| *tk == k && *tv == v))
}

/// A short, stable hash of a value (for generated ids that must change when the value does).
pub fn short_hash(value: &Value) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(compare::canonical(value).to_string().as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shape_like_drops_defaults_the_template_does_not_set() {
        let live = json!({"LogFormat": "JSON", "LogGroup": "/aws/lambda/f", "ApplicationLogLevel": "INFO"});
        let desired = json!({"LogFormat": "JSON"});
        assert_eq!(shape_like(&live, &desired), json!({"LogFormat": "JSON"}));
    }

    #[test]
    fn whole_floats_read_back_as_integers() {
        assert_eq!(number(80.0), json!(80));
        assert_eq!(number(0.5), json!(0.5));
    }

    #[test]
    fn documents_keep_the_template_shape() {
        let text = r#"{"a": 1}"#;
        assert_eq!(document_like(r#"{"a":1}"#, Some(&json!(text))), json!(text));
        assert_eq!(
            document_like(r#"{"a":1}"#, Some(&json!({"a": 1}))),
            json!({"a": 1})
        );
    }
}
