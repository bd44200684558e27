//! Making a plan: read the states, evaluate the templates against what exists, refresh from AWS
//! and diff every resource.

use super::diff::{self, Inputs};
use super::lookup::Known;
use super::refresh::{self, Refreshed, Target};
use super::{Action, Change, Plan, StackPlan, UNKNOWN};
use crate::engine::{Engine, ResourceFailure};
use crate::project::Project;
use crate::resources::Props;
use crate::state::{Etag, StateDocument};
use crate::template::Value;
use crate::template::model::DeletionPolicy;
use crate::workspace::{self, Facts, Failure, Source, Workspace};
use std::collections::{BTreeMap, HashMap, HashSet};

pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// `--stack` (empty: all).
    pub stacks: Vec<String>,
    pub refresh: bool,
    /// `--target LogicalId`: only these resources and what they depend on.
    pub targets: Vec<String>,
    pub destroy: bool,
}

/// A stack's recorded state as read, with the ETag a conditional write must match.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub doc: StateDocument,
    pub etag: Option<Etag>,
}

/// A plan with everything apply needs to carry it out.
pub struct Planned {
    pub plan: Plan,
    pub workspace: Workspace,
    /// By stack key.
    pub states: BTreeMap<String, Recorded>,
    pub known: Known,
    pub live: Refreshed,
}

pub enum PlanError {
    Load(Failure),
    State(String),
    Resources(Vec<ResourceFailure>),
}

impl From<Failure> for PlanError {
    fn from(f: Failure) -> PlanError {
        PlanError::Load(f)
    }
}

/// The stack keys and full names of a source, for an environment.
pub fn stack_names(source: &Source, project: Option<&Project>, env: &str) -> Vec<(String, String)> {
    match (project, source) {
        (Some(p), _) => p
            .stacks
            .keys()
            .map(|k| (k.clone(), p.stack_name(k, env)))
            .collect(),
        (
            None,
            Source::Template {
                path, stack_name, ..
            },
        ) => {
            let name = stack_name.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "stack".into())
            });
            vec![(name.clone(), name)]
        }
        (None, Source::Project { .. }) => Vec::new(),
    }
}

/// Reads the states of all stacks concurrently (missing states are new, empty ones).
pub async fn read_states(
    engine: &Engine,
    stacks: &[(String, String)],
) -> Result<BTreeMap<String, Recorded>, PlanError> {
    // One task per stack, so the reads are one round trip however many stacks there are.
    let mut reads = tokio::task::JoinSet::new();
    for (key, name) in stacks {
        let store = engine.backend.store.clone();
        let state_key = engine.backend.key(&engine.env, key);
        let (key, name) = (key.clone(), name.clone());
        reads.spawn(async move {
            let found = store.get(&state_key).await;
            (key, name, found)
        });
    }
    let mut states = BTreeMap::new();
    while let Some(joined) = reads.join_next().await {
        let (key, name, found) =
            joined.map_err(|e| PlanError::State(format!("reading the states: {e}")))?;
        let recorded = match found {
            Ok(Some((doc, etag))) => Recorded {
                doc,
                etag: Some(etag),
            },
            Ok(None) => Recorded {
                doc: StateDocument::new(name),
                etag: None,
            },
            Err(e) => {
                return Err(PlanError::State(format!(
                    "reading the state of stack {key} ({}): {e}",
                    engine.env
                )));
            }
        };
        states.insert(key, recorded);
    }
    Ok(states)
}

/// A single template imports what other stacks applied to the same backend and environment
/// exported (a project reads all its stacks' states already).
async fn add_other_exports(
    engine: &Engine,
    own: &[(String, String)],
    known: &mut Known,
) -> Result<(), PlanError> {
    let listed = engine.backend.store.list_stacks(&engine.env).await;
    let others = listed
        .map_err(|e| PlanError::State(format!("listing the stacks of {}: {e}", engine.env)))?;
    for other in others.iter().filter(|o| own.iter().all(|(k, _)| k != *o)) {
        let key = engine.backend.key(&engine.env, other);
        if let Ok(Some((doc, _))) = engine.backend.store.get(&key).await {
            for o in doc.outputs.values() {
                if let Some(name) = &o.export_name {
                    known.set_export(name, o.value.clone());
                }
            }
        }
    }
    Ok(())
}

