//! A plan as a person reads it, Terraform's way: first what changed outside fuelflow (drift),
//! then what apply will do, each property as a structural diff ([`tree`]) that shows only what
//! differs, then `Plan: 1 to add, 2 to change, 0 to destroy.` No line is wider than
//! [`lines::WIDTH`]. The JSON form of a plan is [`crate::ops::PlanReport`].

mod lines;
mod tree;

#[cfg(test)]
mod tests;

use super::{Action, Change, Plan, PropertyChange, StackPlan};
use lines::{Lines, Mark};
use serde_json::Value;

pub use lines::WIDTH;

/// Why a resource is planned for creation when it was recorded.
const DELETED_OUTSIDE: &str = "deleted outside fuelflow";

/// The plan as text: the drift section (when there is drift), the actions, the summary line.
pub fn text(plan: &Plan) -> String {
    if plan.refresh_only {
        return refresh_only(plan);
    }
    let mut out = Lines::default();
    if plan.stacks.iter().flat_map(|s| &s.changes).any(drifted) {
        out.raw("Objects have changed outside of fuelflow".into());
        out.raw(String::new());
        out.raw(
            "fuelflow read the live resources and found these changes made outside of it:".into(),
        );
        out.raw(String::new());
        for stack in &plan.stacks {
            drift_of(&mut out, stack);
        }
        out.raw("Unless the templates are changed to match, apply undoes these changes.".into());
        out.raw(String::new());
    }
    if plan.has_changes() {
        out.raw("fuelflow will perform the following actions:".into());
        out.raw(String::new());
    }
    for stack in &plan.stacks {
        if stack.changes.is_empty() && stack.outputs.is_empty() && stack.excluded.is_empty() {
            continue;
        }
        out.raw(format!("Stack {} ({}):", stack.stack, stack.stack_name));
        for c in &stack.changes {
            change(&mut out, c);
        }
        for (name, value) in &stack.outputs {
            out.raw(format!("  output {name} = {}", output(value)));
        }
        for e in &stack.excluded {
            excluded(&mut out, e);
        }
        out.raw(String::new());
    }
    let s = plan.summary();
    if !plan.has_changes() {
        out.raw("No changes. The infrastructure matches the templates.".into());
    } else {
        out.raw(format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            s.add, s.change, s.destroy
        ));
        if let Some(seconds) = plan.estimated_seconds.filter(|s| *s > 0) {
            out.raw(format!(
                "Estimated apply time on AWS: {} (the longest chain first).",
                super::estimate::human(seconds)
            ));
        }
    }
    out.text()
}

/// A refresh-only plan: what the state will record from AWS; nothing in AWS changes.
fn refresh_only(plan: &Plan) -> String {
    let mut out = Lines::default();
    if !plan.has_changes() {
        out.raw("No changes. The state matches the live resources.".into());
        return out.text();
    }
    out.raw("Refresh only: fuelflow will record these live values in the state (no resource in AWS is changed):".into());
    out.raw(String::new());
    let mut recorded = 0;
    let mut forgotten = 0;
    for stack in plan.stacks.iter().filter(|s| !s.changes.is_empty()) {
        out.raw(format!("Stack {} ({}):", stack.stack, stack.stack_name));
        for c in &stack.changes {
            let what = format!("{} ({})", c.logical_id, c.resource_type);
            if c.action == Action::Forget {
                forgotten += 1;
                let head = format!("{what} was deleted outside fuelflow: forgotten by the state");
                out.push(2, Mark::Remove, &head);
                continue;
            }
            recorded += 1;
            out.push(
                2,
                Mark::Change,
                &format!("{what} will be recorded as it is in AWS"),
            );
            for p in &c.properties {
                let was = (!p.before.is_null()).then_some(&p.before);
                let now = (!p.after.is_null()).then_some(&p.after);
                tree::entry(&mut out, 6, &format!("{}:", p.path), was, now, "");
            }
        }
        out.raw(String::new());
    }
    out.raw(format!(
        "Refresh only: {recorded} to record, {forgotten} to forget in the state; 0 to add, 0 to change, 0 to destroy in AWS."
    ));
    out.text()
}

