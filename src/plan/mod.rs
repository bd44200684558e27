//! Plans are data: what would change, resource by resource, and why. Deciding is done on this
//! data ([`diff`]); printing it is separate ([`render`]).
//!
//! A plan is made in [`run::plan`], which orders the steps:
//! - the recorded states ([`crate::state::recorded`]) and what they say exists ([`lookup`]);
//! - [`data_sources`] looked up, [`refresh`] of the live resources, [`secret_versions`] asked;
//! - [`diff_stacks`]: each resource [`diff`]ed against its [`desired`] view, deletes, the
//!   [`redeploy`]s that follow, [`update_replace`] policies, outputs;
//! - `--target` cuts the plan down ([`target`]). Failures are a [`PlanError`].

pub mod data_sources;
pub mod desired;
pub mod diff;
pub mod diff_stacks;
pub mod error;
pub mod estimate;
pub mod lifecycle;
pub mod lookup;
pub mod opening;
pub mod redeploy;
pub mod refresh;
pub mod refresh_only;
pub mod render;
pub mod run;
pub mod secret_versions;
pub mod secrets;
pub mod ssm_parameters;
pub mod target;
pub mod update_replace;

pub use error::PlanError;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    /// Delete and create again (a create-only property changed).
    Replace,
    Delete,
    /// Stop managing without deleting (`DeletionPolicy: Retain` on a removed resource).
    Forget,
}

/// One property that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyChange {
    pub path: String,
    /// What AWS has (or last recorded, for properties AWS never returns); `null` when unset.
    pub before: Value,
    /// What the template wants; `"(known after apply)"` for values not known yet.
    pub after: Value,
    pub forces_replacement: bool,
    /// Changed outside fuelflow: the template did not change, AWS did.
    pub drift: bool,
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub stack: String,
    pub logical_id: String,
    pub resource_type: String,
    pub action: Action,
    pub physical_id: Option<String>,
    pub properties: Vec<PropertyChange>,
    /// The create-only properties whose change forces a replacement.
    pub replace_because: Vec<String>,
    /// Why, in words, when it is not a property change (`deleted outside fuelflow`).
    pub reason: Option<String>,
}

/// The changes of one stack, with the state they were planned against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackPlan {
    pub stack: String,
    pub stack_name: String,
    /// Lineage and serial of the state planned against (`None`: no state yet).
    pub lineage: Option<String>,
    pub serial: u64,
    pub changes: Vec<Change>,
    /// Outputs that will change (name -> new value, `(known after apply)` when unknown).
    pub outputs: Vec<(String, Value)>,
    /// Resources left out of this run (`--exclude`), with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Excluded>,
}

/// A resource `--exclude` left out of the run: named, or depending on one that is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub logical_id: String,
    /// `--exclude`, or `depends on STACK.ID (excluded)`.
    pub because: String,
    /// What the plan would have done to it (`None`: nothing).
    pub left_out: Option<Action>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub env: String,
    pub stacks: Vec<StackPlan>,
    /// `destroy` plans delete everything.
    pub destroy: bool,
    /// How long applying it should take on AWS ([`estimate::apply_seconds`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_seconds: Option<u64>,
    /// `--refresh-only`: the changes are live values accepted into the state; nothing in AWS
    /// changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_only: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        if self.refresh_only {
            return s;
        }
        for c in self.stacks.iter().flat_map(|s| &s.changes) {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::Delete => s.destroy += 1,
                Action::Forget => {}
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.stacks
            .iter()
            .any(|s| !s.changes.is_empty() || !s.outputs.is_empty())
    }
}

/// The reason of a planned delete of a deposed object (the old copy of a replacement).
pub const DEPOSED_REASON: &str = "deposed: the old copy of a replacement, still to delete";

/// The reason of a replacement asked for with `--replace`.
pub const REPLACE_REQUESTED: &str = "replace (requested)";

/// Whether `change` deletes a deposed object (the apply takes those from the states).
pub fn is_deposed(change: &Change) -> bool {
    change.action == Action::Delete && change.reason.as_deref() == Some(DEPOSED_REASON)
}

/// Shown for values not known until apply.
pub const UNKNOWN: &str = "(known after apply)";
/// Shown for secret values and references to them.
pub const SENSITIVE: &str = "(sensitive)";
