//! `import`: existing resources into a stack's state (one by one, from a CloudFormation stack or
//! a Terraform state), or `--generate` a template from them. The work is
//! [`fuelflow::ops::import`]; this parses, prints the report and the hand-over steps.

use super::console::Console;
use super::{Context, Failed, Outcome, print_json, session};
use fuelflow::engine::Engine;
use fuelflow::ops::import::{
    self, ImportError, ImportItem, ImportReport, ImportRequest, Wanted, cloudformation, generate,
    terraform,
};
use fuelflow::resources::{Clients, Registry};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub env: super::args::EnvArg,
    /// The stack to import into (required when the project has several)
    #[arg(long)]
    pub stack: Option<String>,
    /// Every resource of this CloudFormation stack whose logical id the template has
    #[arg(long, value_name = "STACK_NAME", conflicts_with = "from_terraform")]
    pub from_cloudformation: Option<String>,
    /// Every resource of this Terraform state (v4 JSON) the template has, matched by name
    #[arg(long, value_name = "STATEFILE")]
    pub from_terraform: Option<PathBuf>,
    /// Write a template from live resources (`TYPE=PHYSICAL_ID`s, or --from-cloudformation)
    /// instead of importing
    #[arg(long, conflicts_with = "from_terraform")]
    pub generate: bool,
    /// Where --generate writes the template (default: stdout)
    #[arg(long, value_name = "FILE", requires = "generate")]
    pub out: Option<PathBuf>,
    /// How long to wait for a lock held by another run (e.g. 30s, 2m; default: fail at once)
    #[arg(long, default_value = "0s", value_parser = super::args::parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// The report as JSON
    #[arg(long)]
    pub json: bool,
    /// `LOGICAL_ID PHYSICAL_ID`; with --generate, `TYPE=PHYSICAL_ID`s
    pub ids: Vec<String>,
}

pub async fn run(ctx: &Context, args: ImportArgs) -> Outcome {
    if args.generate {
        return generate_template(ctx, args).await;
    }
    let mut session = session::open(ctx, args.env.name.clone()).await?;
    let stack = match &args.stack {
        Some(s) => session.stacks(ctx, Some(s))?.remove(0),
        None => match session.stacks(ctx, None)?.as_slice() {
            [only] => only.clone(),
            all => {
                return Err(Failed::Message(format!(
                    "--stack is required (stacks: {})",
                    all.join(", ")
                )));
            }
        },
    };
    let account_id = match session.account_id.take() {
        Some(account) => account,
        None => fuelflow::aws::account_id(&session.sdk)
            .await
            .map_err(|e| Failed::Message(e.to_string()))?,
    };
    let clients = Arc::new(Clients::new(session.sdk.clone()));
    let wanted = wanted(ctx, &args, &clients).await?;
    let engine = Engine {
        clients,
        backend: session.backend,
        env: session.env.clone(),
        region: session.region,
        account_id,
        parallelism: fuelflow::engine::DEFAULT_PARALLELISM,
        refresh_parallelism: fuelflow::engine::DEFAULT_REFRESH_PARALLELISM,
        registry: Registry::builtin(),
    };
    let request = ImportRequest {
        source: ctx.source.clone(),
        project: session.project,
        stack,
        wanted,
        lock_timeout: args.lock_timeout,
    };
    let report = import::import(
        Arc::new(engine),
        &request,
        Console::new(ctx, true, args.json),
    )
    .await
    .map_err(failed)?;
    if args.json {
        print_json(&report);
    } else if !ctx.quiet {
        print_report(&report, &session.env);
        if let Some(name) = &args.from_cloudformation {
            let ids: Vec<String> = report
                .imported
                .iter()
                .map(|i| i.logical_id.clone())
                .collect();
            print!("\n{}", cloudformation::handover_steps(name, &ids));
        }
    }
    Ok(())
}

