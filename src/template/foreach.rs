//! `Fn::ForEach` of the `AWS::LanguageExtensions` transform, expanded on the parsed template
//! before it is read: `Fn::ForEach::Name: [Identifier, [a, b], {Key${Identifier}: body}]`
//! becomes one `Key<item>: body` entry per item, with `${Identifier}` and `&{Identifier}` (the
//! item without non-alphanumerics) replaced in keys and strings and `Ref: Identifier` replaced
//! by the item. Expanded nodes keep the loop's spans, so diagnostics point into the loop.

use crate::diagnostic::Diagnostic;
use crate::template::yaml::{Key, Kind, Node};

/// The transform fuelflow accepts (it applies it itself).
pub const LANGUAGE_EXTENSIONS: &str = "AWS::LanguageExtensions";

const PREFIX: &str = "Fn::ForEach::";

/// Whether the template's `Transform` is exactly the language extensions; other transforms
/// (macros such as `AWS::Serverless`) are refused.
pub fn check_transform(value: &Node, errors: &mut Vec<Diagnostic>) -> bool {
    let names: Vec<&Node> = match &value.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    let mut ok = !names.is_empty();
    for name in names {
        if name.as_str() != Some(LANGUAGE_EXTENSIONS) {
            ok = false;
            errors.push(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`Transform` {}: only {LANGUAGE_EXTENSIONS} is supported (macros such as \
                         AWS::Serverless are not)",
                        name.as_str().unwrap_or("(not a name)")
                    ),
                )
                .with_note(
                    "fuelflow applies templates itself; expand the macro first (e.g. `sam package`)",
                ),
            );
        }
    }
    ok
}

/// The template with its loops expanded, when it declares the language extensions and has loops
/// (`None`: use it as it is). Loops without the transform, and other transforms, are errors.
pub fn prepare(root: &Node, errors: &mut Vec<Diagnostic>) -> Option<Node> {
    let transform = root.as_map()?.iter().find(|(k, _)| k.name == "Transform");
    match transform {
        Some((_, value)) => {
            let ok = check_transform(value, errors);
            (ok && uses_foreach(root)).then(|| expand(root, errors))
        }
        None => {
            if uses_foreach(root) {
                errors.push(Diagnostic::error(
                    root.span,
                    format!(
                        "`Fn::ForEach` needs `Transform: {LANGUAGE_EXTENSIONS}` in the template"
                    ),
                ));
            }
            None
        }
    }
}

/// Whether any mapping in `node` has an `Fn::ForEach::` key.
pub fn uses_foreach(node: &Node) -> bool {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.name.starts_with(PREFIX) || uses_foreach(v)),
        Kind::Seq(items) => items.iter().any(uses_foreach),
        _ => false,
    }
}

/// `node` with every loop expanded (inner loops after outer ones).
pub fn expand(node: &Node, errors: &mut Vec<Diagnostic>) -> Node {
    let kind = match &node.kind {
        Kind::Map(entries) => {
            let mut out: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                if k.name.starts_with(PREFIX) {
                    for (key, value) in one_loop(k, v, errors) {
                        push_unique(&mut out, key, expand(&value, errors), errors);
                    }
                } else {
                    push_unique(&mut out, k.clone(), expand(v, errors), errors);
                }
            }
            Kind::Map(out)
        }
        Kind::Seq(items) => Kind::Seq(items.iter().map(|i| expand(i, errors)).collect()),
        other => other.clone(),
    };
    Node {
        span: node.span,
        kind,
    }
}

fn push_unique(out: &mut Vec<(Key, Node)>, key: Key, value: Node, errors: &mut Vec<Diagnostic>) {
    if out.iter().any(|(k, _)| k.name == key.name) {
        errors.push(Diagnostic::error(
            key.span,
            format!(
                "`{}` is defined twice (after expanding Fn::ForEach)",
                key.name
            ),
        ));
        return;
    }
    out.push((key, value));
}

