//! Reading template values (JSON) into the typed pieces S3 requests need, and shaping S3's answers
//! back into the template's shape.

use crate::resources::property::value;
use serde_json::{Map, Value};

use crate::aws::AwsError;
use crate::resources::{ResourceError, Result};

/// Maps an SDK error of operation `op` (`"s3:PutBucketCors"`).
pub(super) fn aws<E, R>(
    op: &'static str,
) -> impl Fn(aws_sdk_s3::error::SdkError<E, R>) -> ResourceError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |e| AwsError::from_sdk(op, e).into()
}

pub(super) fn object<'a>(prop: &str, v: &'a Value) -> Result<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| ResourceError::invalid(prop, "must be an object"))
}

/// Fails on keys fuelflow does not turn into API calls, rather than silently ignoring them.
pub(super) fn only_keys(prop: &str, map: &Map<String, Value>, supported: &[&str]) -> Result<()> {
    match map.keys().find(|k| !supported.contains(&k.as_str())) {
        Some(key) => Err(ResourceError::invalid(
            &format!("{prop}.{key}"),
            "not supported by fuelflow yet",
        )),
        None => Ok(()),
    }
}

// The toolkit's readers ([`crate::resources::property::value`]) with the property name first,
// as this module's callers write them.
pub(super) fn string(prop: &str, v: Option<&Value>) -> Result<Option<String>> {
    value::string(v, prop)
}

pub(super) fn required_string(prop: &str, v: Option<&Value>) -> Result<String> {
    string(prop, v)?.ok_or_else(|| ResourceError::invalid(prop, "is required"))
}

pub(super) fn long(prop: &str, v: Option<&Value>) -> Result<Option<i64>> {
    value::integer(v, prop)
}

pub(super) fn int(prop: &str, v: Option<&Value>) -> Result<Option<i32>> {
    value::integer(v, prop)
}

pub(super) fn required_int(prop: &str, v: Option<&Value>) -> Result<i32> {
    int(prop, v)?.ok_or_else(|| ResourceError::invalid(prop, "is required"))
}

pub(super) fn boolean(prop: &str, v: Option<&Value>) -> Result<Option<bool>> {
    value::boolean(v, prop)
}

pub(super) fn list<'a>(prop: &str, v: Option<&'a Value>) -> Result<&'a [Value]> {
    match v {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ResourceError::invalid(prop, "must be a list")),
    }
}

pub(super) fn strings(prop: &str, v: Option<&Value>) -> Result<Vec<String>> {
    value::strings(v, prop)
}

/// S3 answers with explicit `false` flags where the template leaves them out (and a missing flag
/// means `false` in CloudFormation): drop those, keeping every flag the template does mention.
/// Lists are walked index by index, so readers put live items in the template's order first.
pub(super) fn drop_unset_false(desired: Option<&Value>, live: Value) -> Value {
    match live {
        Value::Object(map) => {
            let wanted = desired.and_then(Value::as_object);
            Value::Object(
                map.into_iter()
                    .filter(|(k, v)| {
                        *v != Value::Bool(false) || wanted.is_some_and(|w| w.contains_key(k))
                    })
                    .map(|(k, v)| {
                        let d = wanted.and_then(|w| w.get(&k));
                        (k, drop_unset_false(d, v))
                    })
                    .collect(),
            )
        }
        Value::Array(items) => {
            let wanted = desired.and_then(Value::as_array);
            Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| drop_unset_false(wanted.and_then(|w| w.get(i)), v))
                    .collect(),
            )
        }
        other => other,
    }
}

/// `{Key, Value}` template tags from pairs.
pub(super) fn tag_list(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn false_flags_stay_only_where_the_template_has_them() {
        let desired = json!({"BlockPublicAcls": true, "IgnorePublicAcls": false});
        let live =
            json!({"BlockPublicAcls": true, "IgnorePublicAcls": false, "BlockPublicPolicy": false});
        assert_eq!(
            drop_unset_false(Some(&desired), live),
            json!({"BlockPublicAcls": true, "IgnorePublicAcls": false})
        );
        let desired = json!([{"A": {"X": 1}}]);
        let live = json!([{"A": {"X": 1, "B": false}, "C": false}, {"D": false}]);
        assert_eq!(
            drop_unset_false(Some(&desired), live),
            json!([{"A": {"X": 1}}, {}])
        );
    }

    #[test]
    fn numbers_and_flags_accept_text() {
        assert_eq!(int("p", Some(&json!("30"))).unwrap(), Some(30));
        assert_eq!(boolean("p", Some(&json!("true"))).unwrap(), Some(true));
        assert!(int("p", Some(&json!("x"))).is_err());
    }
}
