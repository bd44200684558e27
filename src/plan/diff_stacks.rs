//! Every stack diffed: each resource of the templates against its recorded and live state
//! ([`diff::diff`]), what left the templates deleted (or forgotten, when retained), the
//! redeploys that follow from those changes, and the outputs.

use super::desired::{desired_view, known_props};
use super::diff::{self, Inputs};
use super::redeploy::replace_dependents_of_changes;
use super::refresh::Refreshed;
use super::run::PlanRequest;
use super::secrets::{self, Secrets};
use super::{Action, Change, SENSITIVE, StackPlan, UNKNOWN};
use crate::engine::ResourceFailure;
use crate::resources::data::is_data_source;
use crate::state::StateDocument;
use crate::state::recorded::Recorded;
use crate::template::model::DeletionPolicy;
use crate::template::stack::Stack;
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// Diffs every resource of every stack of `workspace` (and what the states hold beyond it).
/// Every resource that cannot be diffed is returned, named by stack and logical id.
pub fn diff_all(
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
    live: &Refreshed,
    request: &PlanRequest,
) -> Result<Vec<StackPlan>, Vec<ResourceFailure>> {
    let mut stacks = Vec::new();
    let mut failures = Vec::new();
    for stack in &workspace.stacks {
        let recorded = &states[&stack.id.key];
        let mut changes = if request.destroy {
            Vec::new()
        } else {
            desired_changes(workspace, stack, recorded, live, request, &mut failures)
        };
        // Recorded but no longer in the template (or everything, for destroy): delete, in
        // reverse order later.
        for (logical_id, r) in &recorded.doc.resources {
            if !request.destroy && stack.resources.contains_key(logical_id) {
                continue;
            }
            let retain = retained(&recorded.doc, logical_id, stack, request.destroy);
            changes.push(Change {
                stack: stack.id.key.clone(),
                logical_id: logical_id.clone(),
                resource_type: r.resource_type.clone(),
                action: if retain {
                    Action::Forget
                } else {
                    Action::Delete
                },
                physical_id: Some(r.physical_id.clone()),
                properties: Vec::new(),
                replace_because: Vec::new(),
                reason: retain
                    .then(|| "DeletionPolicy: Retain (kept in AWS, no longer managed)".to_string()),
            });
        }
        replace_dependents_of_changes(&workspace.registry, stack, &mut changes, recorded);
        // Old copies of replacements an earlier run recorded but did not delete yet (after the
        // redeploys: deleting an old copy changes nothing that depends on the resource).
        for d in recorded.doc.deposed_to_delete() {
            changes.push(Change {
                stack: stack.id.key.clone(),
                logical_id: d.logical_id.clone(),
                resource_type: d.resource_type.clone(),
                action: Action::Delete,
                physical_id: Some(d.physical_id.clone()),
                properties: Vec::new(),
                replace_because: Vec::new(),
                reason: Some(super::DEPOSED_REASON.to_string()),
            });
        }
        let outputs = if request.destroy {
            Vec::new()
        } else {
            output_changes(stack, &recorded.doc)
        };
        stacks.push(StackPlan {
            stack: stack.id.key.clone(),
            stack_name: stack.id.name.clone(),
            lineage: recorded.etag.as_ref().map(|_| recorded.doc.lineage.clone()),
            serial: recorded.doc.serial,
            changes,
            outputs,
            excluded: Vec::new(),
        });
    }
    if failures.is_empty() {
        Ok(stacks)
    } else {
        Err(failures)
    }
}

