//! `fuelflow graph`: the resource graph as DOT on stdout.

use super::Context;
use fuelflow::workspace::{self, Source};
use std::process::ExitCode;

pub fn run(ctx: &Context, env: Option<&str>, stack: Option<String>) -> ExitCode {
    // Without --env, a project's first environment gives the parameters.
    let env = match (&ctx.source, env) {
        (_, Some(env)) => Some(env.to_string()),
        (Source::Project { dir, file }, None) => {
            match workspace::read_project(dir, file.as_deref()) {
                Ok((_, project)) => project.environments.keys().next().cloned(),
                Err(failure) => return ctx.fail(&failure),
            }
        }
        _ => None,
    };
    let selected: Vec<String> = stack.into_iter().collect();
    let selected = if matches!(ctx.source, Source::Template { .. }) {
        Vec::new()
    } else {
        selected
    };
    match workspace::load_offline(&ctx.source, env.as_deref(), &selected, ctx.region.clone()) {
        Ok(ws) => {
            ctx.warn(&ws.sources, &ws.warnings);
            print!("{}", fuelflow::graph::to_dot(&ws.graph));
            ExitCode::SUCCESS
        }
        Err(failure) => ctx.fail(&failure),
    }
}
