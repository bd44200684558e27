//! `{{resolve:secretsmanager:SECRET_ID:SecretString:JSON_KEY:VERSION_STAGE:VERSION_ID}}`: a
//! secret value put into a property at apply time, never stored or printed. Everything after
//! `SECRET_ID` is optional, as in CloudFormation, and a string may hold several references
//! with text around them (`postgres://app:{{resolve:...}}@host/db`).
//!
//! Errors name the reference (which is not secret) and never the value.

use crate::resources::sdk_error;
use crate::resources::{Clients, ResourceError, text};
use std::collections::HashMap;
use std::ops::Range;

const OPEN: &str = "{{resolve:secretsmanager:";
const CLOSE: &str = "}}";

/// One reference found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicRef {
    /// Where the whole `{{...}}` sits in the text (byte offsets).
    pub range: Range<usize>,
    /// The secret's name or ARN.
    pub secret_id: String,
    pub json_key: Option<String>,
    pub version_stage: Option<String>,
    pub version_id: Option<String>,
}

/// A `{{resolve:secretsmanager:...}}` that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedRef {
    pub range: Range<usize>,
    pub reference: String,
    pub why: &'static str,
}

/// The well-formed references in `text`, in order.
pub fn find(text: &str) -> Vec<DynamicRef> {
    scan(text).into_iter().filter_map(Result::ok).collect()
}

/// Every reference in `text`, well-formed or not, in order.
pub fn scan(text: &str) -> Vec<Result<DynamicRef, MalformedRef>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(OPEN) {
        let start = from + offset;
        let body_start = start + OPEN.len();
        let Some(len) = text[body_start..].find(CLOSE) else {
            found.push(Err(MalformedRef {
                range: start..text.len(),
                reference: text[start..].to_string(),
                why: "no closing `}}`",
            }));
            break;
        };
        let end = body_start + len + CLOSE.len();
        found.push(
            parse_body(&text[body_start..body_start + len], start..end).map_err(|why| {
                MalformedRef {
                    range: start..end,
                    reference: text[start..end].to_string(),
                    why,
                }
            }),
        );
        from = end;
    }
    found
}

fn parse_body(body: &str, range: Range<usize>) -> Result<DynamicRef, &'static str> {
    let parts: Vec<&str> = body.split(':').collect();
    // An ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`) has colons of its own.
    let id_len = if parts[0] == "arn" { 7 } else { 1 };
    if parts.len() < id_len {
        return Err("the secret ARN is incomplete");
    }
    let secret_id = parts[..id_len].join(":");
    if secret_id.is_empty() {
        return Err("the secret id is empty");
    }
    let rest = &parts[id_len..];
    if rest.len() > 4 {
        return Err("too many parts (SECRET_ID:SecretString:JSON_KEY:VERSION_STAGE:VERSION_ID)");
    }
    let part = |i: usize| rest.get(i).filter(|p| !p.is_empty()).map(|p| p.to_string());
    if part(0).is_some_and(|p| p != "SecretString") {
        return Err("the second part must be SecretString");
    }
    let (version_stage, version_id) = (part(2), part(3));
    if version_stage.is_some() && version_id.is_some() {
        return Err("give either a version stage or a version id, not both");
    }
    Ok(DynamicRef {
        range,
        secret_id,
        json_key: part(1),
        version_stage,
        version_id,
    })
}

/// `text` with every reference replaced by its value, and the (secret ARN, version id) of each
/// secret version used, so the caller can record *which* value was used without the value.
pub async fn resolve_string(
    clients: &Clients,
    text: &str,
) -> Result<(String, Vec<(String, String)>), ResourceError> {
    let refs = scan(text)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| {
            ResourceError::new(
                "InvalidDynamicReference",
                format!("`{}`: {}", m.reference, m.why),
            )
        })?;
    let mut fetched: HashMap<(String, Option<String>, Option<String>), Fetched> = HashMap::new();
    let mut used: Vec<(String, String)> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in &refs {
        let key = (
            r.secret_id.clone(),
            r.version_stage.clone(),
            r.version_id.clone(),
        );
        if !fetched.contains_key(&key) {
            fetched.insert(key.clone(), fetch(clients, r).await?);
        }
        let secret = &fetched[&key];
        let version = (secret.arn.clone(), secret.version_id.clone());
        if !used.contains(&version) {
            used.push(version);
        }
        out.push_str(&text[last..r.range.start]);
        out.push_str(&value_of(secret, r)?);
        last = r.range.end;
    }
    out.push_str(&text[last..]);
    Ok((out, used))
}

/// The (secret ARN, version id) `r` points at now, from DescribeSecret: no value is read.
pub async fn current_version(
    clients: &Clients,
    r: &DynamicRef,
) -> Result<(String, String), ResourceError> {
    let out = clients
        .secretsmanager()
        .describe_secret()
        .secret_id(&r.secret_id)
        .send()
        .await
        .map_err(|e| sdk_error("secretsmanager:DescribeSecret", e))?;
    let arn = out.arn.clone().unwrap_or_else(|| r.secret_id.clone());
    if let Some(id) = &r.version_id {
        return Ok((arn, id.clone()));
    }
    let stage = r.version_stage.as_deref().unwrap_or("AWSCURRENT");
    let id = out
        .version_ids_to_stages()
        .into_iter()
        .flatten()
        .find(|(_, stages)| stages.iter().any(|s| s == stage))
        .map(|(id, _)| id.clone())
        .ok_or_else(|| {
            ResourceError::new(
                "InvalidDynamicReference",
                format!("secret `{}` has no version in stage {stage}", r.secret_id),
            )
        })?;
    Ok((arn, id))
}

