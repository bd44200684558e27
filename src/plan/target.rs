//! `--target LogicalId`: a plan cut down to the targets and what they depend on.

use super::Plan;
use crate::workspace::Workspace;
use std::collections::HashSet;

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
                }],
                destroy: false,
                estimated_seconds: None,
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
}
