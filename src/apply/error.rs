//! Why one step of an apply failed: the operation that was under way and the handler's error.
//! The operation's name is what a [`ResourceFailure`](crate::engine::ResourceFailure) shows.

use crate::resources::ResourceError;
use std::fmt;

/// The operation of an apply step, as named in failure messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Evaluating the resource's properties with what exists now.
    Evaluate,
    /// Resolving `{{resolve:...}}` references.
    Resolve,
    /// Turning the desired properties into what is recorded (the handler's compare view).
    Prepare,
    /// Finding the type's handler.
    Plan,
    RecordPendingCreate,
    Create,
    /// Looking for what a killed run created but never recorded.
    Adopt,
    /// Bringing an adopted resource to the template.
    UpdateAdopted,
    Update,
    /// Deleting the old resource first, because the new one needs its name.
    DeleteForReplace,
    Delete,
    /// Recording the old copy of a replacement as deposed, before the new one is created.
    RecordDeposed,
    /// Deleting a deposed object (the old copy of a create-before-delete replacement).
    DeleteDeposed,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Evaluate => "evaluate",
            Operation::Resolve => "resolve",
            Operation::Prepare => "prepare",
            Operation::Plan => "plan",
            Operation::RecordPendingCreate => "record pending create",
            Operation::Create => "create",
            Operation::Adopt => "adopt",
            Operation::UpdateAdopted => "update (adopted)",
            Operation::Update => "update",
            Operation::DeleteForReplace => "delete (replace)",
            Operation::Delete => "delete",
            Operation::RecordDeposed => "record deposed",
            Operation::DeleteDeposed => "delete (deposed)",
        }
    }

    /// Names a handler error as this operation's failure (for `map_err`).
    pub fn failed(self) -> impl FnOnce(ResourceError) -> StepError {
        move |source| StepError::new(self, source)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed step of one resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{operation} failed: {source}")]
pub struct StepError {
    pub operation: Operation,
    #[source]
    pub source: ResourceError,
}

impl StepError {
    pub fn new(operation: Operation, source: ResourceError) -> StepError {
        StepError { operation, source }
    }
}

pub type StepResult<T> = Result<T, StepError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_operation_and_the_error() {
        let e = StepError::new(
            Operation::RecordPendingCreate,
            ResourceError::new("StateWriteFailed", "the bucket is gone"),
        );
        assert_eq!(
            e.to_string(),
            "record pending create failed: StateWriteFailed: the bucket is gone"
        );
        assert_eq!(Operation::DeleteForReplace.as_str(), "delete (replace)");
    }
}
