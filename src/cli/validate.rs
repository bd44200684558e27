//! `fuelflow validate`: everything that can be checked without AWS.

use super::Context;
use fuelflow::workspace::{self, Source};
use std::process::ExitCode;

pub fn run(ctx: &Context, env: Option<&str>, strict: bool) -> ExitCode {
    let envs: Vec<Option<String>> = match (&ctx.source, env) {
        (_, Some(env)) => vec![Some(env.to_string())],
        (Source::Project { dir, file }, None) => {
            match workspace::read_project(dir, file.as_deref()) {
                Ok((_, project)) if !project.environments.is_empty() => {
                    project.environments.keys().cloned().map(Some).collect()
                }
                Ok(_) => vec![None],
                Err(failure) => return ctx.fail(&failure),
            }
        }
        (Source::Template { .. }, None) => vec![None],
    };
    let mut failed = false;
    for env in &envs {
        match workspace::load_offline(&ctx.source, env.as_deref(), &[], ctx.region.clone()) {
            Ok(ws) => {
                let mut warnings = ws.warnings.clone();
                warnings.extend(ws.stacks.iter().flat_map(fuelflow::security::check));
                if strict && !warnings.is_empty() {
                    let mut errors = warnings;
                    for d in &mut errors {
                        d.severity = fuelflow::diagnostic::Severity::Error;
                    }
                    if let Some(env) = env {
                        eprintln!("environment `{env}`:");
                    }
                    ctx.fail(&fuelflow::workspace::Failure {
                        sources: ws.sources,
                        diagnostics: errors,
                    });
                    failed = true;
                    continue;
                }
                ctx.warn(&ws.sources, &warnings);
                if !ctx.quiet {
                    let resources: usize = ws.stacks.iter().map(|s| s.resources.len()).sum();
                    let which = env
                        .as_deref()
                        .map(|e| format!(" for environment `{e}`"))
                        .unwrap_or_default();
                    println!(
                        "Valid{which}: {} stack{}, {resources} resource{}, {} dependenc{}.",
                        ws.stacks.len(),
                        plural(ws.stacks.len()),
                        plural(resources),
                        ws.graph.graph.edge_count(),
                        if ws.graph.graph.edge_count() == 1 {
                            "y"
                        } else {
                            "ies"
                        }
                    );
                }
            }
            Err(failure) => {
                if let Some(env) = env {
                    eprintln!("environment `{env}`:");
                }
                ctx.fail(&failure);
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(super::EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
