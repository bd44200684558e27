//! The reconciler end to end through the CLI against moto, checking live resources with the
//! SDK: apply, empty re-plan, drift repaired, update in place, replacement, stale saved plan,
//! `--json`, a held lock, destroy.

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};
use std::path::Path;

struct Project {
    dir: tempfile::TempDir,
    name: String,
}

impl Project {
    fn new(moto: &MotoServer) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let name = unique("rec").to_lowercase().replace('_', "-");
        let name: String = name
            .chars()
            .take(30)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string();
        std::fs::write(
            dir.path().join("fuelflow.yaml"),
            format!("project: {name}\nregion: us-east-1\nbackend:\n  bucket: {name}-state\n  lock_table: {name}-locks\nstacks:\n  app: app.yaml\nenvironments:\n  dev:\n    parameters: {{ Suffix: one }}\n"),
        )
        .unwrap();
        let p = Project { dir, name };
        p.template("a", "blue");
        let out = p.run(&["bootstrap", "--env", "dev", "--auto-approve"], moto);
        assert!(out.status.success(), "{}", stderr(&out));
        p
    }

    fn template(&self, bucket_suffix: &str, tag: &str) {
        let t = format!(
            r#"
Parameters:
  Suffix: {{Type: String}}
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '{name}-data-{bucket_suffix}'
      VersioningConfiguration: {{Status: Enabled}}
      Tags:
        - {{Key: team, Value: {tag}}}
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}-app
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read-data
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [s3:GetObject]
                Resource: !Sub '${{Data.Arn}}/*'
Outputs:
  DataBucket:
    Value: !Ref Data
    Export: {{Name: !Sub '${{AWS::StackName}}-data'}}
  RoleArn:
    Value: !GetAtt AppRole.Arn
"#,
            name = self.name
        );
        std::fs::write(self.dir.path().join("app.yaml"), t).unwrap();
    }

    fn run(&self, args: &[&str], moto: &MotoServer) -> std::process::Output {
        fuelflow(self.path(), args, Some(moto))
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

#[tokio::test]
async fn apply_replan_drift_update_replace_destroy() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let p = Project::new(moto);
    p.template("a", "blue");
    let bucket = format!("{}-data-a", p.name);
    let role = format!("{}-app", p.name);

    // Apply creates everything; the live resources match the template.
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"], moto);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let versioning = s3.get_bucket_versioning().bucket(&bucket).send().await;
    if let Ok(v) = versioning {
        assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
    }
    let policy = iam
        .get_role_policy()
        .role_name(&role)
        .policy_name("read-data")
        .send()
        .await
        .unwrap();
    assert!(
        policy.policy_document().contains("s3%3AGetObject")
            || policy.policy_document().contains("s3:GetObject")
    );
    let outputs = p.run(&["output", "--env", "dev", "--json"], moto);
    let outputs: serde_json::Value = serde_json::from_slice(&outputs.stdout).unwrap();
    assert_eq!(outputs["app"]["DataBucket"], bucket.as_str());

    // A second plan has nothing to do.
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"], moto);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("No changes"));

    // Drift: the inline policy deleted and the role's tags... the plan shows it, apply repairs it.
    iam.delete_role_policy()
        .role_name(&role)
        .policy_name("read-data")
        .send()
        .await
        .unwrap();
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"], moto);
    assert_eq!(code(&out), Some(2), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("AppRole") && stdout(&out).contains("drift"),
        "{}",
        stdout(&out)
    );
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"], moto);
    assert!(out.status.success(), "{}", stderr(&out));
    iam.get_role_policy()
        .role_name(&role)
        .policy_name("read-data")
        .send()
        .await
        .expect("policy restored");
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"], moto);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));

    // The role deleted outside fuelflow is planned for re-creation.
    iam.delete_role_policy()
        .role_name(&role)
        .policy_name("read-data")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name(&role).send().await.unwrap();
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"], moto);
    assert_eq!(code(&out), Some(2));
    assert!(
        stdout(&out).contains("deleted outside fuelflow"),
        "{}",
        stdout(&out)
    );
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"], moto);
    assert!(out.status.success(), "{}", stderr(&out));
    iam.get_role()
        .role_name(&role)
        .send()
        .await
        .expect("role re-created");

    // An in-place update.
    p.template("a", "green");
    let out = p.run(&["plan", "--env", "dev"], moto);
    assert!(
        stdout(&out).contains("~ Data (AWS::S3::Bucket) will update in place"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        stdout(&out)
    );
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"], moto);
    assert!(out.status.success(), "{}", stderr(&out));

    // A saved plan goes stale when the state moves.
    p.template("b", "green");
    let plan_file = p.path().join("replace.plan");
    let out = p.run(
        &[
            "plan",
            "--env",
            "dev",
            "--out",
            plan_file.to_str().unwrap(),
            "--json",
        ],
        moto,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan --json is JSON");
    assert_eq!(json["summary"]["add"], 1);
    let data = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["logical_id"] == "Data")
        .unwrap();
    assert_eq!(data["action"], "replace");
    assert_eq!(data["replace_because"], serde_json::json!(["BucketName"]));

    // Replacement of a create-only property (the role's policy follows the new bucket's ARN).
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"], moto);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    s3.head_bucket()
        .bucket(format!("{}-data-b", p.name))
        .send()
        .await
        .expect("new bucket");
    assert!(
        s3.head_bucket().bucket(&bucket).send().await.is_err(),
        "old bucket deleted"
    );
    let stale = p.run(
        &["apply", "--env", "dev", plan_file.to_str().unwrap()],
        moto,
    );
    assert_eq!(code(&stale), Some(1));
    assert!(stderr(&stale).contains("stale plan"), "{}", stderr(&stale));

    // Destroy removes everything; the state keeps its lineage with no resources.
    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"], moto);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(iam.get_role().role_name(&role).send().await.is_err());
    assert!(
        s3.head_bucket()
            .bucket(format!("{}-data-b", p.name))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_held_lock_exits_3_naming_the_holder() {
    let moto = MotoServer::shared();
    let p = Project::new(moto);
    p.template("a", "blue");
    let config = moto.sdk_config().await;
    let backend = fuelflow::backend::Backend::connect(
        &config,
        fuelflow::backend::BackendNames {
            bucket: format!("{}-state", p.name),
            lock_table: format!("{}-locks", p.name),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        },
    );
    let held = backend
        .locker
        .try_lock(&backend.lock_request("dev", "app", "apply"))
        .await
        .unwrap();
    let out = p.run(&["plan", "--env", "dev"], moto);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains(&held.id)
            && message.contains(&held.who)
            && message.contains("force-unlock"),
        "{message}"
    );
    backend.locker.unlock(&held.path, &held.id).await.unwrap();
    let out = p.run(&["plan", "--env", "dev"], moto);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
}
