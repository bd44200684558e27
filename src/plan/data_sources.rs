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
    let mut found = false;
    let mut failures = Vec::new();
    for stack in &workspace.stacks {
        for r in stack
            .resources
            .values()
            .filter(|r| data::is_data_source(&r.resource_type))
        {
            found = true;
            match data::lookup(&engine.clients, &r.resource_type).await {
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
    }
    if failures.is_empty() {
        Ok(found)
    } else {
        Err(failures)
    }
}
