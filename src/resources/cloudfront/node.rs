//! Reading a nested template object with its path: every value error and every key fuelflow
//! does not support names where it is (`DistributionConfig.Origins[0].OriginShield`), so
//! nothing is silently dropped.

use crate::resources::property::value;
use crate::resources::{ResourceError, Result};
use serde_json::{Map, Value};

/// One object of the template and where it is.
pub struct Node<'v> {
    pub o: &'v Map<String, Value>,
    pub path: String,
}

impl<'v> Node<'v> {
    /// `v` as an object whose keys are all in `supported`.
    pub fn new(v: &'v Value, path: String, supported: &[&str]) -> Result<Node<'v>> {
        let o = v
            .as_object()
            .ok_or_else(|| ResourceError::invalid(&path, "must be an object"))?;
        if let Some(key) = o.keys().find(|k| !supported.contains(&k.as_str())) {
            return Err(ResourceError::invalid(
                &format!("{path}.{key}"),
                format!(
                    "is not supported by fuelflow yet (supported: {})",
                    supported.join(", ")
                ),
            ));
        }
        Ok(Node { o, path })
    }

    pub fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    pub fn has(&self, key: &str) -> bool {
        self.o.get(key).is_some_and(|v| !v.is_null())
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        value::string(self.o.get(key), &self.at(key))
    }

    pub fn required(&self, key: &str) -> Result<String> {
        self.string(key)?
            .ok_or_else(|| ResourceError::invalid(&self.at(key), "is required"))
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        value::boolean(self.o.get(key), &self.at(key))
    }

    pub fn int<T: TryFrom<i64>>(&self, key: &str) -> Result<Option<T>> {
        value::integer(self.o.get(key), &self.at(key))
    }

    /// A list of strings, `None` when absent.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        if !self.has(key) {
            return Ok(None);
        }
        value::strings(self.o.get(key), &self.at(key)).map(Some)
    }

    /// A string that must be one of `allowed`.
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>> {
        match self.string(key)? {
            Some(s) if !allowed.contains(&s.as_str()) => Err(ResourceError::invalid(
                &self.at(key),
                format!("`{s}` is not one of {}", allowed.join(", ")),
            )),
            other => Ok(other),
        }
    }

    pub fn child(&self, key: &str, supported: &[&str]) -> Result<Option<Node<'v>>> {
        match self.o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Node::new(v, self.at(key), supported).map(Some),
        }
    }

    /// A list of objects (empty when absent).
    pub fn items(&self, key: &str, supported: &[&str]) -> Result<Vec<Node<'v>>> {
        match self.o.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| Node::new(v, format!("{}[{i}]", self.at(key)), supported))
                .collect(),
            Some(_) => Err(ResourceError::invalid(&self.at(key), "must be a list")),
        }
    }
}

/// An SDK builder's answer, its error named by the path.
pub fn built<T>(r: std::result::Result<T, impl std::fmt::Display>, path: &str) -> Result<T> {
    r.map_err(|e| ResourceError::invalid(path, e))
}

/// A list's length as the `Quantity` CloudFront wants beside every list.
pub fn quantity<T>(items: &[T]) -> i32 {
    i32::try_from(items.len()).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_unsupported_key_is_refused_with_its_path() {
        let v = json!({"Id": "a", "OriginShield": {"Enabled": true}});
        let e = Node::new(&v, "X.Origins[0]".into(), &["Id"]).err().unwrap();
        assert!(e.message.contains("X.Origins[0].OriginShield"), "{e}");
        let ok = Node::new(&v, "X".into(), &["Id", "OriginShield"]).unwrap();
        assert_eq!(ok.required("Id").unwrap(), "a");
        assert!(
            ok.required("Missing")
                .unwrap_err()
                .message
                .contains("X.Missing")
        );
    }

    #[test]
    fn one_of_names_the_allowed_values() {
        let v = json!({"P": "https"});
        let n = Node::new(&v, "B".into(), &["P"]).unwrap();
        let e = n.one_of("P", &["https-only", "allow-all"]).unwrap_err();
        assert!(e.message.contains("https-only"), "{e}");
    }
}
