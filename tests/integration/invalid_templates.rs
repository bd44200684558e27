//! Malformed templates: each is refused with exit code 1, at the exact file:line:col, naming the
//! offending thing, before any AWS call (no endpoint or credentials are configured here).

use std::path::PathBuf;
use std::process::{Command, Output};

/// (file, line:col of the first error, text of its message)
const CASES: &[(&str, &str, &str)] = &[
    (
        "bad_logical_id.yaml",
        "2:3",
        "logical id name `my-bucket` must be alphanumeric (A-Z, a-z, 0-9)",
    ),
    (
        "condition_cycle.yaml",
        "2:3",
        "conditions refer to each other in a cycle: A, B",
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
        "depends_on_unknown.yaml",
        "4:16",
        "`DependsOn` names `Missing`, which is not a resource of this template",
    ),
    ("duplicate_key.yaml", "4:3", "duplicate key `Bucket`"),
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
        "ref_unknown.yaml",
        "5:24",
        "`BucketNameParam` is not a parameter, resource or pseudo parameter",
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
        "1:1",
        "`Transform` (macros such as AWS::Serverless) is not supported",
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
        "resource `Queue` has unsupported type `AWS::SQS::Queue`: fuelflow does not manage this type",
    ),
    (
        "unmanaged_property.yaml",
        "6:7",
        "property `WebsiteConfiguration` of `Site` (AWS::S3::Bucket) is not supported by fuelflow yet",
    ),
    (
        "unsupported_intrinsic.yaml",
        "6:9",
        "intrinsic function `Fn::Cidr` is not supported",
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
    assert!(CASES.len() >= 25);
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
