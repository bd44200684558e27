//! The second conformance corpus (tests/fixtures/corpus, see its INDEX.md): public templates
//! written by others that use the types of issue 15. Each `Deploys` case is applied through the
//! CLI in template mode against moto, every recorded resource is looked up live with the SDK
//! (never the handler's own `read`) and its key properties compared with the template's, a
//! re-plan must be empty, destroy must remove everything but what `DeletionPolicy: Retain`
//! keeps (checked still there). The cases run four at a time; `CORPUS_FILTER=text` runs only
//! the files whose path contains it.

mod live;

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};
use futures_util::StreamExt;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Applies, checks live, re-plans empty, destroys.
    Deploys,
    /// `apply` is refused before anything is created, naming this text; nothing is recorded.
    Refused(&'static str),
}
use Expect::*;

/// Where a case runs: the shared server (names made unique by parameters and the stack name)
/// or a private one (the template hard-codes a name in a global namespace: IAM, SSM).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Server {
    Shared,
    Private,
}
use Server::*;

struct Case {
    file: &'static str,
    /// `--parameter` values; `{u}` is a name unique to the run (also the stack name).
    params: &'static [&'static str],
    server: Server,
    expect: Expect,
    /// `(logical id, property path, expected)`: the live value at the dotted path (list items by
    /// index) as text (a string as is, anything else as compact JSON); `{u}`, `{account}` and
    /// `{region}` are filled in.
    checks: &'static [(&'static str, &'static str, &'static str)],
    /// Logical ids kept by `DeletionPolicy: Retain`: still live after destroy.
    retained: &'static [&'static str],
}

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// A case that deploys on the shared server and keeps nothing.
const fn deploys(
    file: &'static str,
    params: &'static [&'static str],
    checks: &'static [(&'static str, &'static str, &'static str)],
) -> Case {
    Case {
        file,
        params,
        server: Shared,
        expect: Deploys,
        checks,
        retained: &[],
    }
}

const fn not_applied(file: &'static str, expect: Expect) -> Case {
    Case {
        file,
        params: &[],
        server: Shared,
        expect,
        checks: &[],
        retained: &[],
    }
}

/// Objects a case's template expects in S3 before it is applied: (file, bucket, key, body);
/// `{u}` is filled in. The bucket is made and removed by the driver, outside the stack.
const UPLOADS: &[(&str, &str, &str, &str)] = &[(
    "iac-model-evaluation/stepfunctions-statemachine.yaml",
    "{u}-definitions",
    "hello.json",
    r#"{"Comment": "Hello", "StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": "world", "End": true}}}"#,
)];

const LAMBDA_ALIAS_PROVISIONED: &str = "property `ProvisionedConcurrencyConfig` of `FunctionAlias` (AWS::Lambda::Alias) is not supported by fuelflow yet";
const LAMBDA_VERSION_PROVISIONED: &str = "property `ProvisionedConcurrencyConfig` of `Version` (AWS::Lambda::Version) is not supported by fuelflow yet";

/// Types of resources whose condition is false with the case's parameters (never applied).
const GUARDED_OFF: &[(&str, &str)] = &[
    // `DeletionNotification`, behind `HasAlertTopic` (no `ParentAlertStack`).
    ("widdix-aws-cf-templates/kms-key.yaml", "AWS::Events::Rule"),
];

