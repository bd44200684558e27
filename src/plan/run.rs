//! Making a plan, step by step: read the recorded states, evaluate the templates against what
//! exists (data sources included), refresh from AWS, diff every stack, and re-plan what refers
//! to a replaced resource. Each step lives in its own module; this one only orders them.

use super::data_sources::look_up_data_sources;
use super::diff_stacks::diff_all;
use super::lookup::{self, Known};
use super::refresh::{self, Refreshed};
use super::secret_versions::{SecretVersionsNow, current_secret_versions, secret_rotations};
use super::ssm_parameters::fetch_ssm_parameters;
use super::target::keep_targets;
use super::{Action, Plan, StackPlan};
use crate::engine::Engine;
use crate::project::Project;
use crate::state::BoxFuture;
use crate::state::recorded::{self, Confirmed};
use crate::workspace::{Checked, Facts, Source, Templates, Workspace};
use std::collections::{BTreeMap, HashMap, HashSet};

pub use super::desired::{desired_view, known_props, template_dir};
pub use super::error::PlanError;
pub use super::opening::{Opening, open};
pub use crate::state::recorded::Recorded;

pub const PLAN_FORMAT_VERSION: u32 = 1;

/// How many times what refers to a replaced resource is planned again (a chain of replacements
/// longer than this is not followed further).
const MAX_REPLAN_ROUNDS: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// `--stack` (empty: all).
    pub stacks: Vec<String>,
    pub refresh: bool,
    /// `--target LogicalId`: only these resources and what they depend on.
    pub targets: Vec<String>,
    pub destroy: bool,
    /// `--replace ID` (`LogicalId` or `stack.LogicalId`): replaced even if nothing changed.
    pub replace: Vec<String>,
    /// `--exclude ID`: left out of the run, with what depends on them.
    pub exclude: Vec<String>,
    /// `--refresh-only`: accept the live values into the state; no resource changes.
    pub refresh_only: bool,
}

impl PlanRequest {
    /// Whether `--replace` names this resource of stack `stack_key`.
    pub fn replaces(&self, stack_key: &str, logical_id: &str) -> bool {
        super::target::names(&self.replace, stack_key, logical_id)
    }
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

/// Reads the states of all stacks (key, full name) concurrently; missing states are new, empty
/// ones.
pub async fn read_states(
    engine: &Engine,
    stacks: &[(String, String)],
) -> Result<BTreeMap<String, Recorded>, PlanError> {
    let store = engine.backend.store.as_ref();
    let guard = !engine.backend.accept_state_change;
    Ok(recorded::read_all(store, &engine.env, stacks, guard).await?)
}

/// Plans the selected stacks of `source` in `engine.env`: [`open`]s, then [`plan_opened`].
pub async fn plan(
    engine: &Engine,
    source: &Source,
    project: Option<&Project>,
    request: &PlanRequest,
) -> Result<Planned, PlanError> {
    let opening = open(engine, source, project).await?;
    plan_opened(engine, source, project, request, &opening, None).await
}

/// Plans from what [`open`] read (by a run that takes locks, while it took them; they are held
/// now). The states are confirmed alongside the refresh; if one changed since it was read, the
/// plan is made again from the states as they are now. `checked`: the templates as the run
/// checked them offline (with the engine's registry), parsed once for every evaluation here.
pub async fn plan_opened(
    engine: &Engine,
    source: &Source,
    project: Option<&Project>,
    request: &PlanRequest,
    opening: &Opening,
    checked: Option<&Checked>,
) -> Result<Planned, PlanError> {
    let env = project.map(|_| engine.env.as_str());
    let checked = checked.filter(|c| c.templates.are(env, &request.stacks));
    let read;
    let templates = match checked {
        Some(c) => &c.templates,
        None => {
            read = Templates::read(source, env, &request.stacks)?;
            &read
        }
    };
    let store = engine.backend.store.as_ref();
    let mut states = opening.early.states();
    let mut confirm: BoxFuture<'_, Result<Confirmed, PlanError>> =
        Box::pin(async { Ok(opening.early.confirm(store).await?) });
    loop {
        let planning = Planning {
            templates,
            checked,
            env,
        };
        match plan_from(
            engine, source, project, request, opening, &planning, states, confirm,
        )
        .await?
        {
            Made::Planned(planned) => return Ok(*planned),
            Made::Again(now) => {
                states = now;
                confirm = Box::pin(async { Ok(Confirmed::AsRead) });
            }
        }
    }
}

/// What the plan evaluates: the parsed templates, and the offline check's workspace when it
/// may be taken as it is.
struct Planning<'a> {
    templates: &'a Templates,
    checked: Option<&'a Checked>,
    /// The environment the templates are evaluated in (`None` for a single template).
    env: Option<&'a str>,
}

/// A plan, or the states to plan from again (they changed since they were read).
enum Made {
    Planned(Box<Planned>),
    Again(BTreeMap<String, Recorded>),
}

