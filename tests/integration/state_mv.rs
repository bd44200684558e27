//! `state mv` and `state rm` through the CLI against moto: a template rename followed by
//! `state mv` plans nothing (and the bucket's ownership tags follow), a move to another stack
//! likewise, a move onto a recorded id is refused, and `state rm` forgets a bucket that stays.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};
use std::collections::BTreeMap;

fn bucket(logical_id: &str, name: &str) -> String {
    format!(
        "Resources:\n  {logical_id}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {name}\n      Tags: [{{Key: team, Value: data}}]\n"
    )
}

async fn tags(s3: &aws_sdk_s3::Client, bucket: &str) -> BTreeMap<String, String> {
    let out = s3.get_bucket_tagging().bucket(bucket).send().await.unwrap();
    out.tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn no_changes(project: &Project) {
    let out = project.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
}

#[tokio::test]
async fn a_rename_and_a_move_between_stacks_plan_nothing_and_the_tags_follow() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let project = Project::new("smv", moto, |name| bucket("Old", &format!("{name}-data")));
    let name = project.name.clone();
    let data = format!("{name}-data");
    let s3 = fuelflow::aws::s3_client(&config);
    // Two stacks: `web` starts with a bucket of its own.
    std::fs::write(
        project.path().join("fuelflow.yaml"),
        format!("project: {name}\nregion: us-east-1\nbackend: {{bucket: {name}-state, lock_table: {name}-locks}}\nstacks:\n  app: app.yaml\n  web: web.yaml\nenvironments:\n  dev: {{}}\n"),
    )
    .unwrap();
    let web_template = |extra: &str| bucket("Site", &format!("{name}-site")) + extra;
    std::fs::write(project.path().join("web.yaml"), web_template("")).unwrap();
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    // Renamed in the template, then in the state: nothing to do, and no bucket re-created.
    project.write_template(&bucket("New", &data));
    let out = project.run(&["state", "mv", "--env", "dev", "app.Old", "app.New"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("Moved app.Old to app.New"),
        "{}",
        stdout(&out)
    );
    no_changes(&project);
    let found = tags(&s3, &data).await;
    assert_eq!(
        found.get("fuelflow:logical-id").map(String::as_str),
        Some("New"),
        "{found:?}"
    );
    assert_eq!(
        found.get("team").map(String::as_str),
        Some("data"),
        "{found:?}"
    );

    // Onto an id the target state records: refused, nothing written.
    let serial = project.state(&config).await.unwrap().serial;
    let out = project.run(&["state", "mv", "--env", "dev", "app.New", "web.Site"]);
    assert_eq!(code(&out), Some(1));
    assert!(
        stderr(&out).contains("web.Site is already recorded"),
        "{}",
        stderr(&out)
    );
    assert_eq!(project.state(&config).await.unwrap().serial, serial);

    // Moved to the other stack, in the templates and the states.
    project.write_template("Resources: {}\n");
    let moved = "  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: "
        .to_string()
        + &data
        + "\n      Tags: [{Key: team, Value: data}]\n";
    std::fs::write(project.path().join("web.yaml"), web_template(&moved)).unwrap();
    let out = project.run(&["state", "mv", "--env", "dev", "app.New", "web.Data"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    no_changes(&project);
    let found = tags(&s3, &data).await;
    assert_eq!(
        found.get("fuelflow:stack").map(String::as_str),
        Some(format!("{name}-web-dev").as_str()),
        "{found:?}"
    );
    assert_eq!(
        found.get("fuelflow:logical-id").map(String::as_str),
        Some("Data")
    );
    let app = project.state(&config).await.unwrap();
    assert!(app.resources.is_empty(), "{app:#?}");
    let backend = project.backend(&config);
    let web = backend
        .store
        .get(&backend.key("dev", "web"))
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(web.resources["Data"].physical_id, data);
    assert_eq!(project.lock_items(&config).await, 0);

    // Forgotten: the bucket stays in AWS, the state no longer has it.
    let out = project.run(&["state", "rm", "--env", "dev", "web.Site"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("still exists in AWS"),
        "{}",
        stdout(&out)
    );
    let site = format!("{name}-site");
    assert!(s3.head_bucket().bucket(&site).send().await.is_ok());
    let web = backend
        .store
        .get(&backend.key("dev", "web"))
        .await
        .unwrap()
        .unwrap()
        .0;
    assert!(!web.resources.contains_key("Site"));
    assert!(web.resources.contains_key("Data"));
}
