//! The command-line layer: arguments in, library calls, results printed. Nothing else prints.

pub mod args;
mod bootstrap;
mod console;
mod cost;
mod graph;
mod import;
mod output;
mod render;
mod reporter;
mod run;
mod session;
mod show;
mod state;
mod unlock;
mod validate;

use args::{Cli, Command};
use fuelflow::ops::{OpError, TemplateErrors};
use fuelflow::workspace::{Failure, Source};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes (see the README): 0 success, 1 error, 2 changes present, 3 locked.
pub const EXIT_ERROR: u8 = 1;

/// What every command needs from the global flags.
pub struct Context {
    pub source: Source,
    pub color: bool,
    pub quiet: bool,
    /// `-v`: say what is being done (endpoint, account, locks, timings) on stderr.
    pub verbose: u8,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub profile: Option<String>,
    pub backend_bucket: Option<String>,
    pub lock_table: Option<String>,
}

/// Why a command failed, which decides the exit code.
pub enum Failed {
    /// A plain error (exit 1), already phrased for the user.
    Message(String),
    /// Someone else holds the lock (exit 3).
    Locked(String),
    /// `plan --detailed-exitcode` found changes (exit 2); not an error.
    Changes,
    /// Template or project problems (exit 1), printed with their source lines.
    Load(Failure),
}

impl From<Failure> for Failed {
    fn from(f: Failure) -> Failed {
        Failed::Load(f)
    }
}

impl From<OpError> for Failed {
    fn from(e: OpError) -> Failed {
        match e {
            OpError::Template(TemplateErrors(failure)) => Failed::Load(failure),
            e if e.is_locked() => Failed::Locked(e.to_string()),
            e => Failed::Message(e.to_string()),
        }
    }
}

pub type Outcome = Result<(), Failed>;

/// Exit code 2: `plan --detailed-exitcode` found changes.
pub const EXIT_CHANGES: u8 = 2;
/// Exit code 3: the state is locked by another run.
pub const EXIT_LOCKED: u8 = 3;

impl Context {
    fn from_cli(cli: &Cli) -> Context {
        let g = &cli.global;
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let dir: PathBuf = match &g.dir {
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
            source,
            color,
            quiet: g.quiet,
            verbose: g.verbose,
            region: g.region.clone(),
            endpoint_url: g.endpoint_url.clone(),
            profile: g.profile.clone(),
            backend_bucket: g.backend_bucket.clone(),
            lock_table: g.lock_table.clone(),
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
        Command::Validate {
            env,
            strict,
            format,
        } => validate::run(&ctx, env.as_deref(), strict, format),
        Command::Graph { env, stack } => graph::run(&ctx, env.as_deref(), stack),
        Command::Plan {
            run,
            out,
            detailed_exitcode,
            refresh,
        } => finish(
            &ctx,
            asynchronously(run::plan(&ctx, run, out, detailed_exitcode, refresh)),
        ),
        Command::Apply {
            run,
            auto_approve,
            plan_file,
        } => finish(
            &ctx,
            asynchronously(run::apply(&ctx, run, auto_approve, plan_file)),
        ),
        Command::Show { plan_file, json } => finish(&ctx, show::run(&ctx, &plan_file, json)),
        Command::Destroy { run, auto_approve } => {
            finish(&ctx, asynchronously(run::destroy(&ctx, run, auto_approve)))
        }
        Command::Cost { env, json } => finish(&ctx, cost::run(&ctx, env.name, json)),
        Command::Bootstrap { env, auto_approve } => finish(
            &ctx,
            asynchronously(bootstrap::run(&ctx, env.name, auto_approve)),
        ),
        Command::State { action } => finish(&ctx, asynchronously(state::run(&ctx, action))),
        Command::Output { env, stack, json } => finish(
            &ctx,
            asynchronously(output::run(&ctx, env.name, stack, json)),
        ),
        Command::Import(args) => finish(&ctx, asynchronously(import::run(&ctx, args))),
        Command::ForceUnlock {
            env,
            stack,
            all_stacks,
            lock_id,
        } => finish(
            &ctx,
            asynchronously(unlock::run(&ctx, env.name, stack, all_stacks, lock_id)),
        ),
    }
}

/// A value as pretty JSON on stdout (`--json`).
fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Runs a command that talks to AWS on a tokio runtime.
fn asynchronously(work: impl std::future::Future<Output = Outcome>) -> Outcome {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(work),
        Err(e) => Err(Failed::Message(format!(
            "cannot start the async runtime: {e}"
        ))),
    }
}

fn finish(ctx: &Context, outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed::Message(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
        Err(Failed::Changes) => ExitCode::from(EXIT_CHANGES),
        Err(Failed::Locked(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_LOCKED)
        }
        Err(Failed::Load(failure)) => ctx.fail(&failure),
    }
}