/// The creates, updates and replacements the template of `stack` asks for.
fn desired_changes(
    workspace: &Workspace,
    stack: &Stack,
    recorded: &Recorded,
    live: &Refreshed,
    request: &PlanRequest,
    failures: &mut Vec<ResourceFailure>,
) -> Vec<Change> {
    let secrets = Secrets::of(stack, &workspace.registry);
    let live_of = |logical_id: &str| {
        if !request.refresh {
            return None;
        }
        Some(
            live.get(&(stack.id.name.clone(), logical_id.to_string()))
                .and_then(|l| l.as_ref())
                .map(|l| &l.properties),
        )
    };
    let mut changes = Vec::new();
    for (logical_id, evaluated) in &stack.resources {
        if is_data_source(&evaluated.resource_type) {
            continue;
        }
        let Some(schema) = crate::schema::lookup(&evaluated.resource_type) else {
            continue;
        };
        let failed = |operation: &str, e: crate::resources::ResourceError| {
            ResourceFailure::new(
                &stack.id.name,
                logical_id,
                &evaluated.resource_type,
                operation,
                e,
            )
        };
        let desired = match desired_view(workspace, stack, evaluated) {
            Ok(desired) => desired,
            Err(e) => {
                failures.push(failed("prepare", e));
                continue;
            }
        };
        let inputs = Inputs {
            secrets: &secrets,
            salt: &recorded.doc.lineage,
            stack: &stack.id.key,
            logical_id,
            resource_type: &evaluated.resource_type,
            desired: &desired,
            recorded: recorded.doc.resources.get(logical_id),
            live: live_of(logical_id),
            schema,
            ignored: &evaluated.lifecycle.ignore_changes,
        };
        let diffed = diff::diff(&inputs);
        let requested = request.replaces(&stack.id.key, logical_id);
        let Some(mut change) = super::lifecycle::requested_replacement(diffed, requested, &inputs)
        else {
            continue;
        };
        if change.action == Action::Replace {
            if let Err(e) = super::update_replace::apply_to(
                &mut change,
                workspace.registry.get(&evaluated.resource_type),
                evaluated.update_replace_policy,
                &known_props(&evaluated.properties),
            ) {
                failures.push(failed("plan", e));
                continue;
            }
        }
        changes.push(change);
    }
    changes
}

/// Whether a resource leaving management is kept in AWS (`DeletionPolicy: Retain`). The policy
/// comes from the template when the resource is still in it (destroy), else from the state.
fn retained(doc: &StateDocument, logical_id: &str, stack: &Stack, destroy: bool) -> bool {
    let from_template = stack
        .resources
        .get(logical_id)
        .and_then(|r| r.deletion_policy);
    let from_state = doc
        .resources
        .get(logical_id)
        .and_then(|r| r.deletion_policy);
    let policy = if destroy {
        from_template.or(from_state)
    } else {
        from_state.or(from_template)
    };
    matches!(
        policy,
        Some(DeletionPolicy::Retain | DeletionPolicy::RetainExceptOnCreate)
    )
}

