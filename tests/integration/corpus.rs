//! The public CloudFormation corpus (../shared/corpus/cfn): every template has an explicit
//! expected outcome of `fuelflow validate`, with the parameters it needs.

use std::path::PathBuf;
use std::process::Command;

enum Expect {
    /// Validates (the counts are resources and dependency edges after conditions).
    Valid { resources: usize, edges: usize },
    /// Rejected, with this text in the message at this `file:line`.
    Rejected { line: usize, message: &'static str },
}
use Expect::*;

const CORPUS: &[(&str, &[&str], Expect)] = &[
    (
        "aws-cloudformation-templates/s3-bucket-and-policy-for-caa-v1.yaml",
        &["BucketName=caa-bucket", "PublisherAccountID=123456789012"],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "aws-cloudformation-templates/S3_LambdaTrigger.yaml",
        &["NotificationBucket=trigger-bucket"],
        Valid {
            resources: 4,
            edges: 4,
        },
    ),
    (
        "aws-cloudformation-templates/compliant-bucket.yaml",
        &["AppName=app"],
        Valid {
            resources: 8,
            edges: 4,
        },
    ),
    (
        "aws-cloudformation-templates/S3AccessLogs.cfn.yaml",
        &[],
        Rejected {
            line: 43,
            message: "property `AccessControl` of `S3AccessLogsBucket` is `LogDeliveryWrite`, but the bucket's object ownership is BucketOwnerEnforced",
        },
    ),
    (
        "aws-cloudformation-templates/LambdaSample.yaml",
        &["EnvName=dev", "LambdaHandlerPath=index.handler"],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "aws-cloudformation-templates/apigateway_lambda_integration.yaml",
        &[],
        Rejected {
            line: 108,
            message: "unknown tag `!Rain::Embed`",
        },
    ),
    (
        "aws-cloudformation-templates/DynamoDB_Secondary_Indexes.yaml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "aws-cloudformation-templates/RDS_PIOPS.yaml",
        &["DBUser=admin"],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "aws-cloudformation-templates/RDS_MySQL_With_Read_Replica.yaml",
        &["DBUser=admin"],
        Rejected {
            line: 133,
            message: "property `SourceDBInstanceIdentifier` of `ReplicaDB` (AWS::RDS::DBInstance) is not supported by fuelflow yet",
        },
    ),
    (
        "aws-cloudformation-templates/RDS_Snapshot_On_Delete.yaml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "aws-cloudformation-templates/VPCPeering-Accepter-Role.cfn.yaml",
        &["PeerOwnerIds=111111111111"],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/apigateway_account.yml",
        &[],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "localstack/apigateway_stage_access_log_settings.yaml",
        &["RestApiName=api"],
        Valid {
            resources: 5,
            edges: 7,
        },
    ),
    (
        "localstack/template35.yaml",
        &[],
        Valid {
            resources: 7,
            edges: 11,
        },
    ),
    (
        "localstack/cfn_lambda_permission_multiple.yaml",
        &[],
        Valid {
            resources: 4,
            edges: 3,
        },
    ),
    (
        "localstack/cfn_function_export.yml",
        &["BucketExportName=corpus-export"],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/cfn_function_import.yml",
        &["BucketExportName=corpus-export"],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/nested-conditions.yaml",
        &["EnvType=prod"],
        Valid {
            resources: 0,
            edges: 0,
        },
    ),
    (
        "localstack/conditional-with-select.yml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/dynamodb_billing_conditional.yml",
        &["BillingModeParameter=PROVISIONED"],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/dynamodb_iam.yaml",
        &[],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "localstack/deploy_template_3.yaml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/ec2_vpc_securitygroup.yml",
        &[],
        Valid {
            resources: 3,
            edges: 1,
        },
    ),
    (
        "localstack/secretsmanager_secret.yml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/logs_group.yml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/cfn_cw_simple_alarm.yml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/sub_number_type.yml",
        &[
            "ResourceNamePrefix=ff",
            "RestLatencyPreemptiveAlarmPeriod=60",
            "RestLatencyPreemptiveAlarmThreshold=100",
        ],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "localstack/multiple_bucket_update.yaml",
        &[],
        Valid {
            resources: 2,
            edges: 0,
        },
    ),
    (
        "widdix-aws-cf-templates/rds-postgres.yaml",
        &[
            "ParentVPCStack=vpc",
            "ParentClientStack=client",
            "EngineVersion=15.3",
        ],
        Rejected {
            line: 203,
            message: "property `AllowMajorVersionUpgrade` of `DBInstance` (AWS::RDS::DBInstance) is not supported by fuelflow yet",
        },
    ),
    (
        "widdix-aws-cf-templates/secretsmanager-dbsecret.yaml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "widdix-aws-cf-templates/client-sg.yaml",
        &["ParentVPCStack=vpc"],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
    (
        "widdix-aws-cf-templates/terraform-state.yaml",
        &[
            "ParentKmsKeyStack=kms",
            "TerraformStateAdminARNs=arn:aws:iam::123456789012:root",
            "TerraformStateIdentifier=tfstate",
        ],
        Valid {
            resources: 3,
            edges: 1,
        },
    ),
    (
        "widdix-aws-cf-templates/alb-access-logs-anonymizer.yaml",
        &[],
        Valid {
            resources: 5,
            edges: 5,
        },
    ),
    (
        "widdix-aws-cf-templates/monitoring.yaml",
        &["DistributionId=E123", "ParentAlertStack=alert"],
        Valid {
            resources: 3,
            edges: 0,
        },
    ),
    (
        "cfn-lint/default.yaml",
        &["CDLWithoutDefault=a,b"],
        Valid {
            resources: 0,
            edges: 0,
        },
    ),
    (
        "cfn-lint/primary_identifiers.yaml",
        &[],
        Valid {
            resources: 6,
            edges: 0,
        },
    ),
    (
        "cfn-lint/availability-zones.yaml",
        &[],
        Rejected {
            line: 5,
            message: "property `AvailabilityZoneId` of `Subnet` (AWS::EC2::Subnet) is not supported by fuelflow yet",
        },
    ),
    (
        "cfn-lint/used.yaml",
        &["Environment=acceptance"],
        // Issue 13: `vpc-123456` is not a VPC id (vpc- and 8 or 17 hex digits); cfn-lint E1151.
        Rejected {
            line: 21,
            message: "property `VpcId` of `mySubnet` is `vpc-123456`, which does not match the pattern",
        },
    ),
    (
        "cfn101-workshop/database.yaml",
        &["DBUsername=admin", "DBPassword=CorrectHorseBattery9"],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "cfn101-workshop/lambda-function.yaml",
        &[],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "cfn101-workshop/resource-return-values.yaml",
        &[],
        Valid {
            resources: 2,
            edges: 1,
        },
    ),
    (
        "cfn101-workshop/example_securitygroup.yaml",
        &[],
        Valid {
            resources: 1,
            edges: 0,
        },
    ),
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/cfn")
}

#[test]
fn every_corpus_template_has_its_expected_outcome() {
    let dir = corpus_dir();
    let mut listed: Vec<&str> = CORPUS.iter().map(|(f, _, _)| *f).collect();
    listed.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus present beside the checkout")
        .flat_map(|d| {
            let d = d.unwrap().path();
            let source = d.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::read_dir(&d)
                .into_iter()
                .flatten()
                .map(move |f| format!("{source}/{}", f.unwrap().file_name().to_string_lossy()))
        })
        .collect();
    on_disk.sort();
    assert_eq!(
        listed, on_disk,
        "every corpus file must have an expected outcome"
    );

    let mut failures = Vec::new();
    for (file, parameters, expect) in CORPUS {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fuelflow"));
        cmd.args(["--no-color", "validate", "-t"])
            .arg(dir.join(file))
            .env_remove("AWS_REGION");
        for p in *parameters {
            cmd.args(["--parameter", p]);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expect {
            Valid { resources, edges } => {
                let want = format!(
                    "{resources} resource{}, {edges} dependenc",
                    if *resources == 1 { "" } else { "s" }
                );
                if !out.status.success() || !stdout.contains(&want) {
                    failures.push(format!(
                        "{file}: expected valid with `{want}`, got {:?}\n{stdout}{stderr}",
                        out.status.code()
                    ));
                }
            }
            Rejected { line, message } => {
                let location = format!("{file}:{line}:");
                if out.status.code() != Some(1)
                    || !stderr.contains(message)
                    || (*line > 0 && !stderr.contains(&location))
                {
                    failures.push(format!(
                        "{file}: expected rejection `{message}` at {location}, got {:?}\n{stderr}",
                        out.status.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every corpus file with the parameters it is validated with (for `cfn_lint.rs`).
pub(crate) fn files_and_parameters() -> impl Iterator<Item = (&'static str, &'static [&'static str])>
{
    CORPUS.iter().map(|(f, p, _)| (*f, *p))
}
