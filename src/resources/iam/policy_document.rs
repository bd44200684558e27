//! IAM policy documents (also used by S3 bucket policies): template value -> the JSON text the
//! APIs take, and the (URL-encoded) text IAM returns -> a JSON value in template shape.

use serde_json::Value;

use crate::resources::compare::equivalent;
use crate::resources::{ResourceError, Result};

/// The JSON text to send: an object is serialised; a string (CloudFormation allows a JSON string)
/// must parse as JSON and is sent as written.
pub(crate) fn to_text(prop: &str, value: Option<&Value>) -> Result<String> {
    match value {
        None => Err(ResourceError::invalid(prop, "is required")),
        Some(Value::Object(_)) => Ok(value.map(Value::to_string).unwrap_or_default()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(_)) => Ok(text.clone()),
            _ => Err(ResourceError::invalid(prop, "is not a JSON object")),
        },
        Some(_) => Err(ResourceError::invalid(
            prop,
            "must be an object or a JSON string",
        )),
    }
}

/// A document as returned by AWS: IAM percent-encodes it (`%7B%22Version...`), S3 does not.
pub(crate) fn parse(prop: &str, returned: &str) -> Result<Value> {
    let text = if returned.trim_start().starts_with('{') {
        returned.to_owned()
    } else {
        percent_decode(returned).ok_or_else(|| {
            ResourceError::new(
                "MalformedPolicyDocument",
                format!("{prop}: not percent-encoded UTF-8"),
            )
        })?
    };
    serde_json::from_str(&text).map_err(|e| {
        ResourceError::new(
            "MalformedPolicyDocument",
            format!("{prop} as returned by AWS: {e}"),
        )
    })
}

/// The live document in the template's form: when the template wrote it as a JSON string and it
/// means the same as the live one, the template's text, so an unchanged string reads as equal.
pub(crate) fn like_template(template: Option<&Value>, live: Value) -> Value {
    if let Some(Value::String(text)) = template {
        if serde_json::from_str::<Value>(text).is_ok_and(|t| equivalent(&t, &live)) {
            return Value::String(text.clone());
        }
    }
    live
}

/// Whether two template documents (objects or JSON strings) say the same; absent is never the same.
pub(crate) fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => equivalent(&parsed(a), &parsed(b)),
        _ => false,
    }
}

fn parsed(v: &Value) -> Value {
    match v {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// RFC 3986 percent-decoding (`+` stays a plus, as IAM encodes spaces as `%20`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_what_iam_returns() {
        let returned = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Aa+b%20c%C3%A9%22%7D%5D%7D";
        let doc = parse("PolicyDocument", returned).unwrap();
        assert_eq!(
            doc["Statement"][0]["Resource"],
            json!("arn:aws:s3:::a+b cé")
        );
        assert_eq!(parse("p", r#"{"a": 1}"#).unwrap(), json!({"a": 1}));
        assert!(parse("p", "%7").is_err());
    }

    #[test]
    fn string_documents_read_back_as_written() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let template = json!(text);
        assert_eq!(to_text("p", Some(&template)).unwrap(), text);
        let live = serde_json::from_str(text).unwrap();
        assert_eq!(like_template(Some(&template), live), template);
        assert!(to_text("p", Some(&json!("not json"))).is_err());
    }
}
