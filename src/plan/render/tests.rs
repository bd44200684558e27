//! Golden tests of the plan text (insta snapshots under `snapshots/`), and the acceptance case:
//! one statement drifted in one of three inline policies.

use super::*;
use crate::plan::{SENSITIVE, UNKNOWN};
use serde_json::json;

fn prop(path: &str, before: Value, after: Value) -> PropertyChange {
    PropertyChange {
        path: path.into(),
        before,
        after,
        forces_replacement: false,
        drift: false,
        sensitive: false,
    }
}

fn change(
    logical_id: &str,
    resource_type: &str,
    action: Action,
    properties: Vec<PropertyChange>,
) -> Change {
    Change {
        stack: "app".into(),
        logical_id: logical_id.into(),
        resource_type: resource_type.into(),
        action,
        physical_id: (action != Action::Create)
            .then(|| format!("{}-123", logical_id.to_lowercase())),
        replace_because: properties
            .iter()
            .filter(|p| p.forces_replacement)
            .map(|p| p.path.clone())
            .collect(),
        properties,
        reason: None,
    }
}

fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: 1,
        env: "dev".into(),
        destroy: false,
        estimated_seconds: None,
        refresh_only: false,
        stacks: vec![StackPlan {
            stack: "app".into(),
            stack_name: "demo-app-dev".into(),
            lineage: Some("l".into()),
            serial: 1,
            changes,
            outputs: Vec::new(),
            excluded: Vec::new(),
        }],
    }
}

fn assume_role() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

fn policy(name: &str, actions: &[&str]) -> Value {
    json!({"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Sid": "Objects", "Effect": "Allow", "Action": actions, "Resource": format!("arn:aws:s3:::{name}/*")},
        {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{name}")},
    ]}})
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn a_create_shows_the_whole_value_pretty() {
    let role = change(
        "AppRole",
        "AWS::IAM::Role",
        Action::Create,
        vec![
            prop("RoleName", Value::Null, json!("demo-app")),
            prop("AssumeRolePolicyDocument", Value::Null, assume_role()),
            prop(
                "Policies",
                Value::Null,
                json!([policy("read-data", &["s3:GetObject"])]),
            ),
            prop("Arn", Value::Null, json!(UNKNOWN)),
            prop(
                "Tags",
                Value::Null,
                json!([{"Key": "team", "Value": "data"}]),
            ),
        ],
    );
    insta::assert_snapshot!(text(&plan(vec![role])));
}

#[test]
fn an_update_of_a_nested_map_marks_only_the_changed_leaves() {
    let before = json!({"Variables": {"LOG_LEVEL": "info", "TABLE": "t", "BUCKET": "b", "REGION": "us-east-1"}});
    let after =
        json!({"Variables": {"LOG_LEVEL": "debug", "TABLE": "t", "BUCKET": "b", "QUEUE": "q"}});
    let f = change(
        "Api",
        "AWS::Lambda::Function",
        Action::Update,
        vec![
            prop("Environment", before, after),
            prop("MemorySize", json!(128), json!(256)),
            prop("Description", json!("old"), Value::Null),
        ],
    );
    insta::assert_snapshot!(text(&plan(vec![f])));
}

