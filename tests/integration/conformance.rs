//! Conformance over the public CloudFormation corpus (../shared/corpus/cfn, see its INDEX.md):
//! every deployable template whose types fuelflow handles is applied through the CLI in template
//! mode against moto, its live resources are checked with the SDK, a re-plan must be empty, and
//! destroy must leave nothing behind. Every corpus file has an explicit expected outcome in `CASES`.

mod live;

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Applies, re-plans empty, destroys.
    Deploys,
    /// Deploys; applying again with these parameters fails naming `text` (and destroy cleans up).
    UpdateFails {
        update: &'static [&'static str],
        text: &'static str,
    },
    /// `apply` exits 1 naming `text`; destroy removes what it did create.
    FailsWith(&'static str),
    /// Refused before anything is created (`validate` fails naming `text`); no state is written.
    Refused(&'static str),
    /// Deployed by the named multi-stack scenario test below.
    InScenario(&'static str),
    /// Not applied, for this reason.
    NotDeployable(&'static str),
}
use Expect::*;

/// Where a case runs: the shared server (names made unique by parameters) or a private one
/// (the template hard-codes a name or touches a per-region singleton).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Server {
    Shared,
    Private,
}
use Server::*;

struct Case {
    file: &'static str,
    /// `{u}` is replaced by a name unique to the run.
    params: &'static [&'static str],
    server: Server,
    expect: Expect,
}

const fn case(
    file: &'static str,
    params: &'static [&'static str],
    server: Server,
    expect: Expect,
) -> Case {
    Case {
        file,
        params,
        server,
        expect,
    }
}

