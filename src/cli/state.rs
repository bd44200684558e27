//! `fuelflow state list|show`: what is recorded, read without taking the lock; `state restore`:
//! the versions kept of a stack's state, and putting one back (under the stack's lock);
//! `state mv|rm`: renaming, moving or forgetting a recorded resource.

#[path = "state_mv.rs"]
mod refactor;
#[path = "state_restore.rs"]
mod restore;

use super::args::StateAction;
use super::{Context, Outcome, session};
use serde_json::Value;

pub async fn run(ctx: &Context, action: StateAction) -> Outcome {
    let (env, stack, show) = match action {
        StateAction::List { env, stack } => (env.name, stack, false),
        StateAction::Show { env, stack } => (env.name, stack, true),
        StateAction::Restore {
            env,
            stack,
            version,
        } => return restore::run(ctx, env.name, &stack, version.as_deref()).await,
        StateAction::Mv {
            env,
            from,
            to,
            lock_timeout,
        } => return refactor::mv(ctx, env.name, &from, &to, lock_timeout).await,
        StateAction::Rm {
            env,
            address,
            lock_timeout,
        } => return refactor::rm(ctx, env.name, &address, lock_timeout).await,
    };
    let session = session::open(ctx, env).await?;
    let stacks = session.stacks(ctx, stack.as_deref())?;
    let mut shown = serde_json::Map::new();
    for stack in stacks {
        let Some(doc) = session.state(&stack).await? else {
            if !show {
                println!("{stack}: no state (never applied in {})", session.env);
            }
            continue;
        };
        if show {
            let mut json = serde_json::to_value(&doc).unwrap_or(Value::Null);
            redact(&mut json, &doc);
            shown.insert(stack, json);
            continue;
        }
        println!(
            "{stack} (serial {}, {} resources):",
            doc.serial,
            doc.resources.len()
        );
        for (logical_id, r) in &doc.resources {
            println!(
                "  {logical_id:<32} {:<32} {}",
                r.resource_type, r.physical_id
            );
        }
        for d in &doc.deposed {
            println!(
                "  {:<32} {:<32} {} deposed (old copy of a replacement, to delete) since {}",
                d.logical_id, d.resource_type, d.physical_id, d.deposed_at
            );
        }
        for p in &doc.pending {
            println!(
                "  {:<32} {:<32} pending {:?} since {}",
                p.logical_id, p.resource_type, p.action, p.started
            );
        }
    }
    if show {
        super::print_json(&Value::Object(shown));
    }
    Ok(())
}

/// Replaces every value marked sensitive with `(sensitive)`.
fn redact(json: &mut Value, doc: &fuelflow::state::StateDocument) {
    for (logical_id, r) in &doc.resources {
        for path in &r.sensitive {
            let mut at = json
                .get_mut("resources")
                .and_then(|v| v.get_mut(logical_id))
                .and_then(|v| v.get_mut("properties"));
            for part in path.split('.') {
                at = at.and_then(|v| v.get_mut(part));
            }
            if let Some(v) = at {
                *v = Value::String("(sensitive)".into());
            }
        }
    }
    for (name, o) in &doc.outputs {
        if o.sensitive {
            if let Some(v) = json
                .get_mut("outputs")
                .and_then(|v| v.get_mut(name))
                .and_then(|v| v.get_mut("value"))
            {
                *v = Value::String("(sensitive)".into());
            }
        }
    }
}
