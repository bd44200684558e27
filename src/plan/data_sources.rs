//! Data sources: resources that already exist and are only referred to, looked up at plan time
//! so what refers to them is known in the plan.

use super::lookup::Known;
use crate::engine::{Engine, ResourceFailure};
use crate::resources::data;
use crate::workspace::Workspace;

/// Looks up every data source of the templates into `known`. Returns whether there were any
/// (then the templates are evaluated again); every failed lookup is returned.
pub async fn look_up_data_sources(
    engine: &Engine,
    workspace: &Workspace,
    known: &mut Known,
) -> Result<bool, Vec<ResourceFailure>> {
    // Every lookup at once (each is a read of its own).
    let mut sources = Vec::new();
    for stack in &workspace.stacks {
        for r in stack
            .resources
            .values()
            .filter(|r| data::is_data_source(&r.resource_type))
        {
            sources.push((stack, r));
        }
    }
    let lookups = sources
        .iter()
        .map(|(_, r)| data::lookup(&engine.clients, &r.resource_type));
    let found = futures_util::future::join_all(lookups).await;
    let mut failures = Vec::new();
    for ((stack, r), result) in sources.iter().zip(found) {
        match result {
            Ok((id, attributes)) => {
                known.set_resource(&stack.id.name, &r.logical_id, &id, attributes)
            }
            Err(e) => failures.push(ResourceFailure::new(
                &stack.id.name,
                &r.logical_id,
                &r.resource_type,
                "look up",
                e,
            )),
        }
    }
    let found = !sources.is_empty();
    if failures.is_empty() {
        Ok(found)
    } else {
        Err(failures)
    }
}
