//! The lock contract, against the DynamoDB locker on moto (and the memory locker where the
//! point is the shared logic): one winner per race, clear refusals, ordered multi-locks,
//! waiting with a timeout, and release on every exit path.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use fuelflow::state::BoxFuture;
use fuelflow::state::dynamodb_lock::DynamoDbLocker;
use fuelflow::state::lock::{WithLockError, acquire, lock_all, with_locks};
use fuelflow::state::memory_lock::MemoryLocker;
use fuelflow::state::{LockError, LockInfo, LockRequest, Locker, StateKey};

async fn dynamodb() -> (aws_sdk_dynamodb::Client, String) {
    let config = support::MotoServer::shared().sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = support::unique("ff-locks");
    client
        .create_table()
        .table_name(&table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("LockID")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("LockID")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    (client, table)
}

async fn dynamodb_locker() -> Arc<dyn Locker> {
    let (client, table) = dynamodb().await;
    Arc::new(DynamoDbLocker::new(client, table))
}

fn request(stack: &str, operation: &str) -> LockRequest {
    LockRequest::new(
        format!("state-bucket/fuelflow/dev/{stack}.json"),
        operation,
        StateKey::new("dev", stack),
    )
}

async fn race(locker: Arc<dyn Locker>, rounds: usize, racers: usize) {
    let req = request("race", "apply");
    for round in 0..rounds {
        let barrier = Arc::new(tokio::sync::Barrier::new(racers));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..racers {
            let (locker, req, barrier) = (locker.clone(), req.clone(), barrier.clone());
            tasks.spawn(async move {
                barrier.wait().await;
                locker.try_lock(&req).await
            });
        }
        let results: Vec<Result<LockInfo, LockError>> = tasks.join_all().await;
        let winners: Vec<&LockInfo> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let winner = winners[0].clone();
        for loser in results.iter().filter_map(|r| r.as_ref().err()) {
            match loser {
                LockError::Locked { holder, .. } => {
                    assert_eq!(holder.id, winner.id, "round {round}")
                }
                other => panic!("round {round}: a loser failed otherwise: {other}"),
            }
        }
        assert_eq!(
            locker.current(&req.path).await.unwrap(),
            Some(winner.clone())
        );
        locker.unlock(&winner.path, &winner.id).await.unwrap();
    }
    assert_eq!(locker.current(&req.path).await.unwrap(), None);
}

/// A racer's view of the lock table with the timing that makes races: each racer reaches a
/// different stack first, and gives locks back slowly.
struct Staggered {
    inner: Arc<dyn Locker>,
    racer: usize,
}

impl Locker for Staggered {
    fn try_lock<'a>(
        &'a self,
        request: &'a LockRequest,
    ) -> BoxFuture<'a, Result<LockInfo, LockError>> {
        Box::pin(async move {
            let stack = request.key.stack.len() + self.racer;
            tokio::time::sleep(Duration::from_millis((stack % 4) as u64 * 15)).await;
            self.inner.try_lock(request).await
        })
    }
    fn unlock<'a>(&'a self, path: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), LockError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(60)).await;
            self.inner.unlock(path, id).await
        })
    }
    fn current<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>> {
        self.inner.current(path)
    }
}