/// What the arguments ask to import.
async fn wanted(ctx: &Context, args: &ImportArgs, clients: &Clients) -> Result<Wanted, Failed> {
    if let Some(name) = &args.from_cloudformation {
        no_ids(args, "--from-cloudformation")?;
        let found = cloudformation::describe(clients, name)
            .await
            .map_err(|e| Failed::Message(format!("CloudFormation stack {name}: {e}")))?;
        return Ok(Wanted::CloudFormation(found));
    }
    if let Some(path) = &args.from_terraform {
        no_ids(args, "--from-terraform")?;
        let path = base_dir(ctx).join(path);
        let bytes = fuelflow::source::read_bounded(&path, terraform::MAX_STATE_BYTES)
            .map_err(|e| Failed::Message(format!("reading {}: {e}", path.display())))?;
        let found = terraform::parse(&bytes)
            .map_err(|e| Failed::Message(format!("{}: {e}", path.display())))?;
        return Ok(Wanted::Terraform(found));
    }
    match args.ids.as_slice() {
        [logical_id, physical_id] => Ok(Wanted::Items(vec![ImportItem {
            logical_id: logical_id.clone(),
            physical_id: physical_id.clone(),
        }])),
        _ => Err(Failed::Message(
            "import needs LOGICAL_ID PHYSICAL_ID, --from-cloudformation STACK_NAME or --from-terraform STATEFILE".into(),
        )),
    }
}

fn no_ids(args: &ImportArgs, flag: &str) -> Result<(), Failed> {
    match args.ids.is_empty() {
        true => Ok(()),
        false => Err(Failed::Message(format!(
            "{flag} takes no LOGICAL_ID PHYSICAL_ID"
        ))),
    }
}

/// Where relative paths of the command line start: the project's (or `-C`) directory.
fn base_dir(ctx: &Context) -> PathBuf {
    match &ctx.source {
        fuelflow::workspace::Source::Project { dir, .. } => dir.clone(),
        fuelflow::workspace::Source::Template { path, .. } => path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
    }
}

fn failed(e: ImportError) -> Failed {
    match e {
        ImportError::Op(e) => e.into(),
        e => Failed::Message(e.to_string()),
    }
}

fn print_report(report: &ImportReport, env: &str) {
    for i in &report.imported {
        let tags = match (&i.tagged, &i.tag_error) {
            (Some(true), _) => ", tagged as owned by the stack".to_string(),
            (Some(false), Some(e)) => format!(", not tagged: {e}"),
            _ => String::new(),
        };
        println!(
            "Imported {}.{} ({}) = {}{tags}",
            i.stack, i.logical_id, i.resource_type, i.physical_id
        );
    }
    for u in &report.unmatched {
        println!("Not imported: {} ({}): {}", u.id, u.resource_type, u.reason);
    }
    println!(
        "Import complete! Resources: {} imported, {} not imported.",
        report.imported.len(),
        report.unmatched.len()
    );
    if !report.imported.is_empty() {
        println!(
            "`fuelflow plan --env {env}` shows where the template and the live resources differ."
        );
    }
}

/// `import --generate`: a template from live resources, on stdout or in `--out`.
async fn generate_template(ctx: &Context, args: ImportArgs) -> Outcome {
    let project = session::project(ctx)?;
    let env = args.env.name.clone().unwrap_or_else(|| "default".into());
    let sdk = session::sdk_config(ctx, project.as_ref(), &env).await?;
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let account_id = fuelflow::aws::account_id(&sdk)
        .await
        .map_err(|e| Failed::Message(e.to_string()))?;
    let clients = Arc::new(Clients::new(sdk));
    let wanted: Vec<(String, String, String)> = match &args.from_cloudformation {
        Some(name) => cloudformation::describe(&clients, name)
            .await
            .map_err(|e| Failed::Message(format!("CloudFormation stack {name}: {e}")))?
            .into_iter()
            .map(|r| (r.logical_id, r.resource_type, r.physical_id))
            .collect(),
        None => generate::parse_ids(&args.ids).map_err(Failed::Message)?,
    };
    let target = generate::Target {
        clients,
        region,
        account_id,
    };
    let generated = generate::generate(&target, &Registry::builtin(), &wanted)
        .await
        .map_err(Failed::Message)?;
    for skipped in &generated.skipped {
        eprintln!("warning: {skipped}");
    }
    match &args.out {
        Some(path) => {
            let path = base_dir(ctx).join(path);
            std::fs::write(&path, &generated.yaml)
                .map_err(|e| Failed::Message(format!("writing {}: {e}", path.display())))?;
            if !ctx.quiet {
                eprintln!(
                    "Wrote {} resource(s) to {}; `fuelflow import` then takes them over.",
                    generated.resources,
                    path.display()
                );
            }
        }
        None => print!("{}", generated.yaml),
    }
    Ok(())
}
