//! The property toolkit every handler uses: one reader per kind of value with CloudFormation's
//! meaning everywhere (booleans and numbers may be given as text), the one tag diff (which never
//! touches `fuelflow:` tags), JSON documents, and the mapping of SDK errors to
//! [`ResourceError`].

use crate::resources::{Props, ResourceError, Result, compare};
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

/// A scalar as text (numbers and booleans as CloudFormation passes them on).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar property as text (`None` when absent or not a scalar).
pub fn string(props: &Props, key: &str) -> Option<String> {
    props.get(key).and_then(text)
}

pub fn required(props: &Props, key: &str) -> Result<String> {
    string(props, key).ok_or_else(|| ResourceError::invalid(key, "is required"))
}

/// An integer property: a JSON number or its text (`"20"`), as CloudFormation accepts both.
pub fn integer<T: TryFrom<i64>>(props: &Props, key: &str) -> Result<Option<T>> {
    value::integer(props.get(key), key)
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

/// A boolean property: `true`/`false` or their text in any case (`"True"`), as CloudFormation
/// accepts them.
pub fn boolean(props: &Props, key: &str) -> Result<Option<bool>> {
    value::boolean(props.get(key), key)
}

/// The same readers for a value nested inside a property (`property` names it in errors).
pub mod value {
    use super::text;
    use crate::resources::{ResourceError, Result};
    use serde_json::Value;

    pub fn boolean(v: Option<&Value>, property: &str) -> Result<Option<bool>> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ResourceError::invalid(property, "must be true or false")),
        }
    }

    pub fn integer<T: TryFrom<i64>>(v: Option<&Value>, property: &str) -> Result<Option<T>> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let n = text(v)
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| ResourceError::invalid(property, "must be an integer"))?;
        T::try_from(n)
            .map(Some)
            .map_err(|_| ResourceError::invalid(property, format!("{n} is out of range")))
    }

    /// A scalar as text; any other value is an error.
    pub fn string(v: Option<&Value>, property: &str) -> Result<Option<String>> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => text(v)
                .map(Some)
                .ok_or_else(|| ResourceError::invalid(property, "must be a string")),
        }
    }

    /// A list of scalars as text (absent is empty).
    pub fn strings(v: Option<&Value>, property: &str) -> Result<Vec<String>> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    text(i).ok_or_else(|| {
                        ResourceError::invalid(property, "must be a list of strings")
                    })
                })
                .collect(),
            Some(_) => Err(ResourceError::invalid(property, "must be a list")),
        }
    }
}

/// A list of scalars as text (an absent key is an empty list).
pub fn strings(props: &Props, key: &str) -> Result<Vec<String>> {
    value::strings(props.get(key), key)
}

/// A list of scalars as text, `None` when the template leaves it out (so nothing is sent).
pub fn strings_if_set(props: &Props, key: &str) -> Result<Option<Vec<String>>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => strings(props, key).map(Some),
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

/// The `Tags` property as (key, value) pairs (empty when absent).
pub fn template_tags(props: &Props) -> Vec<(String, String)> {
    props
        .get("Tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| Some((text(t.get("Key")?)?, text(t.get("Value")?)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Template `Tags` changes: (keys to set with values, keys to remove); ownership tags untouched.
pub fn tag_changes(old: &Props, new: &Props) -> (Vec<(String, String)>, Vec<String>) {
    let old_tags = template_tags(old);
    let new_tags = template_tags(new);
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

/// An SDK error as handlers report it: the AWS code and message, retryable when the SDK
/// classifies it so (throttling, transient, server errors; its generated `ProvideErrorKind`),
/// or when the request never got an answer (timeout, dropped connection).
pub fn sdk_error<E, R>(operation: &str, e: aws_sdk_sts::error::SdkError<E, R>) -> ResourceError
where
    E: aws_sdk_sts::error::ProvideErrorMetadata
        + aws_smithy_types::retry::ProvideErrorKind
        + std::error::Error
        + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sts::error::SdkError;
    let classified = match &e {
        SdkError::ServiceError(s) => s.err().retryable_error_kind().is_some(),
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        SdkError::DispatchFailure(d) => !d.is_user(),
        _ => false,
    };
    // The code list (throttling codes) is the fallback for errors the SDK did not classify.
    let mut error: ResourceError = crate::aws::AwsError::from_sdk(operation, e).into();
    error.retryable |= classified;
    error
}

/// A delete's answer: `Ok` when it worked or when the resource was already gone (`gone` tells
/// that error with the service's generated `is_*` helper), else the error as [`sdk_error`].
pub fn deleted<T, E, R>(
    operation: &str,
    answer: std::result::Result<T, aws_sdk_sts::error::SdkError<E, R>>,
    gone: impl FnOnce(&E) -> bool,
) -> Result<()>
where
    E: aws_sdk_sts::error::ProvideErrorMetadata
        + aws_smithy_types::retry::ProvideErrorKind
        + std::error::Error
        + 'static,
    R: std::fmt::Debug,
{
    match answer {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(gone) => Ok(()),
        Err(e) => Err(sdk_error(operation, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn booleans_and_integers_have_cloudformations_meaning_everywhere() {
        let p =
            json!({"a": true, "b": "True", "c": "false", "d": "yes", "n": "20", "m": 7, "x": 1.5})
                .as_object()
                .unwrap()
                .clone();
        assert_eq!(boolean(&p, "a").unwrap(), Some(true));
        assert_eq!(boolean(&p, "b").unwrap(), Some(true));
        assert_eq!(boolean(&p, "c").unwrap(), Some(false));
        assert_eq!(boolean(&p, "missing").unwrap(), None);
        assert!(boolean(&p, "d").unwrap_err().message.contains("`d`"));
        assert_eq!(integer::<i32>(&p, "n").unwrap(), Some(20));
        assert_eq!(integer::<i64>(&p, "m").unwrap(), Some(7));
        assert!(integer::<i32>(&p, "x").is_err());
        assert!(integer::<u8>(&json!({"big": 300}).as_object().unwrap().clone(), "big").is_err());
    }

    #[test]
    fn tag_changes_never_touch_fuelflow_tags() {
        let old = json!({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "fuelflow:stack", "Value": "s"}, {"Key": "gone", "Value": "x"}]});
        let new = json!({"Tags": [{"Key": "a", "Value": "2"}, {"Key": "fuelflow:logical-id", "Value": "L"}]});
        let (set, removed) = tag_changes(old.as_object().unwrap(), new.as_object().unwrap());
        assert_eq!(set, vec![("a".to_string(), "2".to_string())]);
        assert_eq!(removed, vec!["gone".to_string()]);
    }

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