/// A resource `--exclude` left out, and what it would have done.
fn excluded(out: &mut Lines, e: &super::Excluded) {
    let left_out = match e.left_out {
        Some(Action::Create) => "; its create is left out",
        Some(Action::Update) => "; its update is left out",
        Some(Action::Replace) => "; its replacement is left out",
        Some(Action::Delete) => "; its delete is left out",
        Some(Action::Forget) => "; its forget is left out",
        None => "",
    };
    let line = format!("  # {} excluded ({}){left_out}", e.logical_id, e.because);
    out.raw(line);
}

fn drifted(c: &Change) -> bool {
    c.reason.as_deref() == Some(DELETED_OUTSIDE) || c.properties.iter().any(|p| p.drift)
}

/// What changed outside fuelflow in one stack, from what fuelflow expects to what AWS has.
fn drift_of(out: &mut Lines, stack: &StackPlan) {
    let changes: Vec<&Change> = stack.changes.iter().filter(|c| drifted(c)).collect();
    if changes.is_empty() {
        return;
    }
    out.raw(format!("Stack {} ({}):", stack.stack, stack.stack_name));
    for c in changes {
        let what = format!("{} ({})", c.logical_id, c.resource_type);
        if c.reason.as_deref() == Some(DELETED_OUTSIDE) {
            out.push(
                2,
                Mark::Remove,
                &format!("{what} was deleted outside fuelflow [drift]"),
            );
            continue;
        }
        out.push(
            2,
            Mark::Change,
            &format!("{what} has changed outside fuelflow [drift]"),
        );
        for p in c.properties.iter().filter(|p| p.drift) {
            let live = (!p.before.is_null()).then_some(&p.before);
            let expected = (!p.after.is_null()).then_some(&p.after);
            tree::entry(out, 6, &format!("{}:", p.path), expected, live, "");
        }
    }
    out.raw(String::new());
}

fn change(out: &mut Lines, c: &Change) {
    let (mark, sign, verb) = match c.action {
        Action::Create => (Mark::Add, "+", "will create"),
        Action::Update => (Mark::Change, "~", "will update in place"),
        Action::Replace => (Mark::None, "-/+", "will replace"),
        Action::Delete if super::is_deposed(c) => (Mark::Remove, "-", "will delete (deposed)"),
        Action::Delete => (Mark::Remove, "-", "will destroy"),
        Action::Forget => (
            Mark::Change,
            "~",
            "will forget (it stays in AWS, no longer managed)",
        ),
    };
    let mut head = format!("{} ({}) {verb}", c.logical_id, c.resource_type);
    if !c.replace_because.is_empty() {
        head.push_str(&format!(
            " (forces replacement: {})",
            c.replace_because.join(", ")
        ));
    }
    if let Some(reason) = &c.reason {
        head.push_str(&format!(" [{reason}]"));
    }
    if drifted(c) && c.action != Action::Create {
        head.push_str(" [drift]");
    }
    match mark {
        Mark::None => out.raw(format!("  {sign} {head}")),
        mark => out.push(2, mark, &head),
    }
    if matches!(c.action, Action::Delete | Action::Forget) {
        if let Some(id) = &c.physical_id {
            out.push(6, Mark::None, &format!("# id: {id}"));
        }
    }
    for p in &c.properties {
        property(out, c.action, p);
    }
}

fn property(out: &mut Lines, action: Action, p: &PropertyChange) {
    let head = format!("{}:", p.path);
    let forces = if p.forces_replacement && action == Action::Replace {
        "  # forces replacement"
    } else {
        ""
    };
    if action == Action::Create {
        return tree::entry(out, 6, &head, None, Some(&p.after), "");
    }
    if p.drift {
        // Its diff is in the drift section above; here only that apply puts it back.
        let note = format!("{head} back to the template (changed outside fuelflow, above){forces}");
        return out.push(6, Mark::Change, &note);
    }
    if p.after.is_null() {
        let note = format!("  # removed from the template: back to the default{forces}");
        return tree::entry(out, 6, &head, Some(&p.before), None, &note);
    }
    let before = (!p.before.is_null()).then_some(&p.before);
    tree::entry(out, 6, &head, before, Some(&p.after), forces);
}

/// An output's new value on one line (compact JSON for maps and lists).
fn output(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        other => lines::scalar(other),
    }
}
