//! Semantic comparison of property values: what AWS returns is often the same value written
//! another way (numbers as strings, tags in another order, a policy with a single statement
//! unwrapped or its actions in another order).

use serde_json::{Map, Value};

/// Whether the desired and live values mean the same thing.
pub fn equivalent(desired: &Value, live: &Value) -> bool {
    canonical(desired) == canonical(live)
}

/// A normal form: scalars as text, `{Key, Value}` tag lists sorted by key, IAM policy documents
/// with statements always in lists and their string lists sorted.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            if items
                .iter()
                .all(|i| i.get("Key").is_some() && i.as_object().is_some_and(|o| o.len() <= 2))
            {
                items.sort_by_key(key_of);
            }
            Value::Array(items)
        }
        Value::Object(map) if map.contains_key("Statement") => policy(map),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

fn key_of(v: &Value) -> String {
    v.get("Key")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// An IAM policy document: `Statement` always a list; `Action`, `Resource`, principals and
/// condition values always sorted lists; `Version` defaulted as IAM does.
fn policy(map: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (k, v) in map {
        let v = match k.as_str() {
            "Statement" => Value::Array(as_list(v).iter().map(statement).collect()),
            _ => canonical(v),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

fn statement(s: &Value) -> Value {
    let Some(map) = s.as_object() else {
        return canonical(s);
    };
    let mut out = Map::new();
    for (k, v) in map {
        let v = match k.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(v),
            "Principal" | "NotPrincipal" => match v {
                Value::Object(p) => {
                    Value::Object(p.iter().map(|(k, v)| (k.clone(), string_set(v))).collect())
                }
                other => canonical(other),
            },
            "Condition" => match v {
                Value::Object(ops) => Value::Object(
                    ops.iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Value::Object(k) => Value::Object(
                                    k.iter().map(|(k, v)| (k.clone(), string_set(v))).collect(),
                                ),
                                other => canonical(other),
                            };
                            (op.clone(), keys)
                        })
                        .collect(),
                ),
                other => canonical(other),
            },
            _ => canonical(v),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn string_set(v: &Value) -> Value {
    let mut items: Vec<Value> = as_list(v).iter().map(canonical).collect();
    items.sort_by_key(|i| i.to_string());
    items.dedup();
    Value::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_compare_as_text() {
        assert!(equivalent(&json!(30), &json!("30")));
        assert!(equivalent(&json!(true), &json!("true")));
        assert!(!equivalent(&json!(30), &json!(31)));
    }

    #[test]
    fn tags_compare_as_sets() {
        let a = json!([{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]);
        let b = json!([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]);
        assert!(equivalent(&a, &b));
    }

    #[test]
    fn policies_compare_semantically() {
        let written = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}});
        let returned = json!({"Statement": [{"Resource": ["*"], "Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow"}], "Version": "2012-10-17"});
        assert!(equivalent(&written, &returned));
        let other = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]});
        assert!(!equivalent(&written, &other));
    }
}
