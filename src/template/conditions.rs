//! The `Conditions` section, decided once per stack in dependency order.

use super::eval::{Evaluator, Scope};
use super::model::Template;
use super::yaml::Node;
use crate::diagnostic::Diagnostic;
use indexmap::IndexMap;

/// The conditions a condition refers to with `{Condition: Name}`.
pub fn condition_refs(node: &Node, out: &mut Vec<String>) {
    if let Some(entries) = node.as_map() {
        if let [(key, arg)] = entries {
            if key.name == "Condition" {
                if let Some(name) = arg.as_str() {
                    out.push(name.to_string());
                }
                return;
            }
        }
        entries.iter().for_each(|(_, v)| condition_refs(v, out));
    } else if let Some(items) = node.as_seq() {
        items.iter().for_each(|i| condition_refs(i, out));
    }
}

/// Decides every condition of `template`, each after those it uses. `None` means undecidable
/// without AWS (say, a comparison with the account id in `validate`). A cycle names each member.
pub fn evaluate(
    template: &Template,
    base: Scope<'_>,
    errors: &mut Vec<Diagnostic>,
) -> IndexMap<String, Option<bool>> {
    let mut decided: IndexMap<String, Option<bool>> = IndexMap::new();
    let mut pending: Vec<&str> = template.conditions.keys().map(String::as_str).collect();
    while !pending.is_empty() {
        let ready: Vec<&str> = pending
            .iter()
            .copied()
            .filter(|name| {
                let mut uses = Vec::new();
                condition_refs(&template.conditions[*name].node, &mut uses);
                uses.iter()
                    .all(|u| decided.contains_key(u) || !template.conditions.contains_key(u))
            })
            .collect();
        if ready.is_empty() {
            let first = &template.conditions[pending[0]];
            let mut d = Diagnostic::error(
                first.span,
                format!(
                    "conditions refer to each other in a cycle: {}",
                    pending.join(", ")
                ),
            );
            for name in &pending[1..] {
                d = d.with_related(
                    template.conditions[*name].span,
                    format!("`{name}` is in the cycle"),
                );
            }
            errors.push(d);
            for name in pending.drain(..) {
                decided.insert(name.to_string(), None);
            }
            break;
        }
        for name in ready {
            let condition = &template.conditions[name];
            let scope = Scope {
                conditions: &decided,
                ..base
            };
            let mut evaluator = Evaluator::new(scope);
            let value = evaluator.condition_arg(&condition.node);
            errors.extend(evaluator.errors);
            decided.insert(name.to_string(), value);
            pending.retain(|p| *p != name);
        }
    }
    decided
}
