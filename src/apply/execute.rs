//! The work behind each planned change: evaluate the resource with what exists now, record the
//! pending operation, call its handler, record the result.

use super::checkpoint::{Checkpointer, Event};
use super::walk::{self, Outcome};
use super::{Options, Report, Reporter, names};
use crate::engine::{Engine, ResourceFailure};
use crate::plan::lookup::Known;
use crate::plan::run::Planned;
use crate::plan::{Action, Change};
use crate::resources::{self, Handler, Props, ResourceError};
use crate::state::StateStore;
use crate::state::model::{OutputState, PendingAction, PendingOperation, ResourceState};
use crate::state::timestamp::Timestamp;
use crate::template::model::DeletionPolicy;
use crate::template::stack::Stack;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

type Key = (String, String);

/// What every task shares.
struct Shared {
    engine: Arc<Engine>,
    stacks: Vec<Stack>,
    stack_index: HashMap<String, usize>,
    changes: HashMap<Key, Change>,
    recorded: BTreeMap<String, crate::plan::run::Recorded>,
    /// The directory of each stack's template, by stack key.
    template_dirs: HashMap<String, String>,
    /// What refresh read, by (stack name, logical id): an update starts from what AWS has.
    live: crate::plan::refresh::Refreshed,
    known: RwLock<Known>,
    checkpoints: Checkpointer,
    reporter: Arc<dyn Reporter>,
    failures: Mutex<Vec<ResourceFailure>>,
    /// Old resources of create-before-delete replacements, deleted after the creates.
    superseded: Mutex<Vec<Superseded>>,
}

