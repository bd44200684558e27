//! Two stacks wired by an export and an import: one apply creates both in order; `--target`
//! plans a resource with what it depends on only; destroying the exporting stack alone is
//! refused while the importer exists.

use crate::support::{MotoServer, fuelflow, short_name, stderr, stdout};

#[tokio::test]
async fn exports_imports_targets_and_protected_destroy() {
    let moto = MotoServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let name = short_name("ms");
    std::fs::write(
        dir.path().join("fuelflow.yaml"),
        format!("project: {name}\nregion: us-east-1\nbackend: {{bucket: {name}-state, lock_table: {name}-locks}}\nstacks:\n  web: web.yaml\n  base: base.yaml\nenvironments:\n  dev: {{}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "Resources:\n  Logs: {Type: AWS::S3::Bucket}\n  Other: {Type: AWS::S3::Bucket}\nOutputs:\n  LogsName:\n    Value: !Ref Logs\n    Export: {Name: !Sub '${AWS::StackName}-logs'}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("web.yaml"),
        format!("Resources:\n  Site:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: [{{Key: logs, Value: !ImportValue {name}-base-dev-logs}}]\n"),
    )
    .unwrap();
    let run = |args: &[&str]| fuelflow(dir.path(), args, Some(moto));
    assert!(
        run(&["bootstrap", "--env", "dev", "--auto-approve"])
            .status
            .success()
    );

    let targeted = run(&["plan", "--env", "dev", "--target", "Site"]);
    let text = stdout(&targeted);
    assert!(
        text.contains("+ Site") && text.contains("+ Logs") && !text.contains("+ Other"),
        "{text}"
    );
    assert!(text.contains("Plan: 2 to add"), "{text}");

    let out = run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let config = moto.sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let outputs: serde_json::Value =
        serde_json::from_slice(&run(&["output", "--env", "dev", "--json"]).stdout).unwrap();
    let logs = outputs["base"]["LogsName"].as_str().unwrap().to_string();
    let buckets = s3.list_buckets().send().await.unwrap();
    let site = buckets
        .buckets()
        .iter()
        .filter_map(|b| b.name())
        .find(|b| b.contains(&format!("{name}-web-dev-site")))
        .expect("site bucket")
        .to_string();
    let tags = s3.get_bucket_tagging().bucket(&site).send().await;
    if let Ok(tags) = tags {
        assert!(
            tags.tag_set()
                .iter()
                .any(|t| t.key() == "logs" && t.value() == logs),
            "the import resolved to the export"
        );
    }

    let refused = run(&[
        "destroy",
        "--env",
        "dev",
        "--stack",
        "base",
        "--auto-approve",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("imported by web.Site"),
        "{}",
        stderr(&refused)
    );
    s3.head_bucket()
        .bucket(&logs)
        .send()
        .await
        .expect("nothing was deleted");

    let out = run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(s3.head_bucket().bucket(&logs).send().await.is_err());
}
