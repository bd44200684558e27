//! `plan`, `apply` and `destroy` as library calls: lock the stacks, plan, check the plan may go
//! ahead (a saved plan still holds, a destroyed export is not imported), show it through the
//! [`Reporter`], ask, carry it out, release the locks. The caller (the CLI) builds the
//! [`Engine`] and the options, and prints what the reporter and the outcome say.

mod cost;
mod error;
mod guard;
pub mod import;
mod lock;
mod open;
mod refactor;
mod report;
mod reporter;
mod saved;

pub use error::{ConfirmError, OpError, Stale, TemplateErrors};
pub use guard::{run_checked, run_valid, templates_valid};
pub use refactor::{Address, Moved, Removed, state_mv, state_rm};
pub use report::{ApplyReport, ChangeReport, OutputReport, PlanReport, Skipped};
pub use reporter::{CostDelta, Interrupt, Reporter, Shown};
pub use saved::SavedPlan;

use crate::apply;
use crate::engine::Engine;
use crate::plan::run::{self as planning, PlanRequest, Planned};
use crate::project::Project;
use crate::workspace::Source;
use reporter::Progress;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What a run works on.
#[derive(Debug, Clone)]
pub struct Scope {
    pub source: Source,
    /// The project in project mode; `None` for a single template.
    pub project: Option<Project>,
    /// The stack keys planned and locked (in template mode, the template's stack).
    pub stacks: Vec<String>,
    /// `--target`: only these resources and what they depend on.
    pub targets: Vec<String>,
    /// `--replace`: replaced even when nothing changed.
    pub replace: Vec<String>,
    /// `--exclude`: left out, with what depends on them.
    pub exclude: Vec<String>,
    /// How long to wait for a lock another run holds (zero: fail at once).
    pub lock_timeout: Duration,
    /// The templates as [`run_checked`] read and evaluated them, for the plan to start from
    /// (`None`: the plan reads them itself).
    pub checked: Option<Arc<crate::workspace::Checked>>,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub scope: Scope,
    /// Read the live resources (drift); `false` compares with the recorded state only.
    pub refresh: bool,
    /// Save the plan there, for `apply` to carry out exactly.
    pub out: Option<PathBuf>,
    /// `--refresh-only`: plan accepting the live values into the state.
    pub refresh_only: bool,
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub scope: Scope,
    /// Do not ask [`Reporter::confirm`].
    pub auto_approve: bool,
    /// Carry out this saved plan (refused when stale); never asks.
    pub plan_file: Option<PathBuf>,
    /// `--refresh-only`: record the live values in the state; change nothing in AWS.
    pub refresh_only: bool,
}

