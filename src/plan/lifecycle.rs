//! Lifecycle controls in the plan: `--replace` turned into a replacement, and `Protect`
//! (`Metadata.fuelflow.Protect`) refusing a plan that would delete or replace a protected
//! resource. (`IgnoreChanges` is applied by [`super::diff`] itself.)

use super::diff::Inputs;
use super::{Action, Change, Plan, REPLACE_REQUESTED};
use crate::state::model::ResourceState;
use crate::state::recorded::Recorded;
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// The attribute recording that a resource was applied protected, so a resource removed from
/// the template (its `Metadata` with it) is still refused deletion.
pub const PROTECTED: &str = "fuelflow:Protect";

/// Whether the state says the resource was applied with `Protect: true`.
pub fn recorded_protected(r: &ResourceState) -> bool {
    r.attributes.get(PROTECTED) == Some(&serde_json::Value::Bool(true))
}

/// The change of a resource `--replace` names: a replacement, whatever the diff found. A
/// resource not recorded (or gone from AWS) is simply created.
pub fn requested_replacement(
    diffed: Option<Change>,
    requested: bool,
    i: &Inputs<'_>,
) -> Option<Change> {
    let Some(recorded) = i.recorded.filter(|_| requested) else {
        return diffed;
    };
    if matches!(i.live, Some(None)) {
        return diffed;
    }
    let mut change = diffed.unwrap_or_else(|| Change {
        stack: i.stack.to_string(),
        logical_id: i.logical_id.to_string(),
        resource_type: i.resource_type.to_string(),
        action: Action::Replace,
        physical_id: Some(recorded.physical_id.clone()),
        properties: Vec::new(),
        replace_because: Vec::new(),
        reason: None,
    });
    if change.action == Action::Create {
        return Some(change);
    }
    change.action = Action::Replace;
    change.reason = Some(REPLACE_REQUESTED.to_string());
    Some(change)
}

/// Every change of `plan` that would delete or replace a protected resource, in words naming
/// the stack, the logical id and why it would go. Protection comes from the template when the
/// resource is in it, else from the state.
pub fn protected_changes(
    plan: &Plan,
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
) -> Vec<String> {
    let mut refused = Vec::new();
    for stack_plan in &plan.stacks {
        let stack = workspace
            .stacks
            .iter()
            .find(|s| s.id.key == stack_plan.stack);
        for c in &stack_plan.changes {
            if super::is_deposed(c) {
                continue; // the old copy of a replacement already made
            }
            let why = match c.action {
                Action::Delete if plan.destroy => "destroy would delete it".to_string(),
                Action::Delete => "it was removed from the template and would be deleted".into(),
                Action::Replace if c.reason.as_deref() == Some(REPLACE_REQUESTED) => {
                    "--replace asks to replace it".into()
                }
                Action::Replace if !c.replace_because.is_empty() => format!(
                    "a change of create-only {} would replace it",
                    c.replace_because.join(", ")
                ),
                Action::Replace => format!(
                    "it would be replaced ({})",
                    c.reason.as_deref().unwrap_or("a create-only change")
                ),
                _ => continue,
            };
            let in_template = stack.and_then(|s| s.resources.get(&c.logical_id));
            let protected = match in_template {
                Some(r) => r.lifecycle.protect,
                None => states
                    .get(&stack_plan.stack)
                    .and_then(|r| r.doc.resources.get(&c.logical_id))
                    .is_some_and(recorded_protected),
            };
            if protected {
                refused.push(format!(
                    "stack {}: {} ({}) is protected (Metadata.fuelflow.Protect) and {why}",
                    stack_plan.stack_name, c.logical_id, c.resource_type
                ));
            }
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateDocument;
    use crate::workspace::{Facts, load_text};
    use serde_json::json;

    fn workspace(template: &str, parameters: &[(&str, &str)]) -> Workspace {
        let parameters: Vec<(String, String)> = parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load_text("t.yaml", template.into(), &parameters, &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
    }

    fn change(stack: &str, logical_id: &str, action: Action, because: &[&str]) -> Change {
        Change {
            stack: stack.into(),
            logical_id: logical_id.into(),
            resource_type: "AWS::S3::Bucket".into(),
            action,
            physical_id: Some(format!("{logical_id}-1")),
            properties: Vec::new(),
            replace_because: because.iter().map(|b| b.to_string()).collect(),
            reason: None,
        }
    }

    fn plan(ws: &Workspace, changes: Vec<Change>, destroy: bool) -> Plan {
        Plan {
            format_version: 1,
            env: "dev".into(),
            stacks: vec![super::super::StackPlan {
                stack: ws.stacks[0].id.key.clone(),
                stack_name: ws.stacks[0].id.name.clone(),
                lineage: None,
                serial: 0,
                changes,
                outputs: Vec::new(),
                excluded: Vec::new(),
            }],
            destroy,
            estimated_seconds: None,
            refresh_only: false,
        }
    }

    const PROTECTED_IN_PROD: &str = "Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Data:
    Type: AWS::S3::Bucket
    Metadata:
      fuelflow:
        Protect: !If [IsProd, true, false]
  Logs: {Type: AWS::S3::Bucket}
";

    #[test]
    fn a_protected_resource_refuses_replacement_and_destroy_only_where_protected() {
        for (env, refused) in [("prod", true), ("dev", false)] {
            let ws = workspace(PROTECTED_IN_PROD, &[("Env", env)]);
            let states = BTreeMap::new();
            let key = ws.stacks[0].id.key.clone();
            let replaced = plan(
                &ws,
                vec![
                    change(&key, "Data", Action::Replace, &["BucketName"]),
                    change(&key, "Logs", Action::Replace, &["BucketName"]),
                ],
                false,
            );
            let found = protected_changes(&replaced, &ws, &states);
            assert_eq!(found.len(), usize::from(refused), "{env}: {found:?}");
            if refused {
                assert_eq!(
                    found[0],
                    format!(
                        "stack {key}: Data (AWS::S3::Bucket) is protected (Metadata.fuelflow.Protect) and a change of create-only BucketName would replace it"
                    )
                );
            }
            let destroyed = plan(&ws, vec![change(&key, "Data", Action::Delete, &[])], true);
            let found = protected_changes(&destroyed, &ws, &states);
            assert_eq!(found.len(), usize::from(refused), "{env}: {found:?}");
        }
    }

    #[test]
    fn a_protected_resource_removed_from_the_template_is_refused_from_the_state() {
        let ws = workspace("Resources:\n  Logs: {Type: AWS::S3::Bucket}\n", &[]);
        let key = ws.stacks[0].id.key.clone();
        let mut doc = StateDocument::new(&key);
        let mut attributes = BTreeMap::new();
        attributes.insert(PROTECTED.to_string(), json!(true));
        doc.resources.insert(
            "Data".into(),
            ResourceState {
                resource_type: "AWS::S3::Bucket".into(),
                physical_id: "data-1".into(),
                properties: json!({}),
                attributes,
                dependencies: Vec::new(),
                sensitive: Vec::new(),
                deletion_policy: None,
            },
        );
        let states = BTreeMap::from([(key.clone(), Recorded { doc, etag: None })]);
        let removed = plan(&ws, vec![change(&key, "Data", Action::Delete, &[])], false);
        let found = protected_changes(&removed, &ws, &states);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].ends_with("it was removed from the template and would be deleted"),
            "{found:?}"
        );
        // A forget (DeletionPolicy: Retain) deletes nothing.
        let forgotten = plan(&ws, vec![change(&key, "Data", Action::Forget, &[])], false);
        assert!(protected_changes(&forgotten, &ws, &states).is_empty());
    }
}