const CASES: &[Case] = &[
    deploys(
        "aws-cloudformation-templates/SNSTopic.yaml",
        &[
            "SubscriptionProtocol=https",
            "SubscriptionEndPoint=https://example.com/hook",
        ],
        &[
            ("SNSSubscription", "Protocol", "https"),
            ("SNSSubscription", "Endpoint", "https://example.com/hook"),
            (
                "SNSTopic",
                "Subscription.0.Endpoint",
                "https://example.com/hook",
            ),
        ],
    ),
    deploys(
        "aws-cloudformation-templates/SQSFIFOQueue.yaml",
        &["QueueName={u}", "UsedeadletterQueue=true"],
        &[
            ("SQSQueue", "QueueName", "{u}.fifo"),
            ("SQSQueue", "FifoQueue", "true"),
            ("SQSQueue", "ContentBasedDeduplication", "true"),
            ("SQSQueue", "VisibilityTimeout", "5"),
            ("MyDeadLetterQueue", "QueueName", "{u}Deadletter.fifo"),
            ("MyDeadLetterQueue", "MessageRetentionPeriod", "1209600"),
        ],
    ),
    deploys(
        "aws-cloudformation-templates/SQSStandardQueue.yaml",
        &["UsedeadletterQueue=true"],
        &[
            ("SQSQueue", "DelaySeconds", "5"),
            ("SQSQueue", "KmsMasterKeyId", "alias/aws/sqs"),
            ("SQSQueue", "VisibilityTimeout", "5"),
            ("MyDeadLetterQueue", "MessageRetentionPeriod", "1209600"),
        ],
    ),
    deploys(
        "aws-cloudformation-templates/destination.yaml",
        &["AccountIdSource=111111111111"],
        &[
            ("S3BucketDestination", "BucketName", "{u}-{account}-bucket"),
            ("S3BucketDestination", "Versioning", "Enabled"),
            ("S3BucketDestination", "Encryption.SSEAlgorithm", "aws:kms"),
            ("KmsKeyAlias", "AliasName", "alias/{u}-{account}-kms-key"),
            ("KmsKey", "EnableKeyRotation", "true"),
            (
                "S3BucketDestinationPolicy",
                "PolicyDocument.Statement.0.Sid",
                "Allow source account access to destination bucket",
            ),
        ],
    ),
    // The rule and the dead-letter queue have fixed names: its own server.
    Case {
        file: "aws-cloudformation-templates/log-setup-target-accounts.yaml",
        params: &["CentralEventBusArn=arn:aws:events:us-east-1:111111111111:event-bus/central"],
        server: Private,
        expect: Deploys,
        checks: &[
            ("CloudFormationEventRule", "Targets.0.Id", "CentralEventBus"),
            ("DeadLetterQueue", "QueueName", "CloudFormation-Logs-DLQ"),
        ],
        retained: &[],
    },
    deploys(
        "widdix-aws-cf-templates/alert.yaml",
        &["HttpsEndpoint=https://example.com/alert"],
        &[
            ("TopicPolicy", "PolicyDocument.Statement.0.Sid", "Sid1"),
            ("HttpsEndpointSubscription", "Protocol", "https"),
            (
                "HttpsEndpointSubscription",
                "Endpoint",
                "https://example.com/alert",
            ),
            (
                "NumberOfNotificationsFailedTooHighAlarm",
                "MetricName",
                "NumberOfNotificationsFailed",
            ),
        ],
    ),
    Case {
        file: "widdix-aws-cf-templates/github-openid-connect.yaml",
        params: &[
            "GitHubRestriction=repo:octo-org/octo-repo:ref:refs/heads/main",
            "RoleName={u}-gh",
        ],
        server: Private, // the provider's URL is one per account
        expect: Deploys,
        checks: &[
            ("OIDCProvider", "ClientIdList", "[\"sts.amazonaws.com\"]"),
            (
                "OIDCProvider",
                "ThumbprintList.0",
                "6938fd4d98bab03faadb97b34396831e3780aea1",
            ),
            ("Role", "MaxSessionDuration", "21600"),
            (
                "Role",
                "ManagedPolicyArns",
                "[\"arn:aws:iam::aws:policy/AdministratorAccess\"]",
            ),
        ],
        retained: &[],
    },
    Case {
        file: "widdix-aws-cf-templates/kms-key.yaml",
        params: &[],
        server: Shared,
        expect: Deploys,
        checks: &[
            ("Key", "EnableKeyRotation", "true"),
            ("Key", "KeyUsage", "ENCRYPT_DECRYPT"),
            (
                "Key",
                "KeyPolicy.Statement.1.Condition.StringEquals.kms:CallerAccount",
                "{account}",
            ),
            ("KeyAlias", "AliasName", "alias/{u}"),
        ],
        retained: &["Key", "KeyAlias"],
    },
    Case {
        file: "iac-model-evaluation/sns-subscription.yaml",
        params: &[
            "SnsKmsKey=alias/aws/sns",
            "SqsKmsKey=alias/aws/sqs",
            "UserEmail=ops@example.com",
            "HttpEndpoint=https://example.com/sns",
        ],
        server: Shared,
        expect: Deploys,
        checks: &[
            ("Topic", "KmsMasterKeyId", "alias/aws/sns"),
            ("SubscriptionSQS", "Protocol", "sqs"),
            ("SubscriptionEmail", "Endpoint", "ops@example.com"),
            ("SubscriptionHttp", "Endpoint", "https://example.com/sns"),
            ("SQS", "MessageRetentionPeriod", "1024"),
        ],
        retained: &["SQS"],
    },
    Case {
        file: "iac-model-evaluation/sqs-policy.yaml",
        params: &["KmsKey=alias/aws/sqs"],
        server: Shared,
        expect: Deploys,
        checks: &[
            ("Queue", "KmsMasterKeyId", "alias/aws/sqs"),
            ("QueuePolicy", "PolicyDocument.Statement.0.Effect", "Allow"),
        ],
        retained: &["Queue"],
    },
    Case {
        file: "iac-model-evaluation/sqs-queue.yaml",
        params: &["KmsKey=alias/aws/sqs"],
        server: Shared,
        expect: Deploys,
        checks: &[
            ("FifoQueue", "FifoQueue", "true"),
            ("FifoQueue", "ContentBasedDeduplication", "true"),
            ("Queue", "KmsDataKeyReusePeriodSeconds", "300"),
        ],
        retained: &["Queue", "FifoQueue"],
    },
    Case {
        file: "iac-model-evaluation/ssm-parameter.yaml",
        params: &[],
        server: Private, // names `Key` and `KeyList`
        expect: Deploys,
        checks: &[
            ("ParameterString", "Value", "Value"),
            (
                "ParameterString",
                "Description",
                "SSM Parameter for storing a string",
            ),
            ("ParameterList", "Type", "StringList"),
            ("ParameterList", "Value", "Value1,Value2"),
        ],
        retained: &[],
    },
    not_applied(
        "iac-model-evaluation/lambda-version.yaml",
        Refused(LAMBDA_VERSION_PROVISIONED),
    ),
    // The role's trust policy spells `Actions` (IAM refuses it: MalformedPolicyDocument).
    not_applied(
        "iac-model-evaluation/iam-instanceprofile.yaml",
        Refused("unknown statement key `Actions`"),
    ),
    // `DefinitionS3Location` names an object that must exist first: `UPLOADS` puts it there.
    deploys(
        "iac-model-evaluation/stepfunctions-statemachine.yaml",
        &["Bucket={u}-definitions", "Key=hello.json"],
        &[
            ("StateMachine", "Definition.StartAt", "Hello"),
            ("StateMachine", "LoggingConfiguration.Level", "ERROR"),
            ("StateMachine", "TracingConfiguration.Enabled", "false"),
            ("CloudWatchLogGroup", "RetentionInDays", "90"),
        ],
    ),
    deploys(
        "cfn101-workshop/iam.yaml",
        &[],
        &[
            ("WebServerInstanceProfile", "Path", "/"),
            (
                "SSMIAMRole",
                "ManagedPolicyArns",
                "[\"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore\"]",
            ),
        ],
    ),
    Case {
        file: "cfn101-workshop/sqs-queues.yaml",
        params: &["QueueNamePrefix={u}"],
        server: Private, // parameter names workshop-example-*
        expect: Deploys,
        checks: &[
            ("DeadLetterQueue", "QueueName", "{u}-dead-letter.fifo"),
            (
                "SourceQueueParameter",
                "Value",
                "arn:aws:sqs:{region}:{account}:{u}-source.fifo",
            ),
            ("SourceQueue", "FifoQueue", "true"),
        ],
        retained: &[],
    },
    Case {
        file: "cfn101-workshop/pseudo-parameters.yaml",
        params: &["S3BucketNamePrefix={u}", "DatabaseUsername=alice01"],
        server: Private, // parameter name dbUsername
        expect: Deploys,
        checks: &[
            ("BasicParameter", "Value", "alice01"),
            ("DemoBucket", "BucketName", "{u}-{region}-{account}"),
            ("DemoLambdaFunction", "Runtime", "python3.12"),
            ("DemoRole", "Policies", "[\"ssm-least-privilege\"]"),
        ],
        retained: &[],
    },
    deploys(
        "cfn101-workshop/drift-detection-workshop.yaml",
        &[],
        &[
            ("Queue1", "MessageRetentionPeriod", "172800"),
            ("Table1", "ReadCapacityUnits", "1"),
        ],
    ),
    deploys(
        "cfn101-workshop/sqs-queue.yaml",
        &[],
        &[
            ("SqsQueue", "DelaySeconds", "900"),
            ("SqsQueue", "Tags.ProjectName", "Example"),
        ],
    ),
    deploys(
        "cfn101-workshop/resource-dependencies-with-dependson.yaml",
        &[],
        &[("SNSTopic", "Tags.Name", "Resource-dependencies-workshop")],
    ),
    deploys(
        "cfn101-workshop/example_parameter.json",
        &["ParameterName={u}-param", "ParameterValue=hello"],
        &[
            ("MyParameter", "Value", "hello"),
            (
                "MyParameter",
                "Description",
                "My {u}-param example parameter",
            ),
        ],
    ),
    deploys(
        "localstack/cfn_cdk_sample_app.yaml",
        &[],
        &[
            ("CdksampleQueue3139C8CD", "VisibilityTimeout", "300"),
            (
                "CdksampleQueuePolicyFA91005A",
                "PolicyDocument.Statement.0.Principal.Service",
                "sns.amazonaws.com",
            ),
            (
                "CdksampleQueueCdksampleStackCdksampleTopicCB3FDFDDC0BCF47C",
                "Protocol",
                "sqs",
            ),
        ],
    ),
    not_applied(
        "localstack/cfn_lambda_alias.yml",
        Refused(LAMBDA_ALIAS_PROVISIONED),
    ),
    deploys(
        "localstack/template34.yaml",
        &["AliasName=alias/{u}"],
        &[
            ("KMSKeyAlias", "AliasName", "alias/{u}"),
            ("KMSKey", "Description", "Sample KMS"),
        ],
    ),
    deploys(
        "localstack/sns_topic_fifo_dedup.yaml",
        &["TopicName={u}-topic"],
        &[
            ("topic123", "TopicName", "{u}-topic.fifo"),
            ("topic123", "FifoTopic", "true"),
            ("topic123", "ContentBasedDeduplication", "true"),
        ],
    ),
    deploys(
        "localstack/cfn_lambda_sns_permissions.yaml",
        &[],
        &[
            ("fntopic09ED913A", "Protocol", "lambda"),
            (
                "fnAllowInvokeLambdaPermissionsStacktopicF723B1A748672DB5",
                "Statement.Principal.Service",
                "sns.amazonaws.com",
            ),
            ("fn5FF616E3", "Runtime", "python3.9"),
        ],
    ),
    deploys(
        "localstack/iam_policy_role.yaml",
        &[
            "UserName={u}-user",
            "RoleName={u}-role",
            "PolicyName={u}-policy",
        ],
        &[
            ("MyUser", "UserName", "{u}-user"),
            (
                "UserPolicy",
                "PolicyDocument.Statement.0.Action.0",
                "s3:PutObject",
            ),
            (
                "RolePolicy",
                "PolicyDocument.Statement.0.Action.0",
                "s3:GetObject",
            ),
        ],
    ),
    deploys(
        "localstack/kms_key_disabled.yaml",
        &[],
        &[
            ("TestKey4CACAF33", "Enabled", "false"),
            ("TestKey4CACAF33", "KeyState", "Disabled"),
        ],
    ),
    deploys(
        "localstack/sns_topic_subscription.yaml",
        &["TopicName={u}-topic", "QueueName={u}-queue"],
        &[
            ("topic", "TopicName", "{u}-topic"),
            ("topic", "Subscription.0.Protocol", "sqs"),
            ("queue276F7297", "QueueName", "{u}-queue"),
        ],
    ),
    deploys(
        "localstack/cfn_lambda_version.yaml",
        &[],
        &[
            ("fnVersion7BF8AE5A", "Version", "1"),
            ("fnVersion7BF8AE5A", "Description", "test description"),
        ],
    ),
    deploys(
        "localstack/ssm_parameter_defaultname_withtags.yaml",
        &["Input=hello", "TagValue=blue"],
        &[
            ("CustomParameter", "Value", "hello"),
            ("CustomParameter", "Tags.A", "blue"),
        ],
    ),
    Case {
        file: "localstack/cfn_lambda_sqs_source.yaml",
        params: &[],
        server: Shared,
        expect: Deploys,
        checks: &[
            (
                "fnSqsEventSourceLambdaSqsSourceStackq2097017B53C3FF8C",
                "BatchSize",
                "1",
            ),
            ("fn5FF616E3", "Runtime", "python3.9"),
        ],
        retained: &[],
    },
    // The log group's name is fixed per account: its own server.
    Case {
        file: "localstack/events_rule_pattern.yml",
        params: &[],
        server: Private,
        expect: Deploys,
        checks: &[
            ("TestRule", "Targets.0.Id", "TestLogGroupTarget"),
            ("TestRule", "EventPattern.source.0", "aws.s3"),
        ],
        retained: &[],
    },
    Case {
        file: "localstack/apigateway_usage_plan.yml",
        params: &["QuotaLimit=5000", "TagValue=blue", "RestApiName={u}-api"],
        server: Shared,
        expect: Deploys,
        checks: &[
            ("UsagePlan", "Quota.Limit", "5000"),
            ("UsagePlan", "Tags.test", "blue"),
        ],
        retained: &[],
    },
];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// `AWS::Service::Resource` names in a template's text (YAML `Type:` or JSON `"Type":`).
fn resource_types(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut types: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let l = l.trim().trim_start_matches('"');
            l.strip_prefix("Type\":")
                .or_else(|| l.strip_prefix("Type:"))
        })
        .map(|t| {
            t.trim()
                .trim_end_matches(',')
                .trim_matches(|c| c == '\'' || c == '"')
                .to_string()
        })
        .filter(|t| t.starts_with("AWS::") && t.matches("::").count() == 2)
        .collect();
    types.sort();
    types.dedup();
    types
}

