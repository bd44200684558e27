//! `--target LogicalId`: a plan cut down to the targets and what they depend on;
//! `--exclude LogicalId`: a plan without them and what depends on them. Ids given to
//! `--target`, `--replace` and `--exclude` are checked against the templates ([`unknown_ids`]).

use super::{Excluded, Plan};
use crate::workspace::Workspace;
use std::collections::{BTreeMap, HashSet};

/// Whether one of `ids` (`LogicalId` or `stack.LogicalId`) names this resource.
pub fn names(ids: &[String], stack_key: &str, logical_id: &str) -> bool {
    ids.iter().any(|id| match id.split_once('.') {
        Some((stack, id)) => stack == stack_key && id == logical_id,
        None => id == logical_id,
    })
}

/// The problems with `ids` (given to `option`): an id no template has, or a bare logical id
/// that several stacks of the run have. Empty when every id names one resource.
pub fn unknown_ids(workspace: &Workspace, option: &str, ids: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for id in ids {
        let stacks: Vec<&str> = workspace
            .stacks
            .iter()
            .filter(|s| {
                s.resources
                    .keys()
                    .any(|l| names(std::slice::from_ref(id), &s.id.key, l))
            })
            .map(|s| s.id.key.as_str())
            .collect();
        match stacks.len() {
            0 => problems.push(format!(
                "{option} {id}: no resource of the selected stacks is named {id}"
            )),
            1 => {}
            _ => problems.push(format!(
                "{option} {id}: stacks {} all have {id}; name one as STACK.{id}",
                stacks.join(", ")
            )),
        }
    }
    problems
}

/// Takes the resources `ids` names, and everything that depends on them (transitively), out of
/// the plan; each is listed in its stack's `excluded` with why. Outputs that refer to an
/// excluded resource are left out too.
pub fn exclude(plan: &mut Plan, workspace: &Workspace, ids: &[String]) {
    let graph = &workspace.graph;
    // (stack key, logical id) -> why
    let mut out: BTreeMap<(String, String), String> = BTreeMap::new();
    let key = |n: petgraph::graph::NodeIndex| {
        let node = &graph.graph[n];
        (node.stack_key.clone(), node.logical_id.clone())
    };
    let mut pending: Vec<petgraph::graph::NodeIndex> = graph
        .graph
        .node_indices()
        .filter(|n| {
            let node = &graph.graph[*n];
            names(ids, &node.stack_key, &node.logical_id)
        })
        .collect();
    for n in &pending {
        out.insert(key(*n), "--exclude".to_string());
    }
    while let Some(n) = pending.pop() {
        let why = format!("depends on {} (excluded)", graph.graph[n].qualified());
        for d in graph.dependents(n) {
            if let std::collections::btree_map::Entry::Vacant(e) = out.entry(key(d)) {
                e.insert(why.clone());
                pending.push(d);
            }
        }
    }
    for stack in &mut plan.stacks {
        let mut excluded = Vec::new();
        for ((stack_key, logical_id), because) in &out {
            if *stack_key != stack.stack {
                continue;
            }
            let left_out = stack
                .changes
                .iter()
                .find(|c| c.logical_id == *logical_id)
                .map(|c| c.action);
            excluded.push(Excluded {
                logical_id: logical_id.clone(),
                because: because.clone(),
                left_out,
            });
        }
        if excluded.is_empty() {
            continue;
        }
        stack
            .changes
            .retain(|c| !excluded.iter().any(|e| e.logical_id == c.logical_id));
        if let Some(ws_stack) = workspace.stacks.iter().find(|s| s.id.key == stack.stack) {
            stack.outputs.retain(|(name, _)| {
                ws_stack.outputs.get(name).is_none_or(|o| {
                    !o.references
                        .iter()
                        .any(|r| excluded.iter().any(|e| e.logical_id == r.target))
                })
            });
        }
        stack.excluded = excluded;
    }
}