#[derive(Clone)]
struct Superseded {
    stack: String,
    logical_id: String,
    resource_type: String,
    physical_id: String,
    properties: Props,
    /// `UpdateReplacePolicy: Snapshot` on a DB instance.
    final_snapshot: bool,
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
    let store: Arc<dyn StateStore> = engine.backend.store.clone();
    let checkpoints = Checkpointer::spawn(store, keys, states.clone(), options.checkpoints);
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
    let stacks = workspace.stacks;
    let stack_index = stacks
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.key.clone(), i))
        .collect();
    let changes: HashMap<Key, Change> = plan
        .stacks
        .iter()
        .flat_map(|s| {
            s.changes
                .iter()
                .map(|c| ((c.stack.clone(), c.logical_id.clone()), c.clone()))
        })
        .collect();
    let shared = Arc::new(Shared {
        engine: engine.clone(),
        stacks,
        stack_index,
        changes,
        recorded: states,
        template_dirs,
        live,
        known: RwLock::new(known),
        checkpoints,
        reporter,
        failures: Mutex::new(Vec::new()),
        superseded: Mutex::new(Vec::new()),
    });
    let parallelism = engine.parallelism;
    let mut report = Report::default();

    // Phase 1: creates, updates and replacements, dependencies first.
    let forward: Vec<Key> = shared
        .changes
        .iter()
        .filter(|(_, c)| matches!(c.action, Action::Create | Action::Update | Action::Replace))
        .map(|(k, _)| k.clone())
        .collect();
    let mut deps: HashMap<Key, Vec<Key>> = HashMap::new();
    for key in &forward {
        let Some(&s) = shared.stack_index.get(&key.0) else {
            continue;
        };
        if let Some(node) = graph.node(s, &key.1) {
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
    }
    let s = shared.clone();
    let outcomes = walk::walk(forward, &deps, parallelism, stop.clone(), move |key| {
        let s = s.clone();
        async move { s.forward(&key).await }
    })
    .await;
    tally(&mut report, &outcomes);

    // Phase 2: deletes (removed resources, then what replacements superseded), dependents first.
    let mut backward: Vec<Key> = shared
        .changes
        .iter()
        .filter(|(_, c)| matches!(c.action, Action::Delete | Action::Forget))
        .map(|(k, _)| k.clone())
        .collect();
    let mut reverse: HashMap<Key, Vec<Key>> = HashMap::new();
    for key in &backward {
        if let Some(r) = shared
            .recorded
            .get(&key.0)
            .and_then(|r| r.doc.resources.get(&key.1))
        {
            for d in &r.dependencies {
                reverse
                    .entry((key.0.clone(), d.clone()))
                    .or_default()
                    .push(key.clone());
            }
        }
    }
    let superseded: Vec<Superseded> = shared.superseded.lock().expect("not poisoned").clone();
    let old_keys: Vec<Key> = superseded
        .iter()
        .map(|o| (o.stack.clone(), format!("{}~superseded", o.logical_id)))
        .collect();
    backward.extend(old_keys);
    let s = shared.clone();
    let outcomes = walk::walk(backward, &reverse, parallelism, stop.clone(), move |key| {
        let s = s.clone();
        async move { s.backward(&key).await }
    })
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
    fn stack(&self, key: &str) -> &Stack {
        &self.stacks[self.stack_index[key]]
    }

    fn fail(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        operation: &str,
        e: ResourceError,
    ) -> ResourceFailure {
        let f = ResourceFailure::new(&stack.id.name, logical_id, resource_type, operation, e);
        self.failures.lock().expect("not poisoned").push(f.clone());
        f
    }

    async fn forward(&self, key: &Key) -> bool {
        let change = &self.changes[key];
        let stack = self.stack(&key.0);
        self.reporter
            .started(&stack.id.key, &key.1, &change.resource_type, change.action);
        let started = Instant::now();
        let result = match change.action {
            Action::Create => self.create(stack, change).await,
            Action::Update => self.update(stack, change).await,
            Action::Replace => self.replace(stack, change).await,
            _ => Ok(()),
        };
        let failure = result
            .err()
            .map(|(op, e)| self.fail(stack, &key.1, &change.resource_type, op, e));
        self.reporter.finished(
            &stack.id.key,
            &key.1,
            change.action,
            started.elapsed(),
            failure.as_ref(),
        );
        failure.is_none()
    }

    async fn backward(&self, key: &Key) -> bool {
        let stack = self.stack(&key.0);
        if let Some(logical_id) = key.1.strip_suffix("~superseded") {
            let old = self
                .superseded
                .lock()
                .expect("not poisoned")
                .iter()
                .find(|o| o.stack == key.0 && o.logical_id == logical_id)
                .cloned();
            let Some(old) = old else { return true };
            let started = Instant::now();
            self.reporter.started(
                &stack.id.key,
                logical_id,
                &old.resource_type,
                Action::Delete,
            );
            let result = self.delete_superseded(stack, &old).await;
            let failure = result.err().map(|e| {
                self.fail(
                    stack,
                    logical_id,
                    &old.resource_type,
                    "delete (superseded)",
                    e,
                )
            });
            self.reporter.finished(
                &stack.id.key,
                logical_id,
                Action::Delete,
                started.elapsed(),
                failure.as_ref(),
            );
            return failure.is_none();
        }
        let change = &self.changes[key];
        self.reporter
            .started(&stack.id.key, &key.1, &change.resource_type, change.action);
        let started = Instant::now();
        let recorded = self
            .recorded
            .get(&key.0)
            .and_then(|r| r.doc.resources.get(&key.1))
            .cloned();
        let result = match (change.action, recorded) {
            (Action::Delete, Some(r)) if self.is_snapshot_deletion(&r) => {
                // `DeletionPolicy: Snapshot` (the CloudFormation default for DB instances).
                self.delete_with_final_snapshot(stack, &key.1, &r.resource_type, &r.physical_id)
                    .await
            }
            (Action::Delete, Some(r)) => {
                let props = r.properties.as_object().cloned().unwrap_or_default();
                self.delete_physical(stack, &key.1, &r.resource_type, &r.physical_id, &props)
                    .await
            }
            _ => Ok(()),
        };
        let failure = match result {
            Ok(()) => {
                self.known
                    .write()
                    .expect("not poisoned")
                    .remove_resource(&stack.id.name, &key.1);
                self.checkpoints.send(Event::Removed {
                    stack: key.0.clone(),
                    logical_id: key.1.clone(),
                    clear: None,
                });
                None
            }
            Err(e) => Some(self.fail(stack, &key.1, &change.resource_type, "delete", e)),
        };
        self.reporter.finished(
            &stack.id.key,
            &key.1,
            change.action,
            started.elapsed(),
            failure.as_ref(),
        );
        failure.is_none()
    }

    /// The resource's properties as they must be applied now: evaluated with what exists, as
    /// recorded (references to secrets kept as references) and as sent (secrets resolved).
    async fn desired(
        &self,
        stack: &Stack,
        logical_id: &str,
    ) -> Result<(Props, Props, Vec<String>), (&'static str, ResourceError)> {
        let value = stack.evaluate_resource(logical_id, &*self.known.read().expect("not poisoned"));
        if !value.is_known() {
            return Err((
                "evaluate",
                ResourceError::new(
                    "UnresolvedValue",
                    "a property depends on a value that is still unknown",
                ),
            ));
        }
        let mut recorded = match value.to_json() {
            Json::Object(map) => map,
            _ => Props::new(),
        };
        let resource_type = stack
            .resources
            .get(logical_id)
            .map(|r| r.resource_type.as_str())
            .unwrap_or_default();
        let handler = self.engine.registry.get(resource_type);
        if let Some(handler) = handler {
            if handler.needs_template_dir() {
                let dir = self
                    .template_dirs
                    .get(&stack.id.key)
                    .cloned()
                    .unwrap_or_default();
                recorded.insert(resources::TEMPLATE_DIR.into(), Json::String(dir));
            }
        }
        let (sent, versions) = crate::resources::dynamic::resolve(&self.engine.clients, &recorded)
            .await
            .map_err(|e| ("resolve", e))?;
        // What is recorded is what refresh will compare with (local code as its hash).
        let recorded = match handler {
            Some(handler) => handler.compare_view(recorded).map_err(|e| ("prepare", e))?,
            None => recorded,
        };
        Ok((recorded, sent, versions))
    }

    fn handler(
        &self,
        resource_type: &str,
    ) -> Result<&'static dyn Handler, (&'static str, ResourceError)> {
        self.engine.registry.get(resource_type).ok_or_else(|| {
            (
                "plan",
                ResourceError::new("UnsupportedType", format!("no handler for {resource_type}")),
            )
        })
    }

    async fn create(
        &self,
        stack: &Stack,
        change: &Change,
    ) -> Result<(), (&'static str, ResourceError)> {
        let handler = self.handler(&change.resource_type)?;
        let (recorded, mut sent, versions) = self.desired(stack, &change.logical_id).await?;
        let ctx = self.engine.ctx(&stack.id.name, &change.logical_id);
        let earlier = self.earlier_pending(&stack.id.key, &change.logical_id);
        if let Some(name_prop) = handler.name_property() {
            if !sent.contains_key(name_prop) {
                // Reuse the name a killed run recorded, so its resource is found, not duplicated.
                let name = earlier
                    .as_ref()
                    .and_then(|p| p.physical_id.clone())
                    .unwrap_or_else(|| {
                        names::generate(&stack.id.name, &change.logical_id, handler.name_rules())
                    });
                sent.insert(name_prop.to_string(), Json::String(name));
            }
        }
        let physical_name = handler
            .name_property()
            .and_then(|p| sent.get(p))
            .and_then(resources::text);
        if earlier.is_some() {
            if let Some(adopted) = retry(|| handler.adopt(&ctx, &sent))
                .await
                .map_err(|e| ("adopt", e))?
            {
                // Found what the killed run created: bring it from what AWS has to the template.
                let id = adopted.physical_id;
                let live = adopted.live.properties;
                let attributes = retry(|| handler.update(&ctx, &id, &live, &sent))
                    .await
                    .map_err(|e| ("update (adopted)", e))?;
                self.record(
                    stack,
                    change,
                    &id,
                    with_versions(attributes, versions),
                    recorded,
                    None,
                );
                return Ok(());
            }
        }
        let op = PendingOperation {
            id: uuid::Uuid::new_v4().to_string(),
            logical_id: change.logical_id.clone(),
            resource_type: change.resource_type.clone(),
            action: PendingAction::Create,
            started: Timestamp::now(),
            physical_id: physical_name,
        };
        let op_id = op.id.clone();
        self.checkpoints
            .pending(&stack.id.key, op)
            .await
            .map_err(|e| {
                (
                    "record pending create",
                    ResourceError::new("StateWriteFailed", e),
                )
            })?;
        let created = retry(|| handler.create(&ctx, &sent))
            .await
            .map_err(|e| ("create", e))?;
        self.record(
            stack,
            change,
            &created.physical_id,
            with_versions(created.attributes, versions),
            recorded,
            Some(op_id),
        );
        Ok(())
    }

    async fn update(
        &self,
        stack: &Stack,
        change: &Change,
    ) -> Result<(), (&'static str, ResourceError)> {
        let handler = self.handler(&change.resource_type)?;
        let (recorded, sent, versions) = self.desired(stack, &change.logical_id).await?;
        let before = self
            .recorded
            .get(&change.stack)
            .and_then(|r| r.doc.resources.get(&change.logical_id))
            .cloned();
        let Some(before) = before else {
            return self.create(stack, change).await;
        };
        let old = self.current(
            stack,
            &change.logical_id,
            &change.resource_type,
            &before,
            &sent,
        );
        // Resolving the recorded references gives the secrets' *current* values. After a
        // rotation those are not what was applied: keep the references then, so the handler sees
        // the properties that use a secret as changed and sends the new value.
        let applied = before.attributes.get(resources::dynamic::SECRET_VERSIONS);
        let rotated = applied.is_some_and(|a| *a != Json::from(versions.clone()));
        let old = match crate::resources::dynamic::resolve(&self.engine.clients, &old).await {
            Ok((resolved, _)) if !rotated => resolved,
            _ => old,
        };
        let ctx = self.engine.ctx(&stack.id.name, &change.logical_id);
        let attributes = retry(|| handler.update(&ctx, &before.physical_id, &old, &sent))
            .await
            .map_err(|e| ("update", e))?;
        self.record(
            stack,
            change,
            &before.physical_id,
            with_versions(attributes, versions),
            recorded,
            None,
        );
        Ok(())
    }

    async fn replace(
        &self,
        stack: &Stack,
        change: &Change,
    ) -> Result<(), (&'static str, ResourceError)> {
        let handler = self.handler(&change.resource_type)?;
        let Some(before) = self
            .recorded
            .get(&change.stack)
            .and_then(|r| r.doc.resources.get(&change.logical_id))
            .cloned()
        else {
            return self.create(stack, change).await;
        };
        let policy = stack
            .resources
            .get(&change.logical_id)
            .and_then(|r| r.update_replace_policy);
        // `UpdateReplacePolicy: Retain`: the old one stays in AWS, no longer managed (the plan
        // refused the case where the new one needs its name).
        let keep_old = policy == Some(DeletionPolicy::Retain);
        let old = Superseded {
            stack: change.stack.clone(),
            logical_id: change.logical_id.clone(),
            final_snapshot: policy == Some(DeletionPolicy::Snapshot)
                && handler.takes_final_snapshot(),
            resource_type: before.resource_type,
            physical_id: before.physical_id,
            properties: before.properties.as_object().cloned().unwrap_or_default(),
        };
        // The template names the resource: the new one cannot exist beside the old one.
        let fixed_name = handler.name_property().is_some_and(|p| {
            stack
                .template
                .resources
                .get(&change.logical_id)
                .and_then(|r| r.properties.as_ref())
                .and_then(|props| props.get(p))
                .is_some()
        });
        if fixed_name && !keep_old {
            // The new resource needs the old one's name: delete first, then create.
            self.delete_superseded(stack, &old)
                .await
                .map_err(|e| ("delete (replace)", e))?;
            self.checkpoints.send(Event::Removed {
                stack: change.stack.clone(),
                logical_id: change.logical_id.clone(),
                clear: None,
            });
            return self.create(stack, change).await;
        }
        self.create(stack, change).await?;
        if !keep_old {
            self.superseded.lock().expect("not poisoned").push(old);
        }
        Ok(())
    }

    /// Deletes the old copy of a replaced resource, with a final snapshot when its
    /// `UpdateReplacePolicy` asks for one.
    async fn delete_superseded(
        &self,
        stack: &Stack,
        old: &Superseded,
    ) -> Result<(), ResourceError> {
        if old.final_snapshot {
            return self
                .delete_with_final_snapshot(
                    stack,
                    &old.logical_id,
                    &old.resource_type,
                    &old.physical_id,
                )
                .await;
        }
        self.delete_physical(
            stack,
            &old.logical_id,
            &old.resource_type,
            &old.physical_id,
            &old.properties,
        )
        .await
    }

    /// Deletes keeping a final snapshot named `<id>-final-<unix seconds>`.
    async fn delete_with_final_snapshot(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        physical_id: &str,
    ) -> Result<(), ResourceError> {
        let handler = self.handler(resource_type).map_err(|(_, e)| e)?;
        let ctx = self.engine.ctx(&stack.id.name, logical_id);
        let snapshot = format!("{physical_id}-final-{}", Timestamp::now().unix_secs());
        retry(|| handler.delete_with_snapshot(&ctx, physical_id, &snapshot)).await
    }

    async fn delete_physical(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        physical_id: &str,
        props: &Props,
    ) -> Result<(), ResourceError> {
        let handler = self.handler(resource_type).map_err(|(_, e)| e)?;
        let ctx = self.engine.ctx(&stack.id.name, logical_id);
        retry(|| handler.delete(&ctx, physical_id, props)).await
    }

    /// What the resource is now: the recorded properties with what refresh read from AWS laid
    /// over them (so drift is repaired), except properties AWS never returns.
    fn current(
        &self,
        stack: &Stack,
        logical_id: &str,
        resource_type: &str,
        before: &ResourceState,
        sent: &Props,
    ) -> Props {
        let mut old = before.properties.as_object().cloned().unwrap_or_default();
        let Some(Some(live)) = self
            .live
            .get(&(stack.id.name.clone(), logical_id.to_string()))
        else {
            return old;
        };
        let write_only = crate::schema::lookup(resource_type)
            .map(|s| s.write_only)
            .unwrap_or_default();
        let keys: Vec<String> = old.keys().chain(sent.keys()).cloned().collect();
        for key in keys {
            if write_only.contains(&key.as_str())
                || old.get(&key).is_some_and(crate::plan::diff::is_sensitive)
            {
                continue;
            }
            match live.properties.get(&key) {
                Some(v) => {
                    old.insert(key, v.clone());
                }
                None => {
                    old.remove(&key);
                }
            }
        }
        old
    }

    /// Whether deleting the recorded resource must keep a final snapshot.
    fn is_snapshot_deletion(&self, r: &ResourceState) -> bool {
        r.deletion_policy == Some(DeletionPolicy::Snapshot)
            && self
                .engine
                .registry
                .get(&r.resource_type)
                .is_some_and(|h| h.takes_final_snapshot())
    }

    /// A create a previous (killed) run recorded as started but never finished.
    fn earlier_pending(&self, stack: &str, logical_id: &str) -> Option<PendingOperation> {
        self.recorded
            .get(stack)?
            .doc
            .pending
            .iter()
            .find(|p| {
                p.logical_id == logical_id
                    && matches!(p.action, PendingAction::Create | PendingAction::Replace)
            })
            .cloned()
    }

    /// The salt of a stack's recorded hashes: its state's lineage.
    fn salt(&self, stack_key: &str) -> String {
        self.recorded
            .get(stack_key)
            .map(|r| r.doc.lineage.clone())
            .unwrap_or_default()
    }

    fn record(
        &self,
        stack: &Stack,
        change: &Change,
        physical_id: &str,
        attributes: resources::Attributes,
        mut properties: Props,
        clear: Option<String>,
    ) {
        // Secret values given in the template are recorded as salted hashes only.
        let salt = self.salt(&change.stack);
        let hashed = crate::plan::secrets::redact(
            &salt,
            &change.resource_type,
            &crate::plan::secrets::Secrets::of(stack, &self.engine.registry),
            &mut properties,
        );
        self.known.write().expect("not poisoned").set_resource(
            &stack.id.name,
            &change.logical_id,
            physical_id,
            attributes.clone(),
        );
        let evaluated = stack.resources.get(&change.logical_id);
        let dependencies = evaluated
            .map(|r| {
                let mut d: Vec<String> = r
                    .references
                    .iter()
                    .filter(|x| x.kind != crate::template::eval::RefKind::ImportValue)
                    .map(|x| x.target.clone())
                    .collect();
                d.sort();
                d.dedup();
                d
            })
            .unwrap_or_default();
        let mut sensitive: Vec<String> = properties
            .iter()
            .filter(|(_, v)| crate::plan::diff::is_sensitive(v))
            .map(|(k, _)| k.clone())
            .collect();
        sensitive.extend(hashed);
        let deletion_policy = evaluated.and_then(|r| r.deletion_policy);
        let state = ResourceState {
            resource_type: change.resource_type.clone(),
            physical_id: physical_id.to_string(),
            properties: Json::Object(properties),
            attributes,
            dependencies,
            sensitive,
            deletion_policy,
        };
        // Also clear a killed run's pending create of this resource: it is recorded now.
        let clear = clear.or_else(|| {
            self.earlier_pending(&change.stack, &change.logical_id)
                .map(|p| p.id)
        });
        self.publish_exports(stack);
        self.checkpoints.send(Event::Resource {
            stack: change.stack.clone(),
            logical_id: change.logical_id.clone(),
            state,
            clear,
        });
    }

    /// Makes the stack's exports that are now fully known visible to importing stacks, so a
    /// resource importing them can be created in this same run.
    fn publish_exports(&self, stack: &Stack) {
        if !stack.outputs.values().any(|o| o.export_name.is_some()) {
            return;
        }
        let outputs = stack.evaluate_outputs(&*self.known.read().expect("not poisoned"));
        let mut known = self.known.write().expect("not poisoned");
        for (_, value, export_name) in outputs {
            if let (Some(name), true) = (export_name, value.is_known()) {
                known.set_export(&name, value.to_json());
            }
        }
    }

    fn record_outputs(&self) {
        let known = self.known.read().expect("not poisoned");
        let mut exports = Vec::new();
        for stack in &self.stacks {
            let mut outputs = BTreeMap::new();
            let secrets = crate::plan::secrets::Secrets::no_echo_values(stack);
            let salt = self.salt(&stack.id.key);
            for (name, value, export_name) in stack.evaluate_outputs(&*known) {
                let mut json = value.to_json();
                if let Some(e) = &export_name {
                    exports.push((e.clone(), json.clone()));
                }
                let sensitive =
                    crate::plan::diff::is_sensitive(&json) || secrets.contains_value(&json);
                if secrets.contains_value(&json) {
                    json = crate::plan::secrets::hash(&salt, &json);
                }
                outputs.insert(
                    name,
                    OutputState {
                        value: json,
                        export_name,
                        sensitive,
                    },
                );
            }
            self.checkpoints.send(Event::Outputs {
                stack: stack.id.key.clone(),
                outputs,
            });
        }
        drop(known);
        let mut known = self.known.write().expect("not poisoned");
        for (name, value) in exports {
            known.set_export(&name, value);
        }
    }
}

/// Records which secret versions the resource was applied with (never their values).
fn with_versions(
    mut attributes: resources::Attributes,
    versions: Vec<String>,
) -> resources::Attributes {
    if !versions.is_empty() {
        attributes.insert(
            resources::dynamic::SECRET_VERSIONS.to_string(),
            Json::from(versions),
        );
    }
    attributes
}

/// Calls `f` again after a pause while it fails with a retryable error (eventual consistency,
/// throttling beyond what the SDK retried), for about a minute at most.
async fn retry<T, F, Fut>(f: F) -> Result<T, ResourceError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ResourceError>>,
{
    let mut delay = Duration::from_millis(500);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match f().await {
            Err(e) if e.retryable && Instant::now() + delay < deadline => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
            }
            other => return other,
        }
    }
}