struct Fetched {
    arn: String,
    version_id: String,
    value: String,
}

async fn fetch(clients: &Clients, r: &DynamicRef) -> Result<Fetched, ResourceError> {
    let out = clients
        .secretsmanager()
        .get_secret_value()
        .secret_id(&r.secret_id)
        .set_version_stage(r.version_stage.clone())
        .set_version_id(r.version_id.clone())
        .send()
        .await
        .map_err(|e| sdk_error("secretsmanager:GetSecretValue", e))?;
    let value = out.secret_string.ok_or_else(|| {
        ResourceError::new(
            "InvalidDynamicReference",
            format!("secret `{}` has no string value", r.secret_id),
        )
    })?;
    Ok(Fetched {
        arn: out.arn.unwrap_or_else(|| r.secret_id.clone()),
        version_id: out.version_id.unwrap_or_default(),
        value,
    })
}

/// The whole value, or one key of it when the value is a JSON object.
fn value_of(secret: &Fetched, r: &DynamicRef) -> Result<String, ResourceError> {
    let Some(key) = &r.json_key else {
        return Ok(secret.value.clone());
    };
    // The parse error is dropped on purpose: serde's message could quote part of the value.
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&secret.value)
        .map_err(|_| {
            ResourceError::new(
                "InvalidDynamicReference",
                format!(
                    "secret `{}` is not a JSON object, so key `{key}` cannot be read from it",
                    r.secret_id
                ),
            )
        })?;
    let value = object.get(key).ok_or_else(|| {
        ResourceError::new(
            "InvalidDynamicReference",
            format!("secret `{}` has no key `{key}`", r.secret_id),
        )
    })?;
    Ok(text(value).unwrap_or_else(|| value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> DynamicRef {
        let refs = find(text);
        assert_eq!(refs.len(), 1, "{text}");
        refs.into_iter().next().unwrap()
    }

    #[test]
    fn secret_id_alone() {
        let r = one("{{resolve:secretsmanager:MySecret}}");
        assert_eq!(r.secret_id, "MySecret");
        assert_eq!(
            (r.json_key, r.version_stage, r.version_id),
            (None, None, None)
        );
        assert_eq!(r.range, 0..35);
    }

    #[test]
    fn every_part() {
        let r = one("{{resolve:secretsmanager:db/creds:SecretString:password:AWSPREVIOUS}}");
        assert_eq!(r.secret_id, "db/creds");
        assert_eq!(r.json_key.as_deref(), Some("password"));
        assert_eq!(r.version_stage.as_deref(), Some("AWSPREVIOUS"));
        let r = one("{{resolve:secretsmanager:db:SecretString:password::0123-abcd}}");
        assert_eq!(r.version_stage, None);
        assert_eq!(r.version_id.as_deref(), Some("0123-abcd"));
        let r = one("{{resolve:secretsmanager:db:SecretString}}");
        assert_eq!(r.json_key, None);
    }

    #[test]
    fn arn_keeps_its_colons() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        let r = one(&format!(
            "{{{{resolve:secretsmanager:{arn}:SecretString:user}}}}"
        ));
        assert_eq!(r.secret_id, arn);
        assert_eq!(r.json_key.as_deref(), Some("user"));
        let r = one(&format!("{{{{resolve:secretsmanager:{arn}}}}}"));
        assert_eq!(r.secret_id, arn);
    }

    #[test]
    fn several_with_text_around() {
        let text = "postgres://{{resolve:secretsmanager:db:SecretString:user}}:{{resolve:secretsmanager:db:SecretString:password}}@host:5432/app";
        let refs = find(text);
        assert_eq!(refs.len(), 2);
        assert_eq!(&text[..refs[0].range.start], "postgres://");
        assert_eq!(&text[refs[0].range.end..refs[1].range.start], ":");
        assert_eq!(&text[refs[1].range.end..], "@host:5432/app");
        assert_eq!(refs[1].json_key.as_deref(), Some("password"));
    }

    #[test]
    fn other_text_is_not_a_reference() {
        assert!(find("plain {{ text }} and {{resolve:ssm:param}}").is_empty());
        assert!(scan("no references").is_empty());
    }

    #[test]
    fn malformed_references_are_reported() {
        let why = |text: &str| scan(text)[0].clone().unwrap_err().why;
        assert_eq!(why("{{resolve:secretsmanager:}}"), "the secret id is empty");
        assert_eq!(
            why("{{resolve:secretsmanager:s:SecretBinary}}"),
            "the second part must be SecretString"
        );
        assert!(
            why("{{resolve:secretsmanager:s:SecretString:k:AWSCURRENT:v1}}").contains("not both")
        );
        assert!(why("{{resolve:secretsmanager:s:SecretString:k:a:b:c}}").contains("too many"));
        assert!(why("{{resolve:secretsmanager:arn:aws:secretsmanager}}").contains("ARN"));
        assert_eq!(why("x {{resolve:secretsmanager:s"), "no closing `}}`");
        assert!(find("{{resolve:secretsmanager:}}").is_empty());
    }
}
