//! Apply progress. On a terminal: a live line per operation in flight with its elapsed time, and
//! a permanent line when it ends. Elsewhere (CI logs, pipes): a plain line when an operation
//! starts and one with its elapsed time when it ends.

use fuelflow::apply::Reporter;
use fuelflow::engine::ResourceFailure;
use fuelflow::plan::Action;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

pub struct Lines {
    quiet: bool,
    live: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl Lines {
    pub fn new(quiet: bool) -> Lines {
        let live = (!quiet && std::io::stdout().is_terminal())
            .then(|| (MultiProgress::new(), Mutex::new(HashMap::new())));
        Lines { quiet, live }
    }
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
        if self.quiet {
            return;
        }
        let line = format!("{stack}.{logical_id}: {} ({resource_type})", verb(action).0);
        match &self.live {
            Some((multi, bars)) => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(line);
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.lock()
                    .expect("not poisoned")
                    .insert(format!("{stack}.{logical_id}"), bar);
            }
            None => println!("{line}..."),
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
        let line = match error {
            None => format!(
                "{stack}.{logical_id}: {} [{:.1}s]",
                verb(action).1,
                elapsed.as_secs_f64()
            ),
            Some(e) => format!(
                "{stack}.{logical_id}: FAILED after {:.1}s: {}: {}",
                elapsed.as_secs_f64(),
                e.code,
                e.message
            ),
        };
        if let Some((multi, bars)) = &self.live {
            if let Some(bar) = bars
                .lock()
                .expect("not poisoned")
                .remove(&format!("{stack}.{logical_id}"))
            {
                bar.finish_and_clear();
                multi.remove(&bar);
            }
            if error.is_some() || !self.quiet {
                let _ = multi.println(line);
            }
            return;
        }
        match error {
            Some(_) => eprintln!("{line}"),
            None if !self.quiet => println!("{line}"),
            None => {}
        }
    }
}
