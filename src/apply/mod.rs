//! Carrying out a plan: creates and updates in dependency order, then deletes in reverse order,
//! concurrently, with every step checkpointed by a single state writer.
//!
//! - [`walk`]: the dependency walk itself (knows nothing of AWS); `execute`: the two walks of
//!   an apply and its [`Report`].
//! - `steps`: create, update, replace and adoption of one resource; `delete`: its deletes.
//! - `record`: what is recorded (resources, exports, outputs); [`checkpoint`]: the state writer.
//! - [`refresh_only`]: a `--refresh-only` plan, written into the states (no AWS call).
//! - [`error`]: the failed [`error::Operation`] of a step, as a [`ResourceFailure`] names it.

pub mod checkpoint;
mod delete;
mod deposed;
pub mod error;
mod execute;
pub mod idempotent;
mod names;
mod record;
pub mod refresh_only;
pub mod schedule;
mod steps;
#[cfg(test)]
mod tests;
pub mod walk;

use crate::engine::{Engine, ResourceFailure};
use crate::plan::Action;
use crate::plan::run::Planned;
use std::sync::Arc;
use std::time::Duration;

/// Progress of an apply, for the CLI to show.
pub trait Reporter: Send + Sync {
    fn started(&self, stack: &str, logical_id: &str, resource_type: &str, action: Action);
    fn finished(
        &self,
        stack: &str,
        logical_id: &str,
        action: Action,
        elapsed: Duration,
        error: Option<&ResourceFailure>,
    );
}

/// A reporter that says nothing (library use, tests).
pub struct Silent;

impl Reporter for Silent {
    fn started(&self, _: &str, _: &str, _: &str, _: Action) {}
    fn finished(&self, _: &str, _: &str, _: Action, _: Duration, _: Option<&ResourceFailure>) {}
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Checkpoint as resources finish (off only to measure what checkpoints cost).
    pub checkpoints: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { checkpoints: true }
    }
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct Report {
    pub applied: usize,
    pub failures: Vec<ResourceFailure>,
    /// `stack.LogicalId` not attempted, with the failure that stopped it.
    pub skipped: Vec<(String, String)>,
    pub interrupted: bool,
    /// The state could not be saved (the backend was unreachable).
    pub state_error: Option<String>,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
            && self.skipped.is_empty()
            && !self.interrupted
            && self.state_error.is_none()
    }
}

/// Applies `planned`. `stop` turning true (first Ctrl-C) stops scheduling new work; work in
/// flight finishes and is recorded.
pub async fn apply(
    engine: Arc<Engine>,
    planned: Planned,
    reporter: Arc<dyn Reporter>,
    stop: tokio::sync::watch::Receiver<bool>,
    options: Options,
) -> Report {
    execute::run(engine, planned, reporter, stop, options).await
}
