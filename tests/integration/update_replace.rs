//! `UpdateReplacePolicy` through the CLI against moto: `Retain` keeps the old copy of a replaced
//! resource in AWS (no longer managed), `Snapshot` deletes an old DB instance with a final
//! snapshot, and a `Retain` whose replacement would need the kept resource's name is refused at
//! plan time with nothing changed.

use crate::support::MotoServer;
use crate::support::project::{Project, code};
use crate::support::{stderr, stdout};

fn template(name: &str, version: u32, role_path: &str) -> String {
    format!(
        r#"Resources:
  Kept:
    Type: AWS::S3::Bucket
    UpdateReplacePolicy: Retain
    Properties:
      BucketName: {name}-kept-{version}
  Db:
    Type: AWS::RDS::DBInstance
    UpdateReplacePolicy: Snapshot
    DeletionPolicy: Delete
    Properties:
      DBInstanceIdentifier: {name}-db-{version}
      Engine: mysql
      DBInstanceClass: db.t3.micro
      AllocatedStorage: 20
      MasterUsername: admin
      MasterUserPassword: another-Secret-99
  Role:
    Type: AWS::IAM::Role
    UpdateReplacePolicy: Retain
    Properties:
      RoleName: {name}-role
      Path: {role_path}
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}
"#
    )
}

async fn bucket_exists(s3: &aws_sdk_s3::Client, bucket: &str) -> bool {
    s3.head_bucket().bucket(bucket).send().await.is_ok()
}

async fn instance_exists(rds: &aws_sdk_rds::Client, id: &str) -> bool {
    rds.describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn retain_keeps_the_old_copy_snapshot_keeps_a_final_snapshot() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let project = Project::new("urp", moto, |name| template(name, 1, "/a/"));
    let name = project.name.clone();
    let s3 = fuelflow::aws::s3_client(&config);
    let rds = aws_sdk_rds::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);

    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    // New names force both replacements; the plan says what happens to the old copies.
    project.write_template(&template(&name, 2, "/a/"));
    let out = project.run(&["plan", "--env", "dev"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    // Long reasons wrap at 160 columns: compare the words.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("UpdateReplacePolicy: Retain (the old one is kept in AWS"),
        "{text}"
    );
    assert!(
        flat.contains(
            "UpdateReplacePolicy: Snapshot (the old instance is deleted with a final snapshot)"
        ),
        "{text}"
    );
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    let (old_bucket, new_bucket) = (format!("{name}-kept-1"), format!("{name}-kept-2"));
    assert!(
        bucket_exists(&s3, &old_bucket).await,
        "the retained bucket is gone"
    );
    assert!(bucket_exists(&s3, &new_bucket).await);
    let (old_db, new_db) = (format!("{name}-db-1"), format!("{name}-db-2"));
    assert!(
        !instance_exists(&rds, &old_db).await,
        "the old instance is still there"
    );
    assert!(instance_exists(&rds, &new_db).await);
    let snapshots = rds
        .describe_db_snapshots()
        .db_instance_identifier(&old_db)
        .send()
        .await
        .unwrap();
    let snapshot_ids: Vec<&str> = snapshots
        .db_snapshots()
        .iter()
        .filter_map(|s| s.db_snapshot_identifier())
        .collect();
    assert_eq!(snapshot_ids.len(), 1, "{snapshot_ids:?}");
    assert!(
        snapshot_ids[0].starts_with(&format!("{old_db}-final-")),
        "{snapshot_ids:?}"
    );

    // The state manages only the new copies, and a new plan is empty.
    let state = project.state(&config).await.unwrap();
    assert_eq!(
        Project::recorded(&state, "AWS::S3::Bucket"),
        vec![new_bucket.clone()]
    );
    assert_eq!(
        Project::recorded(&state, "AWS::RDS::DBInstance"),
        vec![new_db.clone()]
    );
    let out = project.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));

    // A new path replaces the role, and Retain would keep the old one under the name the new one
    // needs: refused at plan time, naming the resource; nothing is touched.
    project.write_template(&template(&name, 2, "/b/"));
    let serial = state.serial;
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    let err = stderr(&out);
    assert_eq!(code(&out), Some(1), "{}\n{err}", stdout(&out));
    assert!(
        err.contains("Role") && err.contains("UpdateReplacePolicy"),
        "{err}"
    );
    assert!(err.contains(&format!("`{name}-role`")), "{err}");
    let role = iam
        .get_role()
        .role_name(format!("{name}-role"))
        .send()
        .await
        .unwrap();
    assert_eq!(role.role().map(|r| r.path()), Some("/a/"));
    assert_eq!(project.state(&config).await.unwrap().serial, serial);
    assert_eq!(project.lock_items(&config).await, 0);

    // Destroy deletes what is managed and leaves the retained bucket alone.
    project.write_template(&template(&name, 2, "/a/"));
    let out = project.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(!bucket_exists(&s3, &new_bucket).await);
    assert!(!instance_exists(&rds, &new_db).await);
    assert!(bucket_exists(&s3, &old_bucket).await);
    s3.delete_bucket().bucket(&old_bucket).send().await.unwrap();
}