/// Keeps only the changes of the targets and of what they depend on (transitively). A target is
/// a logical id or `stack.LogicalId`; a target no longer in the templates keeps its delete.
/// Outputs are left out: they may refer to anything.
pub fn keep_targets(plan: &mut Plan, workspace: &Workspace, targets: &[String]) {
    let graph = &workspace.graph;
    let mut keep: HashSet<(String, String)> = HashSet::new();
    let mut pending: Vec<petgraph::graph::NodeIndex> = graph
        .graph
        .node_indices()
        .filter(|n| {
            targets.contains(&graph.graph[*n].logical_id)
                || targets.contains(&graph.graph[*n].qualified())
        })
        .collect();
    while let Some(n) = pending.pop() {
        let node = &graph.graph[n];
        if keep.insert((node.stack_key.clone(), node.logical_id.clone())) {
            pending.extend(graph.dependencies(n));
        }
    }
    for stack in &mut plan.stacks {
        stack.changes.retain(|c| {
            keep.contains(&(c.stack.clone(), c.logical_id.clone()))
                || targets.contains(&c.logical_id)
        });
        stack.outputs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Change, StackPlan};
    use crate::workspace::{Facts, load_text};

    const TEMPLATE: &str = "Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument: {Version: '2012-10-17', Statement: []}
  Logs: {Type: AWS::Logs::LogGroup}
";

    fn create(stack: &str, logical_id: &str, action: Action) -> Change {
        Change {
            stack: stack.into(),
            logical_id: logical_id.into(),
            resource_type: "AWS::S3::Bucket".into(),
            action,
            physical_id: None,
            properties: Vec::new(),
            replace_because: Vec::new(),
            reason: None,
        }
    }

    /// (targets, the logical ids whose changes are kept)
    const CASES: &[(&[&str], &[&str])] = &[
        (&["Policy"], &["Bucket", "Policy"]),
        (&["Bucket"], &["Bucket"]),
        (&["stack.Logs"], &["Logs"]),
        (&["Gone"], &["Gone"]),
        (&["Nothing"], &[]),
    ];

    #[test]
    fn targets_keep_their_dependencies_and_drop_the_rest() {
        let ws = load_text("t.yaml", TEMPLATE.into(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let key = ws.stacks[0].id.key.clone();
        for (targets, kept) in CASES {
            let mut plan = Plan {
                format_version: 1,
                env: "dev".into(),
                stacks: vec![StackPlan {
                    stack: key.clone(),
                    stack_name: key.clone(),
                    lineage: None,
                    serial: 0,
                    changes: ["Bucket", "Policy", "Logs"]
                        .iter()
                        .map(|id| create(&key, id, Action::Create))
                        .chain([create(&key, "Gone", Action::Delete)])
                        .collect(),
                    outputs: vec![("Out".into(), serde_json::Value::Null)],
                    excluded: Vec::new(),
                }],
                destroy: false,
                estimated_seconds: None,
                refresh_only: false,
            };
            let targets: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
            keep_targets(&mut plan, &ws, &targets);
            let left: Vec<&str> = plan.stacks[0]
                .changes
                .iter()
                .map(|c| c.logical_id.as_str())
                .collect();
            assert_eq!(left, *kept, "targets {targets:?}");
            assert!(plan.stacks[0].outputs.is_empty());
        }
    }

    #[test]
    fn exclude_leaves_out_the_resource_and_its_dependents_and_says_why() {
        let ws = load_text("t.yaml", TEMPLATE.into(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let key = ws.stacks[0].id.key.clone();
        let mut plan = Plan {
            format_version: 1,
            env: "dev".into(),
            stacks: vec![StackPlan {
                stack: key.clone(),
                stack_name: key.clone(),
                lineage: None,
                serial: 0,
                changes: ["Bucket", "Logs"]
                    .iter()
                    .map(|id| create(&key, id, Action::Update))
                    .collect(),
                outputs: Vec::new(),
                excluded: Vec::new(),
            }],
            destroy: false,
            estimated_seconds: None,
            refresh_only: false,
        };
        exclude(&mut plan, &ws, &["Bucket".to_string()]);
        let left: Vec<&str> = plan.stacks[0]
            .changes
            .iter()
            .map(|c| c.logical_id.as_str())
            .collect();
        assert_eq!(left, ["Logs"]);
        assert_eq!(
            plan.stacks[0].excluded,
            vec![
                Excluded {
                    logical_id: "Bucket".into(),
                    because: "--exclude".into(),
                    left_out: Some(Action::Update),
                },
                Excluded {
                    logical_id: "Policy".into(),
                    because: format!("depends on {key}.Bucket (excluded)"),
                    left_out: None,
                },
            ]
        );
    }

    #[test]
    fn ids_must_name_a_resource_of_the_selected_stacks() {
        let ws = load_text("t.yaml", TEMPLATE.into(), &[], &Facts::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let key = ws.stacks[0].id.key.clone();
        let ids = [
            "Bucket".to_string(),
            format!("{key}.Logs"),
            "Nope".into(),
            "other.Bucket".into(),
        ];
        assert_eq!(
            unknown_ids(&ws, "--replace", &ids),
            [
                "--replace Nope: no resource of the selected stacks is named Nope",
                "--replace other.Bucket: no resource of the selected stacks is named other.Bucket",
            ]
        );
    }
}
