//! Systems Manager parameters used by a template: an `AWS::SSM::Parameter::Value<String>`
//! parameter and a `{{resolve:ssm:...}}` reference are read at plan time (their values are known,
//! shown and diffed), a `{{resolve:ssm-secure:...}}` reference only at the API call (its value
//! reaches AWS but never the state or the output; a new version of the parameter is an update).

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};
use aws_sdk_ssm::types::ParameterType;

const TEMPLATE: &str = r#"
Parameters:
  Colour: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /PREFIX/colour}
  Zones: {Type: 'AWS::SSM::Parameter::Value<List<String>>', Default: /PREFIX/zones}
Resources:
  Credentials:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub '${AWS::StackName}-credentials'
      Description: !Sub 'colour ${Colour}, size {{resolve:ssm:/PREFIX/size}}'
      SecretString: '{{resolve:ssm-secure:/PREFIX/password}}'
  Copy:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/${AWS::StackName}/copy'
      Type: String
      Value: !Join ['+', [!Ref Colour, !Select [1, !Ref Zones]]]
"#;

async fn put(ssm: &aws_sdk_ssm::Client, name: &str, value: &str, kind: ParameterType) {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn ssm_parameters_are_read_at_plan_time_and_secure_ones_only_at_the_call() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let name: String = unique("paramref")
        .to_lowercase()
        .chars()
        .take(30)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    let password = "Secure-Parameter-Value-0815";
    put(
        &ssm,
        &format!("/{name}/colour"),
        "blue",
        ParameterType::String,
    )
    .await;
    put(
        &ssm,
        &format!("/{name}/zones"),
        "a,b",
        ParameterType::StringList,
    )
    .await;
    put(
        &ssm,
        &format!("/{name}/size"),
        "large",
        ParameterType::String,
    )
    .await;
    let secure = format!("/{name}/password");
    put(&ssm, &secure, password, ParameterType::SecureString).await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), TEMPLATE.replace("PREFIX", &name)).unwrap();
    let (bucket, table) = (format!("{name}-state"), format!("{name}-locks"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "-t",
            "t.yaml",
            "--stack-name",
            &name,
            "--backend-bucket",
            &bucket,
            "--lock-table",
            &table,
        ];
        args.extend(extra);
        fuelflow(dir.path(), &args, Some(moto))
    };
    let mut printed = String::new();
    for extra in [
        &["bootstrap", "--auto-approve"][..],
        &["plan"],
        &["apply", "--auto-approve"],
        &["state", "show"],
    ] {
        let out = run(extra);
        printed.push_str(&stdout(&out));
        printed.push_str(&stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
    }
    // The plain values were known in the plan; the secure one never shown.
    assert!(printed.contains("colour blue, size large"), "{printed}");
    assert!(
        !printed.contains(password),
        "fuelflow printed the secure value"
    );

    let copy = ssm
        .get_parameter()
        .name(format!("/{name}/copy"))
        .send()
        .await
        .unwrap();
    assert_eq!(copy.parameter().and_then(|p| p.value()), Some("blue+b"));
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let secret = format!("{name}-credentials");
    let value = sm
        .get_secret_value()
        .secret_id(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some(password));
    let described = sm
        .describe_secret()
        .secret_id(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(described.description(), Some("colour blue, size large"));

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
    assert!(
        !state.contains(password),
        "the state holds the secure value"
    );

    // Nothing changed: nothing to do.
    let same = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}{}",
        stdout(&same),
        stderr(&same)
    );

    // A new plain value is planned as that value; a new secure version as a sensitive update.
    put(
        &ssm,
        &format!("/{name}/colour"),
        "green",
        ParameterType::String,
    )
    .await;
    put(
        &ssm,
        &secure,
        "Another-Secure-Value-4711",
        ParameterType::SecureString,
    )
    .await;
    let changed = run(&["plan", "--detailed-exitcode"]);
    let text = stdout(&changed);
    assert_eq!(changed.status.code(), Some(2), "{text}{}", stderr(&changed));
    assert!(text.contains("green+b"), "{text}");
    assert!(text.contains("~ Credentials"), "{text}");
    assert!(!text.contains("Another-Secure-Value-4711"), "{text}");

    let applied = run(&["apply", "--auto-approve"]);
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    let value = sm
        .get_secret_value()
        .secret_id(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("Another-Secure-Value-4711"));
    let destroyed = run(&["destroy", "--auto-approve"]);
    assert_eq!(destroyed.status.code(), Some(0), "{}", stderr(&destroyed));
}

#[tokio::test]
async fn a_missing_ssm_parameter_fails_the_plan_naming_it() {
    let moto = MotoServer::shared();
    let name = unique("parammissing").to_lowercase();
    let dir = tempfile::tempdir().unwrap();
    let template = "Parameters:\n  Colour: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /nowhere/colour}\nResources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: !Ref Colour}\n";
    std::fs::write(dir.path().join("t.yaml"), template).unwrap();
    let (bucket, table) = (format!("{name}-state"), format!("{name}-locks"));
    let base = [
        "-t",
        "t.yaml",
        "--stack-name",
        "missing",
        "--backend-bucket",
        &bucket,
        "--lock-table",
        &table,
    ];
    let boot = fuelflow(
        dir.path(),
        &[&base[..], &["bootstrap", "--auto-approve"]].concat(),
        Some(moto),
    );
    assert_eq!(boot.status.code(), Some(0), "{}", stderr(&boot));
    let plan = fuelflow(dir.path(), &[&base[..], &["plan"]].concat(), Some(moto));
    assert_eq!(plan.status.code(), Some(1));
    let text = format!("{}{}", stdout(&plan), stderr(&plan));
    assert!(
        text.contains("ParameterNotFound") && text.contains("/nowhere/colour"),
        "{text}"
    );
}