/// Runs over several stacks racing with `--lock-timeout 0`: each round exactly one takes all its
/// locks, the others give up with `Locked` and hold nothing. (Each tries all its locks at once
/// first; a refusal that only comes from another racer's attempt must not make everyone fail.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn multi_stack_racers_one_winner_per_round() {
    let locker = dynamodb_locker().await;
    // Names of four different lengths, so each racer is fastest on another one.
    let stacks = ["s3", "iam", "data", "network"];
    for round in 0..4 {
        let barrier = Arc::new(tokio::sync::Barrier::new(4));
        let mut tasks = tokio::task::JoinSet::new();
        for racer in 0..4 {
            let barrier = barrier.clone();
            let locker = Arc::new(Staggered {
                inner: locker.clone(),
                racer,
            });
            // Each racer lists the stacks in another order; lock_all sorts them.
            let requests: Vec<LockRequest> = (0..stacks.len())
                .map(|i| request(stacks[(i + racer) % stacks.len()], "apply"))
                .collect();
            tasks.spawn(async move {
                barrier.wait().await;
                lock_all(&*locker, &requests, Duration::ZERO).await
            });
        }
        // Winners keep their locks until every racer has returned.
        let results: Vec<Result<Vec<LockInfo>, LockError>> = tasks.join_all().await;
        let winners: Vec<&Vec<LockInfo>> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for loser in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(loser, LockError::Locked { .. }),
                "round {round}: {loser}"
            );
        }
        let held = winners[0].clone();
        assert_eq!(held.len(), stacks.len());
        for lock in &held {
            assert_eq!(
                locker.current(&lock.path).await.unwrap().as_ref(),
                Some(lock),
                "round {round}: a loser left a lock or took the winner's"
            );
        }
        fuelflow::state::lock::release_all(&*locker, &held)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_racers_one_winner_per_round_dynamodb() {
    race(dynamodb_locker().await, 10, 8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_racers_one_winner_per_round_memory() {
    race(Arc::new(MemoryLocker::new()), 10, 8).await;
}

#[tokio::test]
async fn the_lock_item_is_what_the_design_says() {
    let (client, table) = dynamodb().await;
    let locker = DynamoDbLocker::new(client.clone(), &table);
    let req = request("iam", "plan");
    let info = locker.try_lock(&req).await.unwrap();

    let item = client
        .get_item()
        .table_name(&table)
        .key("LockID", AttributeValue::S(req.path.clone()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the lock item exists");
    assert_eq!(item["LockIdValue"].as_s().unwrap(), &info.id);
    let json: serde_json::Value = serde_json::from_str(item["Info"].as_s().unwrap()).unwrap();
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
    assert_eq!(json["ID"], info.id.as_str());
    assert_eq!(json["Operation"], "plan");
    assert_eq!(json["Path"], req.path.as_str());
    assert_eq!(json["Version"], env!("CARGO_PKG_VERSION"));
    assert!(json["Who"].as_str().unwrap().contains('@'));
    assert!(uuid_like(&info.id), "{}", info.id);

    locker.unlock(&req.path, &info.id).await.unwrap();
    let gone = client
        .get_item()
        .table_name(&table)
        .key("LockID", AttributeValue::S(req.path))
        .send()
        .await
        .unwrap();
    assert!(gone.item.is_none());
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4 && id.as_bytes()[14] == b'4'
}

#[tokio::test]
async fn locked_error_names_holder_operation_age_id_and_the_force_unlock_command() {
    let locker = dynamodb_locker().await;
    let holder = locker.try_lock(&request("iam", "apply")).await.unwrap();
    let err = locker.try_lock(&request("iam", "plan")).await.unwrap_err();
    assert!(err.is_locked());
    let text = err.to_string();
    for part in [
        format!("locked by {}", holder.who),
        "operation: apply".to_owned(),
        format!("since {}", holder.created),
        "s ago".to_owned(),
        format!("lock id {}", holder.id),
        format!("fuelflow force-unlock --env dev --stack iam {}", holder.id),
    ] {
        assert!(text.contains(&part), "{part:?} missing from:\n{text}");
    }
}

#[tokio::test]
async fn unlock_with_the_wrong_id_is_refused_and_keeps_the_lock() {
    let locker = dynamodb_locker().await;
    let req = request("iam", "apply");
    let holder = locker.try_lock(&req).await.unwrap();
    let err = locker.unlock(&req.path, "not-the-id").await.unwrap_err();
    match &err {
        LockError::NotHolder {
            holder: Some(actual),
            ..
        } => assert_eq!(actual.id, holder.id),
        other => panic!("expected NotHolder, got {other:?}"),
    }
    assert!(err.to_string().contains(&holder.id), "{err}");
    assert_eq!(locker.current(&req.path).await.unwrap(), Some(holder));
}

#[tokio::test]
async fn force_unlock_needs_the_holders_id() {
    let locker = dynamodb_locker().await;
    let req = request("iam", "apply");
    let holder = locker.try_lock(&req).await.unwrap();

    let err = locker
        .force_unlock(&req.path, "00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("held by lock id {}", holder.id))
            && text.contains("nothing was removed"),
        "{text}"
    );
    assert!(locker.current(&req.path).await.unwrap().is_some());

    let removed = locker.force_unlock(&req.path, &holder.id).await.unwrap();
    assert_eq!(removed, Some(holder));
    assert!(locker.current(&req.path).await.unwrap().is_none());
    // Nothing left to remove: also a clear refusal.
    let err = locker
        .force_unlock(&req.path, "whatever")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no lock is held"), "{err}");
    // And the lock can be taken again.
    locker.try_lock(&req).await.unwrap();
}

/// Wraps a locker and records the order of lock attempts.
struct Recording {
    inner: Arc<dyn Locker>,
    attempts: Mutex<Vec<String>>,
}

impl Locker for Recording {
    fn try_lock<'a>(
        &'a self,
        request: &'a LockRequest,
    ) -> BoxFuture<'a, Result<LockInfo, LockError>> {
        self.attempts
            .lock()
            .unwrap()
            .push(request.key.stack.clone());
        self.inner.try_lock(request)
    }
    fn unlock<'a>(&'a self, path: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), LockError>> {
        self.inner.unlock(path, id)
    }
    fn current<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>> {
        self.inner.current(path)
    }
}

/// Wraps a locker and holds every lock attempt until `gate` has seen them all.
struct Gated {
    inner: Arc<dyn Locker>,
    gate: tokio::sync::Barrier,
}

impl Locker for Gated {
    fn try_lock<'a>(
        &'a self,
        request: &'a LockRequest,
    ) -> BoxFuture<'a, Result<LockInfo, LockError>> {
        Box::pin(async move {
            self.gate.wait().await;
            self.inner.try_lock(request).await
        })
    }
    fn unlock<'a>(&'a self, path: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), LockError>> {
        self.inner.unlock(path, id)
    }
    fn current<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>> {
        self.inner.current(path)
    }
}

