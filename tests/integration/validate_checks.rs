//! `validate` beyond one template: physical names across the stacks of a project, values given
//! on the command line checked against the schema, and the machine formats for CI (`--format
//! json|sarif`). No AWS: nothing listens at the endpoint.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fuelflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .current_dir(fixtures())
        .arg("--no-color")
        .args(args)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env_remove("AWS_REGION")
        .output()
        .expect("run fuelflow")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn one_physical_name_across_stacks_is_refused_at_both_places_in_every_environment() {
    let out = fuelflow(&["-C", "cross-stack-names", "validate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for env in ["dev", "prod"] {
        assert!(
            stderr.contains(&format!("environment `{env}`:")),
            "{stderr}"
        );
    }
    for (line, message) in [
        (
            "logs.yaml:8:19",
            "`logs.Logs` sets BucketName `acme-shared-logs`, which `archive.Archive` also uses: one AWS::S3::Bucket can have that name",
        ),
        (
            "archive.yaml:8:19",
            "`archive.Archive` sets BucketName `acme-shared-logs`, which `logs.Logs` also uses",
        ),
        (
            "logs.yaml:12:18",
            "`logs.Events` sets TableName `events`, which `archive.Events` also uses: one AWS::DynamoDB::Table can have that name in us-east-1",
        ),
    ] {
        assert!(stderr.contains(message), "missing {message}:\n{stderr}");
        assert!(stderr.contains(line), "missing {line}:\n{stderr}");
    }
    assert_eq!(stderr.matches("4 errors found").count(), 2, "{stderr}");
}

#[test]
fn a_parameter_given_on_the_command_line_is_checked_instead_of_the_default() {
    let file = "invalid/parameter_default_range.yaml";
    let out = fuelflow(&["-t", file, "--parameter", "Memory=256", "validate"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = fuelflow(&["-t", file, "--parameter", "Memory=64", "validate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "property `MemorySize` of `Fn` is 64, out of range: it must be between 128 and 10240"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("the value comes from parameter `Memory`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("source of this rule: cfn-lint/aws-lambda-function.json"),
        "{stderr}"
    );
}

#[test]
fn json_format_lists_every_diagnostic_with_its_place() {
    let out = fuelflow(&[
        "-t",
        "invalid/iam_statement_key.yaml",
        "validate",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["valid"], false);
    let diagnostics = doc["environments"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 2, "{doc:#}");
    let first = &diagnostics[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "invalid/iam_statement_key.yaml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(9), Some(13))
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("unknown statement key `Actions`")
    );
    assert_eq!(first["notes"][0], "did you mean `Action`?");

    let ok = fuelflow(&[
        "-t",
        "cross-stack-names/logs.yaml",
        "--parameter",
        "Env=dev",
        "validate",
        "--format",
        "json",
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let doc = json(&ok);
    assert_eq!(doc["valid"], true);
    assert!(
        doc["environments"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["severity"] == "warning")
    );
}

#[test]
fn sarif_format_is_a_sarif_2_1_0_log_with_regions_and_related_places() {
    let out = fuelflow(&[
        "-t",
        "invalid/duplicate_physical_name.yaml",
        "validate",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["runs"][0]["tool"]["driver"]["name"], "fuelflow");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let errors: Vec<_> = results.iter().filter(|r| r["level"] == "error").collect();
    assert_eq!(errors.len(), 2, "{doc:#}");
    let location = &errors[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "invalid/duplicate_physical_name.yaml"
    );
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 19);
    assert_eq!(errors[0]["ruleId"], "fuelflow/error");
    let related = &errors[0]["relatedLocations"][0]["physicalLocation"]["region"];
    assert_eq!(related["startLine"], 9);
}
