//! Applying a `--refresh-only` plan: the live values its changes list are written into each
//! stack's state (one conditional write per stack), a resource gone from AWS is forgotten, and
//! nothing in AWS is called.

use super::Report;
use crate::engine::{Engine, ResourceFailure};
use crate::plan::Action;
use crate::plan::run::Planned;
use serde_json::Value as Json;

/// Records the refresh-only plan of `planned` in the states it was made against.
pub async fn record(engine: &Engine, planned: &Planned) -> Report {
    let mut report = Report::default();
    for stack in &planned.plan.stacks {
        if stack.changes.is_empty() {
            continue;
        }
        let Some(recorded) = planned.states.get(&stack.stack) else {
            continue;
        };
        let mut doc = recorded.doc.next_serial();
        for c in &stack.changes {
            match c.action {
                Action::Forget => {
                    doc.resources.remove(&c.logical_id);
                }
                Action::Update => {
                    let Some(r) = doc.resources.get_mut(&c.logical_id) else {
                        continue;
                    };
                    if let Json::Object(props) = &mut r.properties {
                        for p in &c.properties {
                            match &p.after {
                                Json::Null => props.remove(&p.path),
                                after => props.insert(p.path.clone(), after.clone()),
                            };
                        }
                    }
                    // Attributes as read now, keeping fuelflow's own (secret versions, Protect).
                    let live = planned
                        .live
                        .get(&(stack.stack_name.clone(), c.logical_id.clone()));
                    if let Some(Some(live)) = live {
                        for (name, value) in &live.attributes {
                            r.attributes.insert(name.clone(), value.clone());
                        }
                    }
                }
                _ => continue,
            }
            report.applied += 1;
        }
        let key = engine.backend.key(&engine.env, &stack.stack);
        let store = engine.backend.store.as_ref();
        if let Err(e) = store.put(&key, &doc, recorded.etag.as_ref()).await {
            report.failures.push(ResourceFailure::internal(format!(
                "recording the live values in the state of stack {}: {e}",
                stack.stack_name
            )));
            return report;
        }
    }
    report
}
