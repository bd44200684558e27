//! `AWS::SQS::Queue`: a standard or FIFO queue with its dead-letter redrive, encryption, timing
//! attributes and tags. Physical id (`Ref`) = the queue URL. A FIFO queue's name ends in `.fifo`:
//! fuelflow adds the suffix to a name (given or generated) that lacks it, as CloudFormation does.

use super::{attributes, set_attributes};
use crate::resources::property::{self, boolean, changed, document, document_like};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result, sdk_error};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct Queue;

/// Template properties sent as queue attributes of the same name, with the value an attribute
/// takes back when the template drops it (`None`: left as it is).
const ATTRIBUTES: &[(&str, Option<&str>)] = &[
    ("ContentBasedDeduplication", Some("false")),
    ("DeduplicationScope", Some("queue")),
    ("DelaySeconds", Some("0")),
    ("FifoQueue", None),
    ("FifoThroughputLimit", Some("perQueue")),
    ("KmsDataKeyReusePeriodSeconds", Some("300")),
    ("KmsMasterKeyId", Some("")),
    // The limit every SQS endpoint (and moto) accepts; AWS raised its default to 1 MiB in 2025.
    ("MaximumMessageSize", Some("262144")),
    ("MessageRetentionPeriod", Some("345600")),
    ("ReceiveMessageWaitTimeSeconds", Some("0")),
    ("RedriveAllowPolicy", Some("")),
    ("RedrivePolicy", Some("")),
    // SQS-managed encryption is on by default for new queues.
    ("SqsManagedSseEnabled", Some("true")),
    ("VisibilityTimeout", Some("30")),
];

/// Attributes only a FIFO queue has (a standard queue refuses them).
const FIFO_ONLY: &[&str] = &[
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// Attributes whose value is a JSON document.
const DOCUMENTS: &[&str] = &["RedriveAllowPolicy", "RedrivePolicy"];

const MANAGED: &[&str] = &[
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "QueueName",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "Tags",
    "VisibilityTimeout",
];

fn is_fifo(props: &Props) -> Result<bool> {
    Ok(boolean(props, "FifoQueue")?.unwrap_or(false))
}

/// The name the queue has: `QueueName`, with `.fifo` added for a FIFO queue that lacks it.
fn queue_name(props: &Props) -> Result<String> {
    let name = property::required(props, "QueueName")?;
    Ok(if is_fifo(props)? && !name.ends_with(".fifo") {
        format!("{name}.fifo")
    } else {
        name
    })
}

/// The attribute value the template gives (documents as JSON text, booleans as `true`/`false`).
fn attribute_value(props: &Props, key: &str) -> Result<Option<String>> {
    if DOCUMENTS.contains(&key) {
        return Ok(document(props, key));
    }
    if matches!(
        key,
        "FifoQueue" | "ContentBasedDeduplication" | "SqsManagedSseEnabled"
    ) {
        return Ok(boolean(props, key)?.map(|b| b.to_string()));
    }
    Ok(property::string(props, key))
}

fn queue_attributes(url: &str, live: &HashMap<String, String>) -> Attributes {
    let name = url.rsplit('/').next().unwrap_or(url);
    Attributes::from([
        ("Arn".to_string(), json!(live.get("QueueArn"))),
        ("QueueName".to_string(), json!(name)),
        ("QueueUrl".to_string(), json!(url)),
    ])
}

async fn queue_url(ctx: &Ctx, name: &str) -> Result<Option<String>> {
    match ctx
        .clients
        .sqs()
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.queue_url),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("sqs:GetQueueUrl", e)),
    }
}

/// A live attribute in the template's shape: documents parsed like the template wrote them, the
/// booleans a standard queue leaves out as `false`.
fn live_value(key: &str, live: &HashMap<String, String>, desired: &Props) -> Option<Value> {
    match live.get(key) {
        Some(v) if DOCUMENTS.contains(&key) && v.is_empty() => None,
        Some(v) if DOCUMENTS.contains(&key) => Some(document_like(v, desired.get(key))),
        Some(v) => Some(json!(v)),
        None if matches!(key, "FifoQueue" | "ContentBasedDeduplication") => Some(json!("false")),
        None => None,
    }
}

