//! What plan and apply share for one run: the SDK clients, the backend, the environment and the
//! account, and how a failed resource operation is named.

use crate::backend::Backend;
use crate::resources::{Clients, Ctx, Registry, ResourceError};
use std::fmt;
use std::sync::Arc;

/// Parallelism when `--parallelism` is not given (see BENCHMARKS.md for how it was chosen).
pub const DEFAULT_PARALLELISM: usize = 16;

/// How many reads refresh makes at once when `--refresh-parallelism` is not given: reads are
/// cheap and AWS allows many more of them than writes, so a no-op plan of a few hundred resources
/// is one wave (throttling halves it, see `plan::refresh`).
pub const DEFAULT_REFRESH_PARALLELISM: usize = 64;

pub struct Engine {
    pub clients: Arc<Clients>,
    pub backend: Backend,
    pub env: String,
    pub region: String,
    /// Empty when not known yet: [`crate::ops`] looks it up alongside the locks.
    pub account_id: String,
    pub parallelism: usize,
    /// How many reads refresh makes at once.
    pub refresh_parallelism: usize,
    /// The handler of each type (the real ones, or fakes in tests).
    pub registry: Registry,
}

impl Engine {
    /// The handler context for one resource.
    pub fn ctx(&self, stack_name: &str, logical_id: &str) -> Ctx {
        Ctx {
            clients: self.clients.clone(),
            stack: stack_name.to_string(),
            logical_id: logical_id.to_string(),
            region: self.region.clone(),
            account_id: self.account_id.clone(),
        }
    }
}

/// A resource operation that failed, named by stack, logical id, type and AWS error code.
/// Serialized as in the `apply --json` report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResourceFailure {
    pub stack: String,
    pub logical_id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub operation: String,
    pub code: String,
    pub message: String,
}

impl ResourceFailure {
    pub fn new(
        stack: &str,
        logical_id: &str,
        resource_type: &str,
        operation: &str,
        e: ResourceError,
    ) -> ResourceFailure {
        ResourceFailure {
            stack: stack.to_string(),
            logical_id: logical_id.to_string(),
            resource_type: resource_type.to_string(),
            operation: operation.to_string(),
            code: e.code,
            message: e.message,
        }
    }

    /// A failure of fuelflow itself (a task that panicked), not of a resource.
    pub fn internal(message: String) -> ResourceFailure {
        ResourceFailure {
            stack: String::new(),
            logical_id: String::new(),
            resource_type: String::new(),
            operation: "internal".into(),
            code: "InternalError".into(),
            message,
        }
    }
}

impl fmt::Display for ResourceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.stack.is_empty() {
            return write!(f, "{}: {}", self.code, self.message);
        }
        write!(
            f,
            "stack {}, resource {} ({}): {} failed: {}: {}",
            self.stack,
            self.logical_id,
            self.resource_type,
            self.operation,
            self.code,
            self.message
        )
    }
}
