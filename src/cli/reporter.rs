//! Apply progress as plain lines: one when an operation starts, one with its elapsed time when
//! it ends (readable on a terminal and in CI logs alike).

use fuelflow::apply::Reporter;
use fuelflow::engine::ResourceFailure;
use fuelflow::plan::Action;
use std::time::Duration;

pub struct Lines {
    pub quiet: bool,
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("creating", "created"),
        Action::Update => ("updating", "updated"),
        Action::Replace => ("replacing", "replaced"),
        Action::Delete => ("deleting", "deleted"),
        Action::Forget => ("forgetting", "forgotten (kept in AWS)"),
    }
}

impl Reporter for Lines {
    fn started(&self, stack: &str, logical_id: &str, resource_type: &str, action: Action) {
        if !self.quiet {
            println!(
                "{stack}.{logical_id}: {} ({resource_type})...",
                verb(action).0
            );
        }
    }

    fn finished(
        &self,
        stack: &str,
        logical_id: &str,
        action: Action,
        elapsed: Duration,
        error: Option<&ResourceFailure>,
    ) {
        match error {
            None if !self.quiet => println!(
                "{stack}.{logical_id}: {} [{:.1}s]",
                verb(action).1,
                elapsed.as_secs_f64()
            ),
            None => {}
            Some(e) => eprintln!(
                "{stack}.{logical_id}: FAILED after {:.1}s: {}: {}",
                elapsed.as_secs_f64(),
                e.code,
                e.message
            ),
        }
    }
}
