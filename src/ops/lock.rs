//! A run holds the locks of its stacks from before the plan to the end of the apply, and releases
//! them on every exit path: success, error, Ctrl-C while waiting for them, Ctrl-C during the run.

use super::error::OpError;
use super::reporter::{Interrupt, Reporter};
use crate::engine::Engine;
use crate::state::lock::{release_all, take_all};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What to lock: the stack keys, the operation recorded with the locks, how long to wait for a
/// lock another run holds.
pub(super) struct Locks<'a> {
    pub stacks: &'a [String],
    pub operation: &'static str,
    pub timeout: Duration,
}

/// Runs `work` holding `locks`. `work` gets the stop signal: it turns true at the first Ctrl-C
/// (nothing new should start; work in flight finishes and is recorded).
#[cfg(test)]
pub(super) async fn holding<T, F, Fut>(
    engine: &Engine,
    locks: Locks<'_>,
    reporter: &Arc<dyn Reporter>,
    work: F,
) -> Result<T, OpError>
where
    F: FnOnce(watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = Result<T, OpError>>,
{
    holding_with(engine, locks, reporter, async {}, |(), stop| work(stop)).await
}

/// [`holding`], with `opening` run while the locks are being taken (reads that need no lock,
/// so they share the locks' round trip); `work` gets its output. Whatever `opening` read
/// before the locks were held must be confirmed by `work`.
pub(super) async fn holding_with<O, T, F, Fut>(
    engine: &Engine,
    locks: Locks<'_>,
    reporter: &Arc<dyn Reporter>,
    opening: impl Future<Output = O>,
    work: F,
) -> Result<T, OpError>
where
    F: FnOnce(O, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = Result<T, OpError>>,
{
    let locker = &*engine.backend.locker;
    let run_id = uuid::Uuid::new_v4().to_string();
    let requests: Vec<_> = locks
        .stacks
        .iter()
        .map(|s| {
            let mut request = engine.backend.lock_request(&engine.env, s, locks.operation);
            // Our own id, so a wait reports only the locks of others.
            request.run_id = Some(run_id.clone());
            request
        })
        .collect();
    // `take_all` records each lock as it is taken, so an interrupted wait releases those.
    let mut held = Vec::new();
    let taking = told_while_waiting(
        take_all(locker, &requests, locks.timeout, &mut held),
        locker,
        &requests,
        &run_id,
        &**reporter,
    );
    let taken = tokio::select! {
        taken = async { tokio::join!(taking, opening) } => Some(taken),
        () = ctrl_c() => None,
    };
    let opened = match taken {
        Some((Ok(()), opened)) => opened,
        failed => {
            let _ = release_all(locker, &held).await;
            return Err(match failed {
                Some((Err(e), _)) => OpError::from(e),
                _ => OpError::InterruptedWaitingForLock,
            });
        }
    };
    reporter.detail(&|| {
        let ids: Vec<&str> = held.iter().map(|h| h.id.as_str()).collect();
        format!("locked {} stack(s): {}", held.len(), ids.join(", "))
    });
    let (stop, stopped) = watch::channel(false);
    let watcher = tokio::spawn(watch_interrupts(stop, reporter.clone()));
    let outcome = work(opened, stopped).await;
    watcher.abort();
    if let Err(e) = release_all(locker, &held).await {
        reporter.lock_not_released(&e);
    }
    outcome
}

/// Runs `taking`; while it waits, tells the reporter every few seconds who holds the locks
/// (those of other runs than `ours`).
async fn told_while_waiting<T>(
    taking: impl Future<Output = T>,
    locker: &dyn crate::state::Locker,
    requests: &[crate::state::LockRequest],
    ours: &str,
    reporter: &dyn Reporter,
) -> T {
    const EVERY: Duration = Duration::from_secs(3);
    let started = std::time::Instant::now();
    tokio::pin!(taking);
    loop {
        tokio::select! {
            taken = &mut taking => return taken,
            () = tokio::time::sleep(EVERY) => {
                for request in requests {
                    if let Ok(Some(holder)) = locker.current(&request.path).await {
                        if holder.id != ours {
                            reporter.waiting_for_lock(&holder, started.elapsed());
                        }
                    }
                }
            }
        }
    }
}

/// First Ctrl-C: stop scheduling; the second is the reporter's to act on (the CLI exits).
async fn watch_interrupts(stop: watch::Sender<bool>, reporter: Arc<dyn Reporter>) {
    ctrl_c().await;
    reporter.interrupted(Interrupt::First);
    let _ = stop.send(true);
    ctrl_c().await;
    reporter.interrupted(Interrupt::Again);
}

/// Completes on Ctrl-C; never, if the signal handler cannot be installed.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Backend, BackendNames};
    use crate::engine::ResourceFailure;
    use crate::ops::ConfirmError;
    use crate::plan::Action;
    use crate::resources::{Clients, Registry};
    use crate::state::Locker;
    use crate::state::memory::MemoryStateStore;
    use crate::state::memory_lock::MemoryLocker;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Details(Mutex<Vec<String>>);

    impl crate::apply::Reporter for Details {
        fn started(&self, _: &str, _: &str, _: &str, _: Action) {}
        fn finished(&self, _: &str, _: &str, _: Action, _: Duration, _: Option<&ResourceFailure>) {}
    }

    impl Reporter for Details {
        fn detail(&self, message: &dyn Fn() -> String) {
            self.0.lock().unwrap().push(message());
        }
        fn waiting_for_lock(&self, holder: &crate::state::LockInfo, _: Duration) {
            self.0
                .lock()
                .unwrap()
                .push(format!("waiting for {}", holder.id));
        }
        fn confirm(&self, _: &str) -> Result<bool, ConfirmError> {
            Ok(false)
        }
    }

    fn engine(locker: Arc<MemoryLocker>) -> Engine {
        let names = BackendNames {
            bucket: "state".into(),
            lock_table: "locks".into(),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        };
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        Engine {
            clients: Arc::new(Clients::new(sdk)),
            backend: Backend::new(names, Arc::new(MemoryStateStore::new()), locker),
            env: "dev".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            parallelism: 1,
            refresh_parallelism: 1,
            registry: Registry::builtin(),
        }
    }

    fn locks(stacks: &[String]) -> Locks<'_> {
        Locks {
            stacks,
            operation: "apply",
            timeout: Duration::ZERO,
        }
    }

    async fn held(engine: &Engine, stack: &str) -> Option<crate::state::LockInfo> {
        let path = engine.backend.lock_request("dev", stack, "apply").path;
        engine.backend.locker.current(&path).await.unwrap()
    }

    #[tokio::test]
    async fn the_locks_are_held_during_the_work_and_released_when_it_fails() {
        let engine = engine(Arc::new(MemoryLocker::new()));
        let details = Arc::new(Details::default());
        let reporter: Arc<dyn Reporter> = details.clone();
        let stacks = ["iam".to_string(), "web".to_string()];
        let result: Result<(), OpError> = holding(&engine, locks(&stacks), &reporter, |_| async {
            assert!(held(&engine, "iam").await.is_some());
            assert!(held(&engine, "web").await.is_some());
            Err(OpError::Cancelled)
        })
        .await;
        assert!(matches!(result, Err(OpError::Cancelled)));
        assert!(held(&engine, "iam").await.is_none());
        assert!(held(&engine, "web").await.is_none());
        let details = details.0.lock().unwrap();
        assert!(details[0].starts_with("locked 2 stack(s): "), "{details:?}");
    }

    #[tokio::test]
    async fn a_lock_another_run_holds_refuses_the_run_and_stays_held() {
        let locker = Arc::new(MemoryLocker::new());
        let engine = engine(locker.clone());
        let theirs = locker
            .try_lock(&engine.backend.lock_request("dev", "web", "plan"))
            .await
            .unwrap();
        let reporter: Arc<dyn Reporter> = Arc::new(Details::default());
        let stacks = ["iam".to_string(), "web".to_string()];
        let mut ran = false;
        let result = holding(&engine, locks(&stacks), &reporter, |_| async {
            ran = true;
            Ok(())
        })
        .await;
        let e = result.expect_err("web is locked");
        assert!(e.is_locked(), "{e}");
        assert!(
            e.to_string()
                .contains("fuelflow force-unlock --env dev --stack web")
        );
        assert!(!ran);
        assert!(held(&engine, "iam").await.is_none(), "ours is given back");
        assert_eq!(held(&engine, "web").await.map(|h| h.id), Some(theirs.id));
    }

    #[tokio::test]
    async fn a_wait_for_a_lock_says_who_holds_it_and_never_names_our_own() {
        let locker = Arc::new(MemoryLocker::new());
        let engine = engine(locker.clone());
        let theirs = locker
            .try_lock(&engine.backend.lock_request("dev", "web", "plan"))
            .await
            .unwrap();
        let release = {
            let (locker, theirs) = (locker.clone(), theirs.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(3500)).await;
                locker.unlock(&theirs.path, &theirs.id).await.unwrap();
            })
        };
        let details = Arc::new(Details::default());
        let reporter: Arc<dyn Reporter> = details.clone();
        let stacks = ["iam".to_string(), "web".to_string()];
        let waiting = Locks {
            stacks: &stacks,
            operation: "apply",
            timeout: Duration::from_secs(20),
        };
        holding(&engine, waiting, &reporter, |_| async { Ok(()) })
            .await
            .unwrap();
        release.await.unwrap();
        let details = details.0.lock().unwrap();
        let waits: Vec<&String> = details
            .iter()
            .filter(|d| d.starts_with("waiting"))
            .collect();
        assert_eq!(
            waits,
            [&format!("waiting for {}", theirs.id)],
            "{details:?}"
        );
    }
}
