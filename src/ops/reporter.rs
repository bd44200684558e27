//! What a run tells its caller while it holds the locks: the CLI prints it; another caller may
//! ignore all of it but the confirmation.

use super::error::ConfirmError;
use crate::apply;
use crate::diagnostic::Diagnostic;
use crate::engine::ResourceFailure;
use crate::plan::{Action, Plan};
use crate::source::SourceMap;
use crate::state::{LockError, LockInfo};
use std::sync::Arc;
use std::time::Duration;

/// A run's progress. Apply progress comes through the [`apply::Reporter`] methods.
pub trait Reporter: apply::Reporter {
    /// A line of detail (`-v`): locks taken, endpoint, timings. `message` is called only if shown.
    fn detail(&self, message: &dyn Fn() -> String) {
        let _ = message;
    }

    /// Refresh: `done` of `total` live resources read (told as each read completes).
    fn refreshed(&self, done: usize, total: usize) {
        let _ = (done, total);
    }

    /// Another run holds a lock this run waits for (`--lock-timeout`), told every few seconds.
    fn waiting_for_lock(&self, holder: &LockInfo, waited: Duration) {
        let _ = (holder, waited);
    }

    /// The plan is made, before anything changes (and before [`Reporter::confirm`]).
    fn planned(&self, shown: &Shown<'_>) {
        let _ = shown;
    }

    /// Whether to carry out the plan just shown (apply and destroy without auto-approve).
    fn confirm(&self, question: &str) -> Result<bool, ConfirmError>;

    /// Ctrl-C. After [`Interrupt::First`] nothing new is scheduled and work in flight finishes
    /// and is recorded; the CLI exits the process at [`Interrupt::Again`].
    fn interrupted(&self, which: Interrupt) {
        let _ = which;
    }

    /// The locks could not be released at the end (the run's own result stands).
    fn lock_not_released(&self, error: &LockError) {
        let _ = error;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    First,
    Again,
}

/// A plan as shown before it is carried out.
pub struct Shown<'a> {
    pub plan: &'a Plan,
    /// The warnings found loading the templates, and the files they point into.
    pub sources: &'a SourceMap,
    pub warnings: &'a [Diagnostic],
    /// The monthly cost after the plan (a project environment's plan with changes only).
    pub cost: Option<CostDelta>,
}

/// The monthly cost after a plan, and its difference from the cost of what is recorded now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostDelta {
    pub after_usd: f64,
    pub delta_usd: f64,
}

/// Hands an ops reporter to the apply walk as its progress reporter.
pub(super) struct Progress(pub Arc<dyn Reporter>);

impl apply::Reporter for Progress {
    fn started(&self, stack: &str, logical_id: &str, resource_type: &str, action: Action) {
        self.0.started(stack, logical_id, resource_type, action);
    }

    fn finished(
        &self,
        stack: &str,
        logical_id: &str,
        action: Action,
        elapsed: Duration,
        error: Option<&ResourceFailure>,
    ) {
        self.0.finished(stack, logical_id, action, elapsed, error);
    }
}
