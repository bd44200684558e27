//! Refresh: read every managed resource from AWS, concurrently, reading only what the template
//! manages.

use crate::engine::{Engine, ResourceFailure};
use crate::resources::{Live, Props};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::JoinSet;

/// A resource to read.
#[derive(Debug, Clone)]
pub struct Target {
    pub stack_name: String,
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    /// The properties the template manages (known values only), or the recorded ones.
    pub desired: Props,
}

pub type Refreshed = HashMap<(String, String), Option<Live>>;

/// Reads all targets, at most `engine.parallelism` at a time. Every failure is returned.
pub async fn refresh(
    engine: &Engine,
    targets: Vec<Target>,
) -> Result<Refreshed, Vec<ResourceFailure>> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(engine.parallelism.max(1)));
    let mut tasks = JoinSet::new();
    for target in targets {
        let Some(handler) = engine.registry.get(&target.resource_type) else {
            continue;
        };
        let ctx = engine.ctx(&target.stack_name, &target.logical_id);
        let semaphore = semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let result = handler
                .read(&ctx, &target.physical_id, &target.desired)
                .await;
            (target, result)
        });
    }
    let mut refreshed = HashMap::new();
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((t, Ok(live))) => {
                refreshed.insert((t.stack_name, t.logical_id), live);
            }
            Ok((t, Err(e))) => failures.push(ResourceFailure::new(
                &t.stack_name,
                &t.logical_id,
                &t.resource_type,
                "read",
                e,
            )),
            Err(e) => failures.push(ResourceFailure::internal(format!(
                "a refresh task failed: {e}"
            ))),
        }
    }
    if failures.is_empty() {
        Ok(refreshed)
    } else {
        Err(failures)
    }
}

/// What refresh reads: every recorded resource of the stacks of `workspace`, with the properties
/// the template manages (the recorded ones when it no longer has them, or for `destroy`).
pub fn targets_of(
    workspace: &crate::workspace::Workspace,
    states: &std::collections::BTreeMap<String, crate::state::recorded::Recorded>,
    destroy: bool,
) -> Vec<Target> {
    let mut targets = Vec::new();
    for stack in &workspace.stacks {
        let recorded = &states[&stack.id.key].doc;
        for (logical_id, r) in &recorded.resources {
            let desired = match stack.resources.get(logical_id) {
                Some(evaluated) if !destroy => super::desired::known_props(&evaluated.properties),
                _ => r.properties.as_object().cloned().unwrap_or_default(),
            };
            targets.push(Target {
                stack_name: stack.id.name.clone(),
                logical_id: logical_id.clone(),
                resource_type: r.resource_type.clone(),
                physical_id: r.physical_id.clone(),
                desired,
            });
        }
    }
    targets
}
