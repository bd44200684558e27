//! `fuelflow show PLANFILE`: a plan saved with `plan --out`, as text or `--json`. Reads only the
//! file: no AWS call, no lock, no template.

use super::{Context, Failed, Outcome, print_json};
use fuelflow::ops::{PlanReport, SavedPlan};
use fuelflow::plan::render;
use std::path::Path;

pub fn run(ctx: &Context, plan_file: &Path, json: bool) -> Outcome {
    let saved = SavedPlan::read(plan_file).map_err(|e| Failed::Message(e.to_string()))?;
    if json {
        print_json(&PlanReport::of(&saved.plan));
    } else if !ctx.quiet {
        println!(
            "Saved plan {} (env {}, fuelflow {}):\n",
            plan_file.display(),
            saved.plan.env,
            saved.fuelflow_version
        );
        print!("{}", render::text(&saved.plan));
    }
    Ok(())
}