/// The outputs whose value or export differs from the state (new value, `null` for removed
/// ones); secret values are compared as hashes and shown as `(sensitive)`.
fn output_changes(stack: &Stack, doc: &StateDocument) -> Vec<(String, serde_json::Value)> {
    let mut changes = Vec::new();
    let secret_values = Secrets::no_echo_values(stack);
    for (name, o) in &stack.outputs {
        let mut value = if o.value.is_known() {
            o.value.to_json()
        } else {
            serde_json::Value::String(UNKNOWN.into())
        };
        let secret = secret_values.contains_value(&value);
        if secret {
            value = secrets::hash(&doc.lineage, &value);
        }
        let same = doc
            .outputs
            .get(name)
            .is_some_and(|r| r.value == value && r.export_name == o.export_name);
        if !same {
            let shown = if secret {
                serde_json::Value::String(SENSITIVE.into())
            } else {
                value
            };
            changes.push((name.clone(), shown));
        }
    }
    for name in doc.outputs.keys() {
        if !stack.outputs.contains_key(name) {
            changes.push((name.clone(), serde_json::Value::Null));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::{OutputState, ResourceState};
    use crate::workspace::{Facts, load_text};
    use DeletionPolicy::{Delete, Retain, RetainExceptOnCreate, Snapshot};
    use serde_json::json;

    fn workspace(template: &str, parameters: &[(&str, &str)]) -> Workspace {
        let parameters: Vec<(String, String)> = parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load_text("t.yaml", template.into(), &parameters, &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
    }

    fn applied(physical_id: &str, policy: Option<DeletionPolicy>) -> ResourceState {
        ResourceState {
            resource_type: "AWS::S3::Bucket".into(),
            physical_id: physical_id.into(),
            properties: json!({}),
            attributes: BTreeMap::new(),
            dependencies: Vec::new(),
            sensitive: Vec::new(),
            deletion_policy: policy,
        }
    }

    #[test]
    fn retained_takes_the_templates_policy_on_destroy_and_the_states_otherwise() {
        // (policy in the template, policy in the state, destroy, retained)
        let cases = [
            (None, None, false, false),
            (None, Some(Retain), false, true),
            (Some(Retain), Some(Delete), false, false),
            (Some(Retain), None, false, true),
            (Some(Retain), None, true, true),
            (Some(Delete), Some(Retain), true, false),
            (None, Some(RetainExceptOnCreate), true, true),
            (Some(Snapshot), None, true, false),
        ];
        for (in_template, in_state, destroy, expected) in cases {
            let policy = in_template
                .map(|p| format!(", DeletionPolicy: {p:?}"))
                .unwrap_or_default();
            let ws = workspace(
                &format!("Resources:\n  B: {{Type: AWS::S3::Bucket{policy}}}\n"),
                &[],
            );
            let mut doc = StateDocument::new("stack");
            doc.resources.insert("B".into(), applied("b-1", in_state));
            assert_eq!(
                retained(&doc, "B", &ws.stacks[0], destroy),
                expected,
                "template {in_template:?}, state {in_state:?}, destroy {destroy}"
            );
        }
    }

    #[test]
    fn destroy_deletes_every_recorded_resource_or_forgets_the_retained_ones() {
        let ws = workspace("Resources:\n  Kept: {Type: AWS::S3::Bucket}\n", &[]);
        let mut doc = StateDocument::new("stack");
        doc.resources
            .insert("Kept".into(), applied("kept-1", Some(Retain)));
        doc.resources.insert("Gone".into(), applied("gone-1", None));
        let states = BTreeMap::from([("stack".to_string(), Recorded { doc, etag: None })]);
        let request = PlanRequest {
            destroy: true,
            ..PlanRequest::default()
        };
        let stacks = diff_all(&ws, &states, &Refreshed::new(), &request).unwrap();
        let changes: Vec<(&str, Action, Option<&str>)> = stacks[0]
            .changes
            .iter()
            .map(|c| (c.logical_id.as_str(), c.action, c.physical_id.as_deref()))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("Gone", Action::Delete, Some("gone-1")),
                ("Kept", Action::Forget, Some("kept-1")),
            ]
        );
        assert!(stacks[0].outputs.is_empty());
        assert_eq!(stacks[0].lineage, None, "no state stored yet");
    }

    #[test]
    fn output_changes_list_what_differs_from_the_state() {
        let ws = workspace(
            "Parameters:
  Token: {Type: String, NoEcho: true}
Resources:
  B: {Type: AWS::S3::Bucket}
Outputs:
  Same: {Value: a}
  Changed: {Value: b}
  Exported: {Value: a, Export: {Name: shared-a}}
  Pending: {Value: !GetAtt B.Arn}
  Secret: {Value: !Ref Token}
",
            &[("Token", "s3cr3t-value")],
        );
        let mut doc = StateDocument::new("stack");
        for (name, value) in [
            ("Same", "a"),
            ("Changed", "old"),
            ("Exported", "a"),
            ("Removed", "x"),
        ] {
            doc.outputs.insert(
                name.into(),
                OutputState {
                    value: json!(value),
                    export_name: None,
                    sensitive: false,
                },
            );
        }
        let changes = output_changes(&ws.stacks[0], &doc);
        assert_eq!(
            changes,
            vec![
                ("Changed".to_string(), json!("b")),
                ("Exported".to_string(), json!("a")),
                ("Pending".to_string(), json!(UNKNOWN)),
                ("Secret".to_string(), json!(SENSITIVE)),
                ("Removed".to_string(), serde_json::Value::Null),
            ]
        );
    }
}