#[test]
fn the_table_covers_every_corpus_file_and_deploys_only_supported_types() {
    let mut listed: Vec<&str> = CASES.iter().map(|c| c.file).collect();
    listed.sort();
    let mut on_disk = Vec::new();
    for source in std::fs::read_dir(corpus()).unwrap() {
        let source = source.unwrap().path();
        if !source.is_dir() {
            continue;
        }
        let dir = source.file_name().unwrap().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&source).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            on_disk.push(format!("{dir}/{name}"));
        }
    }
    on_disk.sort();
    assert_eq!(listed, on_disk, "every corpus file needs a case");
    let index = std::fs::read_to_string(corpus().join("INDEX.md")).unwrap();
    for c in CASES {
        assert!(index.contains(c.file), "{} is not in INDEX.md", c.file);
        if let Deploys = c.expect {
            let unsupported: Vec<String> = resource_types(&corpus().join(c.file))
                .into_iter()
                .filter(|t| fuelflow::resources::handler(t).is_none())
                .filter(|t| !GUARDED_OFF.contains(&(c.file, t.as_str())))
                .collect();
            assert!(
                unsupported.is_empty(),
                "{} deploys but has types without a handler: {unsupported:?}",
                c.file
            );
        }
    }
    let deploying = CASES.iter().filter(|c| matches!(c.expect, Deploys)).count();
    assert!(
        deploying >= 20,
        "issue 15 asks for at least 20, {deploying} deploy"
    );
}

