//! fuelflow when AWS misbehaves, through the fault proxy: every call may fail (500/503/throttling
//! in each protocol's format, or a reset connection), and the state bucket may become unreachable
//! in the middle of an apply. Checked on the live resources, the state object and the lock table.

use crate::support::project::{Project, buckets_and_roles, code};
use crate::support::proxy::{Block, Proxy, ProxyConfig};
use crate::support::{MotoServer, stderr, stdout};
use std::time::Duration;

async fn proxy(moto: &MotoServer, config: ProxyConfig) -> Proxy {
    Proxy::start(format!("127.0.0.1:{}", moto.port).parse().unwrap(), config).await
}

/// Live resources, state and lock agree with a fully applied `count`-pair stack.
async fn assert_converged(p: &Project, config: &aws_config::SdkConfig, count: usize) {
    let state = p.state(config).await.expect("a state");
    assert_eq!(state.resources.len(), 2 * count, "resources in state");
    assert!(state.pending.is_empty(), "pending: {:?}", state.pending);
    let roles = p.live_roles(config).await;
    let buckets = p.live_buckets(config).await;
    assert_eq!(roles.len(), count, "live roles: {roles:?}");
    assert_eq!(buckets.len(), count, "live buckets: {buckets:?}");
    assert_eq!(Project::recorded(&state, "AWS::IAM::Role"), roles);
    assert_eq!(Project::recorded(&state, "AWS::S3::Bucket"), buckets);
    assert_eq!(p.lock_items(config).await, 0, "the lock is released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_and_destroy_complete_with_15_percent_of_calls_failing() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("flaky", moto, |n| buckets_and_roles(n, 20));
    let faults = proxy(
        moto,
        ProxyConfig {
            error_rate: 0.15,
            reset_rate: 0.03,
            ..Default::default()
        },
    )
    .await;
    p.endpoint = faults.endpoint();

    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_converged(&p, &config, 20).await;
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(p.live_roles(&config).await.is_empty(), "roles left");
    assert!(p.live_buckets(&config).await.is_empty(), "buckets left");
    let state = p.state(&config).await.expect("the state outlives destroy");
    assert!(state.resources.is_empty(), "{:?}", state.resources.keys());
    assert!(state.pending.is_empty(), "pending: {:?}", state.pending);
    assert_eq!(p.lock_items(&config).await, 0);

    // The faults were real: a good share of the calls failed and were retried.
    let injected = faults
        .stats
        .injected_errors
        .load(std::sync::atomic::Ordering::Relaxed);
    let resets = faults
        .stats
        .resets
        .load(std::sync::atomic::Ordering::Relaxed);
    let total = faults.stats.total() + injected + resets;
    assert!(
        injected * 100 >= total * 10 && resets > 0,
        "{injected} errors and {resets} resets in {total} calls"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_bucket_unreachable_mid_apply_loses_nothing() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("nostate", moto, |n| buckets_and_roles(n, 10));
    // Each checkpoint reads then writes the state object: about six get through.
    let block = Block {
        service: "s3".into(),
        path_contains: format!("/{}/", p.state_bucket()),
        after: 12,
        ..Default::default()
    };
    let faults = proxy(
        moto,
        ProxyConfig {
            latency: Duration::from_millis(10),
            block: Some(block.clone()),
            ..Default::default()
        },
    )
    .await;
    p.endpoint = faults.endpoint();

    let out = p.run(&[
        "apply",
        "--env",
        "dev",
        "--auto-approve",
        "--parallelism",
        "4",
    ]);
    assert_eq!(code(&out), Some(1), "{}\n{}", stdout(&out), stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the state could not be saved") && err.contains("saving the state of stack"),
        "{err}"
    );
    assert!(
        faults
            .stats
            .blocked
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0,
        "the state bucket was never refused"
    );
    assert_eq!(p.lock_items(&config).await, 0, "the lock is released");

    // What exists is recorded, or its creation is pending under its name (the next run adopts it).
    let state = p
        .state(&config)
        .await
        .expect("early checkpoints were saved");
    let known: Vec<String> = state
        .resources
        .values()
        .map(|r| r.physical_id.clone())
        .chain(state.pending.iter().filter_map(|op| op.physical_id.clone()))
        .collect();
    let live: Vec<String> = [p.live_roles(&config).await, p.live_buckets(&config).await].concat();
    for name in &live {
        assert!(
            known.contains(name),
            "{name} is live but not in state: {known:?}"
        );
    }
    assert!(live.len() < 20, "the apply stopped early: {live:?}");

    // Back online: the next run adopts what was pending and converges.
    p.endpoint = moto.endpoint();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_converged(&p, &config, 10).await;
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_write_whose_answer_is_lost_is_not_a_conflict() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("lostack", moto, |n| buckets_and_roles(n, 3));
    // The fourth state write lands in S3 but its answer never arrives: the SDK retries it, and
    // the retry's `If-Match` fails against the write that already happened.
    let faults = proxy(
        moto,
        ProxyConfig {
            block: Some(Block {
                service: "s3".into(),
                path_contains: format!("/{}/", p.state_bucket()),
                method: Some("PUT".into()),
                after: 3,
                times: Some(1),
                lose_response: true,
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await;
    p.endpoint = faults.endpoint();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        faults
            .stats
            .blocked
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    assert_converged(&p, &config, 3).await;
}
