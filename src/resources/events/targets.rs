//! A rule's `Targets` between the template's shape (CloudFormation's names, which are also the
//! API's) and the SDK's `Target`. Target kinds fuelflow does not send yet (ECS, Batch, Redshift,
//! SageMaker, Run Command, AppSync) are refused by name instead of being dropped.

use crate::resources::property::{text, value};
use crate::resources::{ResourceError, Result};
use aws_sdk_eventbridge::types::{
    DeadLetterConfig, HttpParameters, InputTransformer, KinesisParameters, RetryPolicy,
    SqsParameters, Target,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const KNOWN: &[&str] = &[
    "Arn",
    "DeadLetterConfig",
    "HttpParameters",
    "Id",
    "Input",
    "InputPath",
    "InputTransformer",
    "KinesisParameters",
    "RetryPolicy",
    "RoleArn",
    "SqsParameters",
];

/// The template's targets, each as the object it wrote (checked: a list of objects with `Id`).
pub(super) fn listed(targets: Option<&Value>) -> Result<Vec<&Map<String, Value>>> {
    let items = match targets {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ResourceError::invalid("Targets", "must be a list")),
    };
    items
        .iter()
        .map(|t| {
            let t = t
                .as_object()
                .ok_or_else(|| ResourceError::invalid("Targets", "must be a list of objects"))?;
            if let Some(k) = t.keys().find(|k| !KNOWN.contains(&k.as_str())) {
                return Err(ResourceError::invalid(
                    &format!("Targets.{k}"),
                    "is not supported by fuelflow yet",
                ));
            }
            Ok(t)
        })
        .collect()
}

/// The target's `Id` (required).
pub(super) fn id(t: &Map<String, Value>) -> Result<String> {
    value::string(t.get("Id"), "Targets.Id")?
        .ok_or_else(|| ResourceError::invalid("Targets.Id", "is required"))
}

fn field(t: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    value::string(t.get(key), &format!("Targets.{key}"))
}

fn object<'t>(t: &'t Map<String, Value>, key: &str) -> Result<Option<&'t Map<String, Value>>> {
    match t.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ResourceError::invalid(
            &format!("Targets.{key}"),
            "must be an object",
        )),
    }
}

fn string_map(m: &Map<String, Value>, key: &str) -> Option<HashMap<String, String>> {
    m.get(key).and_then(Value::as_object).map(|m| {
        m.iter()
            .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
            .collect()
    })
}

fn built<T, E: std::fmt::Display>(what: &str, r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| ResourceError::invalid(&format!("Targets.{what}"), e))
}

/// One template target as the SDK's `Target`.
pub(super) fn to_sdk(t: &Map<String, Value>) -> Result<Target> {
    let arn =
        field(t, "Arn")?.ok_or_else(|| ResourceError::invalid("Targets.Arn", "is required"))?;
    let mut b = Target::builder()
        .id(id(t)?)
        .arn(arn)
        .set_role_arn(field(t, "RoleArn")?)
        .set_input(field(t, "Input")?)
        .set_input_path(field(t, "InputPath")?);
    if let Some(x) = object(t, "InputTransformer")? {
        let template = value::string(x.get("InputTemplate"), "Targets.InputTransformer")?;
        let transformer = InputTransformer::builder()
            .set_input_paths_map(string_map(x, "InputPathsMap"))
            .set_input_template(template)
            .build();
        b = b.input_transformer(built("InputTransformer", transformer)?);
    }
    if let Some(d) = object(t, "DeadLetterConfig")? {
        let arn = value::string(d.get("Arn"), "Targets.DeadLetterConfig.Arn")?;
        b = b.dead_letter_config(DeadLetterConfig::builder().set_arn(arn).build());
    }
    if let Some(r) = object(t, "RetryPolicy")? {
        let attempts = value::integer(r.get("MaximumRetryAttempts"), "Targets.RetryPolicy")?;
        let age = value::integer(r.get("MaximumEventAgeInSeconds"), "Targets.RetryPolicy")?;
        let policy = RetryPolicy::builder()
            .set_maximum_retry_attempts(attempts)
            .set_maximum_event_age_in_seconds(age);
        b = b.retry_policy(policy.build());
    }
    if let Some(s) = object(t, "SqsParameters")? {
        let group = value::string(s.get("MessageGroupId"), "Targets.SqsParameters")?;
        b = b.sqs_parameters(SqsParameters::builder().set_message_group_id(group).build());
    }
    if let Some(k) = object(t, "KinesisParameters")? {
        let path = value::string(k.get("PartitionKeyPath"), "Targets.KinesisParameters")?;
        let kinesis = KinesisParameters::builder()
            .set_partition_key_path(path)
            .build();
        b = b.kinesis_parameters(built("KinesisParameters", kinesis)?);
    }
    if let Some(h) = object(t, "HttpParameters")? {
        let paths = value::strings(h.get("PathParameterValues"), "Targets.HttpParameters")?;
        let http = HttpParameters::builder()
            .set_path_parameter_values((!paths.is_empty()).then_some(paths))
            .set_header_parameters(string_map(h, "HeaderParameters"))
            .set_query_string_parameters(string_map(h, "QueryStringParameters"));
        b = b.http_parameters(http.build());
    }
    built("Id", b.build())
}

