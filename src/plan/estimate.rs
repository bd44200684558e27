//! How long applying a plan should take on AWS: the changes' typical durations (a fact of each
//! type) along the longest chain of dependencies, or the total spread over `--parallelism` when
//! that is longer. Apply starts the longest chain first, so this is what it aims at.

use super::{Action, Plan};
use crate::apply::schedule::{critical_path, estimate};
use crate::workspace::Workspace;
use std::collections::HashMap;

type Key = (String, String);

/// The estimate in seconds (0 for a plan without changes).
pub fn apply_seconds(plan: &Plan, workspace: &Workspace, parallelism: usize) -> u64 {
    let mut cost: HashMap<Key, u64> = HashMap::new();
    for c in plan.stacks.iter().flat_map(|s| &s.changes) {
        let Some(handler) = workspace.registry.get(&c.resource_type) else {
            continue;
        };
        let t = handler.typical_seconds();
        let seconds = match c.action {
            Action::Create => t.create,
            Action::Update => t.update,
            Action::Replace => t.create + t.delete,
            Action::Delete => t.delete,
            _ => 0,
        };
        cost.insert((c.stack.clone(), c.logical_id.clone()), seconds);
    }
    let nodes: Vec<Key> = cost.keys().cloned().collect();
    let graph = &workspace.graph;
    let stack_index: HashMap<&str, usize> = workspace
        .stacks
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.key.as_str(), i))
        .collect();
    let mut deps: HashMap<Key, Vec<Key>> = HashMap::new();
    for key in &nodes {
        let Some(node) = stack_index
            .get(key.0.as_str())
            .and_then(|&s| graph.node(s, &key.1))
        else {
            continue;
        };
        let list = graph
            .dependencies(node)
            .map(|d| {
                (
                    graph.graph[d].stack_key.clone(),
                    graph.graph[d].logical_id.clone(),
                )
            })
            .collect();
        deps.insert(key.clone(), list);
    }
    let longest = estimate(&critical_path(&nodes, &deps, |k| cost[k]));
    let spread = cost.values().sum::<u64>() / parallelism.max(1) as u64;
    longest.max(spread)
}

/// `about 10m 5s`, `about 40s`.
pub fn human(seconds: u64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("about {s}s"),
        (m, 0) => format!("about {m}m"),
        (m, s) => format!("about {m}m {s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Change, StackPlan};
    use crate::workspace::{Facts, load_text};

    fn change(id: &str, t: &str) -> Change {
        Change {
            stack: "template".into(),
            logical_id: id.into(),
            resource_type: t.into(),
            action: Action::Create,
            physical_id: None,
            properties: Vec::new(),
            replace_because: Vec::new(),
            reason: None,
        }
    }

    #[test]
    fn the_longest_chain_or_the_spread_total() {
        let text = "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: postgres, DBInstanceClass: db.t3.micro, AllocatedStorage: 20, MasterUsername: u, MasterUserPassword: p-123456789}\n  Logs:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: [{Key: db, Value: !Ref Db}]\n  Other:\n    Type: AWS::S3::Bucket\n";
        let ws = load_text("t.yaml", text.into(), &[], &Facts::default())
            .unwrap_or_else(|_| panic!("loads"));
        let stack = ws.stacks[0].id.key.clone();
        let mut plan = Plan {
            format_version: 1,
            env: "dev".into(),
            stacks: vec![StackPlan {
                stack: stack.clone(),
                stack_name: stack.clone(),
                lineage: None,
                serial: 0,
                changes: vec![
                    change("Db", "AWS::RDS::DBInstance"),
                    change("Logs", "AWS::S3::Bucket"),
                    change("Other", "AWS::S3::Bucket"),
                ],
                outputs: Vec::new(),
                excluded: Vec::new(),
            }],
            destroy: false,
            estimated_seconds: None,
            refresh_only: false,
        };
        for c in &mut plan.stacks[0].changes {
            c.stack = stack.clone();
        }
        // Db (600) then Logs (2) is the longest chain.
        assert_eq!(apply_seconds(&plan, &ws, 16), 602);
        // At --parallelism 1 the total (604) is longer.
        assert_eq!(apply_seconds(&plan, &ws, 1), 604);
        assert_eq!(human(602), "about 10m 2s");
        assert_eq!(human(40), "about 40s");
        assert_eq!(human(120), "about 2m");
    }
}
