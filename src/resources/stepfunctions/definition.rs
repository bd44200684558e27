//! A state machine's definition: `Definition` (an object) or `DefinitionString` (JSON text), with
//! `DefinitionSubstitutions` put in for each `${Key}` as CloudFormation does, and compared as
//! JSON, never as text (Step Functions may give it back formatted otherwise).

use crate::resources::property::text;
use crate::resources::{Ctx, Props, ResourceError, Result, sdk_error};
use serde_json::Value;

const S3_LOCATION: &str = "DefinitionS3Location";
/// Step Functions' own limit on a definition's size.
const MAX_DEFINITION_BYTES: i64 = 1_048_576;

/// The definition text to send, substitutions made. `None` when neither property is set.
pub(super) fn to_text(props: &Props) -> Result<Option<String>> {
    let raw = match (props.get("Definition"), props.get("DefinitionString")) {
        (Some(Value::Object(_)), Some(_)) => {
            return Err(ResourceError::invalid(
                "Definition",
                "give Definition or DefinitionString, not both",
            ));
        }
        (Some(d @ Value::Object(_)), None) => d.to_string(),
        (Some(_), _) => return Err(ResourceError::invalid("Definition", "must be an object")),
        (None, Some(Value::String(s))) => s.clone(),
        (None, Some(_)) => {
            return Err(ResourceError::invalid(
                "DefinitionString",
                "must be a string",
            ));
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(substitute(
        &raw,
        props.get("DefinitionSubstitutions"),
    )?))
}

/// `${Key}` replaced by each substitution's value (escaped for a JSON string, where the
/// placeholders stand).
fn substitute(raw: &str, substitutions: Option<&Value>) -> Result<String> {
    let map = match substitutions {
        None | Some(Value::Null) => return Ok(raw.to_string()),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(ResourceError::invalid(
                "DefinitionSubstitutions",
                "must be an object",
            ));
        }
    };
    let mut out = raw.to_string();
    for (key, value) in map {
        let value = text(value).ok_or_else(|| {
            ResourceError::invalid(
                &format!("DefinitionSubstitutions.{key}"),
                "must be a string, number or boolean",
            )
        })?;
        let quoted = Value::String(value).to_string();
        let escaped = &quoted[1..quoted.len() - 1];
        out = out.replace(&format!("${{{key}}}"), escaped);
    }
    Ok(out)
}

/// The definition text of `DefinitionS3Location` (`Bucket`, `Key`, optional `Version`), read
/// from S3 as CloudFormation does, substitutions made; `None` when the property is not set.
pub(super) async fn from_s3(ctx: &Ctx, props: &Props) -> Result<Option<String>> {
    let Some(location) = props.get(S3_LOCATION) else {
        return Ok(None);
    };
    let field = |key: &str| {
        location
            .get(key)
            .and_then(text)
            .ok_or_else(|| ResourceError::invalid(&format!("{S3_LOCATION}.{key}"), "is required"))
    };
    let (bucket, key) = (field("Bucket")?, field("Key")?);
    let version = location.get("Version").and_then(text);
    let out = ctx
        .clients
        .s3()
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .set_version_id(version)
        .send()
        .await
        .map_err(|e| sdk_error("s3:GetObject", e))?;
    let too_big = || {
        ResourceError::invalid(
            S3_LOCATION,
            format!("s3://{bucket}/{key} is larger than a definition may be (1 MiB)"),
        )
    };
    if out.content_length().unwrap_or(0) > MAX_DEFINITION_BYTES {
        return Err(too_big());
    }
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| ResourceError::new("S3ReadFailed", format!("s3://{bucket}/{key}: {e}")))?
        .into_bytes();
    if bytes.len() as i64 > MAX_DEFINITION_BYTES {
        return Err(too_big());
    }
    let raw = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ResourceError::invalid(S3_LOCATION, format!("s3://{bucket}/{key} is not UTF-8"))
    })?;
    Ok(Some(substitute(
        &raw,
        props.get("DefinitionSubstitutions"),
    )?))
}

