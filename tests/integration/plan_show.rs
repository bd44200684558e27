//! `fuelflow show PLANFILE`: a saved plan printed without any AWS call (the endpoint given is one
//! nothing listens on, so a call would fail the command), as text and as the `plan --json`
//! document, which must match the JSON Schema the README documents.

use fuelflow::ops::SavedPlan;
use fuelflow::plan::Plan;
use serde_json::{Value, json};
use std::process::{Command, Output};

fn saved_plan() -> Plan {
    let policies = |action: &str| {
        json!([{"PolicyName": "app-data", "PolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": action, "Resource": "*"}]}}])
    };
    serde_json::from_value(json!({
        "format_version": 1, "env": "dev", "destroy": false,
        "stacks": [{"stack": "iam", "stack_name": "demo-iam-dev", "lineage": "l-1", "serial": 3,
            "changes": [
                {"stack": "iam", "logical_id": "AppRole", "resource_type": "AWS::IAM::Role", "action": "update",
                 "physical_id": "demo-app", "replace_because": [], "reason": null,
                 "properties": [{"path": "Policies", "before": policies("s3:GetObject"), "after": policies("s3:PutObject"),
                     "forces_replacement": false, "drift": false, "sensitive": false}]},
                {"stack": "iam", "logical_id": "Logs", "resource_type": "AWS::Logs::LogGroup", "action": "create",
                 "physical_id": null, "replace_because": [], "reason": null,
                 "properties": [{"path": "RetentionInDays", "before": null, "after": 14,
                     "forces_replacement": false, "drift": false, "sensitive": false}]}],
            "outputs": [["RoleArn", "(known after apply)"]]}]
    }))
    .expect("a plan")
}

fn show(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .arg("show")
        .args(args)
        // Nothing listens on port 9: any AWS call would fail the command.
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fuelflow")
}

#[test]
fn show_prints_a_saved_plan_as_text_and_json_without_aws() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dev.plan");
    SavedPlan::new(saved_plan()).write(&file).unwrap();
    let file = file.to_str().unwrap();

    let out = show(&[file]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("~ AppRole (AWS::IAM::Role) will update in place"),
        "{text}"
    );
    assert!(
        text.contains("~ - Sid: \"Read\"")
            && text.contains("~ Action: \"s3:GetObject\" -> \"s3:PutObject\""),
        "{text}"
    );
    assert!(text.contains("+ RetentionInDays: 14"), "{text}");
    assert!(
        text.contains("Plan: 1 to add, 1 to change, 0 to destroy."),
        "{text}"
    );

    let out = show(&[file, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        report["summary"],
        json!({"add": 1, "change": 1, "destroy": 0})
    );
    if let Err(e) = validate(&documented_schema(), &report, "$") {
        panic!("plan --json does not match the README's schema: {e}\n{report:#}");
    }
    let mut wrong = report.clone();
    wrong["changes"][0]["action"] = json!("rebuild");
    assert!(
        validate(&documented_schema(), &wrong, "$").is_err(),
        "the schema checks actions"
    );
}

#[test]
fn show_names_a_file_that_is_not_a_plan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "hello").unwrap();
    let out = show(&[file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt is not a fuelflow plan"));
}

/// The JSON Schema in the README, after the `<!-- plan-json-schema -->` marker.
fn documented_schema() -> Value {
    let readme = include_str!("../../README.md");
    let at = readme
        .find("<!-- plan-json-schema -->")
        .expect("the README documents the schema");
    let block = &readme[at..];
    let start = block.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + block[start..].find("```").expect("closed");
    serde_json::from_str(&block[start..end]).expect("the README's schema is JSON")
}

/// The part of JSON Schema the documented schema uses: `type` (one or a list), `enum`,
/// `properties`, `required`, `additionalProperties: false`, `items`.
fn validate(schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            list => list
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect(),
        };
        let is = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => true,
        };
        if !types.iter().any(|t| is(t)) {
            return Err(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(v) {
            return Err(format!("{at}: {v} is not one of {allowed:?}"));
        }
    }
    if let (Some(object), Some(properties)) = (
        v.as_object(),
        schema.get("properties").and_then(Value::as_object),
    ) {
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = required.as_str().unwrap();
            if !object.contains_key(key) {
                return Err(format!("{at}: `{key}` is missing"));
            }
        }
        for (key, value) in object {
            match properties.get(key) {
                Some(s) => validate(s, value, &format!("{at}.{key}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{at}: `{key}` is not documented"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, item) in list.iter().enumerate() {
            validate(items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}
