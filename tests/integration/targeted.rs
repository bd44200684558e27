//! Targeted runs through the CLI against moto: `--replace` replaces a resource nothing changed
//! ("replace (requested)"), `--exclude` leaves a resource and what depends on it out (and says
//! so), `--refresh-only` records the live values in the state without changing AWS, and an id
//! naming nothing is refused before any AWS call.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};

fn buckets(retention: u32) -> String {
    format!(
        r#"Resources:
  Data:
    Type: AWS::S3::Bucket
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/targeted/${{Data}}"
      RetentionInDays: {retention}
  Other:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: {retention}
"#
    )
}

async fn bucket_exists(s3: &aws_sdk_s3::Client, bucket: &str) -> bool {
    s3.head_bucket().bucket(bucket).send().await.is_ok()
}

async fn retention(logs: &aws_sdk_cloudwatchlogs::Client, group: &str) -> Option<i32> {
    let out = logs
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .unwrap();
    out.log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(group))
        .and_then(|g| g.retention_in_days())
}

#[tokio::test]
async fn replace_replaces_what_nothing_changed_and_exclude_leaves_out_dependents() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let project = Project::new("tgr", moto, |_| buckets(7));
    let s3 = fuelflow::aws::s3_client(&config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let state = project.state(&config).await.unwrap();
    let (old_bucket, old_logs, other) = (
        state.resources["Data"].physical_id.clone(),
        state.resources["Logs"].physical_id.clone(),
        state.resources["Other"].physical_id.clone(),
    );

    // --exclude Data: Logs depends on it and is left out too; only Other changes.
    project.write_template(&buckets(14));
    let out = project.run(&["plan", "--env", "dev", "--exclude", "Data"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("# Data excluded (--exclude)"), "{text}");
    assert!(
        text.contains("# Logs excluded (depends on app.Data (excluded)); its update is left out"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{text}"
    );
    let out = project.run(&["plan", "--env", "dev", "--exclude", "Data", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan --json");
    assert_eq!(
        report["excluded"],
        serde_json::json!([
            {"stack": "app", "logical_id": "Data", "because": "--exclude", "left_out": null},
            {"stack": "app", "logical_id": "Logs", "because": "depends on app.Data (excluded)",
             "left_out": "update"}
        ])
    );
    let out = project.run(&[
        "apply",
        "--env",
        "dev",
        "--auto-approve",
        "--exclude",
        "app.Data",
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(retention(&logs, &other).await, Some(14));
    assert_eq!(retention(&logs, &old_logs).await, Some(7), "excluded");

    // --replace Data: a new bucket although nothing changed; Logs follows its new name.
    project.write_template(&buckets(7));
    let out = project.run(&["plan", "--env", "dev", "--replace", "Data"]);
    let text = stdout(&out);
    assert!(
        text.contains("will replace [replace (requested)]"),
        "{text}"
    );
    let out = project.run(&[
        "apply",
        "--env",
        "dev",
        "--auto-approve",
        "--replace",
        "Data",
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let state = project.state(&config).await.unwrap();
    let new_bucket = state.resources["Data"].physical_id.clone();
    assert_ne!(new_bucket, old_bucket);
    assert!(bucket_exists(&s3, &new_bucket).await);
    assert!(
        !bucket_exists(&s3, &old_bucket).await,
        "the old copy is deleted"
    );
    assert_eq!(
        state.resources["Logs"].physical_id,
        format!("/targeted/{new_bucket}")
    );
    assert_eq!(retention(&logs, &other).await, Some(7));
    let out = project.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
}

#[tokio::test]
async fn an_unknown_id_is_refused_before_any_aws_call() {
    let moto = MotoServer::shared();
    let project = Project::new("tgu", moto, |_| buckets(7));
    for option in ["--replace", "--exclude"] {
        // Nothing listens on port 9: an AWS call or a lock would fail differently.
        let out = project
            .command(&["plan", "--env", "dev", option, "Nope"])
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(1));
        assert!(
            stderr(&out).contains(&format!(
                "{option} Nope: no resource of the selected stacks is named Nope"
            )),
            "{}",
            stderr(&out)
        );
    }
}

#[tokio::test]
async fn refresh_only_records_the_live_values_and_changes_nothing_in_aws() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let project = Project::new("tgf", moto, |_| buckets(7));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let before = project.state(&config).await.unwrap();
    let other = before.resources["Other"].physical_id.clone();
    logs.put_retention_policy()
        .log_group_name(&other)
        .retention_in_days(30)
        .send()
        .await
        .unwrap();

    let out = project.run(&["plan", "--env", "dev", "--refresh-only"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("Other (AWS::Logs::LogGroup) will be recorded as it is in AWS"),
        "{text}"
    );
    assert!(text.contains("RetentionInDays"), "{text}");
    assert!(
        text.contains("Refresh only: 1 to record, 0 to forget in the state; 0 to add, 0 to change, 0 to destroy in AWS."),
        "{text}"
    );
    let out = project.run(&["apply", "--env", "dev", "--auto-approve", "--refresh-only"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        retention(&logs, &other).await,
        Some(30),
        "AWS is not changed"
    );
    let after = project.state(&config).await.unwrap();
    assert_eq!(after.serial, before.serial + 1, "one write");
    assert_eq!(
        after.resources["Other"].properties["RetentionInDays"],
        serde_json::json!(30)
    );
    // Nothing left to accept.
    let out = project.run(&[
        "plan",
        "--env",
        "dev",
        "--refresh-only",
        "--detailed-exitcode",
    ]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
}
