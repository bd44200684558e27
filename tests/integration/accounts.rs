//! Accounts and regions per environment against moto: `environments.<env>.region` puts the
//! resources and the backend there; `role_arn` is assumed (the STS AssumeRole call is seen by
//! the test proxy, since moto accepts any credentials and would not tell).

use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, short_name, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output};

/// A project `name` with one bucket, and `environments` as written, run against `endpoint`.
fn project(name: &str, environments: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fuelflow.yaml"),
        format!(
            "project: {name}\nregion: us-east-1\nbackend: {{bucket: '{name}-state-${{AWS::Region}}', lock_table: {name}-locks}}\nstacks:\n  app: app.yaml\nenvironments:\n{environments}"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.yaml"),
        format!("Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '{name}-data-${{AWS::Region}}'\n"),
    )
    .unwrap();
    dir
}

fn run(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .current_dir(dir)
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fuelflow");
    assert!(
        out.status.success(),
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

/// Where S3 says the bucket is (`us-east-1` reads back as no constraint).
async fn bucket_region(config: &aws_config::SdkConfig, bucket: &str) -> String {
    let out = fuelflow::aws::s3_client(config)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    out.location_constraint()
        .map(|c| c.as_str().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "us-east-1".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_with_its_own_region_deploys_there_and_keeps_its_backend_there() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let name = short_name("acct-eu");
    let dir = project(&name, "  dev: {}\n  eu: {region: eu-west-1}\n");
    run(
        dir.path(),
        &moto.endpoint(),
        &["bootstrap", "--env", "eu", "--auto-approve"],
    );
    run(
        dir.path(),
        &moto.endpoint(),
        &["apply", "--env", "eu", "--auto-approve"],
    );
    assert_eq!(
        bucket_region(&config, &format!("{name}-data-eu-west-1")).await,
        "eu-west-1"
    );
    assert_eq!(
        bucket_region(&config, &format!("{name}-state-eu-west-1")).await,
        "eu-west-1",
        "the state bucket follows the environment's region"
    );
    // The lock table is in eu-west-1 (DynamoDB tables are regional).
    let eu = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&eu)
        .describe_table()
        .table_name(format!("{name}-locks"))
        .send()
        .await
        .expect("the lock table is in eu-west-1");
    // --region still wins over the environment's.
    let plan = run(
        dir.path(),
        &moto.endpoint(),
        &["plan", "--env", "eu", "--region", "eu-west-1"],
    );
    assert!(stdout(&plan).contains("No changes"), "{}", stdout(&plan));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_with_a_role_arn_assumes_it_for_every_call() {
    let moto = MotoServer::shared();
    let proxy = Proxy::start(
        format!("127.0.0.1:{}", moto.port).parse().unwrap(),
        ProxyConfig::default(),
    )
    .await;
    let name = short_name("acct-role");
    let role_arn = format!("arn:aws:iam::123456789012:role/{name}-deployer");
    let dir = project(
        &name,
        &format!(
            "  dev: {{}}\n  prod:\n    role_arn: {role_arn}\n    external_id: ext-42\n    session_name: ci-deploy\n"
        ),
    );
    run(
        dir.path(),
        &proxy.endpoint(),
        &["bootstrap", "--env", "dev", "--auto-approve"],
    );
    let calls = proxy.stats.snapshot();
    assert!(
        !calls.contains_key(&("sts".to_string(), "AssumeRole".to_string())),
        "dev has no role: {calls:?}"
    );
    proxy.stats.reset();
    run(
        dir.path(),
        &proxy.endpoint(),
        &["apply", "--env", "prod", "--auto-approve"],
    );
    let calls = proxy.stats.snapshot();
    let assumed = calls
        .get(&("sts".to_string(), "AssumeRole".to_string()))
        .copied()
        .unwrap_or(0);
    assert!(assumed >= 1, "no sts:AssumeRole in {calls:?}");
    // moto answers assumed-role credentials with the role's account and session.
    let config = moto.sdk_config().await;
    assert_eq!(
        bucket_region(&config, &format!("{name}-data-us-east-1")).await,
        "us-east-1"
    );
}