/// Plans the selected stacks of `source` in `engine.env`.
pub async fn plan(
    engine: &Engine,
    source: &Source,
    project: Option<&Project>,
    request: &PlanRequest,
) -> Result<Planned, PlanError> {
    let names = stack_names(source, project, &engine.env);
    let (states, zones) = tokio::join!(
        read_states(engine, &names),
        crate::aws::availability_zones(&engine.clients.config)
    );
    let states = states?;
    let full_names: HashMap<&str, &str> = names
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_str()))
        .collect();
    let mut known =
        Known::from_states(states.iter().map(|(k, r)| (full_names[k.as_str()], &r.doc)));
    if project.is_none() {
        add_other_exports(engine, &names, &mut known).await?;
    }
    let facts = Facts {
        region: Some(engine.region.clone()),
        account_id: Some(engine.account_id.clone()),
        availability_zones: zones.ok(),
        registry: engine.registry.clone(),
    };
    let env = project.map(|_| engine.env.as_str());
    let mut workspace = workspace::load(source, env, &request.stacks, &facts, &known)?;
    if look_up_data_sources(engine, &workspace, &mut known).await? {
        workspace = workspace::load(source, env, &request.stacks, &facts, &known)?;
    }

    let mut targets = Vec::new();
    for stack in &workspace.stacks {
        let recorded = &states[&stack.id.key].doc;
        for (logical_id, r) in &recorded.resources {
            let desired = match stack.resources.get(logical_id) {
                Some(evaluated) if !request.destroy => known_props(&evaluated.properties),
                _ => r.properties.as_object().cloned().unwrap_or_default(),
            };
            targets.push(Target {
                stack_name: stack.id.name.clone(),
                logical_id: logical_id.clone(),
                resource_type: r.resource_type.clone(),
                physical_id: r.physical_id.clone(),
                desired,
            });
        }
    }
    // The secrets' current versions are asked alongside the refresh, not after it.
    let refreshed = async {
        if request.refresh {
            refresh::refresh(engine, targets).await
        } else {
            Ok(Refreshed::new())
        }
    };
    let versions_now = async {
        if request.destroy {
            SecretVersionsNow::new()
        } else {
            current_secret_versions(engine, &workspace, &states).await
        }
    };
    let (live, versions_now) = tokio::join!(refreshed, versions_now);
    let live = live.map_err(PlanError::Resources)?;

    let mut stacks = diff_all(&workspace, &states, &live, request)?;
    // Whatever refers to a replaced resource gets its new id or attributes: plan those again
    // with the replaced resources unknown, until nothing new is replaced.
    let mut replaced: HashSet<(String, String)> = HashSet::new();
    for _ in 0..16 {
        let now: HashSet<(String, String)> = stacks
            .iter()
            .flat_map(|s| {
                s.changes
                    .iter()
                    .filter(|c| c.action == Action::Replace)
                    .map(move |c| (s.stack_name.clone(), c.logical_id.clone()))
            })
            .collect();
        if now.is_subset(&replaced) {
            break;
        }
        replaced.extend(now);
        let mut pending = known.clone();
        super::lookup::forget_replaced(&mut pending, &replaced.iter().cloned().collect::<Vec<_>>());
        workspace = workspace::load(source, env, &request.stacks, &facts, &pending)?;
        stacks = diff_all(&workspace, &states, &live, request)?;
    }
    if !request.destroy {
        secret_rotations(&workspace, &states, &versions_now, &mut stacks);
    }
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        env: engine.env.clone(),
        stacks,
        destroy: request.destroy,
    };
    if !request.targets.is_empty() {
        keep_targets(&mut plan, &workspace, &request.targets);
    }
    Ok(Planned {
        plan,
        workspace,
        states,
        known,
        live,
    })
}

/// Diffs every resource of every stack of `workspace` (and what the states hold beyond it).
fn diff_all(
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
    live: &Refreshed,
    request: &PlanRequest,
) -> Result<Vec<StackPlan>, PlanError> {
    let mut stacks = Vec::new();
    let mut failures = Vec::new();
    for stack in &workspace.stacks {
        let recorded = &states[&stack.id.key];
        let secrets = super::secrets::Secrets::of(stack, &workspace.registry);
        let mut changes = Vec::new();
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
        if !request.destroy {
            for (logical_id, evaluated) in &stack.resources {
                if crate::resources::data::is_data_source(&evaluated.resource_type) {
                    continue;
                }
                let Some(schema) = crate::schema::lookup(&evaluated.resource_type) else {
                    continue;
                };
                let desired = match desired_view(workspace, stack, evaluated) {
                    Ok(desired) => desired,
                    Err(e) => {
                        failures.push(ResourceFailure::new(
                            &stack.id.name,
                            logical_id,
                            &evaluated.resource_type,
                            "prepare",
                            e,
                        ));
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
                };
                let Some(mut change) = diff::diff(&inputs) else {
                    continue;
                };
                if change.action == Action::Replace {
                    let policy = evaluated.update_replace_policy;
                    let named = known_props(&evaluated.properties);
                    if let Err(e) = super::update_replace::apply_to(
                        &mut change,
                        workspace.registry.get(&evaluated.resource_type),
                        policy,
                        &named,
                    ) {
                        failures.push(ResourceFailure::new(
                            &stack.id.name,
                            logical_id,
                            &evaluated.resource_type,
                            "plan",
                            e,
                        ));
                        continue;
                    }
                }
                changes.push(change);
            }
        }
        // Recorded but no longer in the template (or everything, for destroy): delete, in reverse order later.
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
        });
    }
    if failures.is_empty() {
        Ok(stacks)
    } else {
        Err(PlanError::Resources(failures))
    }
}

