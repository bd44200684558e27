//! The lock contract: one run at a time per state. Taking is a single conditional create
//! ([`Locker::try_lock`]); waiting (`--lock-timeout`), taking several in a fixed order and
//! releasing on every exit path are built here once for every implementation.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::BoxFuture;
use super::store::StateKey;
use super::timestamp::{Timestamp, human_duration};
use crate::aws::AwsError;

/// The record kept with a lock (the `Info` JSON of the DynamoDB item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    /// `user@host` of the run that holds it.
    #[serde(rename = "Who")]
    pub who: String,
    /// The fuelflow version of that run.
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Created")]
    pub created: Timestamp,
    #[serde(rename = "Path")]
    pub path: String,
}

impl LockInfo {
    /// A fresh record for `request`, made by this process: with the run's id when the request
    /// carries one (every stack of a run then shares it), else a new one.
    pub fn new(request: &LockRequest) -> Self {
        LockInfo {
            id: request
                .run_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            operation: request.operation.clone(),
            who: who(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            created: Timestamp::now(),
            path: request.path.clone(),
        }
    }
}

/// What to lock: the lock `path` (`<bucket>/<state object key>`), the operation taking it, and
/// the state it protects (to name it, and the force-unlock command, in messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    pub path: String,
    pub operation: String,
    pub key: StateKey,
    /// The lock id to record; [`take_all`] gives every lock of one run the same one, so
    /// `force-unlock --all-stacks <id>` can clear exactly that run's locks. `None`: a fresh id.
    pub run_id: Option<String>,
}

impl LockRequest {
    pub fn new(path: impl Into<String>, operation: impl Into<String>, key: StateKey) -> Self {
        LockRequest {
            path: path.into(),
            operation: operation.into(),
            key,
            run_id: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the state of stack {stack} in {env} is locked by {who} (operation: {operation}) since {created}, {age} ago; lock id {id}\n\
         If that run is gone (killed, crashed), remove the lock with:\n  fuelflow force-unlock --env {env} --stack {stack} {id}",
        env = key.env, stack = key.stack, who = holder.who, operation = holder.operation,
        created = holder.created, age = human_duration(holder.created.age()), id = holder.id
    )]
    Locked {
        holder: Box<LockInfo>,
        key: StateKey,
    },
    #[error("{}", not_holder_message(path, id, holder.as_deref()))]
    NotHolder {
        path: String,
        id: String,
        holder: Option<Box<LockInfo>>,
    },
    #[error("the lock record at {path} is unreadable: {reason}")]
    Corrupt { path: String, reason: String },
    #[error("lock backend: {0}")]
    Backend(#[from] AwsError),
}

impl LockError {
    /// Whether this is "someone else holds it" (exit code 3).
    pub fn is_locked(&self) -> bool {
        matches!(self, LockError::Locked { .. })
    }
}

fn not_holder_message(path: &str, id: &str, holder: Option<&LockInfo>) -> String {
    match holder {
        None => format!("lock {id} is not held on {path}: no lock is held there"),
        Some(h) => format!(
            "lock {id} is not held on {path}: it is held by lock id {} ({}, operation: {}, since {}); nothing was removed",
            h.id, h.who, h.operation, h.created
        ),
    }
}

/// A lock service. Implementations make `try_lock` a single atomic create-if-absent.
pub trait Locker: Send + Sync {
    /// Takes the lock now or fails with [`LockError::Locked`] naming the holder.
    fn try_lock<'a>(
        &'a self,
        request: &'a LockRequest,
    ) -> BoxFuture<'a, Result<LockInfo, LockError>>;

    /// Removes the lock at `path` only if its id is `id`; else [`LockError::NotHolder`].
    fn unlock<'a>(&'a self, path: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), LockError>>;

    /// The lock held at `path`, if any.
    fn current<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>>;

    /// Removes a lock left by a killed run, given its id (as shown in the locked message); refuses
    /// when another lock is held there. Returns the removed record when it was readable.
    fn force_unlock<'a>(
        &'a self,
        path: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>> {
        Box::pin(async move {
            let holder = match self.current(path).await {
                Ok(None) => {
                    return Err(LockError::NotHolder {
                        path: path.into(),
                        id: id.into(),
                        holder: None,
                    });
                }
                Ok(Some(h)) if h.id != id => {
                    return Err(LockError::NotHolder {
                        path: path.into(),
                        id: id.into(),
                        holder: Some(Box::new(h)),
                    });
                }
                Ok(Some(h)) => Some(h),
                // An unreadable record can still be removed: the delete is conditioned on the id.
                Err(LockError::Corrupt { .. }) => None,
                Err(e) => return Err(e),
            };
            self.unlock(path, id).await?;
            Ok(holder)
        })
    }
}

