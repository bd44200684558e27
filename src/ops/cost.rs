//! What a plan does to the monthly cost, with the environment's usage assumptions.

use super::reporter::CostDelta;
use crate::cost::{Priced, estimate, estimate_resources};
use crate::plan::run::Planned;
use crate::project::Project;
use crate::template::Value;

/// The cost after `planned` and its difference from what is recorded now; `None` outside a
/// project environment (no usage assumptions to price with).
pub fn delta(project: Option<&Project>, env: &str, planned: &Planned) -> Option<CostDelta> {
    let usage = &project?.environments.get(env)?.usage;
    let recorded: Vec<Priced> = planned
        .states
        .iter()
        .flat_map(|(stack, r)| {
            r.doc.resources.iter().map(move |(id, res)| Priced {
                item: format!("{stack}.{id}"),
                resource_type: res.resource_type.clone(),
                properties: Value::from_json(&res.properties),
            })
        })
        .collect();
    let before = estimate_resources(&recorded, usage).total_usd;
    let after = if planned.plan.destroy {
        0.0
    } else {
        estimate(&planned.workspace.stacks, usage).total_usd
    };
    Some(CostDelta {
        after_usd: after,
        delta_usd: after - before,
    })
}