const CASES: &[Case] = &[
    case(
        "aws-cloudformation-templates/s3-bucket-and-policy-for-caa-v1.yaml",
        &["BucketName={u}", "PublisherAccountID=111111111111"],
        Shared,
        Deploys,
    ),
    case(
        "aws-cloudformation-templates/S3_LambdaTrigger.yaml",
        &["NotificationBucket={u}"],
        Shared,
        Deploys,
    ),
    case(
        "aws-cloudformation-templates/compliant-bucket.yaml",
        &["AppName={u}"],
        Shared,
        // Its bucket policies name their buckets by `!Sub`, and the log bucket's policy must
        // be in place before the main bucket's logging: fuelflow infers both orderings (the
        // log bucket policy is created first). moto 5.2 then still refuses the logging: it
        // accepts a policy only when `Resource` is one string, and this one is a list (AWS
        // evaluates the policy and accepts it).
        FailsWith("InvalidTargetBucketForLogging"),
    ),
    // Real AWS refuses the canned ACL on a bucket with the default object ownership
    // (InvalidBucketAclWithObjectOwnership); fuelflow says so before calling AWS.
    case(
        "aws-cloudformation-templates/S3AccessLogs.cfn.yaml",
        &["S3AccessLogsBucketName={u}"],
        Shared,
        Refused(
            "property `AccessControl` of `S3AccessLogsBucket` is `LogDeliveryWrite`, but the bucket's object ownership is BucketOwnerEnforced",
        ),
    ),
    case(
        "aws-cloudformation-templates/LambdaSample.yaml",
        &["EnvName=dev", "LambdaHandlerPath=index.handler"],
        Private, // RoleName: lambda-role
        Deploys,
    ),
    case(
        "aws-cloudformation-templates/apigateway_lambda_integration.yaml",
        &[],
        Shared,
        NotDeployable("uses the Rain-only tag !Rain::Embed (file not in the corpus)"),
    ),
    case(
        "aws-cloudformation-templates/DynamoDB_Secondary_Indexes.yaml",
        &[],
        Shared,
        Deploys,
    ),
    case(
        "aws-cloudformation-templates/RDS_PIOPS.yaml",
        &["DBUser=admin"],
        Shared,
        Deploys,
    ),
    case(
        "aws-cloudformation-templates/RDS_MySQL_With_Read_Replica.yaml",
        &["DBUser=admin"],
        Shared,
        Refused(
            "property `SourceDBInstanceIdentifier` of `ReplicaDB` (AWS::RDS::DBInstance) is not supported by fuelflow yet",
        ),
    ),
    case(
        "aws-cloudformation-templates/RDS_Snapshot_On_Delete.yaml",
        &[],
        Shared,
        Deploys,
    ),
    case(
        "aws-cloudformation-templates/VPCPeering-Accepter-Role.cfn.yaml",
        &["PeerOwnerIds=111111111111"],
        Shared,
        Deploys,
    ),
    case("localstack/apigateway_account.yml", &[], Private, Deploys),
    case(
        "localstack/apigateway_stage_access_log_settings.yaml",
        &["RestApiName={u}"],
        Shared,
        Deploys,
    ),
    case("localstack/template35.yaml", &[], Shared, Deploys),
    case(
        "localstack/cfn_lambda_permission_multiple.yaml",
        &[],
        Shared,
        Deploys,
    ),
    case(
        "localstack/cfn_function_export.yml",
        &[],
        Shared,
        InScenario("export_then_import"),
    ),
    case(
        "localstack/cfn_function_import.yml",
        &[],
        Shared,
        InScenario("export_then_import"),
    ),
    case(
        "localstack/nested-conditions.yaml",
        &["EnvType=prod", "BucketName={u}"],
        Shared,
        Deploys,
    ),
    case(
        "localstack/conditional-with-select.yml",
        &[],
        Private, // ManagedPolicyName: Test2
        Deploys,
    ),
    case(
        "localstack/dynamodb_billing_conditional.yml",
        &["BillingModeParameter=PAY_PER_REQUEST"],
        Shared,
        Deploys,
    ),
    case(
        "localstack/dynamodb_iam.yaml",
        &["tableName={u}", "policyName={u}"],
        Shared,
        Deploys,
    ),
    case(
        "localstack/deploy_template_3.yaml",
        &["tableName={u}"],
        Shared,
        FailsWith(
            "`ContributorInsightsSpecification` in an index is not supported by fuelflow yet",
        ),
    ),
    case("localstack/ec2_vpc_securitygroup.yml", &[], Shared, Deploys),
    case(
        "localstack/secretsmanager_secret.yml",
        &["SecretName={u}"],
        Shared,
        Deploys,
    ),
    case(
        "localstack/logs_group.yml",
        &["LogGroupName={u}"],
        Shared,
        Deploys,
    ),
    case("localstack/cfn_cw_simple_alarm.yml", &[], Shared, Deploys),
    case(
        "localstack/sub_number_type.yml",
        &[
            "ResourceNamePrefix={u}",
            "RestLatencyPreemptiveAlarmPeriod=60",
            "RestLatencyPreemptiveAlarmThreshold=100",
        ],
        Shared,
        Deploys,
    ),
    case(
        "localstack/multiple_bucket_update.yaml",
        &["Days=30"],
        Shared,
        UpdateFails {
            update: &["Days=-1"],
            text: "property `TransitionInDays`: must be at least 0, got -1",
        },
    ),
    case(
        "widdix-aws-cf-templates/rds-postgres.yaml",
        &[],
        Shared,
        NotDeployable(
            "has types without a handler (RDS::EventSubscription, Route53::RecordSet, SecretsManager::SecretTargetAttachment), though all condition-guarded",
        ),
    ),
    case(
        "widdix-aws-cf-templates/secretsmanager-dbsecret.yaml",
        &[],
        Shared,
        NotDeployable("has AWS::SecretsManager::ResourcePolicy, which has no handler"),
    ),
    case(
        "widdix-aws-cf-templates/client-sg.yaml",
        &[],
        Shared,
        InScenario("vpc_stub_then_security_groups"),
    ),
    case(
        "widdix-aws-cf-templates/terraform-state.yaml",
        &[],
        Shared,
        NotDeployable("needs a KMS key export; AWS::KMS::Key has no handler"),
    ),
    // Fails on moto only: its inline role policy has no Version (see the scenario test).
    case(
        "widdix-aws-cf-templates/alb-access-logs-anonymizer.yaml",
        &[],
        Shared,
        InScenario("bucket_stub_then_alb_anonymizer"),
    ),
    case(
        "widdix-aws-cf-templates/monitoring.yaml",
        &[],
        Shared,
        NotDeployable("needs an SNS topic export; AWS::SNS::Topic has no handler"),
    ),
    case(
        "cfn-lint/default.yaml",
        &[],
        Shared,
        NotDeployable("no resources: a parameter-validation fixture"),
    ),
    case(
        "cfn-lint/primary_identifiers.yaml",
        &[],
        Shared,
        NotDeployable("linter fixture: roles with Action '*', permissions on a missing function"),
    ),
    case(
        "cfn-lint/availability-zones.yaml",
        &[],
        Shared,
        NotDeployable("linter fixture: fake VpcId, both AvailabilityZone and AvailabilityZoneId"),
    ),
    case(
        "cfn-lint/used.yaml",
        &[],
        Shared,
        NotDeployable("linter fixture: fake VpcId and CIDR placeholder"),
    ),
    case(
        "cfn101-workshop/database.yaml",
        &[],
        Private,
        InScenario("database_then_lambda"),
    ),
    case(
        "cfn101-workshop/lambda-function.yaml",
        &[],
        Private,
        InScenario("database_then_lambda"),
    ),
    case(
        "cfn101-workshop/resource-return-values.yaml",
        &[],
        Shared,
        Deploys,
    ),
    case(
        "cfn101-workshop/example_securitygroup.yaml",
        &[],
        Shared,
        InScenario("vpc_stub_then_security_groups"),
    ),
];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/cfn")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance")
}