impl Resource for Queue {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("QueueName")
    }

    /// 80 characters, less the `.fifo` a FIFO queue's name gets.
    fn name_rules(&self) -> (usize, bool) {
        (75, false)
    }

    fn compare_view(&self, mut props: Props) -> Result<Props> {
        if props.contains_key("QueueName") {
            let name = queue_name(&props)?;
            props.insert("QueueName".into(), json!(name));
        }
        Ok(props)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = queue_name(props)?;
        let mut sent = HashMap::new();
        for (key, _) in ATTRIBUTES {
            if let Some(v) = attribute_value(props, key)? {
                sent.insert(QueueAttributeName::from(*key), v);
            }
        }
        // CreateQueue with the same name and attributes answers the same queue: a retry after
        // a lost answer finds the first one, so the SDK may retry it.
        let out = ctx
            .clients
            .sqs()
            .create_queue()
            .queue_name(&name)
            .set_attributes(Some(sent))
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .send()
            .await
            .map_err(|e| sdk_error("sqs:CreateQueue", e))?;
        let url = out.queue_url.unwrap_or_default();
        let live = attributes(ctx, &url).await?.unwrap_or_default();
        Ok(Created {
            attributes: queue_attributes(&url, &live),
            physical_id: url,
        })
    }

    async fn read(&self, ctx: &Ctx, url: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(live) = attributes(ctx, url).await? else {
            return Ok(None);
        };
        let attrs = queue_attributes(url, &live);
        let mut p = Props::new();
        p.insert("QueueName".into(), attrs["QueueName"].clone());
        for (key, _) in ATTRIBUTES {
            if desired.contains_key(*key) {
                if let Some(v) = live_value(key, &live, desired) {
                    p.insert(key.to_string(), v);
                }
            }
        }
        if desired.contains_key("Tags") {
            let tags = ctx
                .clients
                .sqs()
                .list_queue_tags()
                .queue_url(url)
                .send()
                .await
                .map_err(|e| sdk_error("sqs:ListQueueTags", e))?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.tags().into_iter().flatten()),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attrs,
        }))
    }

    async fn update(&self, ctx: &Ctx, url: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let fifo = is_fifo(new)?;
        let mut values = Vec::new();
        for (key, reset) in ATTRIBUTES {
            if *key == "FifoQueue" || !changed(old, new, key) {
                continue;
            }
            let value = match attribute_value(new, key)? {
                Some(v) => v,
                None if FIFO_ONLY.contains(key) && !fifo => continue,
                // A KMS key is encryption already: SQS-managed encryption stays off.
                None if *key == "SqsManagedSseEnabled" && new.contains_key("KmsMasterKeyId") => {
                    continue;
                }
                None => match reset {
                    Some(r) => r.to_string(),
                    None => continue,
                },
            };
            values.push((*key, value));
        }
        set_attributes(ctx, url, values).await?;
        let sqs = ctx.clients.sqs();
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            sqs.tag_queue()
                .queue_url(url)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("sqs:TagQueue", e))?;
        }
        if !removed.is_empty() {
            sqs.untag_queue()
                .queue_url(url)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("sqs:UntagQueue", e))?;
        }
        let live = attributes(ctx, url).await?.unwrap_or_default();
        Ok(queue_attributes(url, &live))
    }

    async fn delete(&self, ctx: &Ctx, url: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "sqs:DeleteQueue",
            ctx.clients.sqs().delete_queue().queue_url(url).send().await,
            |s| s.is_queue_does_not_exist(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        if !props.contains_key("QueueName") {
            return Ok(None);
        }
        queue_url(ctx, &queue_name(props)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_fifo_queue_name_gets_its_suffix_once() {
        let fifo = props(json!({"QueueName": "orders", "FifoQueue": "true"}));
        assert_eq!(queue_name(&fifo).unwrap(), "orders.fifo");
        let named = props(json!({"QueueName": "orders.fifo", "FifoQueue": true}));
        assert_eq!(queue_name(&named).unwrap(), "orders.fifo");
        let standard = props(json!({"QueueName": "orders"}));
        assert_eq!(queue_name(&standard).unwrap(), "orders");
        let view = Queue.compare_view(fifo).unwrap();
        assert_eq!(view["QueueName"], json!("orders.fifo"));
    }

    #[test]
    fn attribute_values_are_the_text_sqs_takes() {
        let p = props(json!({
            "VisibilityTimeout": 60, "SqsManagedSseEnabled": "True",
            "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": 3}
        }));
        assert_eq!(
            attribute_value(&p, "VisibilityTimeout").unwrap().unwrap(),
            "60"
        );
        assert_eq!(
            attribute_value(&p, "SqsManagedSseEnabled")
                .unwrap()
                .unwrap(),
            "true"
        );
        let redrive: Value =
            serde_json::from_str(&attribute_value(&p, "RedrivePolicy").unwrap().unwrap()).unwrap();
        assert_eq!(redrive["maxReceiveCount"], json!(3));
    }

    #[test]
    fn a_standard_queue_reads_its_fifo_flags_as_false_and_an_empty_redrive_as_absent() {
        let live = HashMap::from([("RedrivePolicy".to_string(), String::new())]);
        let desired = props(json!({"FifoQueue": false, "RedrivePolicy": {}}));
        assert_eq!(
            live_value("FifoQueue", &live, &desired),
            Some(json!("false"))
        );
        assert_eq!(live_value("RedrivePolicy", &live, &desired), None);
    }
}
