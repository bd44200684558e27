//! `import`: existing AWS resources taken under management. Each one is read with its type's
//! handler (with the template's properties as the desired ones), tagged as owned by its stack
//! where the service has tags, and recorded in the stack's state under the stack's lock, one
//! checkpoint per resource. The next plan then shows only where the template and AWS differ.
//!
//! - [`cloudformation`]: the resources of a CloudFormation stack, matched by logical id;
//! - [`terraform`]: the resources of a Terraform state (v4), matched by physical name;
//! - [`generate`]: a template written from live resources, to start from;
//! - [`ownership`]: the `fuelflow:stack` / `fuelflow:logical-id` tags, per service.

pub mod cloudformation;
pub mod generate;
pub(super) mod ownership;
pub mod terraform;

use super::error::OpError;
use super::lock::{Locks, holding_with};
use super::reporter::Reporter;
use crate::engine::Engine;
use crate::plan::run::{self as planning, PlanRequest, known_props};
use crate::project::Project;
use crate::resources::{Live, Props, is_engine_key};
use crate::state::StateKey;
use crate::state::model::ResourceState;
use crate::state::recorded::Recorded;
use crate::template::eval::RefKind;
use crate::template::stack::{EvaluatedResource, Stack};
use crate::workspace::Source;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// One resource to import: the template's logical id and what `Ref` returns for it in AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportItem {
    pub logical_id: String,
    pub physical_id: String,
}

/// Which resources to import: given one by one, or all those of a CloudFormation stack or a
/// Terraform state that match the template.
#[derive(Debug, Clone)]
pub enum Wanted {
    Items(Vec<ImportItem>),
    CloudFormation(Vec<cloudformation::CfnResource>),
    Terraform(Vec<terraform::TfResource>),
}

/// What to import into which stack.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub source: Source,
    pub project: Option<Project>,
    /// The stack key.
    pub stack: String,
    pub wanted: Wanted,
    pub lock_timeout: Duration,
}

/// A resource of a CloudFormation stack or a Terraform state that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unmatched {
    /// The logical id (CloudFormation) or the address (Terraform).
    pub id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub imported: Vec<Imported>,
    pub unmatched: Vec<Unmatched>,
}

/// A resource recorded by an import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    pub stack: String,
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub physical_id: String,
    /// Whether the ownership tags were put on it (`None`: the type has no tags fuelflow sets).
    pub tagged: Option<bool>,
    /// Why tagging failed, when it did (the import itself stands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_error: Option<String>,
}

/// Why an import was refused or failed. Resources imported before the failure stay recorded.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Op(#[from] OpError),
    #[error("stack {stack}: `{logical_id}` is not a resource of the template")]
    NotInTemplate { stack: String, logical_id: String },
    #[error(
        "stack {stack}: {logical_id} is already in the state (physical id {physical_id}); `state rm` it first to import another"
    )]
    AlreadyRecorded {
        stack: String,
        logical_id: String,
        physical_id: String,
    },
    /// `resource` reads "stack S, resource ID (TYPE)", `owner` "stack S as ID".
    #[error("{resource}: {physical_id} is already managed by {owner}")]
    AlreadyManaged {
        resource: String,
        physical_id: String,
        owner: String,
    },
    #[error("stack {stack}, resource {logical_id}: fuelflow has no handler for {resource_type}")]
    NoHandler {
        stack: String,
        logical_id: String,
        resource_type: String,
    },
    #[error("{resource}: {physical_id} was not found in AWS")]
    NotFound {
        resource: String,
        physical_id: String,
    },
    /// `error` is the AWS error code and message.
    #[error("{resource}: reading {physical_id} failed: {error}")]
    Read {
        resource: String,
        physical_id: String,
        error: String,
    },
    #[error("stack {stack}: writing the state failed: {error}")]
    Write { stack: String, error: String },
    #[error("{0}")]
    Input(String),
}

/// Imports what `request` wants into `request.stack`, holding the stack's lock; refuses the
/// whole request before any write when one item cannot be imported (not in the template,
/// already recorded, already managed by a stack of the environment).
pub async fn import(
    engine: Arc<Engine>,
    request: &ImportRequest,
    reporter: Arc<dyn Reporter>,
) -> Result<ImportReport, ImportError> {
    let stacks = [request.stack.clone()];
    let locks = Locks {
        stacks: &stacks,
        operation: "import",
        timeout: request.lock_timeout,
    };
    let work = |(), _stop| async { Ok(import_locked(&engine, request).await) };
    holding_with(&engine, locks, &reporter, async {}, work).await?
}