/// The directory of a stack's template (local code paths are relative to it).
pub fn template_dir(workspace: &Workspace, stack: &crate::template::stack::Stack) -> String {
    let path = &workspace.sources.get(stack.template.file).path;
    path.parent()
        .unwrap_or(std::path::Path::new("."))
        .display()
        .to_string()
}

/// The desired properties as the resource's handler compares them (local code as its hash).
/// Unknown values stay unknown.
pub fn desired_view(
    workspace: &Workspace,
    stack: &crate::template::stack::Stack,
    r: &crate::template::stack::EvaluatedResource,
) -> Result<Value, crate::resources::ResourceError> {
    let (Some(handler), Value::Map(map)) =
        (workspace.registry.get(&r.resource_type), &r.properties)
    else {
        return Ok(r.properties.clone());
    };
    let mut props = known_props(&r.properties);
    if handler.needs_template_dir() {
        props.insert(
            crate::resources::TEMPLATE_DIR.into(),
            template_dir(workspace, stack).into(),
        );
    }
    let view = handler.compare_view(props)?;
    let mut map = map.clone();
    for (k, v) in view {
        if map.get(&k).is_some_and(Value::is_known) {
            map.insert(k, Value::from_json(&v));
        }
    }
    Ok(Value::Map(map))
}

/// The properties whose values are known (what refresh can compare).
pub fn known_props(properties: &Value) -> Props {
    match properties {
        Value::Map(map) => map
            .iter()
            .filter(|(_, v)| v.is_known())
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
        _ => Props::new(),
    }
}

