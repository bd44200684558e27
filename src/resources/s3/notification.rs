//! `NotificationConfiguration`: events sent to Lambda functions, SQS queues, SNS topics and
//! EventBridge. AWS sends a test event to each destination when the configuration is put, so the
//! destination's permission (a `AWS::Lambda::Permission`, a queue or topic policy) must exist
//! first: templates say so with `DependsOn`, which fuelflow honours like CloudFormation.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    Event, EventBridgeConfiguration, FilterRule, FilterRuleName, LambdaFunctionConfiguration,
    NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    TopicConfiguration,
};
use serde_json::{Map, Value, json};

use super::value::{aws, boolean, list, object, only_keys, required_string};
use crate::resources::{ResourceError, Result};

const PROP: &str = "NotificationConfiguration";

/// The three destination kinds: template key, destination key.
const KINDS: [(&str, &str); 3] = [
    ("LambdaConfigurations", "Function"),
    ("QueueConfigurations", "Queue"),
    ("TopicConfigurations", "Topic"),
];

/// One destination entry, read from the template.
struct Entry {
    destination: String,
    events: Vec<Event>,
    filter: Option<NotificationConfigurationFilter>,
}

pub(super) fn config(value: &Value) -> Result<NotificationConfiguration> {
    let map = object(PROP, value)?;
    let mut keys: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    keys.push("EventBridgeConfiguration");
    only_keys(PROP, map, &keys)?;
    let entries = |kind: &str, destination: &str| -> Result<Vec<Entry>> {
        list(&format!("{PROP}.{kind}"), map.get(kind))?
            .iter()
            .map(|v| entry(kind, destination, v))
            .collect()
    };
    let invalid = |e| ResourceError::invalid(PROP, e);
    let lambdas = entries("LambdaConfigurations", "Function")?
        .into_iter()
        .map(|e| {
            LambdaFunctionConfiguration::builder()
                .lambda_function_arn(e.destination)
                .set_events(Some(e.events))
                .set_filter(e.filter)
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>>>()?;
    let queues = entries("QueueConfigurations", "Queue")?
        .into_iter()
        .map(|e| {
            QueueConfiguration::builder()
                .queue_arn(e.destination)
                .set_events(Some(e.events))
                .set_filter(e.filter)
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>>>()?;
    let topics = entries("TopicConfigurations", "Topic")?
        .into_iter()
        .map(|e| {
            TopicConfiguration::builder()
                .topic_arn(e.destination)
                .set_events(Some(e.events))
                .set_filter(e.filter)
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>>>()?;
    let event_bridge = match map.get("EventBridgeConfiguration") {
        Some(v) => {
            let e = object("EventBridgeConfiguration", v)?;
            only_keys("EventBridgeConfiguration", e, &["EventBridgeEnabled"])?;
            boolean("EventBridgeEnabled", e.get("EventBridgeEnabled"))?
                .unwrap_or(false)
                .then(|| EventBridgeConfiguration::builder().build())
        }
        None => None,
    };
    Ok(NotificationConfiguration::builder()
        .set_lambda_function_configurations(Some(lambdas))
        .set_queue_configurations(Some(queues))
        .set_topic_configurations(Some(topics))
        .set_event_bridge_configuration(event_bridge)
        .build())
}

fn entry(kind: &str, destination: &str, value: &Value) -> Result<Entry> {
    let prop = format!("{PROP}.{kind}");
    let e = object(&prop, value)?;
    only_keys(&prop, e, &["Event", destination, "Filter"])?;
    let filter = match e.get("Filter") {
        Some(f) => Some(filter(&prop, f)?),
        None => None,
    };
    Ok(Entry {
        destination: required_string(destination, e.get(destination))?,
        events: vec![Event::from(
            required_string("Event", e.get("Event"))?.as_str(),
        )],
        filter,
    })
}

fn filter(prop: &str, value: &Value) -> Result<NotificationConfigurationFilter> {
    let f = object(prop, value)?;
    only_keys(prop, f, &["S3Key"])?;
    let key = object(prop, f.get("S3Key").unwrap_or(&Value::Null))?;
    only_keys(prop, key, &["Rules"])?;
    let rules = list(&format!("{prop}.Filter.S3Key.Rules"), key.get("Rules"))?
        .iter()
        .map(|r| {
            let r = object(prop, r)?;
            only_keys(prop, r, &["Name", "Value"])?;
            let name = required_string("Name", r.get("Name"))?.to_lowercase();
            Ok(FilterRule::builder()
                .name(FilterRuleName::from(name.as_str()))
                .value(required_string("Value", r.get("Value"))?)
                .build())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(NotificationConfigurationFilter::builder()
        .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
        .build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketNotificationConfiguration"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = match s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out,
        // moto's answer for no configuration (see `aws_lenient`): an empty, misnamed root.
        Err(e)
            if crate::aws_lenient::undecoded_success(&e)
                .is_some_and(|body| !body.contains("Configuration>")) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws("s3:GetBucketNotificationConfiguration")(e)),
    };
    let mut spellings = Vec::new();
    rule_names(desired, &mut spellings);
    let shape = |destination: &str,
                 arn: &str,
                 events: &[Event],
                 f: Option<&NotificationConfigurationFilter>| {
        let rules: Option<Vec<Value>> = f.and_then(|f| f.key()).map(|k| {
            k.filter_rules()
                .iter()
                .map(|r| {
                    let name = r.name().map(|n| spelled(n.as_str(), &spellings));
                    json!({"Name": name, "Value": r.value()})
                })
                .collect()
        });
        events
            .iter()
            .map(|event| {
                let mut e = Map::new();
                e.insert("Event".into(), json!(event.as_str()));
                e.insert(destination.into(), json!(arn));
                if let Some(rules) = &rules {
                    e.insert("Filter".into(), json!({"S3Key": {"Rules": rules}}));
                }
                Value::Object(e)
            })
            .collect::<Vec<_>>()
    };
    let lambdas: Vec<Value> = out
        .lambda_function_configurations()
        .iter()
        .flat_map(|c| shape("Function", c.lambda_function_arn(), c.events(), c.filter()))
        .collect();
    let queues: Vec<Value> = out
        .queue_configurations()
        .iter()
        .flat_map(|c| shape("Queue", c.queue_arn(), c.events(), c.filter()))
        .collect();
    let topics: Vec<Value> = out
        .topic_configurations()
        .iter()
        .flat_map(|c| shape("Topic", c.topic_arn(), c.events(), c.filter()))
        .collect();
    let mut live = Map::new();
    for ((kind, _), items) in KINDS.iter().zip([lambdas, queues, topics]) {
        if !items.is_empty() {
            live.insert((*kind).into(), json!(items));
        }
    }
    if out.event_bridge_configuration().is_some() {
        live.insert(
            "EventBridgeConfiguration".into(),
            json!({"EventBridgeEnabled": true}),
        );
    }
    Ok((!live.is_empty()).then_some(Value::Object(live)))
}

/// The filter rule names the template writes (`prefix` or `Prefix`).
fn rule_names(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(name)), true) = (map.get("Name"), map.contains_key("Value"))
            {
                out.push(name.clone());
            }
            map.values().for_each(|v| rule_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| rule_names(v, out)),
        _ => {}
    }
}

/// A live rule name (S3 answers `prefix`) as the template spells it, else capitalised.
fn spelled(name: &str, spellings: &[String]) -> String {
    spellings
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| capitalised(name))
}

/// S3 answers filter rule names in lower case (`prefix`); templates write `Prefix` or `prefix`.
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// No notifications: an empty configuration.
pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(NotificationConfiguration::builder().build())
        .send()
        .await
        .map_err(aws("s3:PutBucketNotificationConfiguration"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_checked_before_any_call() {
        let ok = json!({"QueueConfigurations": [{"Event": "s3:ObjectCreated:*",
            "Queue": "arn:aws:sqs:us-east-1:123456789012:q",
            "Filter": {"S3Key": {"Rules": [{"Name": "Prefix", "Value": "in/"}]}}}]});
        let c = config(&ok).unwrap();
        assert_eq!(c.queue_configurations().len(), 1);
        let rule = &c.queue_configurations()[0]
            .filter()
            .unwrap()
            .key()
            .unwrap()
            .filter_rules()[0];
        assert_eq!(rule.name(), Some(&FilterRuleName::Prefix));
        let missing = json!({"TopicConfigurations": [{"Event": "s3:ObjectCreated:*"}]});
        assert!(config(&missing).unwrap_err().message.contains("Topic"));
        assert_eq!(capitalised("suffix"), "Suffix");
    }
}