const FIRST_DELAY: Duration = Duration::from_millis(100);
/// How long the ordered walk waits for a lock after an all-at-once attempt was refused.
const CONTENDED_GRACE: Duration = Duration::from_secs(2);
const MAX_DELAY: Duration = Duration::from_secs(2);

/// Takes the lock, retrying while it is held for up to `timeout` (zero: one attempt) with
/// exponential backoff capped at 2 s and jitter, so waiting runs do not retry in step.
pub async fn acquire(
    locker: &dyn Locker,
    request: &LockRequest,
    timeout: Duration,
) -> Result<LockInfo, LockError> {
    let deadline = Instant::now() + timeout;
    let mut delay = FIRST_DELAY;
    loop {
        match locker.try_lock(request).await {
            Err(LockError::Locked { .. }) if Instant::now() < deadline => {
                let remaining = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep(jittered(delay).min(remaining)).await;
                delay = (delay * 2).min(MAX_DELAY);
            }
            other => return other,
        }
    }
}

/// Takes every lock in `requests` in sorted path order, so two runs over overlapping stacks
/// can never each hold one the other waits for. On failure, releases what it took.
pub async fn lock_all(
    locker: &dyn Locker,
    requests: &[LockRequest],
    timeout: Duration,
) -> Result<Vec<LockInfo>, LockError> {
    let mut held = Vec::new();
    match take_all(locker, requests, timeout, &mut held).await {
        Ok(()) => Ok(held),
        Err(e) => {
            // Best effort: the error that matters is why we could not take them all.
            let _ = release_all(locker, &held).await;
            Err(e)
        }
    }
}

/// Records each lock in `held` as soon as it is taken, so a caller that abandons this future
/// (Ctrl-C) still knows what to release.
pub async fn take_all(
    locker: &dyn Locker,
    requests: &[LockRequest],
    timeout: Duration,
    held: &mut Vec<LockInfo>,
) -> Result<(), LockError> {
    // One id for the whole run (unless the caller chose one).
    let run_id = requests
        .iter()
        .find_map(|r| r.run_id.clone())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut ordered: Vec<LockRequest> = requests
        .iter()
        .map(|r| LockRequest {
            run_id: Some(run_id.clone()),
            ..r.clone()
        })
        .collect();
    ordered.sort_by(|a, b| a.path.cmp(&b.path));
    ordered.dedup_by(|a, b| a.path == b.path);
    let ordered: Vec<&LockRequest> = ordered.iter().collect();
    let mut timeout = timeout;
    if ordered.len() > 1 {
        if try_all_at_once(locker, &ordered, held).await? {
            return Ok(());
        }
        // A refusal may come from another run's own all-at-once attempt, held only until that
        // run gives its locks back: wait at least that long, so racing runs do not all give up.
        timeout = timeout.max(CONTENDED_GRACE);
    }
    for request in ordered {
        held.push(acquire(locker, request, timeout).await?);
    }
    Ok(())
}

/// The usual case, nothing held, in one round trip: every lock is tried at once. When any is
/// refused, what was taken is given back (so this run never waits while holding a lock taken
/// out of order) and `false` sends the caller to the ordered walk. Other errors are returned with
/// `held` left for the caller to release.
async fn try_all_at_once(
    locker: &dyn Locker,
    ordered: &[&LockRequest],
    held: &mut Vec<LockInfo>,
) -> Result<bool, LockError> {
    let attempts = ordered.iter().map(|request| locker.try_lock(request));
    let mut refused = false;
    let mut failure = None;
    for attempt in futures_util::future::join_all(attempts).await {
        match attempt {
            Ok(lock) => held.push(lock),
            Err(LockError::Locked { .. }) => refused = true,
            Err(error) => failure = failure.or(Some(error)),
        }
    }
    if let Some(error) = failure {
        return Err(error);
    }
    if refused {
        release_all(locker, held).await?;
        held.clear();
    }
    Ok(!refused)
}

/// Releases every lock in `held` at once (one round trip however many), trying all of them;
/// returns the first failure in `held`'s order.
pub async fn release_all(locker: &dyn Locker, held: &[LockInfo]) -> Result<(), LockError> {
    let unlocks = held.iter().map(|lock| locker.unlock(&lock.path, &lock.id));
    futures_util::future::join_all(unlocks)
        .await
        .into_iter()
        .find_map(Result::err)
        .map_or(Ok(()), Err)
}

/// Why a [`with_locks`] run did not return its value.
#[derive(Debug, thiserror::Error)]
pub enum WithLockError<E> {
    /// Taking the locks failed (e.g. held by another run), or releasing them after success.
    #[error(transparent)]
    Lock(LockError),
    #[error("interrupted (Ctrl-C){}", release_note(.unreleased))]
    Interrupted { unreleased: Option<LockError> },
    #[error("{error}{}", release_note(.unreleased))]
    Work {
        error: E,
        unreleased: Option<LockError>,
    },
}

