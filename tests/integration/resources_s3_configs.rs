//! The bucket configurations of issue 15 through the CLI against moto: an object-lock bucket
//! (default retention), a replicated pair (a role, a versioned source and destination) with
//! transfer acceleration, applied, checked live with the SDK, re-planned empty, changed (planned
//! as an update and applied), drift repaired, and destroyed. moto 5.2.1 has none of the
//! intelligent-tiering and metrics operations (it takes their PUT for CreateBucket, their GET for
//! ListObjects and their DELETE for DeleteBucket), so the second test checks through the proxy
//! that apply sends them, and that a re-plan says moto's answer is not what S3 answers.
//!
//! Real S3 cannot empty an object-lock bucket that holds objects under retention before the
//! retention ends: destroy then fails with BucketNotEmpty (fuelflow never deletes objects). The
//! buckets here hold no objects.

use crate::support::project::{Project, code};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, stderr, stdout};
use aws_sdk_s3::Client;

fn locked_and_replicated(name: &str, days: u32, storage_class: &str) -> String {
    format!(
        "Resources:
  Locked:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {name}-locked
      ObjectLockEnabled: true
      ObjectLockConfiguration:
        ObjectLockEnabled: Enabled
        Rule: {{DefaultRetention: {{Mode: GOVERNANCE, Days: {days}}}}}
  ReplicationRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}-replication
      AssumeRolePolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: s3.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}
  Replica:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {name}-replica
      VersioningConfiguration: {{Status: Enabled}}
  Source:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {name}-source
      VersioningConfiguration: {{Status: Enabled}}
      AccelerateConfiguration: {{AccelerationStatus: Enabled}}
      ReplicationConfiguration:
        Role: !GetAtt ReplicationRole.Arn
        Rules:
          - Id: everything
            Priority: 1
            Status: Enabled
            Filter: {{Prefix: ''}}
            DeleteMarkerReplication: {{Status: Disabled}}
            Destination: {{Bucket: !GetAtt Replica.Arn, StorageClass: {storage_class}}}
"
    )
}

/// (mode, days) of the bucket's default retention, from S3.
async fn retention(s3: &Client, bucket: &str) -> (String, i32) {
    let out = s3
        .get_object_lock_configuration()
        .bucket(bucket)
        .send()
        .await
        .expect("object lock configuration");
    let r = out
        .object_lock_configuration()
        .and_then(|c| c.rule())
        .and_then(|r| r.default_retention())
        .expect("a default retention");
    (
        r.mode().map(|m| m.as_str().to_owned()).unwrap_or_default(),
        r.days().unwrap_or_default(),
    )
}

