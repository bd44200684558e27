//! `fuelflow cost`: the monthly estimate of an environment, per resource and in total.

use super::{Context, Failed, Outcome, session};
use fuelflow::workspace;

pub fn run(ctx: &Context, env: Option<String>, json: bool) -> Outcome {
    let project = session::project(ctx)?;
    let usage = match (&project, &env) {
        (Some(p), Some(e)) => p
            .environment(e, None)
            .map_err(|d| Failed::Message(d.message))?
            .usage
            .clone(),
        (Some(_), None) => return Err(Failed::Message("--env is required".into())),
        (None, _) => Default::default(),
    };
    let ws = workspace::load_offline(&ctx.source, env.as_deref(), &[], ctx.region.clone())?;
    let estimate = fuelflow::cost::estimate(&ws.stacks, &usage);
    if json {
        super::print_json(&estimate);
        return Ok(());
    }
    println!(
        "Monthly estimate for {} (prices: {})",
        env.as_deref().unwrap_or("the template"),
        estimate.prices_as_of
    );
    for line in &estimate.lines {
        println!(
            "  {:<40} {:>10}  {}",
            line.item,
            format!("${:.2}", line.monthly_usd),
            line.basis
        );
    }
    println!(
        "  {:<40} {:>10}",
        "Total",
        format!("${:.2}", estimate.total_usd)
    );
    println!(
        "Always-free tiers applied (Lambda, 10 alarms); not included: RDS storage and backups, taxes."
    );
    Ok(())
}
