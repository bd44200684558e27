//! The orchestration of an apply: the forward walk (creates, updates, replacements, dependencies
//! first), the backward walk (deletes, dependents first), and the report. What each step does to
//! one resource is in [`super::steps`]; what it records, in [`super::record`].

use super::checkpoint::{Checkpointer, Event};
use super::error::StepError;
use super::walk::{self, Outcome};
use super::{Options, Report, Reporter};
use crate::engine::{Engine, ResourceFailure};
use crate::graph::ResourceGraph;
use crate::plan::lookup::Known;
use crate::plan::run::{Planned, Recorded};
use crate::plan::{Action, Change};
use crate::state::model::DeposedObject;
use crate::template::stack::Stack;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use tokio::sync::watch;

/// A resource of the walk: (stack key, logical id).
pub(super) type Key = (String, String);

/// The infix of a walk key that stands for a deposed object (`LogicalId~deposed~<id>`).
pub(super) const DEPOSED: &str = "~deposed~";

/// What every task of the walk shares.
pub(super) struct Shared {
    pub(super) engine: Arc<Engine>,
    pub(super) stacks: Vec<Stack>,
    stack_index: HashMap<String, usize>,
    changes: HashMap<Key, Change>,
    /// The states as read when planning, by stack key.
    pub(super) recorded: BTreeMap<String, Recorded>,
    /// The directory of each stack's template, by stack key.
    pub(super) template_dirs: HashMap<String, String>,
    /// What refresh read, by (stack name, logical id): an update starts from what AWS has.
    pub(super) live: crate::plan::refresh::Refreshed,
    /// The orderings types infer (the graph's implicit edges within a stack), by stack key and
    /// logical id: recorded with the references, so a later delete keeps them too.
    pub(super) implicit: HashMap<Key, Vec<String>>,
    pub(super) known: RwLock<Known>,
    pub(super) checkpoints: Checkpointer,
    reporter: Arc<dyn Reporter>,
    failures: Mutex<Vec<ResourceFailure>>,
    /// The deposed objects the states hold once the forward walk is over (old copies of
    /// replacements, of this run or an interrupted one), by walk key: deleted in the backward walk.
    pub(super) deposed: Mutex<HashMap<Key, DeposedObject>>,
}

/// The graph's implicit edges within a stack, as (stack key, logical id) -> logical ids.
fn implicit_dependencies(graph: &ResourceGraph) -> HashMap<Key, Vec<String>> {
    use petgraph::visit::EdgeRef;
    let mut implicit: HashMap<Key, Vec<String>> = HashMap::new();
    for edge in graph.graph.edge_references() {
        let (from, to) = (&graph.graph[edge.source()], &graph.graph[edge.target()]);
        if edge.weight().kind == crate::template::eval::RefKind::Implicit && from.stack == to.stack
        {
            implicit
                .entry((from.stack_key.clone(), from.logical_id.clone()))
                .or_default()
                .push(to.logical_id.clone());
        }
    }
    implicit
}

