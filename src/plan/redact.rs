//! Secrets written in plain text — the value of a `NoEcho` parameter, or a property that always
//! holds one (`SecretString`, `MasterUserPassword`) — are never recorded or shown. State keeps a
//! salted hash instead, so a later plan can still tell whether the value changed; plans show
//! `(sensitive)`. (Dynamic references need none of this: they are recorded as references.)

use super::diff::is_sensitive;
use crate::template::stack::Stack;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

/// The key of the object that stands for a hashed value in state: `{HASH_KEY: "salt:hex"}`.
pub const HASH_KEY: &str = "fuelflow:SaltedSha256";

/// Properties that hold a secret whenever they are given in plain text.
const SECRET_PROPERTIES: &[(&str, &str)] = &[
    ("AWS::SecretsManager::Secret", "SecretString"),
    ("AWS::RDS::DBInstance", "MasterUserPassword"),
    ("AWS::RDS::DBCluster", "MasterUserPassword"),
];

/// The values of a stack's `NoEcho` parameters, as text.
pub fn no_echo_values(stack: &Stack) -> Vec<String> {
    stack
        .no_echo
        .iter()
        .filter_map(|name| stack.parameters.get(name))
        .filter(|v| v.is_known())
        .filter_map(|v| crate::resources::text(&v.to_json()))
        .filter(|v| !v.is_empty())
        .collect()
}

/// Whether the plain-text `value` of `key` must be hidden.
pub fn must_hide(resource_type: &str, key: &str, value: &Json, secrets: &[String]) -> bool {
    if is_sensitive(value) || value.is_null() {
        return false;
    }
    SECRET_PROPERTIES.contains(&(resource_type, key)) || contains_any(value, secrets)
}

fn contains_any(value: &Json, secrets: &[String]) -> bool {
    match value {
        Json::String(s) => secrets.iter().any(|secret| s.contains(secret.as_str())),
        Json::Number(n) => secrets.iter().any(|secret| n.to_string() == *secret),
        Json::Array(items) => items.iter().any(|i| contains_any(i, secrets)),
        Json::Object(map) => map.values().any(|v| contains_any(v, secrets)),
        _ => false,
    }
}

/// A salted hash standing for `value`.
pub fn hash(value: &Json) -> Json {
    let salt = uuid::Uuid::new_v4().simple().to_string();
    let digest = digest(&salt, value);
    let mut map = Map::new();
    map.insert(HASH_KEY.into(), Json::String(format!("{salt}:{digest}")));
    Json::Object(map)
}

fn digest(salt: &str, value: &Json) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(value.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn is_hash(v: &Json) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key(HASH_KEY))
}

/// Whether `recorded` is the hash of `value`.
pub fn matches(recorded: &Json, value: &Json) -> bool {
    let Some(text) = recorded.get(HASH_KEY).and_then(Json::as_str) else {
        return false;
    };
    let Some((salt, digest_hex)) = text.split_once(':') else {
        return false;
    };
    digest(salt, value) == digest_hex
}

/// Replaces every property that must be hidden with its salted hash (before recording).
pub fn redact(resource_type: &str, props: &mut Map<String, Json>, secrets: &[String]) {
    for (key, value) in props.iter_mut() {
        if must_hide(resource_type, key, value, secrets) {
            *value = hash(value);
        }
    }
}

/// Puts back into `old` (as recorded) the values of `new` that its hashes stand for, so a handler
/// comparing old and new sees no change there.
pub fn restore(old: &mut Map<String, Json>, new: &Map<String, Json>) {
    for (key, value) in old.iter_mut() {
        if let Some(plain) = new.get(key) {
            if matches(value, plain) {
                *value = plain.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hashes_are_salted_match_their_value_and_hold_no_secret() {
        let value = json!("hunter2-hunter2");
        let (a, b) = (hash(&value), hash(&value));
        assert_ne!(a, b, "salted");
        assert!(matches(&a, &value) && matches(&b, &value));
        assert!(!matches(&a, &json!("other")));
        assert!(!a.to_string().contains("hunter2") && is_hash(&a) && is_sensitive(&a));
    }

    #[test]
    fn secret_properties_and_no_echo_values_are_redacted_references_are_not() {
        let secrets = vec!["s3cr3t-token".to_string()];
        let mut props = json!({
            "SecretString": "plain",
            "Description": "token s3cr3t-token inside",
            "Name": "app",
            "Other": "{{resolve:secretsmanager:x:SecretString:password}}",
        });
        let map = props.as_object_mut().unwrap();
        redact("AWS::SecretsManager::Secret", map, &secrets);
        assert!(is_hash(&map["SecretString"]) && is_hash(&map["Description"]));
        assert_eq!(map["Name"], "app");
        assert!(map["Other"].as_str().unwrap().starts_with("{{resolve:"));
        let new = json!({"SecretString": "plain", "Description": "changed"});
        let mut old = map.clone();
        restore(&mut old, new.as_object().unwrap());
        assert_eq!(old["SecretString"], "plain");
        assert!(is_hash(&old["Description"]));
    }
}
