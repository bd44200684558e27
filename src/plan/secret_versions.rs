//! Secret rotation: a resource applied with a secret version that is no longer current is
//! updated, so the new value reaches it. Versions are compared, values never read at plan time.

use super::desired::known_props;
use super::{Action, Change, PropertyChange, SENSITIVE, StackPlan};
use crate::engine::Engine;
use crate::resources::dynamic::{SECRET_VERSIONS, current_versions};
use crate::state::recorded::Recorded;
use crate::workspace::Workspace;
use std::collections::{BTreeMap, HashMap};

/// The versions of the secrets an applied resource refers to, as they are now, by stack key and
/// logical id. Only resources applied with secret versions recorded are asked about.
pub type SecretVersionsNow = HashMap<(String, String), Vec<String>>;

/// Asks for every such resource at once. A lookup that fails leaves the resource out: a secret
/// that cannot be read now shows up as an error at apply time, not as a guessed change.
pub async fn current_secret_versions(
    engine: &Engine,
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
) -> SecretVersionsNow {
    let mut keys = Vec::new();
    let mut lookups = Vec::new();
    for stack in &workspace.stacks {
        for (logical_id, evaluated) in &stack.resources {
            let applied = states[&stack.id.key].doc.resources.get(logical_id);
            if applied.is_none_or(|r| !r.attributes.contains_key(SECRET_VERSIONS)) {
                continue;
            }
            let props = known_props(&evaluated.properties);
            keys.push((stack.id.key.clone(), logical_id.clone()));
            lookups.push(async move { current_versions(&engine.clients, &props).await.ok() });
        }
    }
    let found = futures_util::future::join_all(lookups).await;
    keys.into_iter()
        .zip(found)
        .filter_map(|(key, now)| Some((key, now?)))
        .collect()
}

/// Adds an update of every resource not already changing whose recorded secret versions differ
/// from `versions_now` (the value itself is fetched only at apply time and never kept).
pub fn secret_rotations(
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
    versions_now: &SecretVersionsNow,
    stacks: &mut [StackPlan],
) {
    for (stack, plan) in workspace.stacks.iter().zip(stacks.iter_mut()) {
        for (logical_id, evaluated) in &stack.resources {
            let Some(recorded) = states[&stack.id.key].doc.resources.get(logical_id) else {
                continue;
            };
            let Some(applied) = recorded.attributes.get(SECRET_VERSIONS) else {
                continue;
            };
            if plan.changes.iter().any(|c| &c.logical_id == logical_id) {
                continue;
            }
            let Some(now) = versions_now.get(&(stack.id.key.clone(), logical_id.clone())) else {
                continue;
            };
            if serde_json::json!(now) == *applied {
                continue;
            }
            let props = known_props(&evaluated.properties);
            let paths = props
                .iter()
                .filter(|(_, v)| super::diff::is_sensitive(v))
                .map(|(k, _)| k.clone());
            plan.changes.push(Change {
                stack: stack.id.key.clone(),
                logical_id: logical_id.clone(),
                resource_type: evaluated.resource_type.clone(),
                action: Action::Update,
                physical_id: Some(recorded.physical_id.clone()),
                properties: paths
                    .map(|path| PropertyChange {
                        path,
                        before: serde_json::Value::String(SENSITIVE.into()),
                        after: serde_json::Value::String(SENSITIVE.into()),
                        forces_replacement: false,
                        drift: false,
                        sensitive: true,
                    })
                    .collect(),
                replace_because: Vec::new(),
                reason: Some("a secret it uses has a new version".into()),
            });
        }
    }
}