/// (role, destination bucket, storage class) of the first replication rule, or `None`.
async fn replication(s3: &Client, bucket: &str) -> Option<(String, String, String)> {
    let out = s3
        .get_bucket_replication()
        .bucket(bucket)
        .send()
        .await
        .ok()?;
    let c = out.replication_configuration()?;
    let d = c.rules().first()?.destination()?;
    Some((
        c.role().to_owned(),
        d.bucket().to_owned(),
        d.storage_class()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_lock_and_replication_apply_replan_update_repair_and_destroy() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let s3 = Client::new(&config);
    let p = Project::new("s3cfg", moto, |n| locked_and_replicated(n, 1, "STANDARD"));
    let (locked, source, replica) = (
        format!("{}-locked", p.name),
        format!("{}-source", p.name),
        format!("{}-replica", p.name),
    );
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    assert_eq!(retention(&s3, &locked).await, ("GOVERNANCE".into(), 1));
    let role = format!("arn:aws:iam::123456789012:role/{}-replication", p.name);
    let replica_arn = format!("arn:aws:s3:::{replica}");
    assert_eq!(
        replication(&s3, &source).await,
        Some((role.clone(), replica_arn.clone(), "STANDARD".into()))
    );
    // moto names GetBucketAccelerateConfiguration's root wrongly: the SDK refuses the answer,
    // whose body still says the status.
    let accelerate = s3
        .get_bucket_accelerate_configuration()
        .bucket(&source)
        .send()
        .await;
    let status = match accelerate {
        Ok(a) => a.status().map(|s| s.as_str().to_owned()),
        Err(e) => e
            .raw_response()
            .and_then(|r| r.body().bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .filter(|body| body.contains("<Status>Enabled</Status>"))
            .map(|_| "Enabled".to_owned()),
    };
    assert_eq!(status.as_deref(), Some("Enabled"));

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "re-plans empty: {}", stdout(&out));

    // A longer retention and another storage class: both updates in place.
    p.write_template(&locked_and_replicated(&p.name, 2, "STANDARD_IA"));
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    let text = stdout(&out);
    assert_eq!(code(&out), Some(2), "{text}{}", stderr(&out));
    assert!(
        text.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{text}"
    );
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(retention(&s3, &locked).await, ("GOVERNANCE".into(), 2));
    assert_eq!(
        replication(&s3, &source).await,
        Some((role.clone(), replica_arn.clone(), "STANDARD_IA".into()))
    );

    // Replication removed outside fuelflow is drift, and apply puts it back.
    s3.delete_bucket_replication()
        .bucket(&source)
        .send()
        .await
        .unwrap();
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    let text = stdout(&out);
    assert_eq!(code(&out), Some(2), "{text}{}", stderr(&out));
    assert!(text.contains("ReplicationConfiguration"), "{text}");
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        replication(&s3, &source).await,
        Some((role, replica_arn, "STANDARD_IA".into()))
    );

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    for bucket in [&locked, &source, &replica] {
        let gone = s3.head_bucket().bucket(bucket).send().await;
        assert!(gone.is_err(), "{bucket} is still there");
    }
}

fn tiered(name: &str) -> String {
    format!(
        "Resources:
  Tiered:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {name}-tiered
      IntelligentTieringConfigurations:
        - Id: archive
          Status: Enabled
          Prefix: cold/
          Tierings: [{{AccessTier: ARCHIVE_ACCESS, Days: 90}}, {{AccessTier: DEEP_ARCHIVE_ACCESS, Days: 180}}]
      MetricsConfigurations:
        - Id: everything
        - Id: reports
          Prefix: reports/
          TagFilters: [{{Key: kind, Value: report}}]
"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intelligent_tiering_and_metrics_are_sent_moto_lacking_them() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("s3tier", moto, tiered);
    let upstream = format!("127.0.0.1:{}", moto.port).parse().unwrap();
    let proxy = Proxy::start(upstream, ProxyConfig::default()).await;
    p.endpoint = proxy.endpoint();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let sent: Vec<String> = proxy
        .stats
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|(service, _)| service == "s3")
        .map(|(_, action)| action.clone())
        .collect();
    let count = |action: &str| sent.iter().filter(|a| *a == action).count();
    assert_eq!(count("PUT bucket?intelligent-tiering"), 1, "{sent:?}");
    assert_eq!(count("PUT bucket?metrics"), 2, "{sent:?}");
    // Nothing was deleted (moto would take a configuration's DELETE for DeleteBucket).
    assert!(!sent.iter().any(|a| a.starts_with("DELETE")), "{sent:?}");

    // moto answers the list calls with a ListObjects document: the read fails, naming the
    // operation, rather than taking it for "no configurations".
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ListBucketIntelligentTieringConfigurations")
            || err.contains("ListBucketMetricsConfigurations"),
        "{err}"
    );

    // destroy refreshes first, which fails the same way on moto while the bucket exists: the
    // bucket is deleted with the SDK, and destroy then finds it gone and forgets it.
    let s3 = Client::new(&config);
    let bucket = format!("{}-tiered", p.name);
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(s3.head_bucket().bucket(&bucket).send().await.is_err());
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert!(stdout(&out).contains("1 to add"), "{}", stdout(&out));
}