#[derive(Debug, Clone)]
pub struct DestroyOptions {
    pub scope: Scope,
    pub auto_approve: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOutcome {
    pub has_changes: bool,
    /// Where the plan was saved (`PlanOptions::out`).
    pub saved_to: Option<PathBuf>,
}

/// What an apply or destroy that completed did. One that did not is [`OpError::Incomplete`].
#[derive(Debug)]
pub enum ApplyOutcome {
    /// The plan had no changes; nothing was asked or done.
    NoChanges,
    Applied(ApplyReport),
}

/// Plans the stacks of `options` and shows the plan; saves it when asked.
pub async fn plan(
    engine: Arc<Engine>,
    options: &PlanOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<PlanOutcome, OpError> {
    let (scope, reporter) = (&options.scope, &reporter);
    let opening = open::open(&engine, scope);
    lock::holding_with(
        &engine,
        scope.locks("plan"),
        reporter,
        opening,
        |opened, _| async move {
            let open::Opened { engine, opening } = opened?;
            let kind = Kind {
                refresh: options.refresh || options.refresh_only,
                destroy: false,
                refresh_only: options.refresh_only,
            };
            let planned = make_plan(&engine, scope, &opening, kind, &**reporter).await?;
            show(&engine, scope, &planned, &**reporter);
            let has_changes = planned.plan.has_changes();
            let Planned {
                plan,
                workspace,
                states,
                known,
                live,
            } = planned;
            // Freeing the plan of many resources takes a while; nothing waits for it.
            crate::workspace::drop_elsewhere((workspace, states, known, live));
            match &options.out {
                Some(out) => SavedPlan::new(plan).write(out)?,
                None => crate::workspace::drop_elsewhere(plan),
            }
            Ok(PlanOutcome {
                has_changes,
                saved_to: options.out.clone(),
            })
        },
    )
    .await
}

/// Plans (refreshing), shows the plan, asks unless approved, and carries it out.
pub async fn apply(
    engine: Arc<Engine>,
    options: &ApplyOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<ApplyOutcome, OpError> {
    // A saved plan is made again as it was asked (`--replace`, `--exclude`, `--refresh-only`).
    let saved = options
        .plan_file
        .as_deref()
        .map(SavedPlan::read)
        .transpose()?;
    let mut scope = options.scope.clone();
    let mut refresh_only = options.refresh_only;
    if let Some(saved) = &saved {
        saved.requested(&mut scope.replace, &mut scope.exclude, &mut refresh_only);
    }
    let (scope, reporter, saved) = (&scope, &reporter, &saved);
    let opening = open::open(&engine, scope);
    lock::holding_with(
        &engine,
        scope.locks("apply"),
        reporter,
        opening,
        |opened, stop| async move {
            let open::Opened { engine, opening } = opened?;
            let kind = Kind {
                refresh: true,
                destroy: false,
                refresh_only,
            };
            let planned = make_plan(&engine, scope, &opening, kind, &**reporter).await?;
            if let Some(saved) = saved {
                saved.check(&planned.plan)?;
            }
            show(&engine, scope, &planned, &**reporter);
            let approved = options.auto_approve || options.plan_file.is_some();
            carry_out(engine.clone(), planned, approved, stop, reporter).await
        },
    )
    .await
}

/// Plans the deletion of everything the stacks manage, refuses while another stack imports one
/// of their exports, shows the plan, asks unless approved, and carries it out.
pub async fn destroy(
    engine: Arc<Engine>,
    options: &DestroyOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<ApplyOutcome, OpError> {
    let (scope, reporter) = (&options.scope, &reporter);
    let opening = open::open(&engine, scope);
    lock::holding_with(
        &engine,
        scope.locks("destroy"),
        reporter,
        opening,
        |opened, stop| async move {
            let open::Opened { engine, opening } = opened?;
            let kind = Kind {
                refresh: true,
                destroy: true,
                refresh_only: false,
            };
            let planned = make_plan(&engine, scope, &opening, kind, &**reporter).await?;
            let destroyed: Vec<&str> = planned.plan.stacks.iter().map(|s| &*s.stack).collect();
            guard::refuse_imported_exports(
                &scope.source,
                scope.project.as_ref(),
                &engine.env,
                &engine.region,
                &destroyed,
                &planned.states,
            )?;
            show(&engine, scope, &planned, &**reporter);
            carry_out(
                engine.clone(),
                planned,
                options.auto_approve,
                stop,
                reporter,
            )
            .await
        },
    )
    .await
}

impl Scope {
    fn locks(&self, operation: &'static str) -> lock::Locks<'_> {
        lock::Locks {
            stacks: &self.stacks,
            operation,
            timeout: self.lock_timeout,
        }
    }
}

/// What kind of plan a run makes.
#[derive(Debug, Clone, Copy)]
struct Kind {
    refresh: bool,
    destroy: bool,
    refresh_only: bool,
}

async fn make_plan(
    engine: &Engine,
    scope: &Scope,
    opening: &planning::Opening,
    kind: Kind,
    reporter: &dyn Reporter,
) -> Result<Planned, OpError> {
    reporter.detail(&|| {
        format!(
            "account {}, region {}, endpoint {}, backend {}",
            engine.account_id,
            engine.region,
            engine
                .clients
                .config
                .endpoint_url()
                .unwrap_or("(AWS default)"),
            engine.backend.describe()
        )
    });
    let started = Instant::now();
    let request = PlanRequest {
        // A template's stack is the source itself, not a selection.
        stacks: match scope.project {
            Some(_) => scope.stacks.clone(),
            None => Vec::new(),
        },
        refresh: kind.refresh,
        targets: scope.targets.clone(),
        destroy: kind.destroy,
        replace: scope.replace.clone(),
        exclude: scope.exclude.clone(),
        refresh_only: kind.refresh_only,
    };
    // The refresh tells its progress through a channel (see `refresh::PROGRESS`).
    let (progress, mut told) = tokio::sync::mpsc::unbounded_channel();
    let project = scope.project.as_ref();
    let checked = scope.checked.as_deref();
    let planning =
        planning::plan_opened(engine, &scope.source, project, &request, opening, checked);
    let planning = crate::plan::refresh::PROGRESS.scope(progress, planning);
    tokio::pin!(planning);
    let planned = loop {
        tokio::select! {
            planned = &mut planning => break planned?,
            Some((done, total)) = told.recv() => reporter.refreshed(done, total),
        }
    };
    while let Ok((done, total)) = told.try_recv() {
        reporter.refreshed(done, total);
    }
    reporter.detail(&|| {
        let changes: usize = planned.plan.stacks.iter().map(|s| s.changes.len()).sum();
        format!(
            "planned {} stack(s), {} live resource(s) read, {changes} change(s) in {:.2}s",
            planned.plan.stacks.len(),
            planned.live.len(),
            started.elapsed().as_secs_f64()
        )
    });
    Ok(planned)
}

fn show(engine: &Engine, scope: &Scope, planned: &Planned, reporter: &dyn Reporter) {
    let cost = planned
        .plan
        .has_changes()
        .then(|| cost::delta(scope.project.as_ref(), &engine.env, planned))
        .flatten();
    reporter.planned(&Shown {
        plan: &planned.plan,
        sources: &planned.workspace.sources,
        warnings: &planned.workspace.warnings,
        cost,
    });
}

async fn carry_out(
    engine: Arc<Engine>,
    planned: Planned,
    approved: bool,
    stop: watch::Receiver<bool>,
    reporter: &Arc<dyn Reporter>,
) -> Result<ApplyOutcome, OpError> {
    if !planned.plan.has_changes() {
        return Ok(ApplyOutcome::NoChanges);
    }
    if !approved && !reporter.confirm("Apply these changes?")? {
        return Err(OpError::Cancelled);
    }
    let report = if planned.plan.refresh_only {
        ApplyReport::from(apply::refresh_only::record(&engine, &planned).await)
    } else {
        let progress = Arc::new(Progress(reporter.clone()));
        let options = apply::Options::default();
        ApplyReport::from(apply::apply(engine, planned, progress, stop, options).await)
    };
    if report.succeeded() {
        Ok(ApplyOutcome::Applied(report))
    } else {
        Err(OpError::Incomplete(Box::new(report)))
    }
}
