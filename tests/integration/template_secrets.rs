//! Secret values given in a template (a `NoEcho` parameter, a plain `SecretString`) never reach
//! the state, the plan (text or JSON), outputs or logs; a changed value is still planned.

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};

const TEMPLATE: &str = r#"
Parameters:
  DbPassword: {Type: String, NoEcho: true, MinLength: 12}
Resources:
  Credentials:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub '${AWS::StackName}-credentials'
      SecretString: !Sub '{"username":"app","password":"${DbPassword}"}'
  Plain:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub '${AWS::StackName}-plain'
      SecretString: plain-text-secret-value-42
Outputs:
  Echo:
    Value: !Sub 'pw=${DbPassword}'
"#;

#[tokio::test]
async fn template_secrets_are_never_recorded_or_shown() {
    let moto = MotoServer::shared();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), TEMPLATE).unwrap();
    let name: String = unique("sec")
        .to_lowercase()
        .chars()
        .take(30)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    let (bucket, table) = (format!("{name}-state"), format!("{name}-locks"));
    let password = "Correct-Horse-Battery-7";
    let base = [
        "-t",
        "t.yaml",
        "--stack-name",
        name.as_str(),
        "--backend-bucket",
        bucket.as_str(),
        "--lock-table",
        table.as_str(),
    ];
    let run = |extra: &[&str], pw: &str| {
        let param = format!("DbPassword={pw}");
        let mut args: Vec<&str> = base.to_vec();
        args.extend(["--parameter", param.as_str()]);
        args.extend(extra);
        fuelflow(dir.path(), &args, Some(moto))
    };
    let mut printed = String::new();
    for extra in [
        &["bootstrap", "--auto-approve"][..],
        &["plan"],
        &["plan", "--json"],
        &["apply", "--auto-approve"],
        &["apply", "--auto-approve", "--json"],
        &["output"],
        &["output", "--json"],
        &["state", "show"],
        &["state", "list"],
        &["plan", "-v", "--detailed-exitcode"],
    ] {
        let out = run(extra, password);
        printed.push_str(&stdout(&out));
        printed.push_str(&stderr(&out));
        assert!(out.status.code() != Some(1), "{extra:?}: {}", stderr(&out));
    }
    assert!(printed.contains("(sensitive)"));
    let config = moto.sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let object = s3
        .get_object()
        .bucket(&bucket)
        .key(format!("fuelflow/default/{name}.json"))
        .send()
        .await
        .unwrap();
    let state =
        String::from_utf8(object.body.collect().await.unwrap().into_bytes().to_vec()).unwrap();
    for secret in [password, "plain-text-secret-value-42"] {
        assert!(!state.contains(secret), "the state holds a secret");
        assert!(!printed.contains(secret), "fuelflow printed a secret");
    }
    // The values did reach Secrets Manager.
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let value = sm
        .get_secret_value()
        .secret_id(format!("{name}-credentials"))
        .send()
        .await
        .unwrap();
    assert!(value.secret_string().unwrap().contains(password));

    // Same password: nothing to do. Another password: an update, shown as (sensitive).
    let same = run(&["plan", "--detailed-exitcode"], password);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    let other = run(&["plan", "--detailed-exitcode"], "Another-Password-99");
    assert_eq!(other.status.code(), Some(2), "{}", stdout(&other));
    assert!(
        stdout(&other).contains("~ Credentials") && !stdout(&other).contains("Another-Password-99")
    );
}