/// `AWS::Service::Resource` names in a template's text (the corpus writes them as `Type:` lines).
fn resource_types(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut types: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Type:"))
        .map(|t| t.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
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
    for source in std::fs::read_dir(corpus()).expect("corpus beside the checkout") {
        let source = source.unwrap().path();
        for f in std::fs::read_dir(&source).into_iter().flatten() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            let dir = source.file_name().unwrap().to_string_lossy().into_owned();
            on_disk.push(format!("{dir}/{name}"));
        }
    }
    on_disk.sort();
    assert_eq!(
        listed, on_disk,
        "every corpus file needs an expected outcome"
    );

    for c in CASES {
        let unsupported: Vec<String> = resource_types(&corpus().join(c.file))
            .into_iter()
            .filter(|t| fuelflow::resources::handler(t).is_none())
            .collect();
        match c.expect {
            NotDeployable(_) => {}
            _ => assert!(
                unsupported.is_empty(),
                "{} is applied but has types without a handler: {unsupported:?}",
                c.file
            ),
        }
    }
}

/// One backend per test, bootstrapped once; stacks are applied to it in template mode.
struct Run<'m> {
    moto: &'m MotoServer,
    dir: tempfile::TempDir,
    bucket: String,
    table: String,
}

impl<'m> Run<'m> {
    fn new(moto: &'m MotoServer) -> Run<'m> {
        let id = unique("conf").to_lowercase();
        let run = Run {
            moto,
            dir: tempfile::tempdir().unwrap(),
            bucket: format!("{id}-state"),
            table: format!("{id}-locks"),
        };
        let stub = fixtures().join("vpc-stub.yaml");
        let out = run.cli(&stub, &[], &["bootstrap", "--auto-approve"]);
        assert!(out.status.success(), "bootstrap: {}", stderr(&out));
        run
    }

    /// `fuelflow -t FILE --backend-bucket B --lock-table T STACK_ARGS... COMMAND... --env default`.
    fn cli(
        &self,
        template: &Path,
        stack_args: &[String],
        command: &[&str],
    ) -> std::process::Output {
        let template = template.to_string_lossy().into_owned();
        let mut args: Vec<&str> = vec![
            "-t",
            &template,
            "--backend-bucket",
            &self.bucket,
            "--lock-table",
            &self.table,
        ];
        args.extend(stack_args.iter().map(String::as_str));
        args.extend(command);
        args.extend(["--env", "default"]);
        fuelflow(self.dir.path(), &args, Some(self.moto))
    }
}

/// A stack of one template with its parameters (placeholders filled in).
struct Stack {
    template: PathBuf,
    name: String,
    params: Vec<String>,
}

impl Stack {
    fn new(template: PathBuf, params: &[&str], u: &str) -> Stack {
        let name = unique("cf").to_lowercase();
        let name: String = name.chars().take(24).collect();
        Stack {
            template,
            name: name.trim_end_matches('-').to_string(),
            params: params.iter().map(|p| p.replace("{u}", u)).collect(),
        }
    }

    fn args(&self, params: &[String]) -> Vec<String> {
        let mut a = vec!["--stack-name".to_string(), self.name.clone()];
        for p in params {
            a.extend(["--parameter".to_string(), p.clone()]);
        }
        a
    }

    fn run(&self, run: &Run, command: &[&str]) -> std::process::Output {
        run.cli(&self.template, &self.args(&self.params), command)
    }

    fn apply(&self, run: &Run) -> std::process::Output {
        self.run(run, &["apply", "--auto-approve"])
    }

