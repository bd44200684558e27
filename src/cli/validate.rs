//! `fuelflow validate`: everything that can be checked without AWS.

use super::Context;
use fuelflow::diagnostic::{Diagnostic, Severity};
use fuelflow::schema::report::{self, Outcome};
use fuelflow::source::SourceMap;
use fuelflow::workspace::{self, Source};
use std::process::ExitCode;

/// How `validate` reports: the rendered text on stderr, or one document on stdout for CI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
}

pub fn run(ctx: &Context, env: Option<&str>, strict: bool, format: Format) -> ExitCode {
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
    let mut collected: Vec<(Option<String>, SourceMap, Vec<Diagnostic>)> = Vec::new();
    for env in &envs {
        match workspace::load_offline(&ctx.source, env.as_deref(), &[], ctx.region.clone()) {
            Ok(ws) => {
                let mut warnings = ws.warnings.clone();
                warnings.extend(ws.stacks.iter().flat_map(fuelflow::security::check));
                if strict {
                    for d in &mut warnings {
                        d.severity = Severity::Error;
                    }
                }
                // Across resources and stacks: physical names, references to conditional ones.
                let mut diagnostics = fuelflow::schema::cross::check(&ws.stacks);
                diagnostics.extend(warnings);
                let has_errors = diagnostics.iter().any(Diagnostic::is_error);
                failed |= has_errors;
                if format != Format::Text {
                    collected.push((env.clone(), ws.sources, diagnostics));
                    continue;
                }
                if has_errors {
                    if let Some(env) = env {
                        eprintln!("environment `{env}`:");
                    }
                    ctx.fail(&fuelflow::workspace::Failure {
                        sources: ws.sources,
                        diagnostics,
                    });
                    continue;
                }
                ctx.warn(&ws.sources, &diagnostics);
                if !ctx.quiet {
                    let resources: usize = ws.stacks.iter().map(|s| s.resources.len()).sum();
                    let which = env
                        .as_deref()
                        .map(|e| format!(" for environment `{e}`"))
                        .unwrap_or_default();
                    let edges = ws.graph.graph.edge_count();
                    println!(
                        "Valid{which}: {} stack{}, {resources} resource{}, {edges} dependenc{}.",
                        ws.stacks.len(),
                        plural(ws.stacks.len()),
                        plural(resources),
                        if edges == 1 { "y" } else { "ies" }
                    );
                }
                // Freeing a 100,000-resource workspace piece by piece costs a fifth of the run;
                // the process ends soon and gives it all back at once.
                std::mem::forget(ws);
            }
            Err(failure) => {
                failed = true;
                if format != Format::Text {
                    collected.push((env.clone(), failure.sources, failure.diagnostics));
                    continue;
                }
                if let Some(env) = env {
                    eprintln!("environment `{env}`:");
                }
                ctx.fail(&failure);
            }
        }
    }
    if format != Format::Text {
        let outcomes: Vec<Outcome> = collected
            .iter()
            .map(|(env, sources, diagnostics)| Outcome {
                env: env.as_deref(),
                sources,
                diagnostics,
            })
            .collect();
        let document = match format {
            Format::Json => report::json(&outcomes),
            _ => report::sarif(&outcomes),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&document).expect("JSON values serialize")
        );
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