fn both(out: &Output) -> String {
    format!("{}\n{}", stdout(out), stderr(out))
}

/// The server of a case: the file's shared one, or its own (stopped when the case ends).
#[derive(Clone)]
enum Moto {
    Shared(&'static MotoServer),
    Own(std::sync::Arc<MotoServer>),
}

impl Moto {
    fn server(&self) -> &MotoServer {
        match self {
            Moto::Shared(server) => server,
            Moto::Own(server) => server,
        }
    }
}

/// One case's backend (bootstrapped), stack and server.
struct Run {
    moto: Moto,
    dir: tempfile::TempDir,
    bucket: String,
    table: String,
    template: PathBuf,
    stack: String,
    params: Vec<String>,
}

impl Run {
    /// `fuelflow -t FILE --backend-bucket B --lock-table T --stack-name S --parameter ...`.
    async fn cli(&self, command: &[&str]) -> Output {
        let mut args: Vec<String> = vec![
            "-t".into(),
            self.template.to_string_lossy().into_owned(),
            "--backend-bucket".into(),
            self.bucket.clone(),
            "--lock-table".into(),
            self.table.clone(),
            "--stack-name".into(),
            self.stack.clone(),
        ];
        for p in &self.params {
            args.extend(["--parameter".into(), p.clone()]);
        }
        args.extend(command.iter().map(|c| c.to_string()));
        args.extend(["--env".into(), "default".into()]);
        let (dir, moto) = (self.dir.path().to_path_buf(), self.moto.clone());
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            fuelflow(&dir, &args, Some(moto.server()))
        })
        .await
        .expect("run fuelflow")
    }

    async fn recorded(&self) -> Vec<live::Recorded> {
        let out = self.cli(&["state", "show"]).await;
        assert!(out.status.success(), "state show: {}", both(&out));
        let json: Value = serde_json::from_slice(&out.stdout).expect("state show prints JSON");
        live::recorded(&json[&self.stack])
    }
}