async fn import_locked(
    engine: &Engine,
    request: &ImportRequest,
) -> Result<ImportReport, ImportError> {
    let plan_request = PlanRequest {
        stacks: match request.project {
            Some(_) => vec![request.stack.clone()],
            None => Vec::new(),
        },
        refresh: false,
        ..PlanRequest::default()
    };
    let planned = planning::plan(
        engine,
        &request.source,
        request.project.as_ref(),
        &plan_request,
    )
    .await
    .map_err(OpError::from)?;
    let stack = planned
        .workspace
        .stacks
        .iter()
        .find(|s| s.id.key == request.stack)
        .ok_or_else(|| ImportError::Input(format!("no stack `{}`", request.stack)))?;
    let registry = &engine.registry;
    let (items, mut unmatched) = match &request.wanted {
        Wanted::Items(items) => (items.clone(), Vec::new()),
        Wanted::CloudFormation(found) => cloudformation::resolve(found, stack, registry),
        Wanted::Terraform(found) => terraform::resolve(found, stack, registry),
    };
    let managed = managed_ids(engine, &planned.states).await?;
    let mut recorded = planned.states[&request.stack].clone();
    let mut checked = Vec::new();
    for item in &items {
        match check(engine, stack, &recorded, &managed, &checked, item) {
            Ok(ok) => checked.push(ok),
            // Taking over a whole stack: what is already ours is reported, not fatal.
            Err(e @ ImportError::AlreadyRecorded { .. })
                if !matches!(request.wanted, Wanted::Items(_)) =>
            {
                let resource_type = stack.resources[&item.logical_id].resource_type.clone();
                unmatched.push(Unmatched {
                    id: item.logical_id.clone(),
                    resource_type,
                    reason: e.to_string(),
                });
            }
            Err(e) => return Err(e),
        }
    }
    let key = engine.backend.key(&engine.env, &request.stack);
    let mut imported = Vec::new();
    for (item, evaluated) in checked {
        let (state, done) = read_one(engine, &planned.workspace, stack, evaluated, item).await?;
        record(engine, &key, &mut recorded, &item.logical_id, state).await?;
        imported.push(done);
    }
    Ok(ImportReport {
        imported,
        unmatched,
    })
}

/// (type, physical id) -> (stack key, logical id) of everything the environment's states record.
type Managed = BTreeMap<(String, String), (String, String)>;

/// What every stack of the environment manages: the project's stacks (read by the plan) and any
/// other state of the environment in the backend.
async fn managed_ids(
    engine: &Engine,
    states: &BTreeMap<String, Recorded>,
) -> Result<Managed, ImportError> {
    let store = engine.backend.store.as_ref();
    let listed = store
        .list_stacks(&engine.env)
        .await
        .map_err(|e| ImportError::Input(format!("listing the stacks of {}: {e}", engine.env)))?;
    let mut docs: Vec<(String, crate::state::StateDocument)> = states
        .iter()
        .map(|(k, r)| (k.clone(), r.doc.clone()))
        .collect();
    for stack in listed.iter().filter(|s| !states.contains_key(*s)) {
        if let Ok(Some((doc, _))) = store.get(&StateKey::new(&engine.env, stack)).await {
            docs.push((stack.clone(), doc));
        }
    }
    let mut managed = Managed::new();
    for (stack, doc) in docs {
        for (logical_id, r) in doc.resources {
            managed.insert(
                (r.resource_type, r.physical_id),
                (stack.clone(), logical_id),
            );
        }
    }
    Ok(managed)
}

/// The template resource of `item`, once it is known that it may be imported.
fn check<'s, 'i>(
    engine: &Engine,
    stack: &'s Stack,
    recorded: &Recorded,
    managed: &Managed,
    earlier: &[(&'i ImportItem, &'s EvaluatedResource)],
    item: &'i ImportItem,
) -> Result<(&'i ImportItem, &'s EvaluatedResource), ImportError> {
    let stack_key = &stack.id.key;
    let Some(evaluated) = stack.resources.get(&item.logical_id) else {
        return Err(ImportError::NotInTemplate {
            stack: stack_key.clone(),
            logical_id: item.logical_id.clone(),
        });
    };
    if let Some(r) = recorded.doc.resources.get(&item.logical_id) {
        return Err(ImportError::AlreadyRecorded {
            stack: stack_key.clone(),
            logical_id: item.logical_id.clone(),
            physical_id: r.physical_id.clone(),
        });
    }
    let type_name = &evaluated.resource_type;
    if engine.registry.get(type_name).is_none() {
        return Err(ImportError::NoHandler {
            stack: stack_key.clone(),
            logical_id: item.logical_id.clone(),
            resource_type: type_name.clone(),
        });
    }
    let owner = managed
        .get(&(type_name.clone(), item.physical_id.clone()))
        .cloned()
        .or_else(|| {
            earlier
                .iter()
                .find(|(i, r)| i.physical_id == item.physical_id && r.resource_type == *type_name)
                .map(|(i, _)| (stack_key.clone(), i.logical_id.clone()))
        });
    if let Some((owner, owner_logical_id)) = owner {
        return Err(ImportError::AlreadyManaged {
            resource: named(stack_key, &item.logical_id, type_name),
            physical_id: item.physical_id.clone(),
            owner: format!("stack {owner} as {owner_logical_id}"),
        });
    }
    Ok((item, evaluated))
}

