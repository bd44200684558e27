//! Longest-first scheduling: a node's priority is the length of the longest path from it to the
//! end of the walk (its own typical duration plus that of the longest chain of nodes waiting for
//! it), so a slow database with dependents starts before fifty quick buckets (critical-path
//! scheduling). Durations are facts of each type ([`crate::resources::Resource::typical_seconds`]).

use std::collections::HashMap;
use std::hash::Hash;

/// The walk's priorities: [`critical_path`], or none (plain ready order) when
/// `FUELFLOW_SCHEDULE=ready-order` asks for it (the benchmark's comparison).
pub fn priorities<K: Clone + Eq + Hash>(
    nodes: &[K],
    deps: &HashMap<K, Vec<K>>,
    cost: impl Fn(&K) -> u64,
) -> HashMap<K, u64> {
    if std::env::var("FUELFLOW_SCHEDULE").as_deref() == Ok("ready-order") {
        return HashMap::new();
    }
    critical_path(nodes, deps, cost)
}

/// Priorities (in the unit of `cost`) for `nodes`, where `deps[n]` lists what `n` waits for.
pub fn critical_path<K: Clone + Eq + Hash>(
    nodes: &[K],
    deps: &HashMap<K, Vec<K>>,
    cost: impl Fn(&K) -> u64,
) -> HashMap<K, u64> {
    let index: HashMap<&K, usize> = nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    // Who waits for each node (the edges reversed), among `nodes` only.
    let mut waiting: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut remaining: Vec<usize> = vec![0; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for d in deps.get(n).into_iter().flatten() {
            if let Some(&j) = index.get(d).filter(|&&j| j != i) {
                waiting[j].push(i);
                remaining[i] += 1;
            }
        }
    }
    // Kahn's order, then longest paths computed from the last nodes back.
    let mut order: Vec<usize> = (0..nodes.len()).filter(|&i| remaining[i] == 0).collect();
    let mut k = 0;
    while k < order.len() {
        for &w in &waiting[order[k]] {
            remaining[w] -= 1;
            if remaining[w] == 0 {
                order.push(w);
            }
        }
        k += 1;
    }
    let mut longest: Vec<u64> = nodes.iter().map(&cost).collect();
    for &i in order.iter().rev() {
        let tail = waiting[i].iter().map(|&w| longest[w]).max().unwrap_or(0);
        longest[i] = cost(&nodes[i]) + tail;
    }
    nodes.iter().cloned().zip(longest).collect()
}

/// The time the walk takes with unlimited parallelism: the longest path.
pub fn estimate<K: Eq + Hash>(priorities: &HashMap<K, u64>) -> u64 {
    priorities.values().copied().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::walk::{Outcome, walk_by_priority};
    use std::sync::{Arc, Mutex};
    use tokio::sync::watch;

    fn deps(pairs: &[(u32, u32)]) -> HashMap<u32, Vec<u32>> {
        let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
        for (n, d) in pairs {
            map.entry(*n).or_default().push(*d);
        }
        map
    }

    #[test]
    fn priority_is_the_longest_remaining_path() {
        // 1 (slow, 100) <- 2 (1) <- 3 (1); 4 (5) alone; 5 (1) <- 6 (50)
        let cost = |n: &u32| match n {
            1 => 100,
            4 => 5,
            6 => 50,
            _ => 1,
        };
        let p = critical_path(&[1, 2, 3, 4, 5, 6], &deps(&[(2, 1), (3, 2), (6, 5)]), cost);
        assert_eq!(p[&1], 102);
        assert_eq!(p[&2], 2);
        assert_eq!(p[&3], 1);
        assert_eq!(p[&4], 5);
        assert_eq!(
            p[&5], 51,
            "a quick node before a slow one inherits its length"
        );
        assert_eq!(estimate(&p), 102);
    }

    #[test]
    fn dependencies_outside_the_nodes_and_self_edges_are_ignored() {
        let p = critical_path(&[1, 2], &deps(&[(2, 9), (1, 1)]), |_| 3);
        assert_eq!(p[&1], 3);
        assert_eq!(p[&2], 3);
    }

    async fn start_order(
        priority: HashMap<u32, u64>,
        nodes: Vec<u32>,
        fail: u32,
    ) -> (Vec<u32>, HashMap<u32, Outcome<u32>>) {
        let order = Arc::new(Mutex::new(Vec::new()));
        let (_tx, rx) = watch::channel(false);
        let o = order.clone();
        let outcomes = walk_by_priority(nodes, &deps(&[(3, 1)]), &priority, 1, rx, move |n| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(n);
                n != fail
            }
        })
        .await;
        let order = order.lock().unwrap().clone();
        (order, outcomes)
    }

    #[tokio::test]
    async fn the_longest_path_starts_first_and_ties_keep_their_order() {
        let priority = HashMap::from([(1, 100), (2, 1), (3, 50), (4, 1), (5, 7)]);
        let (order, _) = start_order(priority, vec![2, 4, 5, 1, 3], 0).await;
        assert_eq!(order, vec![1, 3, 5, 2, 4]);
    }

    #[tokio::test]
    async fn a_failed_high_priority_node_skips_its_dependents_only() {
        let priority = HashMap::from([(1, 100), (3, 50)]);
        let (order, outcomes) = start_order(priority, vec![2, 3, 1], 1).await;
        assert_eq!(order, vec![1, 2]);
        assert_eq!(outcomes[&3], Outcome::Skipped(1));
        assert_eq!(outcomes[&2], Outcome::Done);
    }
}