/// The live value at a dotted path, as text.
fn at(value: &Value, path: &str) -> String {
    let found = path
        .split('.')
        .try_fold(value, |v, key| match key.parse::<usize>() {
            Ok(i) if v.is_array() => v.get(i),
            _ => v.get(key),
        });
    match found {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "(absent)".into(),
    }
}

fn fill(text: &str, u: &str) -> String {
    text.replace("{u}", u)
        .replace("{account}", ACCOUNT)
        .replace("{region}", REGION)
}

/// Runs one case; `Err` says how it differs from the table.
async fn run_case(c: &Case) -> Result<String, String> {
    let u: String = unique("cd").to_lowercase().chars().take(24).collect();
    let u = u.trim_end_matches('-').to_string();
    let moto = match c.server {
        Shared => Moto::Shared(MotoServer::shared()),
        Private => Moto::Own(std::sync::Arc::new(
            tokio::task::spawn_blocking(MotoServer::start)
                .await
                .map_err(|e| e.to_string())?,
        )),
    };
    let run = Run {
        moto,
        dir: tempfile::tempdir().map_err(|e| e.to_string())?,
        bucket: format!("{u}-state"),
        table: format!("{u}-locks"),
        template: corpus().join(c.file),
        stack: u.clone(),
        params: c.params.iter().map(|p| fill(p, &u)).collect(),
    };
    let out = run.cli(&["bootstrap", "--auto-approve"]).await;
    if !out.status.success() {
        return Err(format!("bootstrap: {}", both(&out)));
    }
    let config = run.moto.server().sdk_config().await;
    let s3 = aws_sdk_s3::Client::new(&config);
    let uploads: Vec<_> = UPLOADS.iter().filter(|(f, ..)| *f == c.file).collect();
    for (_, bucket, key, body) in &uploads {
        let bucket = fill(bucket, &u);
        s3.create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?;
        let put = s3
            .put_object()
            .bucket(&bucket)
            .key(*key)
            .body(body.as_bytes().to_vec().into());
        put.send().await.map_err(|e| format!("{e:?}"))?;
    }
    let result = deploy_case(c, &run, &u, &config).await;
    for (_, bucket, key, _) in &uploads {
        let bucket = fill(bucket, &u);
        let _ = s3.delete_object().bucket(&bucket).key(*key).send().await;
        let _ = s3.delete_bucket().bucket(&bucket).send().await;
    }
    result
}

