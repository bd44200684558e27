//! Command-line arguments (clap derive). Parsing only: the commands live beside this file.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "fuelflow",
    version,
    about = "Infrastructure as code for AWS: CloudFormation-compatible YAML stacks applied directly through the AWS SDK",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Run as if started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Project file (default: fuelflow.yaml in the working directory)
    #[arg(long, global = true, value_name = "FILE")]
    pub project: Option<PathBuf>,
    /// Work on a single template instead of a project
    #[arg(
        short = 't',
        long = "template",
        global = true,
        value_name = "FILE",
        conflicts_with = "project"
    )]
    pub template: Option<PathBuf>,
    /// Stack name in template mode (default: the template's file stem)
    #[arg(long, global = true, value_name = "NAME", requires = "template")]
    pub stack_name: Option<String>,
    /// A template parameter in template mode (repeatable)
    #[arg(long = "parameter", global = true, value_name = "KEY=VALUE", value_parser = parse_parameter, requires = "template")]
    pub parameters: Vec<(String, String)>,
    /// AWS endpoint for every service (overrides AWS_ENDPOINT_URL)
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: the project's region, then the AWS configuration)
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile from ~/.aws/config
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// More detail (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// No colors in the output (also: NO_COLOR)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// State bucket in template mode
    #[arg(
        long,
        global = true,
        env = "FUELFLOW_BACKEND_BUCKET",
        value_name = "BUCKET"
    )]
    pub backend_bucket: Option<String>,
    /// Lock table in template mode
    #[arg(long, global = true, env = "FUELFLOW_LOCK_TABLE", value_name = "TABLE")]
    pub lock_table: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check templates: syntax, parameters, intrinsics, types, properties, graph. No AWS calls.
    Validate {
        /// Environment whose parameters to use (default: every environment of the project)
        #[arg(long)]
        env: Option<String>,
        /// Treat security warnings as errors
        #[arg(long)]
        strict: bool,
        /// `text` (rendered on stderr), or one `json` / `sarif` (SARIF 2.1.0) document on stdout
        #[arg(long, value_enum, default_value_t)]
        format: super::validate::Format,
    },
    /// Print the resource graph as Graphviz DOT (edges point at what a resource depends on)
    Graph {
        /// Environment whose parameters to use (default: the first environment)
        #[arg(long)]
        env: Option<String>,
        /// Only this stack
        #[arg(long)]
        stack: Option<String>,
    },
    /// Show what apply would change (refreshing live state, showing drift)
    Plan {
        #[command(flatten)]
        run: RunArgs,
        /// Save the plan to FILE; `apply FILE` then does exactly this plan
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Exit 2 when there are changes (0: none, 1: error)
        #[arg(long)]
        detailed_exitcode: bool,
        /// Read the live resources to see drift (`--refresh=false`: compare with the recorded state only)
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
        refresh: bool,
    },
    /// Print a plan saved with `plan --out` (no AWS calls)
    Show {
        /// The saved plan
        plan_file: std::path::PathBuf,
        /// As the `plan --json` document
        #[arg(long)]
        json: bool,
    },
    /// Make the infrastructure match the templates
    Apply {
        #[command(flatten)]
        run: RunArgs,
        /// Do not ask for confirmation
        #[arg(long)]
        auto_approve: bool,
        /// A plan saved with `plan --out`
        plan_file: Option<std::path::PathBuf>,
    },
    /// Delete everything the stacks manage (DeletionPolicy: Retain is honoured)
    Destroy {
        #[command(flatten)]
        run: RunArgs,
        /// Do not ask for confirmation
        #[arg(long)]
        auto_approve: bool,
    },
    /// Create (or repair) the state bucket and lock table named in fuelflow.yaml
    Bootstrap {
        #[command(flatten)]
        env: EnvArg,
        /// Do not ask for confirmation
        #[arg(long)]
        auto_approve: bool,
    },
    /// Read the recorded state (no lock is taken)
    State {
        #[command(subcommand)]
        action: StateAction,
    },
    /// Print the outputs of the applied stacks
    Output {
        #[command(flatten)]
        env: EnvArg,
        /// Only this stack
        #[arg(long)]
        stack: Option<String>,
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// Estimate the monthly cost of an environment (list prices, the environment's usage assumptions)
    Cost {
        #[command(flatten)]
        env: EnvArg,
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// Take existing AWS resources under management: one by one, from a CloudFormation stack or
    /// a Terraform state; or write a template from them (`--generate`)
    Import(super::import::ImportArgs),
    /// Remove a lock left behind by a run that died
    ForceUnlock {
        #[command(flatten)]
        env: EnvArg,
        /// The stack whose lock to remove (required when the project has several)
        #[arg(long)]
        stack: Option<String>,
        /// Remove this lock id from every stack of the environment (one dead run's locks; a
        /// lock with another id is left)
        #[arg(long, conflicts_with = "stack")]
        all_stacks: bool,
        /// The lock id printed by the run that found the lock
        lock_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StateAction {
    /// The resources recorded for each stack
    List {
        #[command(flatten)]
        env: EnvArg,
        #[arg(long)]
        stack: Option<String>,
    },
    /// The whole recorded state of each stack, as JSON
    Show {
        #[command(flatten)]
        env: EnvArg,
        #[arg(long)]
        stack: Option<String>,
    },
    /// List the versions the state bucket kept of a stack's state, or put one back (`--version`)
    #[command(disable_version_flag = true)]
    Restore {
        #[command(flatten)]
        env: EnvArg,
        #[arg(long)]
        stack: String,
        /// The version to put back (from the list); it becomes the newest serial
        #[arg(long, value_name = "ID")]
        version: Option<String>,
    },
    /// Rename a recorded resource, or move it to another stack (AWS is not changed; its ownership tags follow)
    Mv {
        #[command(flatten)]
        env: EnvArg,
        /// STACK.LogicalId (the stack may be left out when there is only one)
        from: String,
        /// STACK.LogicalId
        to: String,
        /// How long to wait for a lock held by another run (e.g. 30s)
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
    /// Forget a recorded resource without deleting it (it stays in AWS, no longer managed)
    Rm {
        #[command(flatten)]
        env: EnvArg,
        /// STACK.LogicalId
        address: String,
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        lock_timeout: std::time::Duration,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Only these stacks (repeatable)
    #[arg(long = "stack", value_name = "STACK")]
    pub stacks: Vec<String>,
    /// Only this resource and what it depends on (repeatable; `LogicalId` or `stack.LogicalId`)
    #[arg(long = "target", value_name = "ID")]
    pub targets: Vec<String>,
    /// Replace this resource even if nothing changed (repeatable; `LogicalId` or `stack.LogicalId`)
    #[arg(long = "replace", value_name = "ID")]
    pub replace: Vec<String>,
    /// Leave this resource, and what depends on it, out of the run (repeatable)
    #[arg(long = "exclude", value_name = "ID")]
    pub exclude: Vec<String>,
    /// Accept the live values into the state instead of changing AWS (plan and apply)
    #[arg(long, conflicts_with_all = ["replace", "exclude"])]
    pub refresh_only: bool,
    /// How many AWS operations run at once
    #[arg(long, default_value_t = fuelflow::engine::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    /// How many reads refresh makes at once (halved on throttling)
    #[arg(long, default_value_t = fuelflow::engine::DEFAULT_REFRESH_PARALLELISM)]
    pub refresh_parallelism: usize,
    /// How long to wait for a lock held by another run (e.g. 30s, 2m; default: fail at once)
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
    /// Use a state the bucket's history says was deleted, replaced (another lineage) or rewound
    /// (a lower serial) instead of refusing it (see `state restore`)
    #[arg(long)]
    pub accept_state_change: bool,
}

pub(super) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 30s or 2m, found `{text}`"))?;
    Ok(std::time::Duration::from_secs(match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("unknown unit in `{text}`: use s, m or h")),
    }))
}

#[derive(Debug, Args)]
pub struct EnvArg {
    /// Environment (required in project mode; template mode defaults to `default`)
    #[arg(long = "env")]
    pub name: Option<String>,
}

fn parse_parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, found `{text}`")),
    }
}