fn release_note(unreleased: &Option<LockError>) -> String {
    match unreleased {
        None => String::new(),
        Some(e) => format!("; releasing the state lock also failed: {e}"),
    }
}

/// Runs `work` holding the locks of `requests`, and releases them however it ends: success,
/// error, or Ctrl-C (which abandons `work` mid-way and returns [`WithLockError::Interrupted`]).
/// A panic in `work` is not caught; the lock is then left for `force-unlock`.
pub async fn with_locks<T, E, F, Fut>(
    locker: &dyn Locker,
    requests: &[LockRequest],
    timeout: Duration,
    work: F,
) -> Result<T, WithLockError<E>>
where
    F: FnOnce(Vec<LockInfo>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut held = Vec::new();
    let taken = tokio::select! {
        taken = take_all(locker, requests, timeout, &mut held) => Some(taken),
        () = interrupted() => None,
    };
    let outcome = match taken {
        Some(Ok(())) => tokio::select! {
            result = work(held.clone()) => Some(result),
            () = interrupted() => None,
        },
        Some(Err(e)) => {
            let _ = release_all(locker, &held).await;
            return Err(WithLockError::Lock(e));
        }
        None => None,
    };
    let released = release_all(locker, &held).await;
    match (outcome, released) {
        (Some(Ok(value)), Ok(())) => Ok(value),
        (Some(Ok(_)), Err(e)) => Err(WithLockError::Lock(e)),
        (Some(Err(error)), released) => Err(WithLockError::Work {
            error,
            unreleased: released.err(),
        }),
        (None, released) => Err(WithLockError::Interrupted {
            unreleased: released.err(),
        }),
    }
}

/// [`with_locks`] for a single state.
pub async fn with_lock<T, E, F, Fut>(
    locker: &dyn Locker,
    request: &LockRequest,
    timeout: Duration,
    work: F,
) -> Result<T, WithLockError<E>>
where
    F: FnOnce(LockInfo) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    with_locks(
        locker,
        std::slice::from_ref(request),
        timeout,
        |mut held| work(held.pop().expect("one request, one lock")),
    )
    .await
}

/// Completes on Ctrl-C; never, if the signal handler cannot be installed.
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `delay` scaled into [delay/2, delay], randomly.
fn jittered(delay: Duration) -> Duration {
    use std::hash::{BuildHasher, RandomState};
    // RandomState is seeded randomly per instance: enough randomness to spread retries.
    let random = RandomState::new().hash_one(Instant::now());
    let half = delay / 2;
    half + Duration::from_nanos(random % (half.as_nanos() as u64 + 1))
}

/// `user@host` for lock records: `$USER` (or `$LOGNAME`) and the kernel's hostname.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder() -> LockInfo {
        LockInfo {
            id: "0f1e2d3c-aaaa-4bbb-8ccc-123456789abc".into(),
            operation: "apply".into(),
            who: "alice@build1".into(),
            version: "0.1.0".into(),
            created: Timestamp::parse("2026-11-25T18:00:00Z").unwrap(),
            path: "bucket/fuelflow/dev/iam.json".into(),
        }
    }

    #[test]
    fn info_json_uses_the_design_field_names() {
        let json = serde_json::to_value(holder()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["ID", "Operation", "Who", "Version", "Created", "Path"]
        );
        assert_eq!(json["Created"], "2026-11-25T18:00:00Z");
    }

    #[test]
    fn locked_message_tells_who_what_since_and_how_to_unlock() {
        let err = LockError::Locked {
            holder: Box::new(holder()),
            key: StateKey::new("dev", "iam"),
        };
        let text = err.to_string();
        for part in [
            "alice@build1",
            "operation: apply",
            "since 2026-11-25T18:00:00Z",
            " ago",
            "lock id 0f1e2d3c-aaaa-4bbb-8ccc-123456789abc",
            "fuelflow force-unlock --env dev --stack iam 0f1e2d3c-aaaa-4bbb-8ccc-123456789abc",
        ] {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
        assert!(err.is_locked());
    }

    #[test]
    fn jitter_stays_within_bounds() {
        for _ in 0..100 {
            let d = jittered(Duration::from_millis(400));
            assert!(
                d >= Duration::from_millis(200) && d <= Duration::from_millis(400),
                "{d:?}"
            );
        }
    }

    #[test]
    fn who_is_user_at_host() {
        let w = who();
        assert!(
            w.contains('@') && !w.starts_with('@') && !w.ends_with('@'),
            "{w}"
        );
    }
}