    /// The recorded resources (type, physical id, properties, attributes).
    fn recorded(&self, run: &Run) -> Vec<live::Recorded> {
        let out = self.run(run, &["state", "show"]);
        assert!(out.status.success(), "state show: {}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        live::recorded(&json[&self.name])
    }
}

fn both(out: &std::process::Output) -> String {
    format!("{}\n{}", stdout(out), stderr(out))
}

/// Applies `stacks` in order (each checked live and re-planned empty), then destroys them in
/// reverse and checks every resource is gone. Returns a line per stack for the report.
async fn deploy_in_order(moto: &MotoServer, stacks: &[Stack]) -> Vec<String> {
    let run = Run::new(moto);
    let config = moto.sdk_config().await;
    let mut applied = Vec::new();
    let mut report = Vec::new();
    for s in stacks {
        let out = s.apply(&run);
        assert!(
            out.status.success(),
            "apply {}: {}",
            s.template.display(),
            both(&out)
        );
        let resources = s.recorded(&run);
        assert!(!resources.is_empty(), "{} recorded nothing", s.name);
        for r in &resources {
            assert_eq!(
                live::exists(&config, r).await,
                Some(true),
                "{} {} ({}) not found live after apply",
                s.template.display(),
                r.resource_type,
                r.physical_id
            );
        }
        let out = s.run(&run, &["plan", "--detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "re-plan of {} is not empty:\n{}",
            s.template.display(),
            both(&out)
        );
        applied.push((s, resources));
    }
    for (s, resources) in applied.iter().rev() {
        let out = s.run(&run, &["destroy", "--auto-approve"]);
        assert!(
            out.status.success(),
            "destroy {}: {}",
            s.template.display(),
            both(&out)
        );
        for r in resources
            .iter()
            .filter(|r| !live::is_singleton(&r.resource_type))
        {
            assert_ne!(
                live::exists(&config, r).await,
                Some(true),
                "{} {} ({}) still there after destroy",
                s.template.display(),
                r.resource_type,
                r.physical_id
            );
        }
        let types: std::collections::BTreeSet<&str> =
            resources.iter().map(|r| r.resource_type.as_str()).collect();
        report.push(format!(
            "{}: {} resources ({}) deployed, re-plan empty, destroyed",
            s.template.display(),
            resources.len(),
            types.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    report
}

/// Runs one table case; panics with the reason when it does not behave as the table says.
async fn run_case(moto: &MotoServer, c: &Case) {
    let u = unique("cf").to_lowercase();
    let u: String = u.chars().take(30).collect();
    let stack = Stack::new(corpus().join(c.file), c.params, u.trim_end_matches('-'));
    match c.expect {
        Deploys => {
            deploy_in_order(moto, &[stack]).await;
        }
        UpdateFails { update, text } => {
            let run = Run::new(moto);
            let config = moto.sdk_config().await;
            let out = stack.apply(&run);
            assert!(out.status.success(), "apply: {}", both(&out));
            let resources = stack.recorded(&run);
            for r in &resources {
                assert_eq!(live::exists(&config, r).await, Some(true), "{r:?}");
            }
            let out = stack.run(&run, &["plan", "--detailed-exitcode"]);
            assert_eq!(out.status.code(), Some(0), "re-plan: {}", both(&out));
            let bad: Vec<String> = update.iter().map(|p| p.to_string()).collect();
            let out = run.cli(
                &stack.template,
                &stack.args(&bad),
                &["apply", "--auto-approve"],
            );
            assert_eq!(out.status.code(), Some(1), "update: {}", both(&out));
            assert!(both(&out).contains(text), "update: {}", both(&out));
            let out = stack.run(&run, &["destroy", "--auto-approve"]);
            assert!(out.status.success(), "destroy: {}", both(&out));
            for r in &resources {
                assert_ne!(live::exists(&config, r).await, Some(true), "{r:?}");
            }
        }
        FailsWith(text) => {
            let run = Run::new(moto);
            let out = stack.apply(&run);
            assert_eq!(out.status.code(), Some(1), "apply: {}", both(&out));
            assert!(both(&out).contains(text), "apply: {}", both(&out));
            let config = moto.sdk_config().await;
            let resources = stack.recorded(&run);
            let out = stack.run(&run, &["destroy", "--auto-approve"]);
            assert!(out.status.success(), "destroy: {}", both(&out));
            for r in &resources {
                assert_ne!(live::exists(&config, r).await, Some(true), "{r:?}");
            }
        }
        Refused(text) => {
            let run = Run::new(moto);
            let out = stack.apply(&run);
            assert_eq!(out.status.code(), Some(1), "apply: {}", both(&out));
            assert!(both(&out).contains(text), "apply: {}", both(&out));
            assert!(stack.recorded(&run).is_empty(), "nothing may be recorded");
        }
        InScenario(_) | NotDeployable(_) => {}
    }
}

fn outcome(c: &Case) -> String {
    match c.expect {
        Deploys => "deploys, re-plan empty, destroyed".into(),
        UpdateFails { text, .. } => format!("deploys; update fails with `{text}`"),
        FailsWith(text) => format!("apply fails with `{text}`"),
        Refused(text) => format!("refused by validate: `{text}`"),
        InScenario(s) => format!("in scenario {s}"),
        NotDeployable(why) => format!("not deployable: {why}"),
    }
}

/// Every single-template case, each on its server; all failures are reported together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_templates_behave_as_the_table_says() {
    let mut failures = Vec::new();
    for c in CASES {
        if matches!(c.expect, InScenario(_) | NotDeployable(_)) {
            continue;
        }
        // A private server lives until the test process ends (its watchdog stops it then).
        let moto: &'static MotoServer = match c.server {
            Shared => MotoServer::shared(),
            Private => Box::leak(Box::new(MotoServer::start())),
        };
        match tokio::spawn(run_case(moto, c)).await {
            Ok(()) => eprintln!("ok   {}: {}", c.file, outcome(c)),
            Err(e) => {
                let message = e
                    .into_panic()
                    .downcast::<String>()
                    .map(|s| *s)
                    .unwrap_or_else(|_| "panicked".into());
                eprintln!("FAIL {}", c.file);
                failures.push(format!("{}: {message}", c.file));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn export_then_import() {
    let u = unique("exp").to_lowercase();
    let param = format!("BucketExportName={u}");
    let stacks = [
        Stack::new(
            corpus().join("localstack/cfn_function_export.yml"),
            &[&param],
            &u,
        ),
        Stack::new(
            corpus().join("localstack/cfn_function_import.yml"),
            &[&param],
            &u,
        ),
    ];
    let report = deploy_in_order(MotoServer::shared(), &stacks).await;
    eprintln!("{}", report.join("\n"));
}

#[tokio::test]
async fn database_then_lambda() {
    // Both templates name the secret `DatabaseConnParams`: a private server.
    let moto = MotoServer::start();
    let stacks = [
        Stack::new(
            corpus().join("cfn101-workshop/database.yaml"),
            &["DBUsername=admin", "DBPassword=CorrectHorseBattery9"],
            "",
        ),
        Stack::new(
            corpus().join("cfn101-workshop/lambda-function.yaml"),
            &[],
            "",
        ),
    ];
    let report = deploy_in_order(&moto, &stacks).await;
    eprintln!("{}", report.join("\n"));
}

#[tokio::test]
async fn vpc_stub_then_security_groups() {
    let moto = MotoServer::shared();
    let vpc = Stack::new(fixtures().join("vpc-stub.yaml"), &[], "");
    let parent = format!("ParentVPCStack={}", vpc.name);
    let client = Stack::new(
        corpus().join("widdix-aws-cf-templates/client-sg.yaml"),
        &[&parent],
        "",
    );
    let workshop = Stack::new(
        corpus().join("cfn101-workshop/example_securitygroup.yaml"),
        &[],
        "",
    );
    let report = deploy_in_order(moto, &[vpc, client, workshop]).await;
    eprintln!("{}", report.join("\n"));
}

/// moto refuses an IAM policy without `Version` (AWS defaults it to 2008-10-17), and the
/// anonymizer's inline role policy has none: its apply fails on moto, and destroy cleans up.
#[tokio::test]
async fn bucket_stub_then_alb_anonymizer() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let bucket = Stack::new(fixtures().join("bucket-stub.yaml"), &[], "");
    let parent = format!("ParentS3Stack={}", bucket.name);
    let anonymizer = Stack::new(
        corpus().join("widdix-aws-cf-templates/alb-access-logs-anonymizer.yaml"),
        &[&parent],
        "",
    );
    let run = Run::new(moto);
    let out = bucket.apply(&run);
    assert!(out.status.success(), "{}", both(&out));
    let stub = bucket.recorded(&run);
    let out = anonymizer.apply(&run);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        both(&out).contains(
            "resource Role (AWS::IAM::Role): create failed: MalformedPolicyDocument: Policy document must be version 2012-10-17"
        ),
        "{}",
        both(&out)
    );
    for s in [&anonymizer, &bucket] {
        let out = s.run(&run, &["destroy", "--auto-approve"]);
        assert!(out.status.success(), "{}", both(&out));
    }
    for r in &stub {
        assert_eq!(live::exists(&config, r).await, Some(false), "{r:?}");
    }
}
