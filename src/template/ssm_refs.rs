//! `{{resolve:ssm:NAME}}` and `{{resolve:ssm:NAME:VERSION}}`: the value of a plain (`String` or
//! `StringList`) Systems Manager parameter put into a property. The plan reads the parameter
//! (GetParameter accepts `NAME:VERSION` as written) and the property is then known, shown and
//! diffed like any other value. Secure references (`{{resolve:ssm-secure:...}}`) are not these:
//! they are resolved only at the API call and never stored (`resources::ssm::dynamic_ref`).

use super::eval::Lookup;
use super::value::Value;

const OPEN: &str = "{{resolve:ssm:";
const CLOSE: &str = "}}";

/// The parameter selectors (`NAME` or `NAME:VERSION`) `text` refers to, in order.
pub fn selectors(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(OPEN) {
        let body = from + offset + OPEN.len();
        let Some(len) = text[body..].find(CLOSE) else {
            break;
        };
        if len > 0 {
            found.push(&text[body..body + len]);
        }
        from = body + len + CLOSE.len();
    }
    found
}

/// Every selector in the strings of `value` (appended to `out`).
pub fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.extend(selectors(s).into_iter().map(str::to_string)),
        Value::List(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Map(map) => map.values().for_each(|i| collect(i, out)),
        _ => {}
    }
}

/// `value` with every reference replaced by the parameter's value; a string whose parameter is
/// not read yet is unknown (`validate`, or a plan before the read).
pub fn resolve(value: Value, lookup: &dyn Lookup) -> Value {
    match value {
        Value::String(s) if s.contains(OPEN) => resolve_string(&s, lookup),
        Value::List(items) => Value::List(items.into_iter().map(|i| resolve(i, lookup)).collect()),
        Value::Map(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (k, resolve(v, lookup)))
                .collect(),
        ),
        other => other,
    }
}

fn resolve_string(text: &str, lookup: &dyn Lookup) -> Value {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(offset) = text[from..].find(OPEN) {
        let start = from + offset;
        let body = start + OPEN.len();
        let Some(len) = text[body..].find(CLOSE) else {
            break;
        };
        let selector = &text[body..body + len];
        let Some(found) = lookup.ssm_parameter(selector) else {
            return Value::Unknown(format!("SSM parameter {selector}"));
        };
        out.push_str(&text[from..start]);
        out.push_str(&found);
        from = body + len + CLOSE.len();
    }
    out.push_str(&text[from..]);
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::eval::NothingExists;
    use indexmap::IndexMap;

    struct Read;

    impl Lookup for Read {
        fn physical_id(&self, _: &str, _: &str) -> Option<Value> {
            None
        }
        fn attribute(&self, _: &str, _: &str, _: &str) -> Option<Value> {
            None
        }
        fn export(&self, _: &str) -> Option<Value> {
            None
        }
        fn ssm_parameter(&self, selector: &str) -> Option<String> {
            match selector {
                "/app/host" => Some("db.internal".into()),
                "/app/port:2" => Some("5432".into()),
                _ => None,
            }
        }
    }

    #[test]
    fn references_are_found_with_their_versions_and_not_secure_ones() {
        let text =
            "{{resolve:ssm:/app/host}}:{{resolve:ssm:/app/port:2}} {{resolve:ssm-secure:pw}}";
        assert_eq!(selectors(text), vec!["/app/host", "/app/port:2"]);
        assert!(selectors("{{resolve:ssm:}} {{resolve:ssm:open").is_empty());
    }

    #[test]
    fn references_take_the_parameters_value_once_read() {
        let value = Value::Map(IndexMap::from([(
            "Url".to_string(),
            Value::String(
                "postgres://{{resolve:ssm:/app/host}}:{{resolve:ssm:/app/port:2}}/app".into(),
            ),
        )]));
        let resolved = resolve(value.clone(), &Read);
        let Value::Map(map) = resolved else { panic!() };
        assert_eq!(
            map["Url"],
            Value::String("postgres://db.internal:5432/app".into())
        );
        let Value::Map(before) = resolve(value, &NothingExists) else {
            panic!()
        };
        assert!(matches!(&before["Url"], Value::Unknown(why) if why.contains("/app/host")));
    }

    #[test]
    fn collect_walks_lists_and_maps() {
        let value = Value::List(vec![
            Value::String("{{resolve:ssm:a}}".into()),
            Value::Map(IndexMap::from([(
                "k".to_string(),
                Value::String("{{resolve:ssm:b:1}}".into()),
            )])),
        ]);
        let mut out = Vec::new();
        collect(&value, &mut out);
        assert_eq!(out, vec!["a", "b:1"]);
    }
}
