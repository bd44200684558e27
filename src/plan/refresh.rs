//! Refresh: read every managed resource from AWS, concurrently, reading only what the template
//! manages.

use crate::engine::{Engine, ResourceFailure};
use crate::resources::ResourceError;
use crate::resources::{Live, Props};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// A resource to read.
#[derive(Debug, Clone)]
pub struct Target {
    pub stack_name: String,
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    /// The properties the template manages (known values only), or the recorded ones.
    pub desired: Props,
}

pub type Refreshed = HashMap<(String, String), Option<Live>>;

/// Told `(read, of)` as each read completes.
pub type Progress = tokio::sync::mpsc::UnboundedSender<(usize, usize)>;

tokio::task_local! {
    /// Set by the caller of the whole plan (`ops`) to hear of the refresh's progress, so the
    /// plan's own signatures need not carry a reporter.
    pub static PROGRESS: Progress;
}

/// Reads all targets, at most `engine.refresh_parallelism` at a time (reads apart from writes:
/// `--parallelism` limits changes). Every failure is returned.
pub async fn refresh(
    engine: &Engine,
    targets: Vec<Target>,
) -> Result<Refreshed, Vec<ResourceFailure>> {
    let limit = Arc::new(Limit::new(engine.refresh_parallelism));
    let mut tasks = JoinSet::new();
    for target in targets {
        let Some(handler) = engine.registry.get(&target.resource_type) else {
            continue;
        };
        let ctx = engine.ctx(&target.stack_name, &target.logical_id);
        let limit = limit.clone();
        tasks.spawn(async move {
            let result = limit
                .run(|| handler.read(&ctx, &target.physical_id, &target.desired))
                .await;
            (target, result)
        });
    }
    let mut refreshed = HashMap::new();
    let mut failures = Vec::new();
    let (total, progress) = (tasks.len(), PROGRESS.try_with(Clone::clone).ok());
    while let Some(joined) = tasks.join_next().await {
        if let Some(told) = &progress {
            let _ = told.send((total - tasks.len(), total));
        }
        match joined {
            Ok((t, Ok(live))) => {
                refreshed.insert((t.stack_name, t.logical_id), live);
            }
            Ok((t, Err(e))) => failures.push(ResourceFailure::new(
                &t.stack_name,
                &t.logical_id,
                &t.resource_type,
                "read",
                e,
            )),
            Err(e) => failures.push(ResourceFailure::internal(format!(
                "a refresh task failed: {e}"
            ))),
        }
    }
    if failures.is_empty() {
        Ok(refreshed)
    } else {
        Err(failures)
    }
}

/// What refresh reads: every recorded resource of the stacks of `workspace`, with the properties
/// the template manages (the recorded ones when it no longer has them, or for `destroy`).
pub fn targets_of(
    workspace: &crate::workspace::Workspace,
    states: &std::collections::BTreeMap<String, crate::state::recorded::Recorded>,
    destroy: bool,
) -> Vec<Target> {
    let mut targets = Vec::new();
    for stack in &workspace.stacks {
        let recorded = &states[&stack.id.key].doc;
        for (logical_id, r) in &recorded.resources {
            let desired = match stack.resources.get(logical_id) {
                Some(evaluated) if !destroy => super::desired::known_props(&evaluated.properties),
                _ => r.properties.as_object().cloned().unwrap_or_default(),
            };
            targets.push(Target {
                stack_name: stack.id.name.clone(),
                logical_id: logical_id.clone(),
                resource_type: r.resource_type.clone(),
                physical_id: r.physical_id.clone(),
                desired,
            });
        }
    }
    targets
}

/// The targets of `after` that `before` did not read as they are now (new ones, or ones whose
/// managed properties changed once the data sources were known): what to read again.
pub fn changed_targets(before: &[Target], after: Vec<Target>) -> Vec<Target> {
    let read: HashMap<(&str, &str), &Target> = before
        .iter()
        .map(|t| ((t.stack_name.as_str(), t.logical_id.as_str()), t))
        .collect();
    after
        .into_iter()
        .filter(|t| {
            read.get(&(t.stack_name.as_str(), t.logical_id.as_str()))
                .is_none_or(|old| {
                    old.resource_type != t.resource_type
                        || old.physical_id != t.physical_id
                        || old.desired != t.desired
                })
        })
        .collect()
}

/// The refresh's concurrency, adapted to throttling: a throttled read halves how many run at once
/// (never below one) and is tried again after a pause, up to [`Limit::TRIES`] times.
struct Limit {
    permits: Arc<Semaphore>,
    /// Permits in use by the limit (it shrinks by forgetting permits).
    size: AtomicUsize,
}

impl Limit {
    const TRIES: u32 = 6;

    fn new(size: usize) -> Limit {
        let size = size.max(1);
        Limit {
            permits: Arc::new(Semaphore::new(size)),
            size: AtomicUsize::new(size),
        }
    }

    async fn run<T, F, Fut>(&self, read: F) -> Result<T, ResourceError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ResourceError>>,
    {
        let mut pause = Duration::from_millis(100);
        let mut tries = 1;
        loop {
            let result = {
                let _permit = self.permits.acquire().await.expect("never closed");
                read().await
            };
            match result {
                Err(e) if is_throttling(&e) && tries < Self::TRIES => {
                    self.halve();
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// Halves the limit (at least one stays).
    fn halve(&self) {
        let size = self.size.load(Ordering::SeqCst);
        let drop = size / 2;
        if drop > 0
            && self
                .size
                .compare_exchange(size, size - drop, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            // Permits in use are forgotten as they come back.
            let permits = self.permits.clone();
            tokio::spawn(async move {
                if let Ok(p) = permits.acquire_many_owned(drop as u32).await {
                    p.forget();
                }
            });
        }
    }
}

fn is_throttling(e: &ResourceError) -> bool {
    e.retryable
        && matches!(
            e.code.as_str(),
            "Throttling"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "SlowDown"
                | "ProvisionedThroughputExceededException"
        )
}

#[cfg(test)]
mod limit_tests {
    use super::*;
    use std::sync::Mutex;

    fn throttled() -> ResourceError {
        ResourceError::new("ThrottlingException", "Rate exceeded").retryable()
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_read_is_tried_again_and_the_limit_halves() {
        let limit = Limit::new(64);
        let calls = Mutex::new(0);
        let result = limit
            .run(|| {
                let n = {
                    let mut c = calls.lock().unwrap();
                    *c += 1;
                    *c
                };
                async move { if n < 3 { Err(throttled()) } else { Ok(n) } }
            })
            .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(limit.size.load(Ordering::SeqCst), 16, "64 -> 32 -> 16");
    }

    #[tokio::test(start_paused = true)]
    async fn it_gives_up_after_its_tries_and_other_errors_are_not_retried() {
        let limit = Limit::new(1);
        let calls = Mutex::new(0u32);
        let result: Result<(), _> = limit
            .run(|| {
                *calls.lock().unwrap() += 1;
                async { Err(throttled()) }
            })
            .await;
        assert_eq!(result.unwrap_err().code, "ThrottlingException");
        assert_eq!(*calls.lock().unwrap(), Limit::TRIES);
        assert_eq!(limit.size.load(Ordering::SeqCst), 1, "never below one");
        *calls.lock().unwrap() = 0;
        let result: Result<(), _> = limit
            .run(|| {
                *calls.lock().unwrap() += 1;
                async { Err(ResourceError::new("AccessDenied", "no")) }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(*calls.lock().unwrap(), 1);
    }
}