pub async fn run(
    engine: Arc<Engine>,
    planned: Planned,
    reporter: Arc<dyn Reporter>,
    stop: watch::Receiver<bool>,
    options: Options,
) -> Report {
    let Planned {
        plan,
        workspace,
        states,
        known,
        live,
    } = planned;
    let keys = states
        .keys()
        .map(|k| (k.clone(), engine.backend.key(&engine.env, k)))
        .collect();
    let checkpoints = Checkpointer::spawn(
        engine.backend.store.clone(),
        keys,
        states.clone(),
        options.checkpoints,
    );
    let template_dirs = workspace
        .stacks
        .iter()
        .map(|st| {
            (
                st.id.key.clone(),
                crate::plan::run::template_dir(&workspace, st),
            )
        })
        .collect();
    let graph = workspace.graph;
    let implicit = implicit_dependencies(&graph);
    let stacks = workspace.stacks;
    let stack_index = stacks
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.key.clone(), i))
        .collect();
    let changes: HashMap<Key, Change> = plan
        .stacks
        .iter()
        .flat_map(|s| s.changes.iter())
        // Deposed objects are deleted from what the states hold, not from the plan's list.
        .filter(|c| !crate::plan::is_deposed(c))
        .map(|c| ((c.stack.clone(), c.logical_id.clone()), c.clone()))
        .collect();
    let shared = Arc::new(Shared {
        engine: engine.clone(),
        stacks,
        stack_index,
        changes,
        recorded: states,
        template_dirs,
        live,
        implicit,
        known: RwLock::new(known),
        checkpoints,
        reporter,
        failures: Mutex::new(Vec::new()),
        deposed: Mutex::new(HashMap::new()),
    });
    let parallelism = engine.parallelism;
    let mut report = Report::default();

    // Phase 1: creates, updates and replacements, dependencies first.
    let (forward, deps) = shared.forward_order(&graph);
    // Longest chain first, so a slow create never waits behind many quick ones.
    let priority = super::schedule::priorities(&forward, &deps, |key| shared.typical_seconds(key));
    let s = shared.clone();
    let outcomes = walk::walk_by_priority(
        forward,
        &deps,
        &priority,
        parallelism,
        stop.clone(),
        move |key| {
            let s = s.clone();
            async move { s.forward(&key).await }
        },
    )
    .await;
    tally(&mut report, &outcomes);

    // Phase 2: deletes (removed resources and deposed objects), dependents first.
    shared.load_deposed().await;
    let (backward, reverse) = shared.backward_order();
    let priority =
        super::schedule::priorities(&backward, &reverse, |key| shared.typical_seconds(key));
    let s = shared.clone();
    let outcomes = walk::walk_by_priority(
        backward,
        &reverse,
        &priority,
        parallelism,
        stop.clone(),
        move |key| {
            let s = s.clone();
            async move { s.backward(&key).await }
        },
    )
    .await;
    tally(&mut report, &outcomes);

    // Outputs, with every value now known.
    if !plan.destroy && !report.interrupted {
        shared.record_outputs();
    } else if plan.destroy {
        for stack in &shared.stacks {
            shared.checkpoints.send(Event::Outputs {
                stack: stack.id.key.clone(),
                outputs: BTreeMap::new(),
            });
        }
    }
    if let Err(e) = shared.checkpoints.flush().await {
        report.state_error = Some(e);
    }
    report.failures = std::mem::take(&mut *shared.failures.lock().expect("not poisoned"));
    report
}

fn tally(report: &mut Report, outcomes: &HashMap<Key, Outcome<Key>>) {
    for (key, outcome) in outcomes {
        match outcome {
            Outcome::Done => report.applied += 1,
            Outcome::Failed => {}
            Outcome::Skipped(root) => report.skipped.push((
                format!("{}.{}", key.0, key.1),
                format!("{}.{}", root.0, root.1),
            )),
            Outcome::Interrupted => report.interrupted = true,
        }
    }
}

impl Shared {
    pub(super) fn stack(&self, key: &str) -> &Stack {
        &self.stacks[self.stack_index[key]]
    }

    /// The resource as the state read at plan time holds it.
    pub(super) fn recorded_resource(
        &self,
        stack_key: &str,
        logical_id: &str,
    ) -> Option<&crate::state::model::ResourceState> {
        self.recorded.get(stack_key)?.doc.resources.get(logical_id)
    }

    /// How long the planned change of `key` typically takes (its type's fact), for scheduling.
    fn typical_seconds(&self, key: &Key) -> u64 {
        let Some(change) = self.changes.get(key) else {
            return crate::resources::TypicalSeconds::QUICK.delete;
        };
        let Some(handler) = self.engine.registry.get(&change.resource_type) else {
            return 0;
        };
        let typical = handler.typical_seconds();
        match change.action {
            Action::Create => typical.create,
            Action::Update => typical.update,
            Action::Replace => typical.create + typical.delete,
            Action::Delete => typical.delete,
            _ => 0,
        }
    }

