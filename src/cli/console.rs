//! What `plan`, `apply` and `destroy` say while they hold the locks: `-v` detail, warnings, the
//! plan (text or `plan --json`), the cost delta, the confirmation, Ctrl-C, the progress of the
//! refresh, of lock waits and of the apply ([`Lines`]), and the line that ends an apply.

use super::{Context, reporter::Lines};
use fuelflow::engine::ResourceFailure;
use fuelflow::ops::{self, ConfirmError, Interrupt, PlanReport, Shown};
use fuelflow::plan::{Action, render};
use fuelflow::state::{LockError, LockInfo};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

pub struct Console {
    progress: Lines,
    quiet: bool,
    verbose: bool,
    color: bool,
    /// `plan --json`: the plan as JSON on stdout instead of text.
    plan_json: bool,
}

impl Console {
    /// For `plan` (`json`: the plan as JSON) and for apply and destroy (`json`: progress quiet,
    /// the report as JSON at the end).
    pub fn new(ctx: &Context, plan: bool, json: bool) -> Arc<Console> {
        Arc::new(Console {
            progress: Lines::new(ctx.quiet || json, live(ctx)),
            quiet: ctx.quiet,
            verbose: ctx.verbose > 0,
            color: ctx.color,
            plan_json: plan && json,
        })
    }
}

/// Live redrawn progress: a terminal, colors allowed (`--no-color`, `NO_COLOR`), not CI.
fn live(ctx: &Context) -> bool {
    std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && ctx.color
        && std::env::var_os("CI").is_none_or(|v| v.is_empty() || v == "false")
}

impl Console {
    /// `Apply complete! Resources: 3 added, 1 changed, 0 destroyed.` and the time taken (also
    /// for destroy, as Terraform says it).
    pub fn complete(&self, destroy: bool) -> String {
        let t = self.progress.tally();
        let elapsed = self.progress.elapsed();
        let took = match elapsed.as_secs() {
            0..60 => format!("{:.1}s", elapsed.as_secs_f64()),
            _ => super::reporter::human(elapsed),
        };
        if destroy {
            return format!(
                "Destroy complete! Resources: {} destroyed. ({took})",
                t.destroyed
            );
        }
        format!(
            "Apply complete! Resources: {} added, {} changed, {} destroyed. ({took})",
            t.added, t.changed, t.destroyed
        )
    }
}

impl ops::Reporter for Console {
    fn refreshed(&self, done: usize, total: usize) {
        self.progress.refreshed(done, total);
    }

    fn waiting_for_lock(&self, holder: &LockInfo, waited: Duration) {
        self.progress.waiting_for_lock(holder, waited);
    }

    fn detail(&self, message: &dyn Fn() -> String) {
        if self.verbose {
            eprintln!("[fuelflow] {}", message());
        }
    }

    fn planned(&self, shown: &Shown<'_>) {
        if !self.quiet && !shown.warnings.is_empty() {
            super::render::print(shown.sources, shown.warnings, self.color);
        }
        if self.plan_json {
            super::print_json(&PlanReport::of(shown.plan));
        } else if !self.quiet {
            print!("{}", render::text(shown.plan));
            if let Some(cost) = shown.cost {
                println!(
                    "Cost: ${:.2}/month after this plan ({:+.2} $/month; see `fuelflow cost`).",
                    cost.after_usd, cost.delta_usd
                );
            }
        }
    }

    fn confirm(&self, question: &str) -> Result<bool, ConfirmError> {
        confirm(question)
    }

    fn interrupted(&self, which: Interrupt) {
        match which {
            Interrupt::First => eprintln!(
                "\nInterrupt received: finishing the operations in flight, saving the state, releasing the lock. Press Ctrl-C again to exit now."
            ),
            Interrupt::Again => {
                eprintln!(
                    "Exiting now: operations in flight are not recorded; the next run adopts them; the lock may need force-unlock."
                );
                std::process::exit(130);
            }
        }
    }

    fn lock_not_released(&self, error: &LockError) {
        eprintln!("warning: could not release the lock: {error}");
    }
}

impl fuelflow::apply::Reporter for Console {
    fn started(&self, stack: &str, logical_id: &str, resource_type: &str, action: Action) {
        self.progress
            .started(stack, logical_id, resource_type, action);
    }

    fn finished(
        &self,
        stack: &str,
        logical_id: &str,
        action: Action,
        elapsed: Duration,
        error: Option<&ResourceFailure>,
    ) {
        self.progress
            .finished(stack, logical_id, action, elapsed, error);
    }
}

/// Asks on the terminal; refuses (never hangs) when there is no terminal to ask on.
pub fn confirm(question: &str) -> Result<bool, ConfirmError> {
    if !std::io::stdin().is_terminal() {
        return Err(ConfirmError::NoTerminal);
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(ConfirmError::Read)?;
    Ok(answer.trim() == "yes")
}