/// Whether a resource leaving management is kept in AWS (`DeletionPolicy: Retain`). The policy
/// comes from the template when the resource is still in it, else from the state.
fn retained(
    doc: &StateDocument,
    logical_id: &str,
    stack: &crate::template::stack::Stack,
    destroy: bool,
) -> bool {
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

fn output_changes(
    stack: &crate::template::stack::Stack,
    doc: &StateDocument,
) -> Vec<(String, serde_json::Value)> {
    let mut changes = Vec::new();
    let secrets = super::secrets::Secrets::no_echo_values(stack);
    for (name, o) in &stack.outputs {
        let mut value = if o.value.is_known() {
            o.value.to_json()
        } else {
            serde_json::Value::String(UNKNOWN.into())
        };
        let secret = secrets.contains_value(&value);
        if secret {
            value = super::secrets::hash(&doc.lineage, &value);
        }
        let same = doc
            .outputs
            .get(name)
            .is_some_and(|r| r.value == value && r.export_name == o.export_name);
        if !same {
            let shown = if secret {
                serde_json::Value::String(super::SENSITIVE.into())
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

/// Keeps only the changes of the targets and of what they depend on (transitively).
fn keep_targets(plan: &mut Plan, workspace: &Workspace, targets: &[String]) {
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

/// Replaces what a changed resource forces to be replaced although its own properties did not
/// change ([`Handler::replaced_when_changed`]: a deployment when its API's methods change;
/// CloudFormation makes users rename the Deployment for that, fuelflow does it).
fn replace_dependents_of_changes(
    registry: &crate::resources::Registry,
    stack: &crate::template::stack::Stack,
    changes: &mut Vec<Change>,
    recorded: &Recorded,
) {
    for d in stack.resources.values() {
        let Some(handler) = registry.get(&d.resource_type) else {
            continue;
        };
        if changes.iter().any(|c| c.logical_id == d.logical_id) {
            continue;
        }
        let Some(state) = recorded.doc.resources.get(&d.logical_id) else {
            continue;
        };
        let changed: Vec<String> = handler
            .replaced_when_changed(stack, &d.logical_id)
            .into_iter()
            .filter(|m| {
                changes
                    .iter()
                    .any(|c| c.logical_id == *m && c.action != Action::Forget)
            })
            .collect();
        if changed.is_empty() {
            continue;
        }
        changes.push(Change {
            stack: stack.id.key.clone(),
            logical_id: d.logical_id.clone(),
            resource_type: d.resource_type.clone(),
            action: Action::Replace,
            physical_id: Some(state.physical_id.clone()),
            properties: Vec::new(),
            replace_because: Vec::new(),
            reason: Some(format!("redeploy: {} changed", changed.join(", "))),
        });
    }
}

/// The versions of the secrets an applied resource refers to, as they are now, by stack key and
/// logical id. Only resources applied with secret versions recorded are asked about.
type SecretVersionsNow = HashMap<(String, String), Vec<String>>;

/// Asks for every such resource at once. A lookup that fails leaves the resource out: a secret
/// that cannot be read now shows up as an error at apply time, not as a guessed change.
async fn current_secret_versions(
    engine: &Engine,
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
) -> SecretVersionsNow {
    use crate::resources::dynamic::{SECRET_VERSIONS, current_versions};
    let mut keys = Vec::new();
    let mut lookups = Vec::new();
    for stack in &workspace.stacks {
        for (logical_id, evaluated) in &stack.resources {
            let applied = states[&stack.id.key].doc.resources.get(logical_id);
            if applied.is_none_or(|r| !r.attributes.contains_key(SECRET_VERSIONS)) {
                continue;
            }
            let props = known_props(&evaluated.properties);
            keys.push((stack.id.key.clone(), logical_id.clone()));
            lookups.push(async move { current_versions(&engine.clients, &props).await.ok() });
        }
    }
    let found = futures_util::future::join_all(lookups).await;
    keys.into_iter()
        .zip(found)
        .filter_map(|(key, now)| Some((key, now?)))
        .collect()
}

/// A resource applied with a secret version that is no longer current updates, so the new value
/// reaches it (the value itself is fetched only at apply time and never kept).
fn secret_rotations(
    workspace: &Workspace,
    states: &BTreeMap<String, Recorded>,
    versions_now: &SecretVersionsNow,
    stacks: &mut [StackPlan],
) {
    use crate::resources::dynamic::SECRET_VERSIONS;
    for (stack, plan) in workspace.stacks.iter().zip(stacks.iter_mut()) {
        for (logical_id, evaluated) in &stack.resources {
            let Some(recorded) = states[&stack.id.key].doc.resources.get(logical_id) else {
                continue;
            };
            let Some(applied) = recorded.attributes.get(SECRET_VERSIONS) else {
                continue;
            };
            if plan.changes.iter().any(|c| &c.logical_id == logical_id) {
                continue;
            }
            let Some(now) = versions_now.get(&(stack.id.key.clone(), logical_id.clone())) else {
                continue;
            };
            if serde_json::json!(now) == *applied {
                continue;
            }
            let props = known_props(&evaluated.properties);
            let paths = props
                .iter()
                .filter(|(_, v)| super::diff::is_sensitive(v))
                .map(|(k, _)| k.clone());
            plan.changes.push(Change {
                stack: stack.id.key.clone(),
                logical_id: logical_id.clone(),
                resource_type: evaluated.resource_type.clone(),
                action: Action::Update,
                physical_id: Some(recorded.physical_id.clone()),
                properties: paths
                    .map(|path| super::PropertyChange {
                        path,
                        before: serde_json::Value::String(super::SENSITIVE.into()),
                        after: serde_json::Value::String(super::SENSITIVE.into()),
                        forces_replacement: false,
                        drift: false,
                        sensitive: true,
                    })
                    .collect(),
                replace_because: Vec::new(),
                reason: Some("a secret it uses has a new version".into()),
            });
        }
    }
}

/// Looks up the data sources of the templates (what exists and is only referred to), so what
/// refers to them is known at plan time. Returns whether there were any.
async fn look_up_data_sources(
    engine: &Engine,
    workspace: &Workspace,
    known: &mut Known,
) -> Result<bool, PlanError> {
    let mut found = false;
    let mut failures = Vec::new();
    for stack in &workspace.stacks {
        for r in stack
            .resources
            .values()
            .filter(|r| crate::resources::data::is_data_source(&r.resource_type))
        {
            found = true;
            match crate::resources::data::lookup(&engine.clients, &r.resource_type).await {
                Ok((id, attributes)) => {
                    known.set_resource(&stack.id.name, &r.logical_id, &id, attributes)
                }
                Err(e) => failures.push(ResourceFailure::new(
                    &stack.id.name,
                    &r.logical_id,
                    &r.resource_type,
                    "look up",
                    e,
                )),
            }
        }
    }
    if failures.is_empty() {
        Ok(found)
    } else {
        Err(PlanError::Resources(failures))
    }
}
