//! Checks across resources and stacks of one environment, run by `validate` once every stack is
//! evaluated:
//!
//! - one physical name per primary identifier and region: two resources (in one stack or in two)
//!   that set the same name (`BucketName: logs`) would fight over one AWS resource; S3 bucket and
//!   IAM names are global, the others per region;
//! - a reference to a conditional resource from a resource or output not under the same
//!   condition (nor inside an `Fn::If` on it): in an environment where the condition is false the
//!   reference has nothing to point at. This is checked on the template, so it holds for every
//!   environment, not only the one being validated; conditions that read no parameter are the
//!   same everywhere and left to evaluation.

use super::lookup;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::template::Template;
use crate::template::Value;
use crate::template::stack::Stack;
use crate::template::yaml::{Kind, Node};
use std::collections::HashMap;

pub fn check(stacks: &[Stack]) -> Vec<Diagnostic> {
    let mut found = physical_names(stacks);
    for stack in stacks {
        found.extend(conditional_references(&stack.template));
    }
    found
}

/// Whether a type's names are unique per partition rather than per region.
fn global(type_name: &str) -> bool {
    type_name.starts_with("AWS::IAM::") || type_name == "AWS::S3::Bucket"
}

/// `stack.LogicalId`, where its name is set, and the property that sets it.
type Place<'a> = (String, Span, &'a str);

fn physical_names(stacks: &[Stack]) -> Vec<Diagnostic> {
    // (type, region, name) -> places
    let mut places: HashMap<(&str, &str, &str), Vec<Place>> = HashMap::new();
    for stack in stacks {
        for r in stack.resources.values() {
            let Some(schema) = lookup(&r.resource_type) else {
                continue;
            };
            let [property] = schema.primary_identifier else {
                continue;
            };
            if schema.attributes.contains(property) {
                continue; // assigned by AWS (an id or an ARN)
            }
            let Value::Map(props) = &r.properties else {
                continue;
            };
            let Some(Value::String(name)) = props.get(*property) else {
                continue;
            };
            let span = stack
                .template
                .resources
                .get(&r.logical_id)
                .and_then(|t| t.properties.as_ref())
                .and_then(|p| p.get(property))
                .map_or(r.span, |n| n.span);
            let region = if global(&r.resource_type) {
                ""
            } else {
                stack.pseudo.region.as_str()
            };
            places
                .entry((r.resource_type.as_str(), region, name.as_str()))
                .or_default()
                .push((format!("{}.{}", stack.id.key, r.logical_id), span, property));
        }
    }
    let mut found = Vec::new();
    let mut groups: Vec<_> = places.into_iter().filter(|(_, p)| p.len() > 1).collect();
    groups.sort_by_key(|(_, p)| p[0].1.start);
    for ((type_name, region, name), places) in groups {
        let owners: Vec<&str> = places.iter().map(|(o, _, _)| o.as_str()).collect();
        let scope = if region.is_empty() {
            String::new()
        } else {
            format!(" in {region}")
        };
        for (i, (owner, span, property)) in places.iter().enumerate() {
            let others: Vec<&str> = owners
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| *o)
                .collect();
            let mut d = Diagnostic::error(
                *span,
                format!(
                    "`{owner}` sets {property} `{name}`, which `{}` also uses: one {type_name} can have that name{scope}",
                    others.join("`, `")
                ),
            );
            for (j, (_, other, _)) in places.iter().enumerate() {
                if j != i {
                    d = d.with_related(*other, "the same name here");
                }
            }
            found.push(d);
        }
    }
    found
}

/// A condition known to hold at a place: the name, and whether it holds or its negation does.
type Held<'a> = Vec<(&'a str, bool)>;

fn conditional_references(template: &Template) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let visit = |owner: &str, condition: Option<&str>, node: &Node, found: &mut Vec<Diagnostic>| {
        let held: Held = condition.map(|c| (c, true)).into_iter().collect();
        let mut walk = Walk {
            template,
            owner,
            found,
        };
        walk.node(node, &held);
    };
    for r in template.resources.values() {
        if let Some(p) = &r.properties {
            visit(
                &r.logical_id,
                r.condition.as_ref().map(|c| c.value.as_str()),
                p,
                &mut found,
            );
        }
    }
    for o in template.outputs.values() {
        visit(
            &o.name,
            o.condition.as_ref().map(|c| c.value.as_str()),
            &o.value,
            &mut found,
        );
    }
    found
}

struct Walk<'a, 'f> {
    template: &'a Template,
    owner: &'a str,
    found: &'f mut Vec<Diagnostic>,
}

