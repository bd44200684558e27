//! The IAM policy grammar, checked on every policy document of a resource (any property named
//! `PolicyDocument` or `AssumeRolePolicyDocument`, at any depth): `Version`, `Statement`,
//! `Effect`, `Action`/`NotAction`, `Resource`/`NotResource` (and the ARN shape of each),
//! `Principal`/`NotPrincipal` shapes and `Condition` operators. Values that intrinsics compute
//! are left alone; documents given as a JSON string are not parsed here.
//! Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html

use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest::closest;
use crate::template::yaml::{Key, Kind, Node};

const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const EFFECTS: &[&str] = &["Allow", "Deny"];
const PRINCIPAL_KEYS: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];
/// Condition operators without the `IfExists` suffix and the set prefixes.
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Finds the policy documents in a resource's properties and checks each.
pub fn check_resource(logical_id: &str, properties: &Node, errors: &mut Vec<Diagnostic>) {
    let mut policy = Policy { logical_id, errors };
    policy.find(properties, "");
}

struct Policy<'a> {
    logical_id: &'a str,
    errors: &'a mut Vec<Diagnostic>,
}

/// A parsed JSON value as a template node, every part at `span` (the string it came from).
fn node_from_json(json: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value;
    let kind = match json {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Number(n.to_string()),
        Value::String(s) => Kind::String(s.clone()),
        Value::Array(items) => Kind::Seq(items.iter().map(|i| node_from_json(i, span)).collect()),
        Value::Object(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = Key {
                        name: k.clone(),
                        span,
                    };
                    (key, node_from_json(v, span))
                })
                .collect(),
        ),
    };
    Node { span, kind }
}

fn is_intrinsic(node: &Node) -> bool {
    node.single_entry()
        .is_some_and(|(k, _)| k.name == "Ref" || k.name.starts_with("Fn::"))
}

