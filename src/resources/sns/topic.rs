//! `AWS::SNS::Topic`: a standard or FIFO topic with its display name, KMS key, tags and inline
//! `Subscription`s (diffed by protocol and endpoint). Physical id (`Ref`) = the topic ARN. A FIFO
//! topic's name ends in `.fifo`: fuelflow adds the suffix to a name that lacks it.

use super::{Listed, set_topic_attribute, subscriptions, topic_attributes};
use crate::resources::iam::partition;
use crate::resources::property::{self, boolean, changed};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, sdk_error,
};
use aws_sdk_sns::types::Tag;
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct Topic;

/// Template properties sent as topic attributes of the same name, with the value an attribute
/// takes back when the template drops it (`None`: create-only).
const ATTRIBUTES: &[(&str, Option<&str>)] = &[
    ("ContentBasedDeduplication", Some("false")),
    ("DisplayName", Some("")),
    ("FifoTopic", None),
    ("KmsMasterKeyId", Some("")),
];

const MANAGED: &[&str] = &[
    "ContentBasedDeduplication",
    "DisplayName",
    "FifoTopic",
    "KmsMasterKeyId",
    "Subscription",
    "Tags",
    "TopicName",
];

fn is_fifo(props: &Props) -> Result<bool> {
    Ok(boolean(props, "FifoTopic")?.unwrap_or(false))
}

/// `TopicName`, with `.fifo` added for a FIFO topic that lacks it.
fn topic_name(props: &Props) -> Result<String> {
    let name = property::required(props, "TopicName")?;
    Ok(if is_fifo(props)? && !name.ends_with(".fifo") {
        format!("{name}.fifo")
    } else {
        name
    })
}

fn topic_arn(ctx: &Ctx, name: &str) -> String {
    let partition = partition(&ctx.region);
    format!(
        "arn:{partition}:sns:{}:{}:{name}",
        ctx.region, ctx.account_id
    )
}

fn attributes(arn: &str) -> Attributes {
    let name = arn.rsplit(':').next().unwrap_or(arn);
    Attributes::from([
        ("TopicArn".to_string(), json!(arn)),
        ("TopicName".to_string(), json!(name)),
    ])
}

fn attribute_value(props: &Props, key: &str) -> Result<Option<String>> {
    if matches!(key, "FifoTopic" | "ContentBasedDeduplication") {
        return Ok(boolean(props, key)?.map(|b| b.to_string()));
    }
    Ok(property::string(props, key))
}

/// The inline subscriptions: (protocol, endpoint) in template order.
fn inline(props: &Props) -> Result<Vec<(String, String)>> {
    let Some(list) = props.get("Subscription").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ResourceError::invalid("Subscription", "must be a list"))?;
    list.iter()
        .map(|s| {
            let field = |k: &str| {
                s.get(k).and_then(property::text).ok_or_else(|| {
                    ResourceError::invalid(&format!("Subscription.{k}"), "is required")
                })
            };
            Ok((field("Protocol")?, field("Endpoint")?))
        })
        .collect()
}

async fn subscribe(ctx: &Ctx, arn: &str, protocol: &str, endpoint: &str) -> Result<()> {
    ctx.clients
        .sns()
        .subscribe()
        .topic_arn(arn)
        .protocol(protocol)
        .endpoint(endpoint)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| sdk_error("sns:Subscribe", e))
}

fn sns_tags(tags: Vec<(String, String)>) -> Result<Vec<Tag>> {
    tags.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect()
}

/// A live attribute in the template's shape (a standard topic has no FIFO flags: `false`).
fn live_value(key: &str, live: &HashMap<String, String>) -> Option<Value> {
    match live.get(key) {
        Some(v) => Some(json!(v)),
        None if matches!(key, "FifoTopic" | "ContentBasedDeduplication") => Some(json!("false")),
        None => None,
    }
}

