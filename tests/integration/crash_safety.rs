//! A run killed with SIGKILL at several moments of an apply of a 40-resource stack: after
//! force-unlock, the next apply converges to exactly the template's resources (no duplicates, no
//! orphans) and the plan after it is empty. A latency proxy widens the window between calls.

use crate::support::MotoServer;
use crate::support::project::{Project, buckets_and_roles};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{stderr, stdout};
use std::process::Stdio;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_applies_converge_without_duplicates_or_orphans() {
    let moto = MotoServer::shared();
    let upstream = format!("127.0.0.1:{}", moto.port).parse().unwrap();
    let proxy = Proxy::start(
        upstream,
        ProxyConfig {
            latency: Duration::from_millis(40),
            jitter: Duration::from_millis(10),
            ..Default::default()
        },
    )
    .await;
    // Half the buckets are named by the template, half get a generated name.
    let mut project = Project::new("kill", moto, |name| buckets_and_roles(name, 20));
    project.endpoint = proxy.endpoint();
    let config = moto.sdk_config().await;
    let backend = project.backend(&config);
    let lock_path = backend.lock_request("dev", "app", "apply").path;

    let mut kills = 0;
    // Each run restarts where the last one was killed, so the delays grow.
    for delay_ms in [300u64, 600, 900, 1200, 1600, 2000, 2500, 3000, 3600, 4300] {
        let mut child = project
            .command(&["apply", "--env", "dev", "--auto-approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        if finished {
            break;
        }
        kills += 1;
        // A request the dead run had in the proxy (its lock or its unlock) still lands after
        // the latency: let it, or the lock read below races it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The dead run's lock stays until force-unlock, which needs its id.
        if let Some(held) = backend.locker.current(&lock_path).await.unwrap() {
            let out = project.run(&["force-unlock", "--env", "dev", "--stack", "app", &held.id]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    assert!(kills >= 3, "only {kills} runs were killed mid-apply");
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let out = project.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );

    // Exactly the template's resources exist: 20 roles, 20 buckets of this stack.
    assert_eq!(project.live_roles(&config).await.len(), 20);
    let buckets = project.live_buckets(&config).await;
    assert_eq!(buckets.len(), 20, "buckets: {buckets:?}");
    let state = project.state(&config).await.unwrap();
    assert_eq!(state.resources.len(), 40);

    // Searched by the ownership tags, as one looks for orphans: exactly the recorded resources
    // carry this stack's tag.
    let mut recorded: Vec<String> = state
        .resources
        .values()
        .map(|r| r.physical_id.clone())
        .collect();
    recorded.sort();
    let stack = format!("{}-app-dev", project.name);
    assert_eq!(tagged_with_stack(&config, &stack).await, recorded);
    assert!(
        state.pending.is_empty(),
        "pending left: {:?}",
        state.pending
    );
}

/// The buckets and roles tagged `fuelflow:stack = stack`, by name, sorted.
async fn tagged_with_stack(config: &aws_config::SdkConfig, stack: &str) -> Vec<String> {
    let owner = fuelflow::resources::OWNER_STACK_TAG;
    let mut found = Vec::new();
    let s3 = fuelflow::aws::s3_client(config);
    for bucket in s3.list_buckets().send().await.unwrap().buckets() {
        let name = bucket.name().unwrap();
        let tags = crate::support::s3::live_tags(&s3, name).await;
        if tags.contains(&format!("<Key>{owner}</Key><Value>{stack}</Value>")) {
            found.push(name.to_string());
        }
    }
    let iam = aws_sdk_iam::Client::new(config);
    let mut pages = iam.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        for role in page.unwrap().roles() {
            let tags = iam
                .list_role_tags()
                .role_name(role.role_name())
                .send()
                .await
                .unwrap();
            if tags
                .tags()
                .iter()
                .any(|t| t.key() == owner && t.value() == stack)
            {
                found.push(role.role_name().to_string());
            }
        }
    }
    found.sort();
    found
}