/// The entries one `Fn::ForEach::Name: [Identifier, Collection, Template]` stands for.
fn one_loop(key: &Key, value: &Node, errors: &mut Vec<Diagnostic>) -> Vec<(Key, Node)> {
    let fail = |errors: &mut Vec<Diagnostic>, node: &Node, message: String| {
        errors.push(Diagnostic::error(
            node.span,
            format!("`{}`: {message}", key.name),
        ));
        Vec::new()
    };
    let Some([identifier, collection, template]) = value.as_seq() else {
        return fail(
            errors,
            value,
            "takes a list of 3: [Identifier, Collection, {OutputKey: OutputValue}]".into(),
        );
    };
    let Some(identifier) = identifier.as_str().filter(|i| is_identifier(i)) else {
        return fail(
            errors,
            identifier,
            "the identifier must be a plain name (letters and digits)".into(),
        );
    };
    let Some(items) = collection.as_seq() else {
        return fail(
            errors,
            collection,
            "the collection must be a literal list here (a parameter reference is not \
             supported yet)"
                .into(),
        );
    };
    let Some(outputs) = template.as_map() else {
        return fail(
            errors,
            template,
            "the third item must map an output key to its value".into(),
        );
    };
    let mut expanded = Vec::new();
    for item in items {
        let Some(text) = item.as_str() else {
            return fail(errors, item, "collection items must be strings".into());
        };
        for (out_key, out_value) in outputs {
            let name = substitute(&out_key.name, identifier, text);
            if name == out_key.name && items.len() > 1 {
                return fail(
                    errors,
                    &Node {
                        span: out_key.span,
                        kind: Kind::Null,
                    },
                    format!(
                        "output key `{name}` must use ${{{identifier}}} or &{{{identifier}}} to \
                         be unique per item"
                    ),
                );
            }
            let key = Key {
                name,
                span: out_key.span,
            };
            expanded.push((key, replace(out_value, identifier, text)));
        }
    }
    expanded
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `${Identifier}` → the item; `&{Identifier}` → the item's letters and digits only.
fn substitute(text: &str, identifier: &str, item: &str) -> String {
    let alphanumeric: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{identifier}}}"), item)
        .replace(&format!("&{{{identifier}}}"), &alphanumeric)
}

/// The loop body for one item: `Ref: Identifier` is the item, and strings are substituted.
fn replace(node: &Node, identifier: &str, item: &str) -> Node {
    let kind = match &node.kind {
        Kind::Map(entries) => match entries.as_slice() {
            [(k, v)] if k.name == "Ref" && v.as_str() == Some(identifier) => {
                Kind::String(item.to_string())
            }
            _ => Kind::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = Key {
                            name: substitute(&k.name, identifier, item),
                            span: k.span,
                        };
                        (key, replace(v, identifier, item))
                    })
                    .collect(),
            ),
        },
        Kind::Seq(items) => Kind::Seq(items.iter().map(|i| replace(i, identifier, item)).collect()),
        Kind::String(s) => Kind::String(substitute(s, identifier, item)),
        other => other.clone(),
    };
    Node {
        span: node.span,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use crate::template::yaml;

    fn expanded(text: &str) -> (serde_json::Value, Vec<String>) {
        let mut sources = SourceMap::new();
        let id = sources.add(std::path::Path::new("t.yaml"), text.to_string());
        let root = yaml::parse(id, sources.get(id)).expect("parses");
        let mut errors = Vec::new();
        let node = expand(&root, &mut errors);
        (
            to_json(&node),
            errors.into_iter().map(|d| d.message).collect(),
        )
    }

    fn to_json(node: &Node) -> serde_json::Value {
        use serde_json::Value as J;
        match &node.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(n) | Kind::String(n) => J::String(n.clone()),
            Kind::Seq(items) => J::Array(items.iter().map(to_json).collect()),
            Kind::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), to_json(v)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn a_loop_becomes_one_entry_per_item() {
        let (json, errors) = expanded(
            "Resources:
  Fn::ForEach::Buckets:
    - Name
    - [logs, media-files]
    - 'Bucket&{Name}':
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub 'app-${Name}'
          Tags: [{Key: name, Value: !Ref Name}]
  Other: {Type: AWS::SNS::Topic}
",
        );
        assert_eq!(errors, Vec::<String>::new());
        let resources = &json["Resources"];
        assert_eq!(
            resources.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["Bucketlogs", "Bucketmediafiles", "Other"]
        );
        let media = &resources["Bucketmediafiles"]["Properties"];
        assert_eq!(media["BucketName"]["Fn::Sub"], "app-media-files");
        assert_eq!(media["Tags"][0]["Value"], "media-files");
    }

    #[test]
    fn bad_loops_are_refused_with_the_reason() {
        let (_, errors) = expanded("Resources:\n  Fn::ForEach::X: [Name, !Ref List, {A: {}}]\n");
        assert!(errors[0].contains("must be a literal list"), "{errors:?}");
        let (_, errors) = expanded("Resources:\n  Fn::ForEach::X: [Name, [a, b], {Same: {}}]\n");
        assert!(errors[0].contains("to be unique per item"), "{errors:?}");
        let (_, errors) =
            expanded("Resources:\n  Ba: {}\n  Fn::ForEach::X: [N, [a], {'B${N}': {}}]\n");
        assert!(errors[0].contains("`Ba` is defined twice"), "{errors:?}");
    }
}