fn sorted(m: &HashMap<String, String>) -> Value {
    let map: std::collections::BTreeMap<_, _> = m.iter().collect();
    json!(map)
}

/// A live target in the template's shape; `Input` as the template wrote it when it means the
/// same JSON.
pub(super) fn from_sdk(t: &Target, desired: Option<&Map<String, Value>>) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(t.id()));
    out.insert("Arn".into(), json!(t.arn()));
    if let Some(r) = t.role_arn() {
        out.insert("RoleArn".into(), json!(r));
    }
    if let Some(input) = t.input() {
        let wanted = desired.and_then(|d| d.get("Input"));
        out.insert("Input".into(), same_json(input, wanted));
    }
    if let Some(p) = t.input_path() {
        out.insert("InputPath".into(), json!(p));
    }
    if let Some(x) = t.input_transformer() {
        let mut m = Map::new();
        if let Some(paths) = x.input_paths_map() {
            m.insert("InputPathsMap".into(), sorted(paths));
        }
        m.insert("InputTemplate".into(), json!(x.input_template()));
        out.insert("InputTransformer".into(), Value::Object(m));
    }
    if let Some(d) = t.dead_letter_config() {
        out.insert("DeadLetterConfig".into(), json!({"Arn": d.arn()}));
    }
    if let Some(r) = t.retry_policy() {
        let mut m = Map::new();
        if let Some(n) = r.maximum_retry_attempts() {
            m.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(n) = r.maximum_event_age_in_seconds() {
            m.insert("MaximumEventAgeInSeconds".into(), json!(n));
        }
        out.insert("RetryPolicy".into(), Value::Object(m));
    }
    if let Some(s) = t.sqs_parameters() {
        out.insert(
            "SqsParameters".into(),
            json!({"MessageGroupId": s.message_group_id()}),
        );
    }
    if let Some(k) = t.kinesis_parameters() {
        out.insert(
            "KinesisParameters".into(),
            json!({"PartitionKeyPath": k.partition_key_path()}),
        );
    }
    if let Some(h) = t.http_parameters() {
        let mut m = Map::new();
        if !h.path_parameter_values().is_empty() {
            m.insert(
                "PathParameterValues".into(),
                json!(h.path_parameter_values()),
            );
        }
        if let Some(v) = h.header_parameters() {
            m.insert("HeaderParameters".into(), sorted(v));
        }
        if let Some(v) = h.query_string_parameters() {
            m.insert("QueryStringParameters".into(), sorted(v));
        }
        out.insert("HttpParameters".into(), Value::Object(m));
    }
    Value::Object(out)
}

/// `live` text, or the template's text when both parse to the same JSON (AWS may reformat it).
fn same_json(live: &str, desired: Option<&Value>) -> Value {
    if let Some(Value::String(d)) = desired {
        let parsed = |s: &str| serde_json::from_str::<Value>(s).ok();
        if d == live || parsed(d).is_some_and(|p| Some(p) == parsed(live)) {
            return json!(d);
        }
    }
    json!(live)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_goes_to_the_sdk_and_comes_back_in_the_template_shape() {
        let t = json!({
            "Id": "queue", "Arn": "arn:aws:sqs:us-east-1:1:q",
            "InputTransformer": {"InputPathsMap": {"id": "$.id"}, "InputTemplate": "{\"job\": <id>}"},
            "RetryPolicy": {"MaximumRetryAttempts": "3"},
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:1:dlq"}
        });
        let t = t.as_object().unwrap();
        let sdk = to_sdk(t).unwrap();
        let back = from_sdk(&sdk, Some(t));
        assert!(crate::resources::compare::equivalent(
            &Value::Object(t.clone()),
            &back
        ));
    }

    #[test]
    fn unsupported_target_kinds_and_missing_ids_are_refused_by_name() {
        let ecs = json!([{"Id": "a", "Arn": "arn:x", "EcsParameters": {}}]);
        let e = listed(Some(&ecs)).unwrap_err();
        assert!(e.message.contains("Targets.EcsParameters"), "{e}");
        let no_id = json!({"Arn": "arn:x"});
        assert!(to_sdk(no_id.as_object().unwrap()).is_err());
    }

    #[test]
    fn an_input_reformatted_by_aws_reads_as_the_template_wrote_it() {
        let d = json!("{\"a\": 1}");
        assert_eq!(same_json("{\"a\":1}", Some(&d)), d);
        assert_eq!(same_json("{\"a\":2}", Some(&d)), json!("{\"a\":2}"));
    }
}
