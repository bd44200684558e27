//! Redeploys: a resource whose own properties did not change but that must be created again
//! because something it depends on did ([`Handler::replaced_when_changed`]).
//!
//! [`Handler::replaced_when_changed`]: crate::resources::Handler::replaced_when_changed

use super::{Action, Change};
use crate::resources::Registry;
use crate::state::recorded::Recorded;
use crate::template::stack::Stack;
use std::collections::HashSet;

/// Adds a replacement of every applied resource of `stack` not changing yet whose handler names
/// a changed resource (an API Gateway deployment when its API's methods change: CloudFormation
/// makes users rename the Deployment for that, fuelflow does it). A resource only forgotten
/// (`DeletionPolicy: Retain`) does not count as a change.
pub fn replace_dependents_of_changes(
    registry: &Registry,
    stack: &Stack,
    changes: &mut Vec<Change>,
    recorded: &Recorded,
) {
    // By id, so a plan of N creates is not N x N comparisons.
    let mut changing: HashSet<String> = changes.iter().map(|c| c.logical_id.clone()).collect();
    let mut changed: HashSet<String> = changes
        .iter()
        .filter(|c| c.action != Action::Forget)
        .map(|c| c.logical_id.clone())
        .collect();
    for d in stack.resources.values() {
        let Some(handler) = registry.get(&d.resource_type) else {
            continue;
        };
        if changing.contains(&d.logical_id) {
            continue;
        }
        let Some(state) = recorded.doc.resources.get(&d.logical_id) else {
            continue;
        };
        let because: Vec<String> = handler
            .replaced_when_changed(stack, &d.logical_id)
            .into_iter()
            .filter(|m| changed.contains(m))
            .collect();
        if because.is_empty() {
            continue;
        }
        changing.insert(d.logical_id.clone());
        changed.insert(d.logical_id.clone());
        changes.push(Change {
            stack: stack.id.key.clone(),
            logical_id: d.logical_id.clone(),
            resource_type: d.resource_type.clone(),
            action: Action::Replace,
            physical_id: Some(state.physical_id.clone()),
            properties: Vec::new(),
            replace_because: Vec::new(),
            reason: Some(format!("redeploy: {} changed", because.join(", "))),
        });
    }
}