impl<'a> Walk<'a, '_> {
    fn node(&mut self, node: &'a Node, held: &Held<'a>) {
        match &node.kind {
            Kind::Seq(items) => items.iter().for_each(|i| self.node(i, held)),
            Kind::Map(entries) => {
                if let Some((key, arg)) = node.single_entry() {
                    match key.name.as_str() {
                        "Ref" => {
                            if let Some(target) = arg.as_str() {
                                self.reference(target, node.span, held);
                            }
                            return;
                        }
                        "Fn::GetAtt" => {
                            let target = match &arg.kind {
                                Kind::String(s) => s.split('.').next(),
                                Kind::Seq(items) => items.first().and_then(Node::as_str),
                                _ => None,
                            };
                            if let Some(target) = target {
                                self.reference(target, node.span, held);
                            }
                            return;
                        }
                        "Fn::Sub" => {
                            let text = match &arg.kind {
                                Kind::String(_) => arg.as_str(),
                                Kind::Seq(items) => items.first().and_then(Node::as_str),
                                _ => None,
                            };
                            for target in text.map(sub_targets).unwrap_or_default() {
                                self.reference(target, node.span, held);
                            }
                            if let Some([_, vars]) = arg.as_seq() {
                                self.node(vars, held);
                            }
                            return;
                        }
                        "Fn::If" => {
                            if let Some([c, a, b]) = arg.as_seq()
                                && let Some(c) = c.as_str()
                            {
                                let mut yes = held.clone();
                                yes.push((c, true));
                                self.node(a, &yes);
                                let mut no = held.clone();
                                no.push((c, false));
                                self.node(b, &no);
                                return;
                            }
                        }
                        _ => {}
                    }
                }
                entries.iter().for_each(|(_, v)| self.node(v, held));
            }
            _ => {}
        }
    }

    fn reference(&mut self, target: &str, span: Span, held: &Held<'a>) {
        let Some(resource) = self.template.resources.get(target) else {
            return;
        };
        let Some(condition) = &resource.condition else {
            return;
        };
        if !varies(self.template, &condition.value, 0) {
            return; // the same in every environment: evaluation decides it exactly
        }
        if held
            .iter()
            .any(|&(h, positive)| implies(self.template, h, positive, &condition.value, 0))
        {
            return;
        }
        self.found.push(
            Diagnostic::error(
                span,
                format!(
                    "`{}` refers to `{target}`, which exists only when condition `{}` is true, but `{}` is not under that condition",
                    self.owner, condition.value, self.owner
                ),
            )
            .with_note(format!(
                "give `{}` `Condition: {}`, or wrap the reference in `Fn::If: [{}, …, !Ref AWS::NoValue]`",
                self.owner, condition.value, condition.value
            )),
        );
    }
}

/// Whether condition `held` (or its negation, when `positive` is false) implies `target`:
/// the same condition, an `Fn::And` that includes it, or the negation of an `Fn::Not` of it.
fn implies(template: &Template, held: &str, positive: bool, target: &str, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    if positive && held == target {
        return true;
    }
    let Some(definition) = template.conditions.get(held) else {
        return false;
    };
    let Some((function, arg)) = definition.node.single_entry() else {
        return false;
    };
    let named = |n: &Node| -> Option<String> {
        n.single_entry()
            .filter(|(k, _)| k.name == "Condition")
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    };
    let items = arg.as_seq().unwrap_or_default();
    match (function.name.as_str(), positive) {
        ("Fn::And", true) => items
            .iter()
            .filter_map(named)
            .any(|c| implies(template, &c, true, target, depth + 1)),
        ("Fn::Not", _) => items
            .first()
            .and_then(named)
            .is_some_and(|c| implies(template, &c, !positive, target, depth + 1)),
        _ => false,
    }
}

/// Whether a condition can differ between environments: it reads a parameter or a pseudo
/// parameter (`AWS::Region`), directly or through another condition.
fn varies(template: &Template, condition: &str, depth: usize) -> bool {
    fn reads(template: &Template, node: &Node, depth: usize) -> bool {
        match &node.kind {
            Kind::Seq(items) => items.iter().any(|i| reads(template, i, depth)),
            Kind::Map(entries) => match node.single_entry() {
                Some((k, _)) if k.name == "Ref" => true,
                Some((k, v)) if k.name == "Condition" => {
                    v.as_str().is_none_or(|c| varies(template, c, depth + 1))
                }
                _ => entries.iter().any(|(_, v)| reads(template, v, depth)),
            },
            _ => false,
        }
    }
    depth > 16
        || template
            .conditions
            .get(condition)
            .is_none_or(|c| reads(template, &c.node, depth))
}

/// The resource names a `Fn::Sub` string refers to (`${Bucket}`, `${Bucket.Arn}`).
fn sub_targets(text: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        if !inner.starts_with('!') {
            targets.push(inner.split('.').next().unwrap_or(inner).trim());
        }
        rest = &after[end + 1..];
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::sub_targets;

    #[test]
    fn sub_targets_skip_literals() {
        assert_eq!(
            sub_targets("arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}/${Role.Arn}"),
            vec!["AWS::Partition", "Bucket", "Role"]
        );
    }
}