    /// The creates, updates and replacements, each with what it waits for (from the graph).
    fn forward_order(&self, graph: &ResourceGraph) -> (Vec<Key>, HashMap<Key, Vec<Key>>) {
        let forward: Vec<Key> = self
            .changes
            .iter()
            .filter(|(_, c)| matches!(c.action, Action::Create | Action::Update | Action::Replace))
            .map(|(k, _)| k.clone())
            .collect();
        let mut deps: HashMap<Key, Vec<Key>> = HashMap::new();
        for key in &forward {
            let Some(&s) = self.stack_index.get(&key.0) else {
                continue;
            };
            if let Some(node) = graph.node(s, &key.1) {
                let list = graph
                    .dependencies(node)
                    .map(|d| {
                        let d = &graph.graph[d];
                        (d.stack_key.clone(), d.logical_id.clone())
                    })
                    .collect();
                deps.insert(key.clone(), list);
            }
        }
        (forward, deps)
    }

    /// The deletes and the deposed objects, each waiting for what recorded a dependency on it
    /// (the graph no longer has removed resources; the state does).
    fn backward_order(&self) -> (Vec<Key>, HashMap<Key, Vec<Key>>) {
        let mut backward: Vec<Key> = self
            .changes
            .iter()
            .filter(|(_, c)| matches!(c.action, Action::Delete | Action::Forget))
            .map(|(k, _)| k.clone())
            .collect();
        let mut reverse: HashMap<Key, Vec<Key>> = HashMap::new();
        for key in &backward {
            if let Some(r) = self.recorded_resource(&key.0, &key.1) {
                for d in &r.dependencies {
                    reverse
                        .entry((key.0.clone(), d.clone()))
                        .or_default()
                        .push(key.clone());
                }
            }
        }
        let deposed = self.deposed.lock().expect("not poisoned");
        for (key, object) in deposed.iter() {
            for d in &object.dependencies {
                reverse
                    .entry((key.0.clone(), d.clone()))
                    .or_default()
                    .push(key.clone());
            }
            // A removed resource that depended on the old copy goes first.
            let waits: Vec<Key> = reverse
                .get(&(key.0.clone(), object.logical_id.clone()))
                .cloned()
                .unwrap_or_default();
            reverse.entry(key.clone()).or_default().extend(waits);
        }
        backward.extend(deposed.keys().cloned());
        (backward, reverse)
    }

    /// Keeps a failure for the report and returns it for the reporter.
    fn fail(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        e: StepError,
    ) -> ResourceFailure {
        let f = ResourceFailure::new(
            &stack.id.name,
            logical_id,
            resource_type,
            e.operation.as_str(),
            e.source,
        );
        self.failures.lock().expect("not poisoned").push(f.clone());
        f
    }

    /// Runs one step between the reporter's `started` and `finished`; whether it succeeded.
    async fn reported(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        action: Action,
        step: impl std::future::Future<Output = Result<(), StepError>>,
    ) -> bool {
        self.reporter
            .started(&stack.id.key, logical_id, resource_type, action);
        let started = Instant::now();
        let failure = step
            .await
            .err()
            .map(|e| self.fail(stack, logical_id, resource_type, e));
        self.reporter.finished(
            &stack.id.key,
            logical_id,
            action,
            started.elapsed(),
            failure.as_ref(),
        );
        failure.is_none()
    }

    async fn forward(&self, key: &Key) -> bool {
        let change = &self.changes[key];
        let stack = self.stack(&key.0);
        let step = async {
            match change.action {
                Action::Create => self.create(stack, change).await,
                Action::Update => self.update(stack, change).await,
                Action::Replace => self.replace(stack, change).await,
                _ => Ok(()),
            }
        };
        self.reported(stack, &key.1, &change.resource_type, change.action, step)
            .await
    }

    async fn backward(&self, key: &Key) -> bool {
        let stack = self.stack(&key.0);
        if key.1.contains(DEPOSED) {
            let old = self.deposed.lock().expect("not poisoned").get(key).cloned();
            let Some(old) = old else { return true };
            let step = self.remove_deposed(stack, &old);
            return self
                .reported(
                    stack,
                    &old.logical_id,
                    &old.resource_type,
                    Action::Delete,
                    step,
                )
                .await;
        }
        let change = &self.changes[key];
        let step = self.remove(stack, change);
        self.reported(stack, &key.1, &change.resource_type, change.action, step)
            .await
    }
}