impl Resource for Topic {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("TopicName")
    }

    /// 256 characters, less the `.fifo` a FIFO topic's name gets.
    fn name_rules(&self) -> (usize, bool) {
        (251, false)
    }

    fn compare_view(&self, mut props: Props) -> Result<Props> {
        if props.contains_key("TopicName") {
            let name = topic_name(&props)?;
            props.insert("TopicName".into(), json!(name));
        }
        Ok(props)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = topic_name(props)?;
        let mut sent = HashMap::new();
        for (key, _) in ATTRIBUTES {
            if let Some(v) = attribute_value(props, key)? {
                sent.insert(key.to_string(), v);
            }
        }
        let subscriptions = inline(props)?;
        // CreateTopic with the same name answers the same topic: the SDK may retry it.
        let out = ctx
            .clients
            .sns()
            .create_topic()
            .name(&name)
            .set_attributes(Some(sent))
            .set_tags(Some(sns_tags(ctx.tags_with_ownership(props))?))
            .send()
            .await
            .map_err(|e| sdk_error("sns:CreateTopic", e))?;
        let arn = out.topic_arn.unwrap_or_else(|| topic_arn(ctx, &name));
        // Subscribe is idempotent for the same topic, protocol and endpoint.
        for (protocol, endpoint) in &subscriptions {
            subscribe(ctx, &arn, protocol, endpoint).await?;
        }
        Ok(Created {
            attributes: attributes(&arn),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(live) = topic_attributes(ctx, arn).await? else {
            return Ok(None);
        };
        let attrs = attributes(arn);
        let mut p = Props::new();
        p.insert("TopicName".into(), attrs["TopicName"].clone());
        for (key, _) in ATTRIBUTES {
            if desired.contains_key(*key) {
                if let Some(v) = live_value(key, &live) {
                    p.insert(key.to_string(), v);
                }
            }
        }
        if desired.contains_key("Subscription") {
            // Only the template's: AWS::SNS::Subscription resources on the same topic are not
            // drift.
            let listed = subscriptions(ctx, arn).await?;
            let present: Vec<Value> = inline(desired)?
                .into_iter()
                .filter(|(protocol, endpoint)| {
                    listed
                        .iter()
                        .any(|l| l.protocol == *protocol && l.endpoint == *endpoint)
                })
                .map(|(protocol, endpoint)| json!({"Endpoint": endpoint, "Protocol": protocol}))
                .collect();
            p.insert("Subscription".into(), Value::Array(present));
        }
        if desired.contains_key("Tags") {
            let tags = ctx
                .clients
                .sns()
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| sdk_error("sns:ListTagsForResource", e))?;
            let tags: Vec<(String, String)> = tags
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            p.insert(
                "Tags".into(),
                property::tags_value(tags.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attrs,
        }))
    }

    async fn update(&self, ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let fifo = is_fifo(new)?;
        for (key, reset) in ATTRIBUTES {
            if !changed(old, new, key) {
                continue;
            }
            let value = match (attribute_value(new, key)?, reset) {
                (Some(v), _) => v,
                (None, _) if *key == "ContentBasedDeduplication" && !fifo => continue,
                (None, Some(r)) => r.to_string(),
                (None, None) => continue,
            };
            set_topic_attribute(ctx, arn, key, value).await?;
        }
        if changed(old, new, "Subscription") {
            let wanted = inline(new)?;
            let listed = subscriptions(ctx, arn).await?;
            for (protocol, endpoint) in &wanted {
                if !listed
                    .iter()
                    .any(|l| l.protocol == *protocol && l.endpoint == *endpoint)
                {
                    subscribe(ctx, arn, protocol, endpoint).await?;
                }
            }
            let dropped: Vec<&Listed> = inline(old)?
                .iter()
                .filter(|o| !wanted.contains(o))
                .flat_map(|(protocol, endpoint)| {
                    listed
                        .iter()
                        .filter(move |l| l.protocol == *protocol && l.endpoint == *endpoint)
                })
                .collect();
            for l in dropped.into_iter().filter(|l| l.arn.starts_with("arn:")) {
                property::deleted(
                    "sns:Unsubscribe",
                    ctx.clients
                        .sns()
                        .unsubscribe()
                        .subscription_arn(&l.arn)
                        .send()
                        .await,
                    |s| s.is_not_found_exception(),
                )?;
            }
        }
        let sns = ctx.clients.sns();
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            sns.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(sns_tags(set)?))
                .send()
                .await
                .map_err(|e| sdk_error("sns:TagResource", e))?;
        }
        if !removed.is_empty() {
            sns.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("sns:UntagResource", e))?;
        }
        Ok(attributes(arn))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "sns:DeleteTopic",
            ctx.clients.sns().delete_topic().topic_arn(arn).send().await,
            |s| s.is_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        if !props.contains_key("TopicName") {
            return Ok(None);
        }
        let arn = topic_arn(ctx, &topic_name(props)?);
        Ok(topic_attributes(ctx, &arn).await?.map(|_| arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_fifo_topic_name_gets_its_suffix_and_the_view_shows_it() {
        let fifo = props(json!({"TopicName": "events", "FifoTopic": "true"}));
        assert_eq!(topic_name(&fifo).unwrap(), "events.fifo");
        let view = Topic.compare_view(fifo).unwrap();
        assert_eq!(view["TopicName"], json!("events.fifo"));
        let standard = props(json!({"TopicName": "events"}));
        assert_eq!(topic_name(&standard).unwrap(), "events");
    }

    #[test]
    fn inline_subscriptions_need_a_protocol_and_an_endpoint() {
        let ok = props(json!({"Subscription": [{"Protocol": "sqs", "Endpoint": "arn:q"}]}));
        assert_eq!(
            inline(&ok).unwrap(),
            vec![("sqs".to_string(), "arn:q".to_string())]
        );
        let missing = props(json!({"Subscription": [{"Protocol": "sqs"}]}));
        let e = inline(&missing).unwrap_err();
        assert!(e.message.contains("Subscription.Endpoint"), "{e}");
    }

    #[test]
    fn a_standard_topic_reads_its_fifo_flag_as_false() {
        assert_eq!(
            live_value("FifoTopic", &HashMap::new()),
            Some(json!("false"))
        );
        assert_eq!(live_value("DisplayName", &HashMap::new()), None);
    }
}
