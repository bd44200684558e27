//! A plan as text (the terminal view) and as JSON (a stable document, see the README).

use super::{Action, Change, Plan, PropertyChange};
use serde_json::Value;
use std::fmt::Write;

/// The plan as a person reads it: one block per change, then the summary line.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    for stack in &plan.stacks {
        if stack.changes.is_empty() && stack.outputs.is_empty() {
            continue;
        }
        let _ = writeln!(out, "Stack {} ({}):", stack.stack, stack.stack_name);
        for c in &stack.changes {
            change(&mut out, c);
        }
        for (name, value) in &stack.outputs {
            let _ = writeln!(out, "  output {name} = {}", show(value));
        }
        out.push('\n');
    }
    let s = plan.summary();
    if !plan.has_changes() {
        out.push_str("No changes. The infrastructure matches the templates.\n");
    } else {
        let _ = writeln!(
            out,
            "Plan: {} to add, {} to change, {} to destroy.",
            s.add, s.change, s.destroy
        );
    }
    out
}

fn change(out: &mut String, c: &Change) {
    let (sign, verb) = match c.action {
        Action::Create => ("+", "create"),
        Action::Update => ("~", "update in place"),
        Action::Replace => ("-/+", "replace"),
        Action::Delete => ("-", "destroy"),
        Action::Forget => ("~", "forget"),
    };
    let drift = c.properties.iter().any(|p| p.drift)
        || c.reason.as_deref() == Some("deleted outside fuelflow");
    let _ = write!(
        out,
        "  {sign} {} ({}) will {verb}",
        c.logical_id, c.resource_type
    );
    if !c.replace_because.is_empty() {
        let _ = write!(
            out,
            " (forces replacement: {})",
            c.replace_because.join(", ")
        );
    }
    if let Some(reason) = &c.reason {
        let _ = write!(out, " [{reason}]");
    }
    if drift && c.action != Action::Create {
        out.push_str(" [drift]");
    }
    out.push('\n');
    for p in &c.properties {
        property(out, c.action, p);
    }
}

fn property(out: &mut String, action: Action, p: &PropertyChange) {
    let mark = if p.drift {
        " (drift: changed outside fuelflow)"
    } else {
        ""
    };
    let forces = if p.forces_replacement && action == Action::Replace {
        " # forces replacement"
    } else {
        ""
    };
    match action {
        Action::Create => {
            let _ = writeln!(out, "      {}: {}", p.path, show(&p.after));
        }
        _ if p.after.is_null() => {
            let _ = writeln!(
                out,
                "      {}: {} -> (removed, back to default){forces}",
                p.path,
                show(&p.before)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "      {}: {} -> {}{mark}{forces}",
                p.path,
                show(&p.before),
                show(&p.after)
            );
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) if s == super::UNKNOWN || s == super::SENSITIVE => s.clone(),
        other => other.to_string(),
    }
}

/// The plan as the documented JSON document (`plan --json`).
pub fn json(plan: &Plan) -> Value {
    let s = plan.summary();
    serde_json::json!({
        "format_version": plan.format_version,
        "env": plan.env,
        "destroy": plan.destroy,
        "summary": { "add": s.add, "change": s.change, "destroy": s.destroy },
        "changes": plan.stacks.iter().flat_map(|stack| stack.changes.iter().map(move |c| serde_json::json!({
            "stack": stack.stack,
            "stack_name": stack.stack_name,
            "logical_id": c.logical_id,
            "type": c.resource_type,
            "action": c.action,
            "physical_id": c.physical_id,
            "replace_because": c.replace_because,
            "reason": c.reason,
            "drift": c.properties.iter().any(|p| p.drift) || c.reason.as_deref() == Some("deleted outside fuelflow"),
            "properties": c.properties.iter().map(|p| serde_json::json!({
                "path": p.path, "before": p.before, "after": p.after,
                "forces_replacement": p.forces_replacement, "drift": p.drift, "sensitive": p.sensitive,
            })).collect::<Vec<_>>(),
        }))).collect::<Vec<_>>(),
        "outputs": plan.stacks.iter().flat_map(|stack| stack.outputs.iter().map(move |(name, value)| serde_json::json!({
            "stack": stack.stack, "name": name, "value": value,
        }))).collect::<Vec<_>>(),
    })
}
