//! `--refresh-only`: instead of putting AWS back to the templates, accept what AWS has into the
//! state. The plan lists, per recorded resource, the recorded values that differ from the live
//! ones (before: recorded, after: live); a resource gone from AWS is forgotten. Applying it
//! writes the state only ([`crate::apply::refresh_only`]).

use super::refresh::Refreshed;
use super::{Action, Change, PropertyChange, StackPlan};
use crate::resources::compare::equivalent;
use crate::state::recorded::Recorded;
use crate::workspace::Workspace;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The reason of a refresh-only change of a resource still in AWS.
pub const ACCEPTED: &str = "refresh only: the live values are recorded in the state";
/// The reason of a refresh-only change of a resource gone from AWS.
pub const GONE: &str = "refresh only: deleted outside fuelflow, forgotten by the state";

/// The refresh-only plan of every stack of `workspace`.
pub fn plan_stacks(
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
    live: &Refreshed,
) -> Vec<StackPlan> {
    let mut stacks = Vec::new();
    for stack in &workspace.stacks {
        let recorded = &states[&stack.id.key];
        let mut changes = Vec::new();
        for (logical_id, r) in &recorded.doc.resources {
            let Some(found) = live.get(&(stack.id.name.clone(), logical_id.clone())) else {
                continue; // not read
            };
            let change = |action, properties, reason: &str| Change {
                stack: stack.id.key.clone(),
                logical_id: logical_id.clone(),
                resource_type: r.resource_type.clone(),
                action,
                physical_id: Some(r.physical_id.clone()),
                properties,
                replace_because: Vec::new(),
                reason: Some(reason.to_string()),
            };
            let Some(found) = found else {
                changes.push(change(Action::Forget, Vec::new(), GONE));
                continue;
            };
            let properties = differences(&r.resource_type, &r.properties, &found.properties);
            if !properties.is_empty() {
                changes.push(change(Action::Update, properties, ACCEPTED));
            }
        }
        stacks.push(StackPlan {
            stack: stack.id.key.clone(),
            stack_name: stack.id.name.clone(),
            lineage: recorded.etag.as_ref().map(|_| recorded.doc.lineage.clone()),
            serial: recorded.doc.serial,
            changes,
            outputs: Vec::new(),
            excluded: Vec::new(),
        });
    }
    stacks
}

/// The recorded properties whose live value differs. Secrets and write-only properties cannot
/// be read back: they keep what was applied.
fn differences(
    resource_type: &str,
    recorded: &Json,
    live: &serde_json::Map<String, Json>,
) -> Vec<PropertyChange> {
    let write_only = crate::schema::lookup(resource_type)
        .map(|s| s.write_only)
        .unwrap_or_default();
    let mut out = Vec::new();
    let Some(recorded) = recorded.as_object() else {
        return out;
    };
    for (key, was) in recorded {
        if write_only.contains(&key.as_str())
            || super::diff::is_sensitive(was)
            || super::secrets::is_hashed(was)
            || key.starts_with("fuelflow:")
        {
            continue;
        }
        let now = live.get(key).cloned().unwrap_or(Json::Null);
        if !equivalent(was, &now) {
            out.push(PropertyChange {
                path: key.clone(),
                before: was.clone(),
                after: now,
                forces_replacement: false,
                drift: true,
                sensitive: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_list_the_recorded_values_aws_changed() {
        let recorded = json!({"RetentionInDays": 7, "LogGroupName": "g",
            "Secret": "{{resolve:secretsmanager:s:SecretString:p}}"});
        let live = json!({"RetentionInDays": 30, "LogGroupName": "g", "Secret": "plain"});
        let found = differences("AWS::Logs::LogGroup", &recorded, live.as_object().unwrap());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].path.as_str(), &found[0].before, &found[0].after),
            ("RetentionInDays", &json!(7), &json!(30))
        );
    }
}
