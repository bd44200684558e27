//! What a plan reads before it can evaluate the templates, all in one round trip: the recorded
//! states (each with its history, for the guard), the availability zones and, for a single
//! template, the exports of the environment's other stacks. A run that takes locks reads this
//! while the locks are being taken; the states are confirmed once the locks are held, alongside
//! the refresh (see [`crate::state::recorded::EarlyRead`]).

use super::error::PlanError;
use super::run::stack_names;
use crate::engine::Engine;
use crate::project::Project;
use crate::state::recorded::{self, EarlyRead};
use crate::workspace::Source;
use serde_json::Value as Json;
use std::collections::BTreeMap;

pub struct Opening {
    /// The states as read, not yet confirmed.
    pub early: EarlyRead,
    /// `None` when they could not be listed (templates that use `Fn::GetAZs` then say so).
    pub zones: Option<Vec<String>>,
    /// Export name -> value, recorded by the other stacks of the environment (template mode).
    pub exports: BTreeMap<String, Json>,
}

/// Reads the opening of a plan of `source` (project or template) in `engine.env`. Needs no
/// account id and no lock.
pub async fn open(
    engine: &Engine,
    source: &Source,
    project: Option<&Project>,
) -> Result<Opening, PlanError> {
    let names = stack_names(source, project, &engine.env);
    let store = engine.backend.store.as_ref();
    let guard = !engine.backend.accept_state_change;
    let exports = async {
        if project.is_some() {
            // A project reads all its stacks' states already.
            return Ok(BTreeMap::new());
        }
        let own: Vec<&str> = names.iter().map(|(k, _)| k.as_str()).collect();
        recorded::exports_of_others(store, &engine.env, &own).await
    };
    let (early, zones, exports) = tokio::join!(
        recorded::read_early(store, &engine.env, &names, guard),
        crate::aws::availability_zones(&engine.clients.config),
        exports
    );
    Ok(Opening {
        early: early?,
        zones: zones.ok(),
        exports: exports?,
    })
}
