//! `plan`, `apply` and `destroy`: the engine and the options from the arguments, then
//! [`fuelflow::ops`], which holds the locks for the whole run; [`Console`] prints as it goes.

use super::args::RunArgs;
use super::console::Console;
use super::{Context, Failed, Outcome, print_json, session};
use fuelflow::engine::Engine;
use fuelflow::ops::{
    self, ApplyOptions, ApplyOutcome, DestroyOptions, OpError, PlanOptions, Scope,
};
use fuelflow::resources::{Clients, Registry};
use std::path::PathBuf;
use std::sync::Arc;

pub async fn plan(
    ctx: &Context,
    run: RunArgs,
    out: Option<PathBuf>,
    detailed_exitcode: bool,
    refresh: bool,
) -> Outcome {
    let (engine, scope) = prepare(ctx, &run).await?;
    let options = PlanOptions {
        scope,
        refresh,
        out,
        refresh_only: run.refresh_only,
    };
    let outcome = ops::plan(engine, &options, Console::new(ctx, true, run.json)).await;
    // The templates it parsed, freed on another thread as the plan was.
    fuelflow::workspace::drop_elsewhere(options);
    let outcome = outcome?;
    if let (Some(out), false) = (&outcome.saved_to, ctx.quiet) {
        eprintln!(
            "Saved the plan to {}; `fuelflow apply {}` carries out exactly this plan.",
            out.display(),
            out.display()
        );
    }
    if detailed_exitcode && outcome.has_changes {
        return Err(Failed::Changes);
    }
    Ok(())
}

pub async fn apply(
    ctx: &Context,
    run: RunArgs,
    auto_approve: bool,
    plan_file: Option<PathBuf>,
) -> Outcome {
    let (engine, scope) = prepare(ctx, &run).await?;
    let options = ApplyOptions {
        scope,
        auto_approve,
        plan_file,
        refresh_only: run.refresh_only,
    };
    let console = Console::new(ctx, false, run.json);
    let result = ops::apply(engine, &options, console.clone()).await;
    applied(ctx, run.json, result, &console.complete(false))
}

pub async fn destroy(ctx: &Context, run: RunArgs, auto_approve: bool) -> Outcome {
    if run.refresh_only || !run.replace.is_empty() {
        return Err(Failed::Message(
            "destroy takes neither --refresh-only nor --replace".into(),
        ));
    }
    let (engine, scope) = prepare(ctx, &run).await?;
    let options = DestroyOptions {
        scope,
        auto_approve,
    };
    let console = Console::new(ctx, false, run.json);
    let result = ops::destroy(engine, &options, console.clone()).await;
    applied(ctx, run.json, result, &console.complete(true))
}

/// The session's engine, and the stacks to work on.
async fn prepare(ctx: &Context, run: &RunArgs) -> Result<(Arc<Engine>, Scope), Failed> {
    // No AWS call and no lock for templates that cannot work. (A project run without --env
    // is refused by the session before any call.)
    let env = run.env.name.as_deref();
    let ids: [(&str, &[String]); 2] = [("--replace", &run.replace), ("--exclude", &run.exclude)];
    // The engine's handlers, so the plan may start from what this check evaluated.
    let registry = Registry::builtin();
    let region = ctx.region.clone();
    let checked = match &ctx.source {
        fuelflow::workspace::Source::Project { .. } if env.is_some() => Some(ops::run_checked(
            &ctx.source,
            env,
            &run.stacks,
            region,
            &ids,
            registry.clone(),
        )?),
        fuelflow::workspace::Source::Template { .. } => Some(ops::run_checked(
            &ctx.source,
            env,
            &[],
            region,
            &ids,
            registry.clone(),
        )?),
        fuelflow::workspace::Source::Project { .. } => None,
    };
    let mut session = session::open(ctx, run.env.name.clone()).await?;
    session.backend.accept_state_change = run.accept_state_change;
    // Unknown (empty) unless the backend's names needed it: `ops` looks it up together with
    // the locks and the state reads.
    let account_id = session.account_id.clone().unwrap_or_default();
    let mut stacks = Vec::new();
    if run.stacks.is_empty() {
        stacks = session.stacks(ctx, None)?;
    }
    for only in &run.stacks {
        stacks.extend(session.stacks(ctx, Some(only))?);
    }
    let engine = Engine {
        clients: Arc::new(Clients::new(session.sdk)),
        backend: session.backend,
        env: session.env,
        region: session.region,
        account_id,
        parallelism: run.parallelism.max(1),
        refresh_parallelism: run.refresh_parallelism.max(1),
        registry,
    };
    let scope = Scope {
        source: ctx.source.clone(),
        project: session.project,
        stacks,
        targets: run.targets.clone(),
        replace: run.replace.clone(),
        exclude: run.exclude.clone(),
        lock_timeout: run.lock_timeout,
        checked: checked.map(Arc::new),
    };
    Ok((Arc::new(engine), scope))
}

/// The end of an apply or destroy: the `--json` report (also of one that did not complete), or
/// the `complete` line.
fn applied(
    ctx: &Context,
    json: bool,
    result: Result<ApplyOutcome, OpError>,
    complete: &str,
) -> Outcome {
    match result {
        Ok(ApplyOutcome::NoChanges) => Ok(()),
        Ok(ApplyOutcome::Applied(report)) => {
            if json {
                print_json(&report);
            } else if !ctx.quiet {
                println!("{complete}");
            }
            Ok(())
        }
        Err(e) => {
            if let (true, OpError::Incomplete(report)) = (json, &e) {
                print_json(report);
            }
            Err(e.into())
        }
    }
}
