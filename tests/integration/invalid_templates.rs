//! Malformed templates: each is refused with exit code 1, at the exact file:line:col, naming the
//! offending thing, before any AWS call (no endpoint or credentials are configured here).

use std::path::PathBuf;
use std::process::{Command, Output};

/// (file, line:col of the first error, text of its message)
const CASES: &[(&str, &str, &str)] = &[
    (
        "any_of_required.yaml",
        "6:7",
        "property `WarmThroughput` of `Table` needs at least one of `ReadUnitsPerSecond`, `WriteUnitsPerSecond`",
    ),
    (
        "bad_logical_id.yaml",
        "2:3",
        "logical id name `my-bucket` must be alphanumeric (A-Z, a-z, 0-9)",
    ),
    (
        "bucket_name_length.yaml",
        "5:19",
        "property `BucketName` of `Bucket` is 2 characters long; it must be 3 to 63",
    ),
    (
        "bucket_name_pattern.yaml",
        "5:19",
        "property `BucketName` of `Bucket` is `My_Bucket`, which does not match the pattern `^[a-z0-9][a-z0-9.-]*[a-z0-9]$`",
    ),
    (
        "condition_cycle.yaml",
        "2:3",
        "conditions refer to each other in a cycle: A, B",
    ),
    (
        "conditional_reference.yaml",
        "19:31",
        "`Reader` refers to `Archive`, which exists only when condition `IsProd` is true, but `Reader` is not under that condition",
    ),
    (
        "custom_resource.yaml",
        "3:11",
        "resource `Thing` has unsupported type `Custom::Thing`: custom resources need the CloudFormation service; fuelflow does not run them",
    ),
    (
        "cycle.yaml",
        "2:3",
        "dependency cycle between 3 resources: cycle.A, cycle.B, cycle.C",
    ),
    (
        "dependent_required.yaml",
        "7:9",
        "property `PointInTimeRecoverySpecification` of `Table` sets `RecoveryPeriodInDays`, which needs `PointInTimeRecoveryEnabled` to be set too",
    ),
    (
        "depends_on_unknown.yaml",
        "4:16",
        "`DependsOn` names `Missing`, which is not a resource of this template",
    ),
    ("duplicate_key.yaml", "4:3", "duplicate key `Bucket`"),
    (
        "duplicate_physical_name.yaml",
        "5:19",
        "`duplicate_physical_name.Logs` sets BucketName `acme-logs`, which `duplicate_physical_name.Archive` also uses: one AWS::S3::Bucket can have that name",
    ),
    (
        "dynamodb_attribute_type.yaml",
        "8:26",
        "property `AttributeDefinitions[0].AttributeType` of `Table` is `STRING`, which is not one of: B, N, S",
    ),
    (
        "dynamodb_unused_attribute.yaml",
        "9:26",
        "property `AttributeDefinitions` of `Table` defines `email`, which no key schema uses (DynamoDB refuses it)",
    ),
    (
        "enum_near_miss.yaml",
        "5:20",
        "property `BillingMode` of `Table` is `PAY_PER_REQUST`, which is not one of: PAY_PER_REQUEST, PROVISIONED",
    ),
    (
        "excluded_reference.yaml",
        "10:24",
        "`Logs` is not created (its condition `Never` is false) but is referenced here",
    ),
    (
        "find_in_map_missing.yaml",
        "8:40",
        "mapping `Regions` has no key `eu-west-1`",
    ),
    (
        "getatt_bad_form.yaml",
        "6:20",
        "`Fn::GetAtt` needs `Resource.Attribute`, found `BucketArn`",
    ),
    (
        "iam_action.yaml",
        "9:36",
        "policy `PolicyDocument.Statement[0].Action[1]` of `Policy`: action `s3 PutObject` is not `service:Action` (or `*`)",
    ),
    (
        "iam_action_and_not_action.yaml",
        "8:13",
        "policy `PolicyDocument.Statement[0]` of `Policy`: statement has both `Action` and `NotAction`",
    ),
    (
        "iam_condition_operator.yaml",
        "14:15",
        "policy `PolicyDocument.Statement[0].Condition.BoolIfExist` of `BucketPolicy`: unknown condition operator `BoolIfExist`",
    ),
    (
        "iam_effect.yaml",
        "8:21",
        "policy `AssumeRolePolicyDocument.Statement[0].Effect` of `Role`: `Effect` is `Permit`; it must be Allow or Deny",
    ),
    (
        "iam_json_string_effect.yaml",
        "5:33",
        "policy `AssumeRolePolicyDocument.Statement[0].Effect` of `Role`: `Effect` is `Permit`; it must be Allow or Deny",
    ),
    (
        "iam_json_string_malformed.yaml",
        "5:33",
        "policy `AssumeRolePolicyDocument` of `Role`: not a JSON policy document: expected value at line 1 column 41",
    ),
    (
        "iam_principal.yaml",
        "9:26",
        "policy `AssumeRolePolicyDocument.Statement[0].Principal.Services` of `Role`: unknown principal type `Services`; it must be AWS, Service, Federated or CanonicalUser",
    ),
    (
        "iam_resource_arn.yaml",
        "10:23",
        "policy `PolicyDocument.Statement[0].Resource` of `Policy`: resource `my-bucket/*` is not an ARN (arn:partition:service:region:account:resource) or `*`",
    ),
    (
        "iam_statement_key.yaml",
        "9:13",
        "policy `PolicyDocument.Statement[0].Actions` of `Policy`: unknown statement key `Actions`",
    ),
    (
        "iam_version.yaml",
        "6:18",
        "policy `PolicyDocument.Version` of `Policy`: `Version` is `2012-10-18`; it must be 2012-10-17 (or the old 2008-10-17)",
    ),
    (
        "if_unknown_condition.yaml",
        "7:24",
        "`IsProdd` is not a condition of this template",
    ),
    (
        "integer_not_number.yaml",
        "5:24",
        "property `RetentionInDays` of `Table` must be an integer, found `a week`",
    ),
    (
        "json_error.json",
        "8:1",
        "invalid YAML: while parsing a flow mapping, did not find expected ',' or '}'",
    ),
    (
        "lambda_architectures.yaml",
        "7:22",
        "property `Architectures` of `Fn` has 2 items; at most 1 are allowed",
    ),
    (
        "lambda_memory.yaml",
        "7:19",
        "property `MemorySize` of `Fn` is 64, out of range: it must be between 128 and 10240",
    ),
    (
        "lambda_runtime.yaml",
        "5:16",
        "property `Runtime` of `Fn` is `python3.99`, which is not one of the 44 allowed values",
    ),
    (
        "lambda_timeout.yaml",
        "7:16",
        "property `Timeout` of `Fn` is 901, out of range: it must be between 1 and 900",
    ),
    (
        "log_retention.yaml",
        "5:24",
        "property `RetentionInDays` of `Logs` is `45`, which is not one of the 22 allowed values",
    ),
    (
        "missing_required.yaml",
        "2:3",
        "resource `Role` is missing required property `AssumeRolePolicyDocument`",
    ),
    (
        "nested_stack.yaml",
        "3:11",
        "resource `Child` has unsupported type `AWS::CloudFormation::Stack`: nested stacks are not supported: list the template as its own stack in fuelflow.yaml",
    ),
    (
        "nested_unknown_property.yaml",
        "6:9",
        "unknown property `VersioningConfiguration.State` in resource `Bucket`",
    ),
    (
        "no_resources.yaml",
        "1:1",
        "the template has no `Resources` section",
    ),
    (
        "non_utf8.yaml",
        "5:22",
        "non_utf8.yaml is not valid UTF-8 (byte 84)",
    ),
    (
        "not_a_mapping.yaml",
        "1:1",
        "a template must be a mapping, found a list",
    ),
    (
        "parameter_allowed_values.yaml",
        "5:14",
        "parameter `Env`: `staging` is not one of the AllowedValues: dev, prod",
    ),
    (
        "parameter_bad_type.yaml",
        "3:11",
        "parameter type `Strin` is not supported",
    ),
    (
        "parameter_default_range.yaml",
        "11:24",
        "property `MemorySize` of `Fn` is 20000, out of range: it must be between 128 and 10240",
    ),
    (
        "parameter_max_value.yaml",
        "5:14",
        "parameter `Size`: `20` is greater than MaxValue 10",
    ),
    (
        "parameter_pattern.yaml",
        "5:14",
        "parameter `Name`: `Not-Lower` does not match AllowedPattern `[a-z]+`",
    ),
    (
        "rds_engine.yaml",
        "5:15",
        "property `Engine` of `Db` is `postgress`, which is not one of the 26 allowed values",
    ),
    (
        "ref_unknown.yaml",
        "5:24",
        "`BucketNameParam` is not a parameter, resource or pseudo parameter",
    ),
    (
        "role_max_session.yaml",
        "5:27",
        "property `MaxSessionDuration` of `Role` is 60, out of range: it must be between 3600 and 43200",
    ),
    (
        "s3_acl_without_object_writer.yaml",
        "5:22",
        "property `AccessControl` of `Logs` is `LogDeliveryWrite`, but the bucket's object ownership is BucketOwnerEnforced (the default), which disables ACLs: S3 refuses it (InvalidBucketAclWithObjectOwnership)",
    ),
    (
        "security_group_cidr.yaml",
        "10:19",
        "property `SecurityGroupIngress[0].CidrIp` of `Sg` is `0.0.0/0`, which is not an IPv4 CIDR block (a.b.c.d/0-32)",
    ),
    (
        "select_out_of_range.yaml",
        "5:28",
        "`Fn::Select` index 3 is out of range",
    ),
    (
        "sub_unknown_var.yaml",
        "5:24",
        "`Suffix` is not a parameter, resource or pseudo parameter",
    ),
    (
        "transform.yaml",
        "1:12",
        "`Transform` AWS::Serverless-2016-10-31: only AWS::LanguageExtensions is supported (macros such as AWS::Serverless are not)",
    ),
    (
        "unknown_condition.yaml",
        "6:16",
        "`IsProduction` is not a condition of this template",
    ),
    (
        "unknown_getatt.yaml",
        "6:20",
        "`AWS::S3::Bucket` has no attribute `Arnn` (resource `Bucket`)",
    ),
    (
        "unknown_property.yaml",
        "5:7",
        "unknown property `BucketNmae` in resource `Bucket`",
    ),
    (
        "unknown_resource_attribute.yaml",
        "4:5",
        "unknown attribute of resource `Bucket`: `DependOn`",
    ),
    (
        "unknown_section.yaml",
        "1:1",
        "unknown template section: `Resource`",
    ),
    ("unknown_tag.yaml", "5:25", "unknown tag `!Reff`"),
    (
        "unknown_type.yaml",
        "3:11",
        "resource `Queue` has unsupported type `AWS::Batch::JobQueue`: fuelflow does not manage this type",
    ),
    (
        "unmanaged_property.yaml",
        "6:7",
        "property `AnalyticsConfigurations` of `Site` (AWS::S3::Bucket) is not supported by fuelflow yet",
    ),
    (
        "unsupported_intrinsic.yaml",
        "6:9",
        "intrinsic function `Fn::Transform` is not supported",
    ),
    (
        "vpc_cidr.yaml",
        "5:18",
        "property `CidrBlock` of `Vpc` is `10.0.0.0/33`, which is not an IPv4 CIDR block (a.b.c.d/0-32)",
    ),
    (
        "vpc_tenancy.yaml",
        "6:24",
        "property `InstanceTenancy` of `Vpc` is `shared`, which is not one of: dedicated, default, host",
    ),
    (
        "wrong_shape_list.yaml",
        "6:26",
        "property `ManagedPolicyArns` of `Role` must be a list, found a string",
    ),
    (
        "wrong_shape_object.yaml",
        "5:32",
        "property `VersioningConfiguration` of `Bucket` must be a mapping, found a string",
    ),
    (
        "yaml_syntax.yaml",
        "5:1",
        "invalid YAML: while parsing a flow sequence, expected ',' or ']'",
    ),
];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid")
}

