//! `{{resolve:ssm-secure:NAME}}` and `{{resolve:ssm-secure:NAME:VERSION}}`: a `SecureString`
//! parameter's value put into a property at the API call only, never stored or printed, as
//! `{{resolve:secretsmanager:...}}` references are. What is recorded is which parameter version
//! was used (`ARN:VERSION`), so a new version makes the resource update.

use super::get_parameter;
use crate::resources::{Clients, ResourceError};

const OPEN: &str = "{{resolve:ssm-secure:";
const CLOSE: &str = "}}";

/// The selectors (`NAME` or `NAME:VERSION`, as GetParameter takes them) in `text`, with where
/// each whole reference sits; a reference without its closing `}}` or with an empty name is an
/// error naming it (the reference is not secret, its value is).
pub fn scan(text: &str) -> Result<Vec<(std::ops::Range<usize>, String)>, ResourceError> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(OPEN) {
        let start = from + offset;
        let body = start + OPEN.len();
        let Some(len) = text[body..].find(CLOSE) else {
            return Err(malformed(&text[start..], "no closing `}}`"));
        };
        let end = body + len + CLOSE.len();
        let selector = &text[body..body + len];
        if selector.is_empty() || selector.starts_with(':') {
            return Err(malformed(&text[start..end], "the parameter name is empty"));
        }
        found.push((start..end, selector.to_string()));
        from = end;
    }
    Ok(found)
}

fn malformed(reference: &str, why: &str) -> ResourceError {
    ResourceError::new("InvalidDynamicReference", format!("`{reference}`: {why}"))
}

fn not_found(selector: &str) -> ResourceError {
    ResourceError::new(
        "ParameterNotFound",
        format!("ssm:GetParameter: the SSM parameter `{selector}` does not exist"),
    )
}

/// `text` with every reference replaced by its decrypted value, and the `ARN:VERSION` of each
/// parameter version used.
pub async fn resolve_string(
    clients: &Clients,
    text: &str,
) -> Result<(String, Vec<String>), ResourceError> {
    let mut out = String::with_capacity(text.len());
    let mut used = Vec::new();
    let mut last = 0;
    for (range, selector) in scan(text)? {
        let parameter = get_parameter(clients.ssm(), &selector, true)
            .await?
            .ok_or_else(|| not_found(&selector))?;
        used.push(version_of(&parameter, &selector));
        out.push_str(&text[last..range.start]);
        out.push_str(parameter.value().unwrap_or_default());
        last = range.end;
    }
    out.push_str(&text[last..]);
    Ok((out, used))
}

/// The `ARN:VERSION` a reference points at now, read without decryption (a plan never sees the
/// plain value).
pub async fn current_version(clients: &Clients, selector: &str) -> Result<String, ResourceError> {
    let parameter = get_parameter(clients.ssm(), selector, false)
        .await?
        .ok_or_else(|| not_found(selector))?;
    Ok(version_of(&parameter, selector))
}

fn version_of(parameter: &aws_sdk_ssm::types::Parameter, selector: &str) -> String {
    let arn = parameter.arn().unwrap_or(selector);
    format!("{arn}:{}", parameter.version())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_with_and_without_a_version_and_text_around() {
        let text = "u:{{resolve:ssm-secure:/db/password}}@{{resolve:ssm-secure:/db/key:3}}";
        let found = scan(text).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, "/db/password");
        assert_eq!(&text[..found[0].0.start], "u:");
        assert_eq!(found[1].1, "/db/key:3");
        assert!(scan("{{resolve:ssm:/plain}}").unwrap().is_empty());
    }

    #[test]
    fn malformed_references_are_named() {
        let e = scan("{{resolve:ssm-secure:}}").unwrap_err();
        assert!(e.message.contains("name is empty"), "{e}");
        let e = scan("x {{resolve:ssm-secure:/db").unwrap_err();
        assert!(e.message.contains("closing"), "{e}");
    }
}
