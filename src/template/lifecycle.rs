//! Lifecycle controls, given in a resource's `Metadata` so the template stays valid
//! CloudFormation: `Metadata: { fuelflow: { IgnoreChanges: [Tags], Protect: true } }`.
//!
//! The shape is read with the template ([`read`]); the values are evaluated per environment
//! like properties (`Protect: !If [IsProd, true, false]`) in [`evaluate`].

use super::eval::Evaluator;
use super::model::unknown_key;
use super::value::Value;
use super::yaml::{Kind, Node};
use crate::diagnostic::Diagnostic;
use crate::schema::types::ResourceSchema;

/// The key under `Metadata` that fuelflow reads (other keys are left to their owners).
pub const METADATA_KEY: &str = "fuelflow";
const KEYS: &[&str] = &["IgnoreChanges", "Protect"];

/// A resource's lifecycle controls, evaluated for one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// Top-level property names neither diffed nor reset (still sent at create).
    pub ignore_changes: Vec<String>,
    /// Never deleted or replaced: a plan that would is refused.
    pub protect: bool,
}

impl Lifecycle {
    pub fn ignores(&self, property: &str) -> bool {
        self.ignore_changes.iter().any(|p| p == property)
    }
}

/// The `fuelflow` node of a resource's `Metadata`, its keys checked; `None` when there is none.
pub fn read(metadata: &Node, logical_id: &str, errors: &mut Vec<Diagnostic>) -> Option<Node> {
    let node = metadata.get(METADATA_KEY)?;
    let Some(entries) = node.as_map() else {
        errors.push(Diagnostic::error(
            node.span,
            format!(
                "`Metadata.fuelflow` of resource `{logical_id}` must be a mapping, found {}",
                node.describe()
            ),
        ));
        return None;
    };
    for (key, _) in entries {
        if !KEYS.contains(&key.name.as_str()) {
            errors.push(unknown_key(
                key,
                &key.name,
                &format!("lifecycle control of resource `{logical_id}`"),
                KEYS,
            ));
        }
    }
    Some(node.clone())
}

/// Evaluates the controls of `node` (from [`read`]) for one environment, checking their types and
/// that each ignored property is one the type has.
pub fn evaluate(
    node: &Node,
    logical_id: &str,
    schema: &ResourceSchema,
    evaluator: &mut Evaluator<'_>,
    errors: &mut Vec<Diagnostic>,
) -> Lifecycle {
    let mut lifecycle = Lifecycle::default();
    for (key, value_node) in node.as_map().unwrap_or_default() {
        let what = format!("`{}` of resource `{logical_id}`", key.name);
        let value = evaluator.eval(value_node).unwrap_or(Value::Null);
        match key.name.as_str() {
            "Protect" => lifecycle.protect = protect(&value, value_node, &what, errors),
            "IgnoreChanges" => {
                lifecycle.ignore_changes = ignored(&value, value_node, &what, schema, errors)
            }
            _ => {} // reported by `read`
        }
    }
    lifecycle
}

fn protect(value: &Value, node: &Node, what: &str, errors: &mut Vec<Diagnostic>) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) if s == "true" || s == "false" => s == "true",
        Value::Null => false,
        other => {
            errors.push(Diagnostic::error(
                node.span,
                format!("{what} must be true or false, found {}", other.describe()),
            ));
            false
        }
    }
}

