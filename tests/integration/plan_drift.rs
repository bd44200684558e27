//! The issue's acceptance through the CLI against moto: a role with three inline policies, one
//! statement of one of them changed outside fuelflow. The plan prints the changed action and
//! nothing of the other two policies, no line over 160 columns, the role's block in about 20
//! lines (the drift section and the action together).

use crate::support::project::Project;
use crate::support::{MotoServer, stderr, stdout};

fn role(name: &str) -> String {
    let policy = |policy: &str, actions: &str| {
        format!(
            "        - PolicyName: {policy}\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              - Sid: Objects\n                Effect: Allow\n                Action: [{actions}]\n                Resource: 'arn:aws:s3:::{name}-{policy}/*'\n              - Sid: List\n                Effect: Allow\n                Action: s3:ListBucket\n                Resource: 'arn:aws:s3:::{name}-{policy}'\n"
        )
    };
    format!(
        "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {name}-app\n      AssumeRolePolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n      Policies:\n{}{}{}",
        policy("read-data", "s3:GetObject"),
        policy("write-logs", "s3:PutObject"),
        policy("read-config", "s3:GetObject, s3:GetObjectVersion"),
    )
}

#[tokio::test]
async fn one_drifted_statement_prints_only_its_action() {
    let moto = MotoServer::shared();
    let p = Project::new("drift", moto, role);
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed."),
        "{}",
        stdout(&out)
    );

    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    let name = format!("{}-app", p.name);
    let drifted = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Objects","Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::{0}-write-logs/*"}},{{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::{0}-write-logs"}}]}}"#,
        p.name
    );
    iam.put_role_policy()
        .role_name(&name)
        .policy_name("write-logs")
        .policy_document(drifted)
        .send()
        .await
        .unwrap();

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("Objects have changed outside of fuelflow"),
        "{text}"
    );
    assert!(text.contains("+ - \"s3:DeleteObject\""), "{text}");
    assert!(
        !text.contains("read-data") && !text.contains("read-config"),
        "{text}"
    );
    assert!(
        !text.contains("s3:ListBucket"),
        "the unchanged statement: {text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 160), "{text}");
    let role_lines = text
        .lines()
        .filter(|l| l.starts_with("    ") || l.contains("AppRole"))
        .count();
    assert!(role_lines <= 20, "{role_lines} lines: {text}");
}
