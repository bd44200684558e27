//! Secret values given in templates (a `SecretString`, a database password, anything carrying
//! the value of a `NoEcho` parameter) are never recorded or shown: the state keeps a salted hash
//! (salted with the state's lineage), plans show `(sensitive)`, and a change is still seen by
//! comparing hashes.

use crate::resources::Registry;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The key of a recorded hash: `{"fuelflow:sha256": "<hex>"}`.
pub const HASH_KEY: &str = "fuelflow:sha256";

/// What is secret in one stack: the values of its `NoEcho` parameters.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub values: Vec<String>,
    /// By type: the properties that hold secrets whatever their value
    /// ([`Handler::secret_properties`](crate::resources::Handler::secret_properties)).
    pub properties: HashMap<String, &'static [&'static str]>,
}

impl Secrets {
    /// The values of a stack's `NoEcho` parameters, and the secret properties of its types.
    pub fn of(stack: &crate::template::stack::Stack, registry: &Registry) -> Secrets {
        let properties = stack
            .resources
            .values()
            .filter_map(|r| {
                let handler = registry.get(&r.resource_type)?;
                Some((r.resource_type.clone(), handler.secret_properties()))
            })
            .collect();
        Secrets {
            properties,
            ..Secrets::no_echo_values(stack)
        }
    }

    /// Only the values of a stack's `NoEcho` parameters (what outputs are checked against).
    pub fn no_echo_values(stack: &crate::template::stack::Stack) -> Secrets {
        let mut values = Vec::new();
        for name in &stack.no_echo {
            match stack.parameters.get(name) {
                Some(crate::template::Value::List(items)) => {
                    values.extend(items.iter().filter_map(|i| i.to_text()))
                }
                Some(v) => values.extend(v.to_text()),
                None => {}
            }
        }
        Secrets {
            values,
            properties: HashMap::new(),
        }
    }

    /// Whether `key` of a `resource_type` holds (or contains) a secret.
    pub fn is_secret(&self, resource_type: &str, key: &str, value: &Json) -> bool {
        self.properties
            .get(resource_type)
            .is_some_and(|p| p.contains(&key))
            && !super::diff::is_sensitive(value)
            && !is_hashed(value)
            || self.contains_value(value)
    }

    /// Whether a value carries one of the `NoEcho` values.
    pub fn contains_value(&self, value: &Json) -> bool {
        match value {
            Json::String(s) => self
                .values
                .iter()
                .any(|v| !v.is_empty() && s.contains(v.as_str())),
            Json::Array(items) => items.iter().any(|i| self.contains_value(i)),
            Json::Object(map) => map.values().any(|i| self.contains_value(i)),
            _ => false,
        }
    }
}

/// The salted hash recorded instead of a secret value.
pub fn hash(salt: &str, value: &Json) -> Json {
    let mut digest = Sha256::new();
    digest.update(salt.as_bytes());
    digest.update([0]);
    digest.update(value.to_string().as_bytes());
    let hex: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    serde_json::json!({ HASH_KEY: hex })
}

pub fn is_hashed(value: &Json) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key(HASH_KEY))
}

/// The properties as they may be recorded: secrets replaced by their salted hash. Returns the
/// keys that were replaced.
pub fn redact(
    salt: &str,
    resource_type: &str,
    secrets: &Secrets,
    props: &mut serde_json::Map<String, Json>,
) -> Vec<String> {
    let mut replaced = Vec::new();
    for (key, value) in props.iter_mut() {
        if secrets.is_secret(resource_type, key, value) {
            *value = hash(salt, value);
            replaced.push(key.clone());
        }
    }
    replaced.sort();
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_properties_and_no_echo_values_are_hashed() {
        let secrets = Secrets {
            values: vec!["hunter2-password".into()],
            properties: HashMap::from([(
                "AWS::SecretsManager::Secret".to_string(),
                crate::resources::handler("AWS::SecretsManager::Secret")
                    .unwrap()
                    .secret_properties(),
            )]),
        };
        let mut props =
            json!({"SecretString": "plain", "Other": "x-hunter2-password-y", "Name": "n"})
                .as_object()
                .unwrap()
                .clone();
        let replaced = redact(
            "lineage",
            "AWS::SecretsManager::Secret",
            &secrets,
            &mut props,
        );
        assert_eq!(
            replaced,
            vec!["Other".to_string(), "SecretString".to_string()]
        );
        let text = serde_json::to_string(&props).unwrap();
        assert!(!text.contains("plain") && !text.contains("hunter2"));
        assert_eq!(props["SecretString"], hash("lineage", &json!("plain")));
        assert_ne!(
            hash("other-lineage", &json!("plain")),
            hash("lineage", &json!("plain"))
        );
    }

    #[test]
    fn references_are_kept_as_they_are() {
        let secrets = Secrets::default();
        let reference = json!("{{resolve:secretsmanager:db:SecretString:password}}");
        assert!(!secrets.is_secret("AWS::RDS::DBInstance", "MasterUserPassword", &reference));
    }
}
