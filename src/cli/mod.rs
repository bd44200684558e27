//! The command-line layer: arguments in, library calls, results printed. Nothing else prints.

pub mod args;
mod graph;
mod render;
mod validate;

use args::{Cli, Command};
use fuelflow::workspace::{Failure, Source};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes (see the README): 0 success, 1 error, 2 changes present, 3 locked.
pub const EXIT_ERROR: u8 = 1;

/// What every command needs from the global flags.
pub struct Context {
    pub dir: PathBuf,
    pub source: Source,
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub region: Option<String>,
}

impl Context {
    fn from_cli(cli: &Cli) -> Context {
        let g = &cli.global;
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let dir = match &g.dir {
            Some(d) => cwd.join(d),
            None => cwd,
        };
        let source = match &g.template {
            Some(path) => Source::Template {
                path: dir.join(path),
                stack_name: g.stack_name.clone(),
                parameters: g.parameters.clone(),
            },
            None => Source::Project {
                dir: dir.clone(),
                file: g.project.clone(),
            },
        };
        let color = !g.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Context {
            dir,
            source,
            color,
            quiet: g.quiet,
            verbose: g.verbose,
            region: g.region.clone(),
        }
    }

    /// Prints why loading failed and gives the exit code for it.
    pub fn fail(&self, failure: &Failure) -> ExitCode {
        render::print(&failure.sources, &failure.diagnostics, self.color);
        let errors = failure.diagnostics.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "{errors} error{} found; nothing was changed",
            if errors == 1 { "" } else { "s" }
        );
        ExitCode::from(EXIT_ERROR)
    }

    pub fn warn(
        &self,
        sources: &fuelflow::source::SourceMap,
        warnings: &[fuelflow::diagnostic::Diagnostic],
    ) {
        if !self.quiet && !warnings.is_empty() {
            render::print(sources, warnings, self.color);
        }
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let ctx = Context::from_cli(&cli);
    match cli.command {
        Command::Validate { env } => validate::run(&ctx, env.as_deref()),
        Command::Graph { env, stack } => graph::run(&ctx, env.as_deref(), stack),
    }
}
