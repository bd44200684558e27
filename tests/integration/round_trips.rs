//! How many round trips a no-op plan waits on, one after another, counted by the proxy (not
//! timed): the account, the lock and the state reads (with their histories and the zones) go
//! out together; the refresh, the states' confirmation under the lock (one HEAD each) and the
//! history guard's read go out together; then the unlock. Three, whatever the resource count.

use crate::support::MotoServer;
use crate::support::project::{Project, buckets_and_roles};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::stderr;
use std::time::Duration;

const PAIRS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_op_plan_waits_on_three_round_trips_and_makes_only_the_fixed_calls_beside_the_reads() {
    let moto = MotoServer::shared();
    let mut p = Project::new("trips", moto, |n| buckets_and_roles(n, PAIRS));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A latency far above fuelflow's own work between two requests, so requests sent together
    // never look chained.
    let proxy = Proxy::start(
        format!("127.0.0.1:{}", moto.port).parse().unwrap(),
        ProxyConfig {
            latency: Duration::from_millis(250),
            ..ProxyConfig::default()
        },
    )
    .await;
    p.endpoint = proxy.endpoint();
    let plan = ["plan", "--env", "dev", "--detailed-exitcode"];
    let out = tokio::task::block_in_place(|| p.run(&plan));
    assert!(out.status.success(), "no changes: {}", stderr(&out));

    let calls = proxy.stats.snapshot();
    let count = |service: &str, action: &str| {
        calls
            .get(&(service.to_string(), action.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let fixed = [
        ("sts", "GetCallerIdentity", 1),
        ("dynamodb", "PutItem", 1),
        ("dynamodb", "DeleteItem", 1),
        ("ec2", "DescribeAvailabilityZones", 1),
        // The state and the version before it (the guard); its history; its tag under the lock.
        ("s3", "GET object?x-id", 2),
        ("s3", "GET bucket?versions", 1),
        ("s3", "HEAD object", 1),
    ];
    for (service, action, n) in fixed {
        assert_eq!(count(service, action), n, "{service} {action}: {calls:?}");
    }
    let fixed: u64 = fixed.iter().map(|f| f.2).sum();
    // Beside those, only the resources' reads: a bucket's tags (which also answer whether it
    // exists, so no HeadBucket), a role.
    assert_eq!(count("s3", "HEAD bucket"), 0);
    assert_eq!(count("s3", "GET bucket?tagging"), PAIRS as u64);
    assert_eq!(count("iam", "GetRole"), PAIRS as u64);
    let total: u64 = calls.values().sum();
    assert_eq!(total, fixed + 2 * PAIRS as u64, "{calls:?}");
    assert_eq!(proxy.stats.depth(), 3, "{calls:?}");
}