fn ignored(
    value: &Value,
    node: &Node,
    what: &str,
    schema: &ResourceSchema,
    errors: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let items = match value {
        Value::List(items) => items,
        Value::Null => return Vec::new(),
        other => {
            errors.push(Diagnostic::error(
                node.span,
                format!(
                    "{what} must be a list of property names, found {}",
                    other.describe()
                ),
            ));
            return Vec::new();
        }
    };
    // Point at the item itself when it is written literally (not chosen by `Fn::If`).
    let literal = match &node.kind {
        Kind::Seq(nodes) if nodes.len() == items.len() => Some(nodes),
        _ => None,
    };
    let mut names = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let span = literal.map_or(node.span, |nodes| nodes[i].span);
        let Some(name) = item.as_str() else {
            errors.push(Diagnostic::error(
                span,
                format!("{what} must list property names, found {}", item.describe()),
            ));
            continue;
        };
        let known: Vec<&str> = schema
            .properties
            .properties
            .iter()
            .map(|p| p.name)
            .collect();
        if known.contains(&name) {
            names.push(name.to_string());
            continue;
        }
        let mut d = Diagnostic::error(
            span,
            format!(
                "{what} names `{name}`, which is not a property of {}",
                schema.type_name
            ),
        );
        if let Some((top, _)) = name.split_once('.') {
            if known.contains(&top) {
                d = d.with_note(format!(
                    "only top-level properties can be ignored; `{top}` ignores all of it"
                ));
            }
        } else if let Some(best) = crate::suggest::closest(name, known.iter().copied()) {
            d = d.with_note(format!("did you mean `{best}`?"));
        }
        errors.push(d);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Facts, load_text};

    /// Every error of loading `template` (with `Env` given), as `file:line:col: error: message`.
    fn errors(template: &str, env: &str) -> Vec<String> {
        let parameters = vec![("Env".to_string(), env.to_string())];
        match load_text("t.yaml", template.into(), &parameters, &Facts::default()) {
            Ok(_) => Vec::new(),
            Err(f) => f
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.one_line(&f.sources))
                .collect(),
        }
    }

    const HEAD: &str = "Parameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  Data:\n    Type: AWS::S3::Bucket\n    Metadata:\n";

    #[test]
    fn the_controls_are_evaluated_per_environment() {
        let template = format!(
            "{HEAD}      Other: kept\n      fuelflow:\n        IgnoreChanges: !If [IsProd, [Tags], []]\n        Protect: !If [IsProd, true, false]\n"
        );
        for (env, expected) in [
            (
                "prod",
                Lifecycle {
                    ignore_changes: vec!["Tags".into()],
                    protect: true,
                },
            ),
            ("dev", Lifecycle::default()),
        ] {
            let parameters = vec![("Env".to_string(), env.to_string())];
            let ws = load_text("t.yaml", template.clone(), &parameters, &Facts::default())
                .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
            assert_eq!(ws.stacks[0].resources["Data"].lifecycle, expected, "{env}");
        }
    }

    #[test]
    fn a_wrong_shape_is_an_error_at_its_place() {
        let cases = [
            (
                "      fuelflow:\n        Protected: true\n",
                "t.yaml:10:9: error: unknown lifecycle control of resource `Data`: `Protected`",
            ),
            (
                "      fuelflow:\n        Protect: yes please\n",
                "t.yaml:10:18: error: `Protect` of resource `Data` must be true or false, found a string",
            ),
            (
                "      fuelflow:\n        IgnoreChanges: Tags\n",
                "t.yaml:10:24: error: `IgnoreChanges` of resource `Data` must be a list of property names, found a string",
            ),
            (
                "      fuelflow:\n        IgnoreChanges: [Tags, Colour]\n",
                "t.yaml:10:31: error: `IgnoreChanges` of resource `Data` names `Colour`, which is not a property of AWS::S3::Bucket",
            ),
            (
                "      fuelflow:\n        IgnoreChanges: [Tags.Key]\n",
                "t.yaml:10:25: error: `IgnoreChanges` of resource `Data` names `Tags.Key`, which is not a property of AWS::S3::Bucket",
            ),
            (
                "      fuelflow: [Protect]\n",
                "t.yaml:9:17: error: `Metadata.fuelflow` of resource `Data` must be a mapping, found a list",
            ),
        ];
        for (metadata, expected) in cases {
            let found = errors(&format!("{HEAD}{metadata}"), "dev");
            assert_eq!(found, [expected], "{metadata}");
        }
    }
}
