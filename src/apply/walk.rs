//! A concurrent walk over a dependency graph that knows nothing of AWS: it runs each node once
//! all its dependencies succeeded, at most `parallelism` at a time; a failure stops the nodes
//! that depend on it (transitively) and lets everything else, including in-flight work, finish.
//! Among ready nodes the one with the highest priority starts first (see [`super::schedule`]:
//! the longest remaining path), ties in the order given.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use tokio::sync::watch;
use tokio::task::JoinSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<K> {
    Done,
    Failed,
    /// Not run because this dependency failed (or was itself skipped).
    Skipped(K),
    /// Not run because the walk was interrupted.
    Interrupted,
}

/// Walks `nodes` in ready order; `deps[n]` lists the nodes `n` waits for (others are ignored).
/// `stop` turning true stops scheduling; running nodes finish.
pub async fn walk<K, F, Fut>(
    nodes: Vec<K>,
    deps: &HashMap<K, Vec<K>>,
    parallelism: usize,
    stop: watch::Receiver<bool>,
    run: F,
) -> HashMap<K, Outcome<K>>
where
    K: Clone + Eq + Hash + Send + 'static,
    F: Fn(K) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    walk_by_priority(nodes, deps, &HashMap::new(), parallelism, stop, run).await
}

/// [`walk`], starting the ready node of highest `priority` first (absent counts as 0).
pub async fn walk_by_priority<K, F, Fut>(
    nodes: Vec<K>,
    deps: &HashMap<K, Vec<K>>,
    priority: &HashMap<K, u64>,
    parallelism: usize,
    mut stop: watch::Receiver<bool>,
    run: F,
) -> HashMap<K, Outcome<K>>
where
    K: Clone + Eq + Hash + Send + 'static,
    F: Fn(K) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let all: HashSet<K> = nodes.iter().cloned().collect();
    let waits_for = |n: &K| -> Vec<K> {
        deps.get(n)
            .map(|d| {
                d.iter()
                    .filter(|x| all.contains(*x) && *x != n)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut outcomes: HashMap<K, Outcome<K>> = HashMap::new();
    // Highest priority first; the sort is stable, so ties keep the given order.
    let mut pending: Vec<K> = nodes;
    pending.sort_by_key(|n| std::cmp::Reverse(priority.get(n).copied().unwrap_or(0)));
    let mut running: JoinSet<(K, bool)> = JoinSet::new();
    let mut in_flight = 0usize;
    loop {
        let stopped = *stop.borrow();
        // Propagate failures: a node whose dependency failed or was skipped is skipped.
        let mut progressed = true;
        while progressed {
            progressed = false;
            pending.retain(|n| {
                let blocked = waits_for(n)
                    .into_iter()
                    .find(|d| matches!(outcomes.get(d), Some(o) if *o != Outcome::Done));
                match blocked {
                    Some(d) => {
                        let root = match outcomes.get(&d) {
                            Some(Outcome::Skipped(r)) => r.clone(),
                            _ => d,
                        };
                        outcomes.insert(n.clone(), Outcome::Skipped(root));
                        progressed = true;
                        false
                    }
                    None => true,
                }
            });
        }
        if !stopped {
            let mut i = 0;
            while i < pending.len() && in_flight < parallelism.max(1) {
                let ready = waits_for(&pending[i])
                    .iter()
                    .all(|d| outcomes.get(d) == Some(&Outcome::Done));
                if ready {
                    // `remove`, not `swap_remove`: the rest stays in priority order.
                    let n = pending.remove(i);
                    let fut = run(n.clone());
                    running.spawn(async move { (n, fut.await) });
                    in_flight += 1;
                } else {
                    i += 1;
                }
            }
        }
        if in_flight == 0 {
            for n in pending.drain(..) {
                outcomes.insert(n, Outcome::Interrupted);
            }
            return outcomes;
        }
        tokio::select! {
            joined = running.join_next() => {
                in_flight -= 1;
                match joined {
                    Some(Ok((n, ok))) => {
                        outcomes.insert(n, if ok { Outcome::Done } else { Outcome::Failed });
                    }
                    Some(Err(e)) => panic!("a walk task panicked: {e}"),
                    None => {}
                }
            }
            changed = stop.changed(), if !stopped => {
                if changed.is_err() {
                    // The sender is gone: nobody can stop us any more; keep going.
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn deps(pairs: &[(u32, u32)]) -> HashMap<u32, Vec<u32>> {
        let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
        for (n, d) in pairs {
            map.entry(*n).or_default().push(*d);
        }
        map
    }

    #[tokio::test]
    async fn dependencies_run_first() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let (_tx, rx) = watch::channel(false);
        let o = order.clone();
        let result = walk(vec![3, 2, 1], &deps(&[(3, 2), (2, 1)]), 8, rx, move |n| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(n);
                true
            }
        })
        .await;
        assert_eq!(*order.lock().unwrap(), vec![1, 2, 3]);
        assert!(result.values().all(|o| *o == Outcome::Done));
    }

    #[tokio::test]
    async fn a_failure_skips_dependents_only() {
        let (_tx, rx) = watch::channel(false);
        let result = walk(
            vec![1, 2, 3, 4],
            &deps(&[(2, 1), (3, 2)]),
            8,
            rx,
            |n| async move { n != 1 },
        )
        .await;
        assert_eq!(result[&1], Outcome::Failed);
        assert_eq!(result[&2], Outcome::Skipped(1));
        assert_eq!(result[&3], Outcome::Skipped(1));
        assert_eq!(result[&4], Outcome::Done);
    }

    #[tokio::test]
    async fn parallelism_is_respected_and_used() {
        let running = Arc::new(Mutex::new((0usize, 0usize)));
        let (_tx, rx) = watch::channel(false);
        let r = running.clone();
        walk((0..20).collect(), &HashMap::new(), 4, rx, move |_| {
            let r = r.clone();
            async move {
                {
                    let mut g = r.lock().unwrap();
                    g.0 += 1;
                    g.1 = g.1.max(g.0);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                r.lock().unwrap().0 -= 1;
                true
            }
        })
        .await;
        assert_eq!(running.lock().unwrap().1, 4);
    }

    #[tokio::test]
    async fn stop_lets_in_flight_finish_and_schedules_nothing_new() {
        let (tx, rx) = watch::channel(false);
        let tx = Arc::new(tx);
        let t = tx.clone();
        let result = walk(vec![1, 2, 3], &deps(&[(2, 1), (3, 2)]), 1, rx, move |n| {
            let t = t.clone();
            async move {
                if n == 1 {
                    let _ = t.send(true);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                true
            }
        })
        .await;
        assert_eq!(result[&1], Outcome::Done);
        assert_eq!(result[&2], Outcome::Interrupted);
        assert_eq!(result[&3], Outcome::Interrupted);
    }
}
