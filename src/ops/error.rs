//! Why a plan, apply or destroy did not complete. Every message names what to do next.

use super::report::ApplyReport;
use crate::engine::ResourceFailure;
use crate::plan::error::with_causes;
use crate::plan::run::PlanError;
use crate::state::lock::LockError;
use crate::state::recorded::RecordedError;
use crate::workspace::Failure;
use std::fmt;
use std::path::PathBuf;

/// Each message is complete (it names its cause, the stack and what to do): print `to_string()`.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Taking the locks failed; [`OpError::is_locked`] when another run holds one.
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("interrupted while waiting for the lock; nothing was changed")]
    InterruptedWaitingForLock,
    /// Looking up the account id (STS `GetCallerIdentity`) failed.
    #[error("looking up the account: {0}")]
    Account(crate::aws::AwsError),
    /// The project or the templates have errors (printed with their source lines).
    #[error(transparent)]
    Template(#[from] TemplateErrors),
    /// Reading or listing the recorded states failed.
    #[error("{}", with_causes(.0))]
    State(Box<RecordedError>),
    /// Reading the live resources (or looking up data sources) failed.
    #[error("refreshing the live resources failed:\n{}", lines(.0))]
    Refresh(Vec<ResourceFailure>),
    #[error("reading the plan {}: {error}", path.display())]
    ReadPlan {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is not a fuelflow plan: {error}", path.display())]
    NotAPlan {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("writing the plan to {}: {error}", path.display())]
    WritePlan {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    StalePlan(#[from] Stale),
    #[error(
        "cannot destroy stack {exporter}: its export `{export}` is imported by {importer}.{logical_id}; destroy that stack first"
    )]
    ExportInUse {
        exporter: String,
        export: String,
        /// The stack key and resource that import it.
        importer: String,
        logical_id: String,
    },
    #[error(transparent)]
    Confirm(#[from] ConfirmError),
    #[error("apply cancelled; nothing was changed")]
    Cancelled,
    /// The plan was refused (a protected resource, an id naming nothing); said in full.
    #[error("{0}")]
    Refused(String),
    /// Some changes failed, were skipped, or were interrupted; what was done is recorded.
    #[error("{}", incomplete(.0))]
    Incomplete(Box<ApplyReport>),
}

impl OpError {
    /// Whether another run holds a lock (the CLI's exit code 3).
    pub fn is_locked(&self) -> bool {
        matches!(self, OpError::Lock(e) if e.is_locked())
    }
}

impl From<PlanError> for OpError {
    fn from(e: PlanError) -> OpError {
        match e {
            PlanError::Load(failure) => OpError::Template(TemplateErrors(failure)),
            PlanError::State(e) => OpError::State(Box::new(e)),
            PlanError::Resources(failures) => OpError::Refresh(failures),
            refused @ PlanError::Refused(_) => OpError::Refused(refused.to_string()),
        }
    }
}

/// Why a saved plan is not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    #[error(
        "stale plan: the state of stack {stack} changed since the plan was saved (serial {then} then, {now} now); run plan again"
    )]
    StateMoved { stack: String, then: u64, now: u64 },
    #[error(
        "stale plan: the templates or the live resources changed since the plan was saved; run plan again"
    )]
    ChangesDiffer,
}

/// Why the go-ahead could not be asked for.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error(
        "no terminal to ask for confirmation on: pass --auto-approve to proceed non-interactively"
    )]
    NoTerminal,
    #[error("reading the answer: {0}")]
    Read(std::io::Error),
}

/// Every problem found loading the project and templates, with the files they point into.
pub struct TemplateErrors(pub Failure);

impl TemplateErrors {
    fn errors(&self) -> usize {
        self.0.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

impl fmt::Display for TemplateErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors();
        write!(f, "{n} error{} found", if n == 1 { "" } else { "s" })?;
        for d in self.0.diagnostics.iter().filter(|d| d.is_error()) {
            write!(f, "\n  {}", d.one_line(&self.0.sources))?;
        }
        Ok(())
    }
}

impl fmt::Debug for TemplateErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TemplateErrors")
            .field(&self.0.diagnostics)
            .finish()
    }
}

impl std::error::Error for TemplateErrors {}

fn lines(failures: &[ResourceFailure]) -> String {
    let lines: Vec<String> = failures.iter().map(|f| format!("  {f}")).collect();
    lines.join("\n")
}

fn incomplete(report: &ApplyReport) -> String {
    let mut lines = Vec::new();
    for f in &report.failures {
        lines.push(format!("  {f}"));
    }
    for s in &report.skipped {
        lines.push(format!(
            "  {} was not attempted because {} failed",
            s.resource, s.because
        ));
    }
    if report.interrupted {
        lines.push("  interrupted: the operations in flight finished and were recorded; run apply again to continue".into());
    }
    if let Some(e) = &report.state_error {
        lines.push(format!("  the state could not be saved: {e}; what was created is recorded as pending and is adopted by the next run"));
    }
    format!(
        "apply did not complete ({} applied):\n{}",
        report.applied,
        lines.join("\n")
    )
}