fn validate(file: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .current_dir(fixtures())
        .args(["--no-color", "validate", "-t", file])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9") // nothing listens: any AWS call would fail loudly
        .output()
        .expect("run fuelflow")
}

#[test]
fn every_fixture_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = CASES.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(on_disk, listed);
    assert!(
        CASES.len() >= 63,
        "issue 13 added 28 cases to the 35 before"
    );
}

#[test]
fn each_malformed_template_is_refused_at_its_location() {
    let mut failures = Vec::new();
    for (file, location, message) in CASES {
        let out = validate(file);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default();
        let at = format!("{file}:{location}");
        if out.status.code() != Some(1)
            || first != format!("error: {message}")
            || !stderr.contains(&at)
            || !stderr.contains("nothing was changed")
            || !out.stdout.is_empty()
        {
            failures.push(format!(
                "{file}: expected `{message}` at {at}, exit 1; got {:?}:\n{stderr}",
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_cycle_names_every_member_and_each_edge_location() {
    let stderr = String::from_utf8_lossy(&validate("cycle.yaml").stderr).into_owned();
    for edge in ["cycle.yaml:5:", "cycle.yaml:9:", "cycle.yaml:12:"] {
        assert!(
            stderr.contains(edge),
            "missing edge location {edge}:\n{stderr}"
        );
    }
    for member in [
        "`cycle.A` depends on `cycle.C`",
        "`cycle.B` depends on `cycle.A`",
        "`cycle.C` depends on `cycle.B`",
    ] {
        assert!(stderr.contains(member), "missing {member}:\n{stderr}");
    }
}

#[test]
fn all_errors_of_a_file_are_reported_at_once() {
    let stderr =
        String::from_utf8_lossy(&validate("nested_unknown_property.yaml").stderr).into_owned();
    assert!(
        stderr.contains("`VersioningConfiguration.State`")
            && stderr.contains("`VersioningConfiguration.Mode`")
    );
    assert!(stderr.contains("did you mean `Status`?"));
    assert!(stderr.contains("missing required property `VersioningConfiguration.Status`"));
    assert!(stderr.contains("3 errors found"));
}

#[test]
fn suggestions_name_the_likely_intent() {
    for (file, hint) in [
        ("unknown_property.yaml", "did you mean `BucketName`?"),
        (
            "unknown_type.yaml",
            "supported types: AWS::ApiGateway::Account",
        ),
        ("unknown_tag.yaml", "did you mean `!Ref`?"),
        ("unknown_getatt.yaml", "did you mean `Arn`?"),
        (
            "unknown_resource_attribute.yaml",
            "did you mean `DependsOn`?",
        ),
    ] {
        let stderr = String::from_utf8_lossy(&validate(file).stderr).into_owned();
        assert!(stderr.contains(hint), "{file}: missing `{hint}`:\n{stderr}");
    }
}
