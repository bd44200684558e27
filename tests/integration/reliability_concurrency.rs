//! Runs that overlap, as separate processes: concurrent applies and plans on one stack (exactly
//! one runs, the others exit 3, the state only moves by the winner's checkpoints and stays
//! valid), and an apply interrupted with SIGINT (work in flight finishes and is recorded, the
//! lock is released). A latency proxy keeps each run long enough for the others to collide.

use crate::support::project::{Project, buckets_and_roles, code};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, stderr, stdout};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

async fn latency_proxy(moto: &MotoServer, ms: u64) -> Proxy {
    Proxy::start(
        format!("127.0.0.1:{}", moto.port).parse().unwrap(),
        ProxyConfig {
            latency: Duration::from_millis(ms),
            jitter: Duration::from_millis(ms / 4),
            ..Default::default()
        },
    )
    .await
}

fn spawn(p: &Project, args: &[&str]) -> Child {
    p.command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fuelflow")
}

/// Starts `racers` runs of `args` at once and waits for all of them.
fn race(p: &Project, racers: usize, args: &[&str]) -> Vec<Output> {
    let children: Vec<Child> = (0..racers).map(|_| spawn(p, args)).collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

/// The one run that got the lock (exit `won`); every other one exited 3 naming the holder.
fn exactly_one_winner(outs: &[Output], won: i32) -> &Output {
    let winners: Vec<&Output> = outs.iter().filter(|o| code(o) == Some(won)).collect();
    let locked = outs.iter().filter(|o| code(o) == Some(3)).count();
    let all: Vec<String> = outs
        .iter()
        .map(|o| format!("{:?}: {}", code(o), stderr(o)))
        .collect();
    assert_eq!(winners.len(), 1, "{all:#?}");
    assert_eq!(locked, outs.len() - 1, "{all:#?}");
    for o in outs.iter().filter(|o| code(o) == Some(3)) {
        assert!(stderr(o).contains("force-unlock"), "{}", stderr(o));
    }
    winners[0]
}

/// Every stored version of the state object, oldest first: each one valid JSON of one lineage,
/// serials consecutive (no write lost, none made twice).
async fn state_history(p: &Project, config: &aws_config::SdkConfig) -> Vec<(u64, String)> {
    let s3 = fuelflow::aws::s3_client(config);
    let key = "fuelflow/dev/app.json";
    let versions = s3
        .list_object_versions()
        .bucket(p.state_bucket())
        .prefix(key)
        .send()
        .await
        .unwrap();
    let mut history = Vec::new();
    for v in versions.versions() {
        let body = s3
            .get_object()
            .bucket(p.state_bucket())
            .key(key)
            .version_id(v.version_id().unwrap())
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        let doc = fuelflow::state::StateDocument::from_json(&body)
            .unwrap_or_else(|e| panic!("version {:?} is corrupt: {e}", v.version_id()));
        history.push((doc.serial, doc.lineage));
    }
    history.sort();
    for pair in history.windows(2) {
        assert_eq!(
            pair[1].0,
            pair[0].0 + 1,
            "serials not consecutive: {history:?}"
        );
        assert_eq!(pair[1].1, pair[0].1, "lineage changed: {history:?}");
    }
    history
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_concurrent_applies_one_runs_per_round() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("race", moto, |n| buckets_and_roles(n, 6));
    let proxy = latency_proxy(moto, 40).await;
    p.endpoint = proxy.endpoint();

    let mut serial = 0;
    let mut lineage = None;
    for round in 0..5 {
        // Every round has something to do: one more bucket and role than the last.
        p.write_template(&buckets_and_roles(&p.name, 6 + round));
        let outs = race(&p, 4, &["apply", "--env", "dev", "--auto-approve"]);
        let winner = exactly_one_winner(&outs, 0);
        assert!(
            stdout(winner).contains("Apply complete"),
            "{}",
            stdout(winner)
        );

        let history = state_history(&p, &config).await;
        let (last, this_lineage) = history.last().cloned().expect("a state");
        assert!(last > serial, "round {round}: serial {last} after {serial}");
        // Only the winner wrote: all versions since the last round are its checkpoints.
        assert_eq!(
            history.len() as u64,
            last,
            "a version per serial: {history:?}"
        );
        assert_eq!(lineage.get_or_insert(this_lineage.clone()), &this_lineage);
        serial = last;

        let state = p.state(&config).await.unwrap();
        assert_eq!(state.serial, serial);
        assert_eq!(state.resources.len(), 2 * (6 + round));
        assert!(state.pending.is_empty());
        assert_eq!(p.live_roles(&config).await.len(), 6 + round);
        assert_eq!(p.live_buckets(&config).await.len(), 6 + round);
        assert_eq!(p.lock_items(&config).await, 0, "round {round}: lock left");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_plans_one_holds_the_lock_per_round() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("plans", moto, |n| buckets_and_roles(n, 6));
    p.endpoint = moto.endpoint();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let serial = p.state(&config).await.unwrap().serial;
    // A no-op plan holds its lock for about three round trips (the fixed work, the reads, the
    // unlock): long enough, at this latency, for five runs started in a row to collide.
    let proxy = latency_proxy(moto, 150).await;
    p.endpoint = proxy.endpoint();

    for round in 0..5 {
        let outs = race(&p, 5, &["plan", "--env", "dev", "--detailed-exitcode"]);
        let winner = exactly_one_winner(&outs, 0);
        assert!(stdout(winner).contains("No changes"), "{}", stdout(winner));
        assert_eq!(p.lock_items(&config).await, 0, "round {round}: lock left");
    }
    // Plans never write the state.
    assert_eq!(p.state(&config).await.unwrap().serial, serial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_apply_records_what_finished_and_releases_the_lock() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("sigint", moto, |n| buckets_and_roles(n, 20));
    let proxy = latency_proxy(moto, 60).await;
    p.endpoint = proxy.endpoint();

    let child = spawn(
        &p,
        &[
            "apply",
            "--env",
            "dev",
            "--auto-approve",
            "--parallelism",
            "3",
        ],
    );
    // Interrupt once a few resources are recorded (read straight from moto, not the proxy).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(
            Instant::now() < deadline,
            "the apply never recorded anything"
        );
        if p.state(&config)
            .await
            .is_some_and(|s| s.resources.len() >= 4)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_ne!(code(&out), Some(0), "{}", stdout(&out));
    assert!(
        code(&out).is_some(),
        "killed by the signal instead of exiting"
    );
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));

    assert_eq!(p.lock_items(&config).await, 0, "the lock is released");
    let state = p.state(&config).await.unwrap();
    assert!(
        state.pending.is_empty(),
        "in flight work finished: {:?}",
        state.pending
    );
    assert!(
        state.resources.len() < 40,
        "the apply was interrupted, not finished"
    );
    let roles = p.live_roles(&config).await;
    let buckets = p.live_buckets(&config).await;
    assert_eq!(Project::recorded(&state, "AWS::IAM::Role"), roles);
    assert_eq!(Project::recorded(&state, "AWS::S3::Bucket"), buckets);

    // The next run picks up where it stopped.
    p.endpoint = moto.endpoint();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(p.live_roles(&config).await.len(), 20);
    assert_eq!(p.live_buckets(&config).await.len(), 20);
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
}