/// A case past its bootstrap: refused, or deployed, checked, re-planned and destroyed.
async fn deploy_case(
    c: &Case,
    run: &Run,
    u: &str,
    config: &aws_config::SdkConfig,
) -> Result<String, String> {
    match c.expect {
        Refused(text) => {
            let out = run.cli(&["apply", "--auto-approve"]).await;
            if out.status.code() != Some(1) || !both(&out).contains(text) {
                return Err(format!(
                    "apply should be refused with `{text}`: {}",
                    both(&out)
                ));
            }
            if !run.recorded().await.is_empty() {
                return Err("refused, yet something is recorded".into());
            }
            Ok(format!("refused: {text}"))
        }
        Deploys => {
            let out = run.cli(&["apply", "--auto-approve"]).await;
            if !out.status.success() {
                return Err(format!("apply: {}", both(&out)));
            }
            let resources = run.recorded().await;
            if resources.is_empty() {
                return Err("nothing recorded".into());
            }
            let mut problems = Vec::new();
            let mut views = std::collections::BTreeMap::new();
            for r in &resources {
                match live::read(config, r).await {
                    Some(view) => {
                        views.insert(r.logical_id.clone(), view);
                    }
                    None => problems.push(format!(
                        "{} {} ({}) not found live after apply",
                        r.logical_id, r.resource_type, r.physical_id
                    )),
                }
            }
            for (logical_id, path, expected) in c.checks {
                let expected = fill(expected, u);
                match views.get(*logical_id) {
                    None => problems.push(format!("{logical_id} is not recorded or not live")),
                    Some(view) => {
                        let got = at(view, path);
                        if got != expected {
                            problems.push(format!(
                                "{logical_id}.{path}: live {got}, template {expected}"
                            ));
                        }
                    }
                }
            }
            let out = run.cli(&["plan", "--detailed-exitcode"]).await;
            if out.status.code() != Some(0) {
                problems.push(format!("re-plan is not empty: {}", both(&out)));
            }
            let out = run.cli(&["destroy", "--auto-approve"]).await;
            if !out.status.success() {
                problems.push(format!("destroy: {}", both(&out)));
            }
            for r in &resources {
                let there = live::read(config, r).await.is_some();
                let kept = c.retained.contains(&r.logical_id.as_str());
                if there != kept {
                    problems.push(format!(
                        "{} {} ({}) {} after destroy",
                        r.logical_id,
                        r.resource_type,
                        r.physical_id,
                        if there {
                            "still there"
                        } else {
                            "gone, yet retained"
                        }
                    ));
                }
            }
            if !problems.is_empty() {
                return Err(problems.join("\n"));
            }
            let mut types: Vec<&str> = resources.iter().map(|r| r.resource_type.as_str()).collect();
            types.sort();
            types.dedup();
            Ok(format!(
                "{} resources ({}) deployed, checked live, re-plan empty, destroyed",
                resources.len(),
                types.join(", ")
            ))
        }
    }
}

/// Every case, four at a time; all failures are reported together.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn corpus_templates_deploy_check_live_replan_empty_and_destroy() {
    let filter = std::env::var("CORPUS_FILTER").unwrap_or_default();
    let results: Vec<(&str, Result<String, String>)> =
        futures_util::stream::iter(CASES.iter().filter(|c| c.file.contains(filter.as_str())))
            .map(|c| async move {
                let result = tokio::spawn(run_case(c)).await.unwrap_or_else(|e| {
                    let panic = e.into_panic();
                    Err(panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panicked".into()))
                });
                (c.file, result)
            })
            .buffer_unordered(4)
            .collect()
            .await;
    let mut failures = Vec::new();
    for (file, result) in results {
        match result {
            Ok(line) => eprintln!("ok   {file}: {line}"),
            Err(why) => {
                eprintln!("FAIL {file}");
                failures.push(format!("{file}:\n{why}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