/// The live definition seen through `DefinitionS3Location`: the template's value when the
/// object means the same JSON as the machine's definition, else that value with the live
/// definition beside it (a drift the plan shows).
pub(super) async fn live_s3(ctx: &Ctx, live: &str, desired: &Props) -> Result<Option<Value>> {
    let (Some(location), Some(wanted)) = (desired.get(S3_LOCATION), from_s3(ctx, desired).await?)
    else {
        return Ok(None);
    };
    let parse = |t: &str| serde_json::from_str::<Value>(t).ok();
    if parse(&wanted).is_some() && parse(&wanted) == parse(live) {
        return Ok(Some(location.clone()));
    }
    let mut differs = location.clone();
    if let Some(map) = differs.as_object_mut() {
        let live = parse(live).unwrap_or_else(|| Value::String(live.to_string()));
        map.insert("LiveDefinition".into(), live);
    }
    Ok(Some(differs))
}

/// The desired definition as it reads back: substitutions made, in the property the template
/// uses (an object for `Definition`, text for `DefinitionString`).
pub(super) fn view(props: &mut Props) -> Result<()> {
    let Some(text) = to_text(props)? else {
        return Ok(());
    };
    if props.contains_key("Definition") {
        let parsed = serde_json::from_str(&text).map_err(|e| {
            ResourceError::invalid("Definition", format!("after substitution: {e}"))
        })?;
        props.insert("Definition".into(), parsed);
    } else {
        props.insert("DefinitionString".into(), Value::String(text));
    }
    Ok(())
}

/// The live definition in the desired one's property and form: parsed for `Definition`; for
/// `DefinitionString`, the desired text (substituted) when it means the same JSON.
pub(super) fn live(live: &str, desired: &Props) -> Result<Option<(&'static str, Value)>> {
    let parsed = serde_json::from_str::<Value>(live).ok();
    if desired.contains_key("Definition") {
        let value = parsed.unwrap_or_else(|| Value::String(live.to_string()));
        return Ok(Some(("Definition", value)));
    }
    if !desired.contains_key("DefinitionString") {
        return Ok(None);
    }
    let wanted = to_text(desired)?;
    let same = wanted
        .as_deref()
        .and_then(|w| serde_json::from_str::<Value>(w).ok())
        .is_some_and(|w| parsed.as_ref() == Some(&w));
    let text = match wanted {
        Some(w) if same => w,
        _ => live.to_string(),
    };
    Ok(Some(("DefinitionString", Value::String(text))))
}

/// Whether two prop sets send the same definition (compared as JSON).
pub(super) fn same(old: &Props, new: &Props) -> Result<bool> {
    let parse = |t: Option<String>| {
        t.map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::String(t)))
    };
    Ok(parse(to_text(old)?) == parse(to_text(new)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn substitutions_are_put_in_for_each_placeholder() {
        let p = props(json!({
            "Definition": {"StartAt": "Go", "States": {"Go": {"Type": "Task",
                "Resource": "${FnArn}", "TimeoutSeconds": 5, "Comment": "say \"${Word}\"", "End": true}}},
            "DefinitionSubstitutions": {"FnArn": "arn:aws:lambda:us-east-1:1:function:f", "Word": "hi \"you\""}
        }));
        let text = to_text(&p).unwrap().unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let go = &parsed["States"]["Go"];
        assert_eq!(
            go["Resource"],
            json!("arn:aws:lambda:us-east-1:1:function:f")
        );
        assert_eq!(go["Comment"], json!("say \"hi \"you\"\""));
        let mut v = p.clone();
        view(&mut v).unwrap();
        assert_eq!(v["Definition"], parsed);
    }

    #[test]
    fn a_definition_string_reads_back_as_written_when_it_means_the_same() {
        let p = props(
            json!({"DefinitionString": "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true}}}"}),
        );
        let (key, value) = live(
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#,
            &p,
        )
        .unwrap()
        .unwrap();
        assert_eq!(key, "DefinitionString");
        assert_eq!(value, p["DefinitionString"]);
        assert!(same(&p, &p).unwrap());
        let both = props(json!({"Definition": {}, "DefinitionString": "{}"}));
        assert!(to_text(&both).is_err());
    }
}