// One argument more than clippy's default: each is a different input of the plan.
#[allow(clippy::too_many_arguments)]
async fn plan_from(
    engine: &Engine,
    source: &Source,
    project: Option<&Project>,
    request: &PlanRequest,
    opening: &Opening,
    planning: &Planning<'_>,
    states: BTreeMap<String, Recorded>,
    confirm: BoxFuture<'_, Result<Confirmed, PlanError>>,
) -> Result<Made, PlanError> {
    let names = stack_names(source, project, &engine.env);
    let full_names: HashMap<&str, &str> = names
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_str()))
        .collect();
    let mut known =
        Known::from_states(states.iter().map(|(k, r)| (full_names[k.as_str()], &r.doc)));
    // A single template imports what other stacks of the same backend and environment exported.
    for (name, value) in &opening.exports {
        known.set_export(name, value.clone());
    }
    let facts = Facts {
        region: Some(engine.region.clone()),
        account_id: Some(engine.account_id.clone()),
        availability_zones: opening.zones.clone(),
        registry: engine.registry.clone(),
    };
    let load = |known: &Known| planning.templates.evaluate(&facts, known);
    let offline = planning
        .checked
        .and_then(|c| c.take_workspace(&facts, planning.env));
    let mut workspace = match offline {
        Some(workspace) => workspace,
        None => load(&known)?,
    };
    // `AWS::SSM::Parameter::Value<...>` parameters and `{{resolve:ssm:...}}` references: their
    // values read, then evaluated again (until no new one appears: a parameter's value may
    // complete a `Fn::Sub` holding a reference).
    while fetch_ssm_parameters(engine, &workspace, &mut known)
        .await
        .map_err(PlanError::Resources)?
    {
        workspace = load(&known)?;
    }

    // Ids that name nothing are refused before any resource is read (data sources add none).
    let refused = [
        ("--replace", &request.replace),
        ("--exclude", &request.exclude),
    ]
    .iter()
    .flat_map(|(option, ids)| super::target::unknown_ids(&workspace, option, ids))
    .collect::<Vec<_>>();
    if !refused.is_empty() {
        return Err(PlanError::Refused(refused));
    }

    // One wave: the states' confirmation, the data sources, the refresh and the secrets'
    // current versions go out together. The refresh reads what the templates say before the
    // data sources are known; what they change is read again after.
    let targets = match request.refresh {
        true => refresh::targets_of(&workspace, &states, request.destroy),
        false => Vec::new(),
    };
    let mut looked_up = known.clone();
    let versions_now = async {
        if request.destroy {
            SecretVersionsNow::new()
        } else {
            current_secret_versions(engine, &workspace, &states).await
        }
    };
    let (confirmed, found_data_sources, live, versions_now) = tokio::join!(
        confirm,
        look_up_data_sources(engine, &workspace, &mut looked_up),
        refresh::refresh(engine, targets.clone()),
        versions_now
    );
    if let Confirmed::Reread(now) = confirmed? {
        return Ok(Made::Again(now));
    }
    let mut live = live.map_err(PlanError::Resources)?;
    if found_data_sources.map_err(PlanError::Resources)? {
        known = looked_up;
        workspace = load(&known)?;
        if request.refresh {
            let after = refresh::targets_of(&workspace, &states, request.destroy);
            let again = refresh::changed_targets(&targets, after);
            live.extend(
                refresh::refresh(engine, again)
                    .await
                    .map_err(PlanError::Resources)?,
            );
        }
    }

    let stacks = if request.refresh_only {
        super::refresh_only::plan_stacks(&workspace, &states, &live)
    } else {
        let (stacks, replanned) = diff_replanned(workspace, &states, &live, request, &known, load)?;
        workspace = replanned;
        stacks
    };
    let mut stacks = stacks;
    if !request.destroy && !request.refresh_only {
        secret_rotations(&workspace, &states, &versions_now, &mut stacks);
    }
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        env: engine.env.clone(),
        stacks,
        destroy: request.destroy,
        estimated_seconds: None,
        refresh_only: request.refresh_only,
    };
    if !request.targets.is_empty() {
        keep_targets(&mut plan, &workspace, &request.targets);
    }
    if !request.exclude.is_empty() {
        super::target::exclude(&mut plan, &workspace, &request.exclude);
    }
    let protected = super::lifecycle::protected_changes(&plan, &workspace, &states);
    if !protected.is_empty() {
        return Err(PlanError::Refused(protected));
    }
    plan.estimated_seconds = Some(super::estimate::apply_seconds(
        &plan,
        &workspace,
        engine.parallelism,
    ));
    Ok(Made::Planned(Box::new(Planned {
        plan,
        workspace,
        states,
        known,
        live,
    })))
}

/// Every stack diffed; whatever refers to a replaced resource gets its new id or attributes, so
/// those are planned again with the replaced resources unknown, until nothing new is replaced.
/// Returns the plans and the workspace of the last round.
// The planning steps' error, as `plan` returns it (its load failure is large, and rare).
#[allow(clippy::result_large_err)]
fn diff_replanned(
    mut workspace: Workspace,
    states: &BTreeMap<String, Recorded>,
    live: &Refreshed,
    request: &PlanRequest,
    known: &Known,
    load: impl Fn(&Known) -> Result<Workspace, crate::workspace::Failure>,
) -> Result<(Vec<StackPlan>, Workspace), PlanError> {
    let mut stacks = diff_all(&workspace, states, live, request).map_err(PlanError::Resources)?;
    let mut replaced: HashSet<(String, String)> = HashSet::new();
    for _ in 0..MAX_REPLAN_ROUNDS {
        let now = replacements(&stacks);
        if now.is_subset(&replaced) {
            break;
        }
        replaced.extend(now);
        let mut pending = known.clone();
        lookup::forget_replaced(&mut pending, &replaced.iter().cloned().collect::<Vec<_>>());
        workspace = load(&pending)?;
        stacks = diff_all(&workspace, states, live, request).map_err(PlanError::Resources)?;
    }
    Ok((stacks, workspace))
}

/// The resources the plans replace, as (full stack name, logical id).
fn replacements(stacks: &[StackPlan]) -> HashSet<(String, String)> {
    stacks
        .iter()
        .flat_map(|s| {
            s.changes
                .iter()
                .filter(|c| c.action == Action::Replace)
                .map(move |c| (s.stack_name.clone(), c.logical_id.clone()))
        })
        .collect()
}