/// Reads the live resource, tags it, and makes the state entry that records it.
async fn read_one(
    engine: &Engine,
    workspace: &crate::workspace::Workspace,
    stack: &Stack,
    evaluated: &EvaluatedResource,
    item: &ImportItem,
) -> Result<(ResourceState, Imported), ImportError> {
    let type_name = &evaluated.resource_type;
    let handler = engine.registry.get(type_name).expect("checked");
    let desired = planning::desired_view(workspace, stack, evaluated)
        .map(|v| known_props(&v))
        .unwrap_or_else(|_| known_props(&evaluated.properties));
    let mut desired = desired;
    if handler.needs_template_dir() {
        desired.insert(
            crate::resources::TEMPLATE_DIR.into(),
            planning::template_dir(workspace, stack).into(),
        );
    }
    let ctx = engine.ctx(&stack.id.name, &item.logical_id);
    let resource = || named(&stack.id.key, &item.logical_id, type_name);
    let live = handler
        .read(&ctx, &item.physical_id, &desired)
        .await
        .map_err(|e| ImportError::Read {
            resource: resource(),
            physical_id: item.physical_id.clone(),
            error: e.to_string(),
        })?
        .ok_or_else(|| ImportError::NotFound {
            resource: resource(),
            physical_id: item.physical_id.clone(),
        })?;
    let (tagged, tag_error) =
        match ownership::tag(&ctx, type_name, &item.physical_id, &live.attributes).await {
            Ok(Some(())) => (Some(true), None),
            Ok(None) => (None, None),
            Err(e) => (Some(false), Some(e.to_string())),
        };
    let state = ResourceState {
        resource_type: type_name.clone(),
        physical_id: item.physical_id.clone(),
        properties: Json::Object(recorded_properties(
            engine,
            type_name,
            &desired,
            live.clone(),
        )),
        attributes: live.attributes,
        dependencies: dependencies(evaluated),
        sensitive: Vec::new(),
        deletion_policy: evaluated.deletion_policy,
    };
    let done = Imported {
        stack: stack.id.key.clone(),
        logical_id: item.logical_id.clone(),
        resource_type: type_name.clone(),
        physical_id: item.physical_id.clone(),
        tagged,
        tag_error,
    };
    Ok((state, done))
}

/// "stack S, resource ID (TYPE)", as every error names a resource.
fn named(stack: &str, logical_id: &str, resource_type: &str) -> String {
    format!("stack {stack}, resource {logical_id} ({resource_type})")
}

/// What AWS has, as the last applied properties: only the properties the template sets (one it
/// does not set would be planned back to its default), and none the handler could not read
/// (secrets, unset values: the plan sets those from the template). A write-only property the
/// handler reads anyway (a bucket's canned ACL, matched from its grants) is recorded, since the
/// plan compares such properties with the state, never with AWS.
fn recorded_properties(engine: &Engine, type_name: &str, desired: &Props, live: Live) -> Props {
    let handler = engine.registry.get(type_name);
    let secret = handler.map(|h| h.secret_properties()).unwrap_or_default();
    live.properties
        .into_iter()
        .filter(|(k, v)| {
            desired.contains_key(k)
                && !is_engine_key(k)
                && !secret.contains(&k.as_str())
                && !v.is_null()
        })
        .collect()
}

/// The logical ids the resource depends on, as apply records them (for deletes in order).
fn dependencies(evaluated: &EvaluatedResource) -> Vec<String> {
    let mut d: Vec<String> = evaluated
        .references
        .iter()
        .filter(|x| x.kind != RefKind::ImportValue)
        .map(|x| x.target.clone())
        .collect();
    d.sort();
    d.dedup();
    d
}

/// One checkpoint: the state with this resource, written if nobody wrote it since.
async fn record(
    engine: &Engine,
    key: &StateKey,
    recorded: &mut Recorded,
    logical_id: &str,
    state: ResourceState,
) -> Result<(), ImportError> {
    let mut doc = recorded.doc.next_serial();
    doc.resources.insert(logical_id.to_string(), state);
    let etag = engine
        .backend
        .store
        .put(key, &doc, recorded.etag.as_ref())
        .await
        .map_err(|e| ImportError::Write {
            stack: key.stack.clone(),
            error: e.to_string(),
        })?;
    *recorded = Recorded {
        doc,
        etag: Some(etag),
    };
    Ok(())
}
