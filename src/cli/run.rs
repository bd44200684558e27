//! `plan`, `apply` and `destroy`: lock the stacks, plan, show, and (for apply/destroy) carry the
//! plan out. The lock is held from the plan to the end of the apply and released on every exit
//! path; the first Ctrl-C stops scheduling and lets work in flight finish and be saved.

use super::args::RunArgs;
use super::{Context, Failed, Outcome, bootstrap::confirm, reporter::Lines, session};
use fuelflow::apply::{self, Options};
use fuelflow::engine::Engine;
use fuelflow::plan::Plan;
use fuelflow::plan::render;
use fuelflow::plan::run::{self as planning, PlanError, PlanRequest, Planned};
use fuelflow::resources::Clients;
use fuelflow::state::lock::{lock_all, release_all};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Apply,
    Destroy,
}

pub struct Request {
    pub mode: Mode,
    pub run: RunArgs,
    pub refresh: bool,
    pub out: Option<PathBuf>,
    pub detailed_exitcode: bool,
    pub auto_approve: bool,
    pub plan_file: Option<PathBuf>,
}

/// A saved plan: the plan and the states it was made against.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedPlan {
    fuelflow_version: String,
    plan: Plan,
}

pub async fn run(ctx: &Context, request: Request) -> Outcome {
    let session = session::open(ctx, request.run.env.name.clone()).await?;
    let account_id = match &session.account_id {
        Some(account) => account.clone(),
        None => fuelflow::aws::account_id(&session.sdk)
            .await
            .map_err(|e| Failed::Message(e.to_string()))?,
    };
    let engine = Arc::new(Engine {
        clients: Arc::new(Clients::new(session.sdk.clone())),
        backend: fuelflow::backend::Backend::connect(&session.sdk, session.backend.names.clone()),
        env: session.env.clone(),
        region: session.region.clone(),
        account_id,
        parallelism: request.run.parallelism.max(1),
        registry: fuelflow::resources::Registry::builtin(),
    });
    let stacks = if request.run.stacks.is_empty() {
        session.stacks(ctx, None)?
    } else {
        let mut all = Vec::new();
        for s in &request.run.stacks {
            all.extend(session.stacks(ctx, Some(s))?);
        }
        all
    };
    let operation = match request.mode {
        Mode::Plan => "plan",
        Mode::Apply => "apply",
        Mode::Destroy => "destroy",
    };
    let locks: Vec<_> = stacks
        .iter()
        .map(|s| engine.backend.lock_request(&engine.env, s, operation))
        .collect();
    let (stop_tx, stop_rx) = watch::channel(false);
    let held = tokio::select! {
        held = lock_all(&*engine.backend.locker, &locks, request.run.lock_timeout) => held,
        _ = tokio::signal::ctrl_c() => return Err(Failed::Message("interrupted while waiting for the lock; nothing was changed".into())),
    };
    let held = match held {
        Ok(held) => {
            ctx.detail(|| {
                format!(
                    "locked {} stack(s): {}",
                    held.len(),
                    held.iter()
                        .map(|h| h.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            held
        }
        Err(e) if e.is_locked() => return Err(Failed::Locked(e.to_string())),
        Err(e) => return Err(Failed::Message(e.to_string())),
    };
    let watcher = tokio::spawn(interrupts(stop_tx));
    let outcome = locked(ctx, &session, engine.clone(), &request, stacks, stop_rx).await;
    watcher.abort();
    if let Err(e) = release_all(&*engine.backend.locker, &held).await {
        eprintln!("warning: could not release the lock: {e}");
    }
    outcome
}

/// First Ctrl-C: stop scheduling; second: exit at once.
async fn interrupts(stop: watch::Sender<bool>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    eprintln!(
        "\nInterrupt received: finishing the operations in flight, saving the state, releasing the lock. Press Ctrl-C again to exit now."
    );
    let _ = stop.send(true);
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!(
            "Exiting now: operations in flight are not recorded; the next run adopts them; the lock may need force-unlock."
        );
        std::process::exit(130);
    }
}

async fn locked(
    ctx: &Context,
    session: &session::Session,
    engine: Arc<Engine>,
    request: &Request,
    stacks: Vec<String>,
    stop: watch::Receiver<bool>,
) -> Outcome {
    ctx.detail(|| {
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
    let started = std::time::Instant::now();
    let plan_request = PlanRequest {
        stacks: if session.project.is_some() {
            stacks
        } else {
            Vec::new()
        },
        refresh: request.refresh,
        targets: request.run.targets.clone(),
        destroy: request.mode == Mode::Destroy,
    };
    let planned = match planning::plan(
        &engine,
        &ctx.source,
        session.project.as_ref(),
        &plan_request,
    )
    .await
    {
        Ok(planned) => planned,
        Err(PlanError::Load(failure)) => return Err(Failed::Load(failure)),
        Err(e @ PlanError::State(_)) => {
            return Err(Failed::Message(fuelflow::plan::error::with_causes(&e)));
        }
        Err(PlanError::Resources(failures)) => {
            let lines: Vec<String> = failures.iter().map(|f| format!("  {f}")).collect();
            return Err(Failed::Message(format!(
                "refreshing the live resources failed:\n{}",
                lines.join("\n")
            )));
        }
    };
    ctx.detail(|| {
        let changes: usize = planned.plan.stacks.iter().map(|s| s.changes.len()).sum();
        format!(
            "planned {} stack(s), {} live resource(s) read, {changes} change(s) in {:.2}s",
            planned.plan.stacks.len(),
            planned.live.len(),
            started.elapsed().as_secs_f64()
        )
    });
    if request.mode == Mode::Destroy {
        refuse_imported_exports(ctx, session, &planned)?;
    }
    if let Some(file) = &request.plan_file {
        check_saved_plan(file, &planned.plan)?;
    }
    ctx.warn(&planned.workspace.sources, &planned.workspace.warnings);
    if request.run.json && request.mode == Mode::Plan {
        println!(
            "{}",
            serde_json::to_string_pretty(&render::json(&planned.plan)).unwrap_or_default()
        );
    } else if !ctx.quiet {
        print!("{}", render::text(&planned.plan));
        if planned.plan.has_changes() {
            if let Some(line) = cost_delta(session, &planned) {
                println!("{line}");
            }
        }
    }
    if request.mode == Mode::Plan {
        if let Some(out) = &request.out {
            let saved = SavedPlan {
                fuelflow_version: env!("CARGO_PKG_VERSION").into(),
                plan: planned.plan.clone(),
            };
            let text = serde_json::to_vec_pretty(&saved).unwrap_or_default();
            std::fs::write(out, text).map_err(|e| {
                Failed::Message(format!("writing the plan to {}: {e}", out.display()))
            })?;
            if !ctx.quiet {
                eprintln!(
                    "Saved the plan to {}; `fuelflow apply {}` carries out exactly this plan.",
                    out.display(),
                    out.display()
                );
            }
        }
        if request.detailed_exitcode && planned.plan.has_changes() {
            return Err(Failed::Changes);
        }
        return Ok(());
    }
    if !planned.plan.has_changes() {
        return Ok(());
    }
    if !request.auto_approve && request.plan_file.is_none() && !confirm("Apply these changes?")? {
        return Err(Failed::Message(
            "apply cancelled; nothing was changed".into(),
        ));
    }
    carry_out(ctx, engine, planned, stop, request.run.json).await
}

async fn carry_out(
    ctx: &Context,
    engine: Arc<Engine>,
    planned: Planned,
    stop: watch::Receiver<bool>,
    json: bool,
) -> Outcome {
    let reporter = Arc::new(Lines::new(ctx.quiet || json));
    let report = apply::apply(engine, planned, reporter, stop, Options::default()).await;
    if json {
        let doc = serde_json::json!({
            "applied": report.applied,
            "failures": report.failures.iter().map(|f| serde_json::json!({
                "stack": f.stack, "logical_id": f.logical_id, "type": f.resource_type,
                "operation": f.operation, "code": f.code, "message": f.message,
            })).collect::<Vec<_>>(),
            "skipped": report.skipped.iter().map(|(r, because)| serde_json::json!({"resource": r, "because": because})).collect::<Vec<_>>(),
            "interrupted": report.interrupted,
            "state_error": report.state_error,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    if report.succeeded() {
        if !ctx.quiet && !json {
            println!(
                "Apply complete: {} change{} applied.",
                report.applied,
                if report.applied == 1 { "" } else { "s" }
            );
        }
        return Ok(());
    }
    let mut lines = Vec::new();
    for f in &report.failures {
        lines.push(format!("  {f}"));
    }
    for (resource, because) in &report.skipped {
        lines.push(format!(
            "  {resource} was not attempted because {because} failed"
        ));
    }
    if report.interrupted {
        lines.push("  interrupted: the operations in flight finished and were recorded; run apply again to continue".into());
    }
    if let Some(e) = &report.state_error {
        lines.push(format!("  the state could not be saved: {e}; what was created is recorded as pending and is adopted by the next run"));
    }
    Err(Failed::Message(format!(
        "apply did not complete ({} applied):\n{}",
        report.applied,
        lines.join("\n")
    )))
}

/// A saved plan is carried out only if nothing moved since it was made: same states (lineage
/// and serial) and the same changes computed again now.
fn check_saved_plan(file: &PathBuf, now: &Plan) -> Outcome {
    let text = std::fs::read(file)
        .map_err(|e| Failed::Message(format!("reading the plan {}: {e}", file.display())))?;
    let saved: SavedPlan = serde_json::from_slice(&text)
        .map_err(|e| Failed::Message(format!("{} is not a fuelflow plan: {e}", file.display())))?;
    for (old, new) in saved.plan.stacks.iter().zip(&now.stacks) {
        if old.stack != new.stack || old.lineage != new.lineage || old.serial != new.serial {
            return Err(Failed::Message(format!(
                "stale plan: the state of stack {} changed since the plan was saved (serial {} then, {} now); run plan again",
                old.stack, old.serial, new.serial
            )));
        }
    }
    if saved.plan.stacks.len() != now.stacks.len()
        || saved.plan.env != now.env
        || saved.plan.stacks != now.stacks
    {
        return Err(Failed::Message(
            "stale plan: the templates or the live resources changed since the plan was saved; run plan again".into(),
        ));
    }
    Ok(())
}

/// Destroying a stack whose export another stack still imports would break that stack.
fn refuse_imported_exports(
    ctx: &Context,
    session: &session::Session,
    planned: &Planned,
) -> Outcome {
    let Some(project) = &session.project else {
        return Ok(());
    };
    let destroyed: Vec<&str> = planned
        .plan
        .stacks
        .iter()
        .map(|s| s.stack.as_str())
        .collect();
    let exports: Vec<(String, &str)> = planned
        .states
        .iter()
        .filter(|(k, _)| destroyed.contains(&k.as_str()))
        .flat_map(|(k, r)| {
            r.doc
                .outputs
                .values()
                .filter_map(move |o| o.export_name.clone().map(|e| (e, k.as_str())))
        })
        .collect();
    if exports.is_empty() {
        return Ok(());
    }
    let others: Vec<String> = project
        .stacks
        .keys()
        .filter(|k| !destroyed.contains(&k.as_str()))
        .cloned()
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let Ok(ws) = fuelflow::workspace::load_offline(
        &ctx.source,
        Some(&session.env),
        &others,
        Some(session.region.clone()),
    ) else {
        return Ok(());
    };
    for stack in &ws.stacks {
        for r in stack.resources.values() {
            for reference in r
                .references
                .iter()
                .filter(|x| x.kind == fuelflow::template::eval::RefKind::ImportValue)
            {
                if let Some((name, exporter)) = exports.iter().find(|(e, _)| *e == reference.target)
                {
                    return Err(Failed::Message(format!(
                        "cannot destroy stack {exporter}: its export `{name}` is imported by {}.{}; destroy that stack first",
                        stack.id.key, r.logical_id
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The monthly cost after the plan and its difference from now, with the environment's usage.
fn cost_delta(session: &session::Session, planned: &Planned) -> Option<String> {
    use fuelflow::cost::{Priced, estimate, estimate_resources};
    let usage = session
        .project
        .as_ref()?
        .environments
        .get(&session.env)?
        .usage
        .clone();
    let before: Vec<Priced> = planned
        .states
        .iter()
        .flat_map(|(stack, r)| {
            r.doc.resources.iter().map(move |(id, res)| Priced {
                item: format!("{stack}.{id}"),
                resource_type: res.resource_type.clone(),
                properties: fuelflow::template::Value::from_json(&res.properties),
            })
        })
        .collect();
    let before = estimate_resources(&before, &usage).total_usd;
    let after = if planned.plan.destroy {
        0.0
    } else {
        estimate(&planned.workspace.stacks, &usage).total_usd
    };
    Some(format!(
        "Cost: ${after:.2}/month after this plan ({:+.2} $/month; see `fuelflow cost`).",
        after - before
    ))
}