impl Policy<'_> {
    fn error(&mut self, node: &Node, path: &str, message: String) -> &mut Diagnostic {
        self.errors.push(Diagnostic::error(
            node.span,
            format!("policy `{path}` of `{}`: {message}", self.logical_id),
        ));
        self.errors.last_mut().expect("just pushed")
    }

    fn near_miss(&mut self, node: &Node, path: &str, message: String, found: &str, valid: &[&str]) {
        let best = closest(found, valid.iter().copied());
        let d = self.error(node, path, message);
        if let Some(best) = best {
            d.notes.push(format!("did you mean `{best}`?"));
        }
    }

    fn find(&mut self, node: &Node, path: &str) {
        match &node.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    let full = if path.is_empty() {
                        k.name.clone()
                    } else {
                        format!("{path}.{}", k.name)
                    };
                    if matches!(
                        k.name.as_str(),
                        "PolicyDocument" | "AssumeRolePolicyDocument"
                    ) {
                        self.document(v, &full);
                    } else {
                        self.find(v, &full);
                    }
                }
            }
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.find(item, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn document(&mut self, node: &Node, path: &str) {
        if is_intrinsic(node) {
            if let Some(("Fn::If", Some([_, a, b]))) = node
                .single_entry()
                .map(|(k, v)| (k.name.as_str(), v.as_seq()))
            {
                self.document(a, path);
                self.document(b, path);
            }
            return;
        }
        if let Kind::String(text) = &node.kind {
            // A document given as a JSON string (as CloudFormation allows): the same grammar,
            // reported at the string.
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(json) => self.document(&node_from_json(&json, node.span), path),
                Err(e) => {
                    self.error(node, path, format!("not a JSON policy document: {e}"));
                }
            }
            return;
        }
        let Kind::Map(entries) = &node.kind else {
            return; // a shape error, reported by the schema check
        };
        for (k, v) in entries {
            let full = format!("{path}.{}", k.name);
            if !DOCUMENT_KEYS.contains(&k.name.as_str()) {
                let message = format!(
                    "unknown key `{}`; a policy has Version, Id and Statement",
                    k.name
                );
                let key_node = Node {
                    span: k.span,
                    kind: Kind::Null,
                };
                self.near_miss(&key_node, &full, message, &k.name, DOCUMENT_KEYS);
                continue;
            }
            match k.name.as_str() {
                "Version" => {
                    if let Some(text) = v.as_str().filter(|t| !VERSIONS.contains(t)) {
                        let message = format!(
                            "`Version` is `{text}`; it must be 2012-10-17 (or the old 2008-10-17)"
                        );
                        self.error(v, &full, message);
                    }
                }
                "Statement" => match &v.kind {
                    Kind::Seq(items) => {
                        for (i, s) in items.iter().enumerate() {
                            self.statement(s, &format!("{full}[{i}]"));
                        }
                    }
                    Kind::Map(_) => self.statement(v, &full),
                    _ => {}
                },
                _ => {}
            }
        }
        if !entries.iter().any(|(k, _)| k.name == "Statement") {
            self.error(node, path, "has no `Statement`".to_string());
        }
    }

    fn statement(&mut self, node: &Node, path: &str) {
        if is_intrinsic(node) {
            return;
        }
        let Kind::Map(entries) = &node.kind else {
            let message = format!("a statement must be a mapping, found {}", node.describe());
            self.error(node, path, message);
            return;
        };
        let has = |key: &str| entries.iter().any(|(k, _)| k.name == key);
        for (k, v) in entries {
            let full = format!("{path}.{}", k.name);
            match k.name.as_str() {
                "Effect" => {
                    if let Some(text) = v.as_str().filter(|t| !EFFECTS.contains(t)) {
                        let message = format!("`Effect` is `{text}`; it must be Allow or Deny");
                        self.near_miss(v, &full, message, text, EFFECTS);
                    }
                }
                "Action" | "NotAction" => self.each_string(v, &full, Self::action),
                "Resource" | "NotResource" => self.each_string(v, &full, Self::resource),
                "Principal" | "NotPrincipal" => self.principal(v, &full),
                "Condition" => self.condition(v, &full),
                "Sid" => {}
                other => {
                    let message = format!("unknown statement key `{other}`");
                    let key_node = Node {
                        span: k.span,
                        kind: Kind::Null,
                    };
                    self.near_miss(&key_node, &full, message, other, STATEMENT_KEYS);
                }
            }
        }
        if !has("Effect") {
            self.error(
                node,
                path,
                "statement has no `Effect` (Allow or Deny)".to_string(),
            );
        }
        match (has("Action"), has("NotAction")) {
            (false, false) => {
                self.error(
                    node,
                    path,
                    "statement has neither `Action` nor `NotAction`".to_string(),
                );
            }
            (true, true) => {
                self.error(
                    node,
                    path,
                    "statement has both `Action` and `NotAction`".to_string(),
                );
            }
            _ => {}
        }
        if has("Resource") && has("NotResource") {
            self.error(
                node,
                path,
                "statement has both `Resource` and `NotResource`".to_string(),
            );
        }
        if has("Principal") && has("NotPrincipal") {
            self.error(
                node,
                path,
                "statement has both `Principal` and `NotPrincipal`".to_string(),
            );
        }
    }

    /// Applies `check` to a string or to each string of a list (intrinsics skipped).
    fn each_string(&mut self, node: &Node, path: &str, check: fn(&mut Self, &Node, &str, &str)) {
        match &node.kind {
            Kind::String(s) => check(self, node, path, s),
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Kind::String(s) = &item.kind {
                        check(self, item, &format!("{path}[{i}]"), s);
                    }
                }
            }
            _ => {}
        }
    }

    fn action(&mut self, node: &Node, path: &str, action: &str) {
        let valid = action == "*"
            || action.split_once(':').is_some_and(|(service, name)| {
                !service.is_empty()
                    && service
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
            });
        if !valid {
            let message = format!("action `{action}` is not `service:Action` (or `*`)");
            self.error(node, path, message);
        }
    }

    fn resource(&mut self, node: &Node, path: &str, resource: &str) {
        if resource == "*" {
            return;
        }
        let parts: Vec<&str> = resource.splitn(6, ':').collect();
        let valid =
            parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && !parts[2].is_empty();
        if !valid {
            let message = format!(
                "resource `{resource}` is not an ARN (arn:partition:service:region:account:resource) or `*`"
            );
            self.error(node, path, message);
        }
    }

    fn principal(&mut self, node: &Node, path: &str) {
        match &node.kind {
            Kind::String(s) if s == "*" => {}
            Kind::String(s) => {
                let message = format!(
                    "principal `{s}` must be `*` or a mapping of AWS, Service, Federated or CanonicalUser"
                );
                self.error(node, path, message);
            }
            Kind::Map(entries) if !is_intrinsic(node) => {
                for (k, _) in entries {
                    if !PRINCIPAL_KEYS.contains(&k.name.as_str()) {
                        let message = format!(
                            "unknown principal type `{}`; it must be AWS, Service, Federated or CanonicalUser",
                            k.name
                        );
                        let key_node = Node {
                            span: k.span,
                            kind: Kind::Null,
                        };
                        self.near_miss(
                            &key_node,
                            &format!("{path}.{}", k.name),
                            message,
                            &k.name,
                            PRINCIPAL_KEYS,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn condition(&mut self, node: &Node, path: &str) {
        let Kind::Map(entries) = &node.kind else {
            return;
        };
        if is_intrinsic(node) {
            return;
        }
        for (k, v) in entries {
            let full = format!("{path}.{}", k.name);
            let key_node = Node {
                span: k.span,
                kind: Kind::Null,
            };
            let operator = k
                .name
                .strip_prefix("ForAllValues:")
                .or_else(|| k.name.strip_prefix("ForAnyValue:"))
                .unwrap_or(&k.name);
            let base = operator
                .strip_suffix("IfExists")
                .filter(|b| *b != "Null")
                .unwrap_or(operator);
            if !OPERATORS.contains(&base) {
                let message = format!("unknown condition operator `{}`", k.name);
                self.near_miss(&key_node, &full, message, operator, OPERATORS);
            } else if !matches!(v.kind, Kind::Map(_)) {
                let message = format!(
                    "operator `{}` needs a mapping of condition keys to values",
                    k.name
                );
                self.error(v, &full, message);
            }
        }
    }
}