/// With nothing held, the locks of a run are requested together (one round trip, not one per
/// stack): taken one after another, the first attempt would wait at the gate for ever.
#[tokio::test]
async fn lock_all_requests_free_locks_together() {
    let inner = dynamodb_locker().await;
    let locker = Gated {
        inner: inner.clone(),
        gate: tokio::sync::Barrier::new(3),
    };
    let requests = [
        request("s3", "apply"),
        request("iam", "apply"),
        request("network", "apply"),
    ];
    let held = tokio::time::timeout(
        Duration::from_secs(20),
        lock_all(&locker, &requests, Duration::ZERO),
    )
    .await
    .expect("the three attempts were made together")
    .unwrap();
    assert_eq!(held.len(), 3);
    for lock in &held {
        assert_eq!(
            inner.current(&lock.path).await.unwrap().as_ref(),
            Some(lock)
        );
    }
    fuelflow::state::lock::release_all(&locker, &held)
        .await
        .unwrap();
}

#[tokio::test]
async fn lock_all_takes_locks_in_sorted_order_and_releases_them_on_failure() {
    let inner = dynamodb_locker().await;
    let locker = Recording {
        inner: inner.clone(),
        attempts: Mutex::new(Vec::new()),
    };
    let requests = [
        request("s3", "apply"),
        request("iam", "apply"),
        request("network", "apply"),
        request("iam", "apply"),
    ];

    let held = lock_all(&locker, &requests, Duration::ZERO).await.unwrap();
    assert_eq!(*locker.attempts.lock().unwrap(), ["iam", "network", "s3"]);
    assert_eq!(held.len(), 3);
    for lock in &held {
        assert_eq!(
            inner.current(&lock.path).await.unwrap().as_ref(),
            Some(lock)
        );
    }
    fuelflow::state::lock::release_all(&locker, &held)
        .await
        .unwrap();

    // Another run holds "network": the attempt on all three at once is refused, what it took is
    // given back, and the ordered walk stops at "network" with its Locked error; "iam" (taken
    // first) is released.
    let other = inner
        .try_lock(&request("network", "destroy"))
        .await
        .unwrap();
    locker.attempts.lock().unwrap().clear();
    let err = lock_all(&locker, &requests, Duration::ZERO)
        .await
        .unwrap_err();
    match &err {
        LockError::Locked { holder, key } => {
            assert_eq!(holder.id, other.id);
            assert_eq!(key.stack, "network");
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    // (After a refused attempt the walk waits up to 2 s for a lock, in case the refusal came
    // from another run's attempt that is about to be given back; this one is held for good.)
    let attempts = locker.attempts.lock().unwrap().clone();
    assert_eq!(attempts[..5], ["iam", "network", "s3", "iam", "network"]);
    assert!(attempts[5..].iter().all(|s| s == "network"), "{attempts:?}");
    assert!(
        inner
            .current(&request("iam", "apply").path)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        inner
            .current(&request("s3", "apply").path)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_waiting_locker_gets_the_lock_when_the_holder_releases() {
    let locker = dynamodb_locker().await;
    let req = request("iam", "apply");
    let first = locker.try_lock(&req).await.unwrap();

    // Timeout zero: fail at once.
    let started = Instant::now();
    let err = acquire(locker.as_ref(), &req, Duration::ZERO)
        .await
        .unwrap_err();
    assert!(err.is_locked());
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );

    let releaser = {
        let (locker, first) = (locker.clone(), first.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            locker.unlock(&first.path, &first.id).await.unwrap();
        })
    };
    let started = Instant::now();
    let second = acquire(locker.as_ref(), &req, Duration::from_secs(2))
        .await
        .unwrap();
    let waited = started.elapsed();
    releaser.await.unwrap();
    assert!(
        waited >= Duration::from_millis(450) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    assert_ne!(second.id, first.id);
    assert_eq!(locker.current(&req.path).await.unwrap(), Some(second));
}

#[tokio::test]
async fn a_waiting_locker_gives_up_after_its_timeout() {
    let locker = MemoryLocker::new();
    let req = request("iam", "apply");
    locker.try_lock(&req).await.unwrap();
    let started = Instant::now();
    let err = acquire(&locker, &req, Duration::from_millis(700))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(err.is_locked());
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
}

#[tokio::test]
async fn with_locks_releases_when_the_work_fails_or_succeeds() {
    let locker = dynamodb_locker().await;
    let requests = [request("iam", "apply"), request("s3", "apply")];

    let result: Result<(), WithLockError<String>> = with_locks(
        locker.as_ref(),
        &requests,
        Duration::ZERO,
        async |held: Vec<LockInfo>| {
            assert_eq!(held.len(), 2);
            Err("apply failed: Bucket: AccessDenied".to_owned())
        },
    )
    .await;
    match result {
        Err(WithLockError::Work {
            error,
            unreleased: None,
        }) => assert!(error.contains("AccessDenied")),
        other => panic!("expected the work error, got {other:?}"),
    }
    for r in &requests {
        assert!(
            locker.current(&r.path).await.unwrap().is_none(),
            "{} still locked",
            r.path
        );
    }

    let value = with_locks(locker.as_ref(), &requests, Duration::ZERO, async |_| {
        Ok::<_, String>(42)
    })
    .await
    .unwrap();
    assert_eq!(value, 42);
    for r in &requests {
        assert!(
            locker.current(&r.path).await.unwrap().is_none(),
            "{} still locked",
            r.path
        );
    }

    // Taking fails when another run holds one: the work never runs, nothing stays locked.
    let other = locker.try_lock(&requests[1]).await.unwrap();
    let result = with_locks(
        locker.as_ref(),
        &requests,
        Duration::ZERO,
        async |_| -> Result<(), String> { panic!("must not run without the lock") },
    )
    .await;
    assert!(
        matches!(result, Err(WithLockError::Lock(LockError::Locked { .. }))),
        "{result:?}"
    );
    assert!(locker.current(&requests[0].path).await.unwrap().is_none());
    assert_eq!(
        locker.current(&requests[1].path).await.unwrap(),
        Some(other)
    );
}

/// Ctrl-C reaches every listener in a process, so the interrupted run happens in a child process
/// (this test binary, running only `ctrl_c_child`); the lock it took is checked on the live table.
#[tokio::test]
async fn with_locks_releases_on_ctrl_c() {
    let (client, table) = dynamodb().await;
    let child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock::ctrl_c_child", "--ignored"])
        .env(
            "FUELFLOW_TEST_CTRL_C_ENDPOINT",
            support::MotoServer::shared().endpoint(),
        )
        .env("FUELFLOW_TEST_CTRL_C_TABLE", &table)
        .output()
        .await
        .unwrap();
    let output = format!("{}{}", support::stdout(&child), support::stderr(&child));
    assert!(
        child.status.success() && output.contains("1 passed"),
        "the interrupted child failed:\n{output}"
    );
    let items = client.scan().table_name(&table).send().await.unwrap();
    assert_eq!(
        items.count(),
        0,
        "a lock was left behind: {:?}",
        items.items()
    );
}

#[tokio::test]
#[ignore = "run in its own process by with_locks_releases_on_ctrl_c"]
async fn ctrl_c_child() {
    let (Ok(endpoint), Ok(table)) = (
        std::env::var("FUELFLOW_TEST_CTRL_C_ENDPOINT"),
        std::env::var("FUELFLOW_TEST_CTRL_C_TABLE"),
    ) else {
        return;
    };
    let creds = aws_sdk_sts::config::Credentials::new("test", "test", None, None, "moto");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        .load()
        .await;
    let locker = DynamoDbLocker::new(aws_sdk_dynamodb::Client::new(&config), table);
    let requests = [request("iam", "apply")];
    let started = Instant::now();
    let result = with_locks(&locker, &requests, Duration::ZERO, async |_| {
        // By now `with_locks` listens for SIGINT, so this interrupts the run, not the process.
        assert!(locker.current(&requests[0].path).await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let pid = std::process::id().to_string();
        let status = tokio::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success());
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, String>(())
    })
    .await;
    assert!(
        matches!(result, Err(WithLockError::Interrupted { unreleased: None })),
        "{result:?}"
    );
    assert!(
        result
            .unwrap_err()
            .to_string()
            .starts_with("interrupted (Ctrl-C)")
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(locker.current(&requests[0].path).await.unwrap().is_none());
}

#[tokio::test]
async fn with_lock_hands_the_lock_to_the_work_and_releases_it() {
    let locker = MemoryLocker::new();
    let req = request("iam", "apply");
    let id =
        fuelflow::state::lock::with_lock(&locker, &req, Duration::ZERO, async |lock: LockInfo| {
            assert_eq!(
                locker.current(&req.path).await.unwrap().as_ref(),
                Some(&lock)
            );
            Ok::<_, String>(lock.id)
        })
        .await
        .unwrap();
    assert_eq!(id.len(), 36);
    assert!(locker.current(&req.path).await.unwrap().is_none());
}
