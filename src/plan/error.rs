//! Why a plan could not be made. Each variant's text says what this layer was doing; the cause
//! is its [`source`](std::error::Error::source) (print the chain with [`with_causes`]).

use crate::engine::ResourceFailure;
use crate::state::recorded::RecordedError;
use crate::workspace::Failure;
use std::fmt;

#[derive(thiserror::Error)]
pub enum PlanError {
    /// The templates or the project have problems (printed with their source lines).
    #[error("the templates have {} problem(s)", .0.diagnostics.len())]
    Load(Failure),
    /// A recorded state could not be read.
    #[error(transparent)]
    State(#[from] RecordedError),
    /// Resources that could not be read, looked up or diffed, each named by stack, logical id,
    /// operation and AWS error.
    #[error("{} resource(s) could not be planned", .0.len())]
    Resources(Vec<ResourceFailure>),
    /// The plan is refused as asked: `--replace`/`--exclude`/`--target` naming no resource, or
    /// a protected resource it would delete or replace. Each line names stack and logical id.
    #[error("{}", refused(.0))]
    Refused(Vec<String>),
}

fn refused(problems: &[String]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    format!(
        "the plan is refused; nothing was changed:\n{}",
        lines.join("\n")
    )
}

impl From<Failure> for PlanError {
    fn from(f: Failure) -> PlanError {
        PlanError::Load(f)
    }
}

// By hand: a load failure's source map is no use in a debug print, its diagnostics are.
impl fmt::Debug for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Load(failure) => f.debug_tuple("Load").field(&failure.diagnostics).finish(),
            PlanError::State(e) => f.debug_tuple("State").field(e).finish(),
            PlanError::Resources(failures) => f.debug_tuple("Resources").field(failures).finish(),
            PlanError::Refused(problems) => f.debug_tuple("Refused").field(problems).finish(),
        }
    }
}

/// An error followed by its sources, `: `-separated (what a user reads).
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StoreError;
    use crate::state::store::StateKey;

    #[test]
    fn a_state_error_says_its_own_layer_and_chains_the_store_error() {
        let e = PlanError::from(RecordedError::Read {
            stack: "web".into(),
            env: "dev".into(),
            source: StoreError::Corrupt {
                key: StateKey::new("dev", "web"),
                location: "memory".into(),
                reason: "not json".into(),
            },
        });
        assert_eq!(e.to_string(), "reading the state of stack web in dev");
        assert_eq!(
            with_causes(&e),
            "reading the state of stack web in dev: state dev/web (memory) is corrupt: not json"
        );
    }

    #[test]
    fn resource_failures_are_counted_not_repeated() {
        let failure = ResourceFailure::internal("a refresh task failed".into());
        let e = PlanError::Resources(vec![failure.clone(), failure]);
        assert_eq!(e.to_string(), "2 resource(s) could not be planned");
        assert!(std::error::Error::source(&e).is_none());
    }
}
