//! A run killed with SIGKILL at several moments of an apply of a 40-resource stack: after
//! force-unlock, the next apply converges to exactly the template's resources (no duplicates, no
//! orphans) and the plan after it is empty. A latency proxy widens the window between calls.

use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, stderr, stdout, unique};
use fuelflow::state::Locker;
use std::process::{Command, Stdio};
use std::time::Duration;

fn template(name: &str) -> String {
    let mut t = String::from("Resources:\n");
    for i in 0..20 {
        // Half the buckets are named by the template, half get a generated name.
        if i % 2 == 0 {
            t.push_str(&format!("  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {name}-b{i}\n      Tags: [{{Key: n, Value: '{i}'}}]\n"));
        } else {
            t.push_str(&format!("  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: [{{Key: n, Value: '{i}'}}]\n"));
        }
        t.push_str(&format!(
            "  Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {name}-r{i}\n      AssumeRolePolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n      Tags: [{{Key: bucket, Value: !Ref Bucket{i}}}]\n"
        ));
    }
    t
}

fn fuelflow(dir: &std::path::Path, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fuelflow"));
    cmd.current_dir(dir)
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("NO_COLOR", "1");
    cmd
}

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
    let endpoint = proxy.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let name: String = unique("kill")
        .to_lowercase()
        .chars()
        .take(28)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    std::fs::write(
        dir.path().join("fuelflow.yaml"),
        format!("project: {name}\nregion: us-east-1\nbackend: {{bucket: {name}-state, lock_table: {name}-locks}}\nstacks:\n  app: app.yaml\nenvironments:\n  dev: {{}}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("app.yaml"), template(&name)).unwrap();
    let out = fuelflow(
        dir.path(),
        &endpoint,
        &["bootstrap", "--env", "dev", "--auto-approve"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let config = moto.sdk_config().await;
    let backend = fuelflow::backend::Backend::connect(
        &config,
        fuelflow::backend::BackendNames {
            bucket: format!("{name}-state"),
            lock_table: format!("{name}-locks"),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        },
    );
    let lock_path = backend.lock_request("dev", "app", "apply").path;

    let mut kills = 0;
    // Each run restarts where the last one was killed, so the delays grow.
    for delay_ms in [300u64, 600, 900, 1200, 1600, 2000, 2500, 3000, 3600, 4300] {
        let mut child = fuelflow(
            dir.path(),
            &endpoint,
            &["apply", "--env", "dev", "--auto-approve"],
        )
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
            let out = fuelflow(
                dir.path(),
                &endpoint,
                &["force-unlock", "--env", "dev", "--stack", "app", &held.id],
            )
            .output()
            .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    assert!(kills >= 3, "only {kills} runs were killed mid-apply");
    let out = fuelflow(
        dir.path(),
        &endpoint,
        &["apply", "--env", "dev", "--auto-approve"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let out = fuelflow(
        dir.path(),
        &endpoint,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );

    // Exactly the template's resources exist: 20 roles, 20 buckets of this stack.
    let iam = aws_sdk_iam::Client::new(&config);
    let roles = iam.list_roles().max_items(1000).send().await.unwrap();
    let ours = roles
        .roles()
        .iter()
        .filter(|r| r.role_name().starts_with(&format!("{name}-r")))
        .count();
    assert_eq!(ours, 20);
    let s3 = fuelflow::aws::s3_client(&config);
    let buckets = s3.list_buckets().send().await.unwrap();
    let stack = format!("{name}-app-dev");
    let ours: Vec<&str> = buckets
        .buckets()
        .iter()
        .filter_map(|b| b.name())
        .filter(|b| b.starts_with(&format!("{name}-b")) || b.starts_with(&stack))
        .collect();
    assert_eq!(ours.len(), 20, "buckets: {ours:?}");
    let state = backend
        .store
        .get(&backend.key("dev", "app"))
        .await
        .unwrap()
        .unwrap()
        .0;
    use fuelflow::state::StateStore;
    assert_eq!(state.resources.len(), 40);

    // Searched by the ownership tags, as one looks for orphans: exactly the recorded resources
    // carry this stack's tag.
    let mut recorded: Vec<String> = state
        .resources
        .values()
        .map(|r| r.physical_id.clone())
        .collect();
    recorded.sort();
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
