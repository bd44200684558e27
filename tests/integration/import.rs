//! `fuelflow import` against moto: resources made with the SDK, by CloudFormation (moto's
//! CreateStack) and described by a Terraform state are taken over; the next plan adds nothing
//! and shows only real differences; an id some stack already manages is refused.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn role_yaml(logical_id: &str, role_name: &str) -> String {
    format!(
        "  {logical_id}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {role_name}\n      AssumeRolePolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n"
    )
}

fn bucket_yaml(logical_id: &str, bucket: &str, extra: &str) -> String {
    format!(
        "  {logical_id}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {bucket}\n{extra}"
    )
}

async fn sdk_bucket(config: &aws_config::SdkConfig, bucket: &str) {
    let s3 = fuelflow::aws::s3_client(config);
    s3.create_bucket().bucket(bucket).send().await.unwrap();
}

async fn sdk_role(config: &aws_config::SdkConfig, role: &str) {
    aws_sdk_iam::Client::new(config)
        .create_role()
        .role_name(role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_and_a_role_made_with_the_sdk_are_imported_then_plan_adds_nothing() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("imp", moto, |name| {
        format!(
            "Resources:\n{}{}{}",
            bucket_yaml(
                "Assets",
                &format!("{name}-data"),
                "      VersioningConfiguration: {Status: Enabled}\n"
            ),
            role_yaml("AppRole", &format!("{name}-app")),
            bucket_yaml("Other", &format!("{name}-other"), "")
        )
    });
    let bucket = format!("{}-data", p.name);
    let role = format!("{}-app", p.name);
    sdk_bucket(&config, &bucket).await;
    sdk_role(&config, &role).await;

    let out = ok(&p.run(&["import", "--env", "dev", "Assets", &bucket]));
    assert!(
        out.contains("Imported app.Assets (AWS::S3::Bucket)"),
        "{out}"
    );
    ok(&p.run(&["import", "--env", "dev", "--stack", "app", "AppRole", &role]));

    let state = p.state(&config).await.expect("a state");
    assert_eq!(state.resources["Assets"].physical_id, bucket);
    assert_eq!(state.resources["AppRole"].physical_id, role);
    // Tagged as owned, so a lost create of this stack would find them like its own.
    let tags = crate::support::s3::live_tags(&fuelflow::aws::s3_client(&config), &bucket).await;
    let stack = format!("{}-app-dev", p.name);
    assert!(
        tags.contains(&format!("<Key>fuelflow:stack</Key><Value>{stack}</Value>")),
        "{tags}"
    );
    assert!(
        tags.contains("<Key>fuelflow:logical-id</Key><Value>Assets</Value>"),
        "{tags}"
    );
    let role_tags = aws_sdk_iam::Client::new(&config)
        .list_role_tags()
        .role_name(&role)
        .send()
        .await
        .unwrap();
    assert!(
        role_tags
            .tags()
            .iter()
            .any(|t| t.key() == "fuelflow:logical-id" && t.value() == "AppRole")
    );

    // The only real difference: versioning, which the template enables; the other bucket is new.
    let plan = ok(&p.run(&["plan", "--env", "dev"]));
    assert!(
        plan.contains("Plan: 1 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(plan.contains("VersioningConfiguration"), "{plan}");
    assert!(!plan.contains("AssumeRolePolicyDocument"), "{plan}");

    // The same id again, or under another logical id: refused, nothing written.
    let again = p.run(&["import", "--env", "dev", "Assets", &bucket]);
    assert_eq!(code(&again), Some(1));
    assert!(
        stderr(&again).contains("already in the state"),
        "{}",
        stderr(&again)
    );
    let twice = p.run(&["import", "--env", "dev", "Other", &bucket]);
    assert_eq!(code(&twice), Some(1));
    assert!(
        stderr(&twice).contains(&format!(
            "{bucket} is already managed by stack app as Assets"
        )),
        "{}",
        stderr(&twice)
    );
    // Not in AWS: refused with the stack, logical id and type.
    let missing = p.run(&[
        "import",
        "--env",
        "dev",
        "Other",
        &format!("{}-nope", p.name),
    ]);
    assert_eq!(code(&missing), Some(1));
    assert!(
        stderr(&missing).contains("stack app, resource Other (AWS::S3::Bucket)"),
        "{}",
        stderr(&missing)
    );
    // While another run holds the stack's lock: exit 3, nothing read or written.
    let backend = p.backend(&config);
    let held = backend
        .locker
        .try_lock(&backend.lock_request("dev", "app", "apply"))
        .await
        .unwrap();
    let locked = p.run(&["import", "--env", "dev", "Other", &bucket]);
    assert_eq!(code(&locked), Some(3), "{}", stderr(&locked));
    backend.locker.unlock(&held.path, &held.id).await.unwrap();
    let after = p.state(&config).await.unwrap();
    assert_eq!(
        after.serial, state.serial,
        "a refused import writes nothing"
    );
    assert_eq!(p.lock_items(&config).await, 0, "the lock is released");

    ok(&p.run(&["apply", "--env", "dev", "--auto-approve"]));
    let versioning =
        crate::support::s3::live_versioning(&fuelflow::aws::s3_client(&config), &bucket).await;
    assert_eq!(versioning, "Enabled");
    let plan = ok(&p.run(&["plan", "--env", "dev"]));
    assert!(plan.contains("No changes"), "{plan}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cloudformation_stack_is_taken_over_with_the_steps_to_hand_it_over() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("impcfn", moto, |name| {
        format!(
            "Resources:\n{}{}",
            bucket_yaml("Data", &format!("{name}-cfn-data"), ""),
            role_yaml("Worker", &format!("{name}-cfn-worker"))
        )
    });
    let cfn_stack = format!("{}-legacy", p.name);
    let cfn_template = format!(
        "Resources:\n{}{}{}",
        bucket_yaml("Data", &format!("{}-cfn-data", p.name), ""),
        role_yaml("Worker", &format!("{}-cfn-worker", p.name)),
        bucket_yaml("Scratch", &format!("{}-cfn-scratch", p.name), "")
    );
    aws_sdk_cloudformation::Client::new(&config)
        .create_stack()
        .stack_name(&cfn_stack)
        .template_body(cfn_template)
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityNamedIam)
        .send()
        .await
        .unwrap();

    let out = ok(&p.run(&[
        "import",
        "--env",
        "dev",
        "--from-cloudformation",
        &cfn_stack,
    ]));
    assert!(out.contains("Imported app.Data (AWS::S3::Bucket)"), "{out}");
    assert!(
        out.contains("Imported app.Worker (AWS::IAM::Role)"),
        "{out}"
    );
    assert!(
        out.contains(
            "Not imported: Scratch (AWS::S3::Bucket): the fuelflow template lacks this logical id"
        ),
        "{out}"
    );
    assert!(out.contains("DeletionPolicy: Retain"), "{out}");
    assert!(
        out.contains(&format!(
            "aws cloudformation delete-stack --stack-name {cfn_stack}"
        )),
        "{out}"
    );
    let state = p.state(&config).await.unwrap();
    assert_eq!(
        Project::recorded(&state, "AWS::S3::Bucket"),
        [format!("{}-cfn-data", p.name)]
    );
    let plan = ok(&p.run(&["plan", "--env", "dev"]));
    assert!(plan.contains("No changes"), "{plan}");

    // A template from the stack, with its logical ids, that validates.
    let generated = ok(&p.run(&["import", "--generate", "--from-cloudformation", &cfn_stack]));
    for id in ["  Data:\n", "  Worker:\n", "  Scratch:\n"] {
        assert!(generated.contains(id), "{generated}");
    }
    std::fs::write(p.path().join("from-cfn.yaml"), &generated).unwrap();
    ok(&p.run(&["-t", "from-cfn.yaml", "validate"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terraform_state_of_sdk_made_resources_is_imported_by_name() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("imptf", moto, |name| {
        format!(
            "Resources:\n{}{}  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: /{name}/app\n      RetentionInDays: 7\n  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {name}-jobs\n",
            bucket_yaml("Site", &format!("{name}-tf-site"), ""),
            role_yaml("Runner", &format!("{name}-tf-runner")),
        )
    });
    let (bucket, role, group) = (
        format!("{}-tf-site", p.name),
        format!("{}-tf-runner", p.name),
        format!("/{}/app", p.name),
    );
    sdk_bucket(&config, &bucket).await;
    sdk_role(&config, &role).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.put_retention_policy()
        .log_group_name(&group)
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    let queue_url = aws_sdk_sqs::Client::new(&config)
        .create_queue()
        .queue_name(format!("{}-jobs", p.name))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    // Terraform names differ from the logical ids: the physical names match them.
    let tfstate = serde_json::json!({
        "version": 4, "terraform_version": "1.6.0", "serial": 3, "lineage": "x",
        "resources": [
            {"mode": "managed", "type": "aws_s3_bucket", "name": "website", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"schema_version": 0, "attributes": {"id": bucket, "bucket": bucket}}]},
            {"mode": "managed", "type": "aws_iam_role", "name": "ci", "provider": "p",
             "instances": [{"attributes": {"id": role, "name": role, "arn": format!("arn:aws:iam::123456789012:role/{role}")}}]},
            {"mode": "managed", "type": "aws_cloudwatch_log_group", "name": "app", "provider": "p",
             "instances": [{"attributes": {"id": group, "name": group}}]},
            {"mode": "managed", "type": "aws_sqs_queue", "name": "jobs", "provider": "p",
             "instances": [{"attributes": {"id": queue_url, "url": queue_url, "name": format!("{}-jobs", p.name)}}]},
            {"mode": "managed", "type": "aws_instance", "name": "bastion", "provider": "p",
             "instances": [{"attributes": {"id": "i-0123"}}]},
            {"mode": "data", "type": "aws_caller_identity", "name": "me", "provider": "p",
             "instances": [{"attributes": {"id": "123456789012"}}]}
        ]
    });
    std::fs::write(p.path().join("legacy.tfstate"), tfstate.to_string()).unwrap();

    let out = ok(&p.run(&[
        "import",
        "--env",
        "dev",
        "--from-terraform",
        "legacy.tfstate",
    ]));
    assert!(out.contains("Imported app.Site (AWS::S3::Bucket)"), "{out}");
    assert!(
        out.contains("Imported app.Runner (AWS::IAM::Role)"),
        "{out}"
    );
    assert!(
        out.contains("Imported app.Logs (AWS::Logs::LogGroup)"),
        "{out}"
    );
    assert!(
        out.contains("Not imported: aws_instance.bastion (aws_instance): fuelflow does not map this Terraform type"),
        "{out}"
    );
    assert!(out.contains("4 imported, 1 not imported"), "{out}");
    let state = p.state(&config).await.unwrap();
    assert_eq!(state.resources["Logs"].physical_id, group);
    assert_eq!(state.resources["Jobs"].physical_id, queue_url);
    let queue_tags = aws_sdk_sqs::Client::new(&config)
        .list_queue_tags()
        .queue_url(&queue_url)
        .send()
        .await
        .unwrap();
    assert_eq!(
        queue_tags.tags().and_then(|t| t.get("fuelflow:logical-id")),
        Some(&"Jobs".to_string())
    );
    let plan = ok(&p.run(&["plan", "--env", "dev"]));
    assert!(plan.contains("No changes"), "{plan}");
}

#[tokio::test(flavor = "multi_thread")]
async fn generate_writes_a_template_from_live_resources_that_validates() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("impgen", moto, |_| "Resources: {}\n".into());
    let bucket = format!("{}-gen", p.name);
    sdk_bucket(&config, &bucket).await;
    fuelflow::aws::s3_client(&config)
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let role = format!("{}-gen-role", p.name);
    sdk_role(&config, &role).await;

    let out = p.run(&[
        "import",
        "--generate",
        &format!("AWS::S3::Bucket={bucket}"),
        &format!("AWS::IAM::Role={role}"),
        "--out",
        "generated.yaml",
    ]);
    ok(&out);
    let text = std::fs::read_to_string(p.path().join("generated.yaml")).unwrap();
    assert!(
        text.contains(&format!("BucketName: \"{bucket}\"")),
        "{text}"
    );
    assert!(text.contains("Status: \"Enabled\""), "{text}");
    assert!(text.contains("AssumeRolePolicyDocument:"), "{text}");
    // IAM's defaults are not repeated: the role says only what was chosen.
    assert!(!text.contains("MaxSessionDuration"), "{text}");
    assert!(!text.contains("Path:"), "{text}");
    ok(&p.run(&["-t", "generated.yaml", "validate"]));

    // The generated template imported as it is: nothing to change.
    std::fs::copy(p.path().join("generated.yaml"), p.path().join("app.yaml")).unwrap();
    let bucket_id = text
        .lines()
        .find(|l| l.starts_with("  ") && !l.starts_with("   ") && l.contains("Gen:"))
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .expect("the bucket's logical id");
    ok(&p.run(&["import", "--env", "dev", &bucket_id, &bucket]));
    let role_id = text
        .lines()
        .find(|l| l.starts_with("  ") && !l.starts_with("   ") && l.contains("Role:"))
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .expect("the role's logical id");
    ok(&p.run(&["import", "--env", "dev", &role_id, &role]));
    let plan = ok(&p.run(&["plan", "--env", "dev"]));
    assert!(plan.contains("No changes"), "{plan}");
}
