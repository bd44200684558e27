//! Lifecycle controls in `Metadata.fuelflow`, through the CLI against moto: `IgnoreChanges`
//! leaves tags changed in AWS alone (neither shown nor reset, still sent at create), and
//! `Protect` (given per environment with `Fn::If`) refuses a replacement, a removal from the
//! template and a destroy where it is true, naming the stack and the logical id.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};
use std::collections::BTreeMap;

fn ignoring(name: &str, versioning: &str) -> String {
    format!(
        r#"Resources:
  Data:
    Type: AWS::S3::Bucket
    Metadata:
      fuelflow:
        IgnoreChanges: [Tags]
    Properties:
      BucketName: {name}-ignored
      VersioningConfiguration: {{Status: {versioning}}}
      Tags: [{{Key: team, Value: data}}]
"#
    )
}

async fn bucket_tags(s3: &aws_sdk_s3::Client, bucket: &str) -> BTreeMap<String, String> {
    let out = s3.get_bucket_tagging().bucket(bucket).send().await.unwrap();
    out.tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

#[tokio::test]
async fn ignored_tags_changed_in_aws_are_neither_shown_nor_reset() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let project = Project::new("lci", moto, |name| ignoring(name, "Enabled"));
    let bucket = format!("{}-ignored", project.name);
    let s3 = fuelflow::aws::s3_client(&config);
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    // Still sent at create.
    let tags = bucket_tags(&s3, &bucket).await;
    assert_eq!(
        tags.get("team").map(String::as_str),
        Some("data"),
        "{tags:?}"
    );

    // The organisation's tagging changes the tags outside fuelflow.
    let mut changed: Vec<aws_sdk_s3::types::Tag> = tags
        .iter()
        .filter(|(k, _)| k.as_str() != "team")
        .map(|(k, v)| {
            aws_sdk_s3::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        })
        .collect();
    changed.push(
        aws_sdk_s3::types::Tag::builder()
            .key("cost-center")
            .value("42")
            .build()
            .unwrap(),
    );
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(changed))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let out = project.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains("Tags"), "{}", stdout(&out));

    // Another property's update does not reset the tags either.
    project.write_template(&ignoring(&project.name, "Suspended"));
    let out = project.run(&["plan", "--env", "dev"]);
    let text = stdout(&out);
    assert!(text.contains("VersioningConfiguration"), "{text}");
    assert!(!text.contains("Tags"), "{text}");
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    // moto answers GetBucketVersioning with a root element the SDK refuses to decode: read the
    // status from the raw answer then.
    let versioning = match s3.get_bucket_versioning().bucket(&bucket).send().await {
        Ok(v) => format!(
            "<Status>{}</Status>",
            v.status().map(|s| s.as_str()).unwrap_or("")
        ),
        Err(e) => format!("{e:?}"),
    };
    assert!(
        versioning.contains("<Status>Suspended</Status>"),
        "{versioning}"
    );
    let tags = bucket_tags(&s3, &bucket).await;
    assert_eq!(
        tags.get("cost-center").map(String::as_str),
        Some("42"),
        "{tags:?}"
    );
    assert!(!tags.contains_key("team"), "{tags:?}");
}

fn protected(name: &str, version: u32) -> String {
    format!(
        r#"Parameters:
  Env: {{Type: String}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Data:
    Type: AWS::S3::Bucket
    Metadata:
      fuelflow:
        Protect: !If [IsProd, true, false]
    Properties:
      BucketName: !Sub "{name}-${{Env}}-{version}"
"#
    )
}

fn two_environments(project: &Project) {
    let name = &project.name;
    std::fs::write(
        project.path().join("fuelflow.yaml"),
        format!(
            "project: {name}\nregion: us-east-1\nbackend: {{bucket: {name}-state, lock_table: {name}-locks}}\nstacks:\n  app: app.yaml\nenvironments:\n  dev: {{parameters: {{Env: dev}}}}\n  prod: {{parameters: {{Env: prod}}}}\n"
        ),
    )
    .unwrap();
}

async fn exists(s3: &aws_sdk_s3::Client, bucket: &str) -> bool {
    s3.head_bucket().bucket(bucket).send().await.is_ok()
}

#[tokio::test]
async fn protect_given_per_environment_refuses_replacement_removal_and_destroy_in_prod_only() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let project = Project::new("lcp", moto, |name| protected(name, 1));
    two_environments(&project);
    let name = project.name.clone();
    let s3 = fuelflow::aws::s3_client(&config);
    for env in ["dev", "prod"] {
        let out = project.run(&["apply", "--env", env, "--auto-approve"]);
        assert!(
            out.status.success(),
            "{env}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let prod_bucket = format!("{name}-prod-1");
    assert!(exists(&s3, &prod_bucket).await);

    // A new name is a create-only change: a replacement.
    project.write_template(&protected(&name, 2));
    let out = project.run(&["apply", "--env", "prod", "--auto-approve"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "stack {name}-app-prod: Data (AWS::S3::Bucket) is protected (Metadata.fuelflow.Protect) and a change of create-only BucketName would replace it"
        )),
        "{err}"
    );
    assert!(exists(&s3, &prod_bucket).await, "nothing was replaced");
    // Not protected in dev: replaced there.
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(!exists(&s3, &format!("{name}-dev-1")).await);
    assert!(exists(&s3, &format!("{name}-dev-2")).await);

    // Removed from the template (its Metadata with it): the state still says protected.
    project.write_template("Parameters:\n  Env: {Type: String}\nResources: {}\n");
    let out = project.run(&["plan", "--env", "prod"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("is protected (Metadata.fuelflow.Protect) and it was removed from the template and would be deleted"),
        "{}",
        stderr(&out)
    );
    // destroy is refused too.
    project.write_template(&protected(&name, 1));
    let out = project.run(&["destroy", "--env", "prod", "--auto-approve"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Data (AWS::S3::Bucket) is protected"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("destroy would delete it"),
        "{}",
        stderr(&out)
    );
    assert!(
        exists(&s3, &prod_bucket).await,
        "the protected bucket stays"
    );
    let backend = project.backend(&config);
    let state = backend
        .store
        .get(&backend.key("prod", "app"))
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(state.resources["Data"].physical_id, prod_bucket);
    assert_eq!(project.lock_items(&config).await, 0, "every lock released");
}