#[test]
fn list_elements_are_matched_by_identity_not_position() {
    let before =
        json!([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}]);
    let after = json!([{"Key": "b", "Value": "2"}, {"Key": "c", "Value": "30"}, {"Key": "d", "Value": "4"}]);
    let bucket = change(
        "Data",
        "AWS::S3::Bucket",
        Action::Update,
        vec![prop("Tags", before, after)],
    );
    let out = text(&plan(vec![bucket]));
    assert!(out.contains("- - Key: \"a\""), "{out}");
    assert!(out.contains("+ - Key: \"d\""), "{out}");
    assert!(out.contains("~ Value: \"3\" -> \"30\""), "{out}");
    assert!(!out.contains("\"2\""), "b is unchanged: {out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_policy_document_given_as_json_text_is_diffed_as_a_map() {
    let doc = |actions: &[&str]| {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": actions, "Resource": "*"}]})
            .to_string()
    };
    let managed = change(
        "ReadPolicy",
        "AWS::IAM::ManagedPolicy",
        Action::Update,
        vec![prop(
            "PolicyDocument",
            json!(doc(&["s3:GetObject"])),
            json!(doc(&["s3:GetObject", "s3:PutObject"])),
        )],
    );
    let out = text(&plan(vec![managed]));
    assert!(out.contains("+ - \"s3:PutObject\""), "{out}");
    assert!(!out.contains("\\\""), "no escaped JSON: {out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_replacement_names_the_property_that_forces_it() {
    let mut name = prop("BucketName", json!("data-old"), json!("data-new"));
    name.forces_replacement = true;
    let bucket = change(
        "Data",
        "AWS::S3::Bucket",
        Action::Replace,
        vec![
            name,
            prop(
                "VersioningConfiguration",
                json!({"Status": "Suspended"}),
                json!({"Status": "Enabled"}),
            ),
        ],
    );
    insta::assert_snapshot!(text(&plan(vec![bucket])));
}

#[test]
fn drift_is_shown_apart_from_the_template_changes() {
    let mut retention = prop("RetentionInDays", json!(7), json!(14));
    retention.drift = true;
    let logs = change(
        "Logs",
        "AWS::Logs::LogGroup",
        Action::Update,
        vec![retention, prop("LogGroupName", json!("/a"), json!("/b"))],
    );
    let mut gone = change(
        "Queue",
        "AWS::SQS::Queue",
        Action::Create,
        vec![prop("QueueName", Value::Null, json!("q"))],
    );
    gone.reason = Some(DELETED_OUTSIDE.into());
    let out = text(&plan(vec![logs, gone]));
    let (drift, actions) = out.split_once("fuelflow will perform").unwrap();
    assert!(
        drift.starts_with("Objects have changed outside of fuelflow"),
        "{out}"
    );
    assert!(
        drift.contains("~ RetentionInDays: 14 -> 7") && !drift.contains("LogGroupName"),
        "{out}"
    );
    assert!(
        drift.contains("Queue (AWS::SQS::Queue) was deleted outside fuelflow"),
        "{out}"
    );
    assert!(
        actions.contains("~ LogGroupName: \"/a\" -> \"/b\""),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn sensitive_and_unknown_values_are_marked_at_their_leaf() {
    let mut secret = prop("SecretString", json!(SENSITIVE), json!(SENSITIVE));
    secret.sensitive = true;
    let s = change(
        "Credentials",
        "AWS::SecretsManager::Secret",
        Action::Update,
        vec![secret, prop("KmsKeyId", json!("alias/old"), json!(UNKNOWN))],
    );
    let out = text(&plan(vec![s]));
    assert!(
        out.contains("~ SecretString: (sensitive) -> (sensitive)"),
        "{out}"
    );
    assert!(
        out.contains("~ KmsKeyId: \"alias/old\" -> (known after apply)"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn deletes_and_forgets_name_what_they_remove() {
    let old = change("Old", "AWS::S3::Bucket", Action::Delete, Vec::new());
    let kept = change("Kept", "AWS::Logs::LogGroup", Action::Forget, Vec::new());
    let mut p = plan(vec![old, kept]);
    p.stacks[0].outputs.push(("Url".into(), json!("https://x")));
    insta::assert_snapshot!(text(&p));
}

#[test]
fn long_strings_are_diffed_by_line_and_no_line_is_too_wide() {
    let code = |n: usize| {
        (0..20)
            .map(|i| {
                if i == n {
                    "changed = 1".to_string()
                } else {
                    format!("line {i}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let f = change(
        "Fn",
        "AWS::Lambda::Function",
        Action::Update,
        vec![
            prop(
                "Code",
                json!({"ZipFile": code(99)}),
                json!({"ZipFile": code(7)}),
            ),
            prop(
                "Description",
                json!("d".repeat(300)),
                json!("e".repeat(300)),
            ),
        ],
    );
    let out = text(&plan(vec![f]));
    assert!(
        out.contains("- line 7") && out.contains("+ changed = 1"),
        "{out}"
    );
    assert!(widest(&out) <= WIDTH, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn no_changes_says_so() {
    assert_eq!(
        text(&plan(Vec::new())),
        "No changes. The infrastructure matches the templates.\n"
    );
}

/// The acceptance: one statement of one of three inline policies changed outside
/// fuelflow prints the changed action, nothing of the other two policies, fits in about 20 lines.
#[test]
fn one_drifted_statement_of_three_policies_prints_only_that_statement() {
    let template = json!([
        policy("read-data", &["s3:GetObject"]),
        policy("write-logs", &["s3:PutObject"]),
        policy("read-config", &["s3:GetObject", "s3:GetObjectVersion"]),
    ]);
    let mut live = template.clone();
    live[1]["PolicyDocument"]["Statement"][0]["Action"] =
        json!(["s3:PutObject", "s3:DeleteObject"]);
    let mut policies = prop("Policies", live, template);
    policies.drift = true;
    let role = change("AppRole", "AWS::IAM::Role", Action::Update, vec![policies]);
    let out = text(&plan(vec![role]));
    assert!(out.contains("+ - \"s3:DeleteObject\""), "{out}");
    assert!(
        !out.contains("read-data") && !out.contains("read-config"),
        "{out}"
    );
    assert!(
        !out.contains("s3:ListBucket"),
        "the unchanged statement: {out}"
    );
    assert!(widest(&out) <= WIDTH);
    let block: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("    ") || l.contains("AppRole"))
        .collect();
    assert!(block.len() <= 20, "{} lines: {out}", block.len());
    insta::assert_snapshot!(out);
}
