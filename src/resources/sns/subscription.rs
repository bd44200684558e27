//! `AWS::SNS::Subscription`: one endpoint subscribed to a topic, with its delivery attributes
//! (raw delivery, filter policy and its scope, redrive, delivery policy, role). Physical id
//! (`Ref`) = the subscription ARN. `Region` (cross-region subscriptions) is not supported.

use super::subscriptions;
use crate::resources::property::{self, boolean, changed, document, document_like};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, is_earlier_copy,
    sdk_error,
};
use serde_json::json;
use std::collections::HashMap;

pub struct Subscription;

/// Subscription attributes of the same name as the property, with the value an attribute takes
/// back when the template drops it.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("DeliveryPolicy", ""),
    // The scope first: a filter policy is checked against the scope already set.
    ("FilterPolicyScope", "MessageAttributes"),
    ("FilterPolicy", ""),
    ("RawMessageDelivery", "false"),
    ("RedrivePolicy", ""),
    ("SubscriptionRoleArn", ""),
];

const DOCUMENTS: &[&str] = &["DeliveryPolicy", "FilterPolicy", "RedrivePolicy"];

const MANAGED: &[&str] = &[
    "DeliveryPolicy",
    "Endpoint",
    "FilterPolicy",
    "FilterPolicyScope",
    "Protocol",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "TopicArn",
];

fn attribute_value(props: &Props, key: &str) -> Result<Option<String>> {
    if DOCUMENTS.contains(&key) {
        return Ok(document(props, key));
    }
    if key == "RawMessageDelivery" {
        return Ok(boolean(props, key)?.map(|b| b.to_string()));
    }
    Ok(property::string(props, key))
}

fn attributes(arn: &str) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(arn))])
}

/// The subscription's attributes, `None` when it does not exist.
async fn get(ctx: &Ctx, arn: &str) -> Result<Option<HashMap<String, String>>> {
    match ctx
        .clients
        .sns()
        .get_subscription_attributes()
        .subscription_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("sns:GetSubscriptionAttributes", e)),
    }
}

impl Resource for Subscription {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let mut sent = HashMap::new();
        for (key, _) in ATTRIBUTES {
            if let Some(v) = attribute_value(props, key)? {
                sent.insert(key.to_string(), v);
            }
        }
        // Subscribe answers the existing subscription of the same topic, protocol and
        // endpoint: a retry after a lost answer makes no second one.
        let out = ctx
            .clients
            .sns()
            .subscribe()
            .topic_arn(property::required(props, "TopicArn")?)
            .protocol(property::required(props, "Protocol")?)
            .set_endpoint(property::string(props, "Endpoint"))
            .set_attributes(Some(sent))
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| sdk_error("sns:Subscribe", e))?;
        let arn = out.subscription_arn.ok_or_else(|| {
            ResourceError::new("NoSubscriptionArn", "sns:Subscribe answered no ARN")
        })?;
        Ok(Created {
            attributes: attributes(&arn),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(live) = get(ctx, arn).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        for key in ["TopicArn", "Protocol", "Endpoint"] {
            if let Some(v) = live.get(key) {
                p.insert(key.into(), json!(v));
            }
        }
        for (key, _) in ATTRIBUTES {
            match live.get(*key) {
                Some(v) if v.is_empty() || !desired.contains_key(*key) => {}
                Some(v) if DOCUMENTS.contains(key) => {
                    p.insert(key.to_string(), document_like(v, desired.get(*key)));
                }
                Some(v) => {
                    p.insert(key.to_string(), json!(v));
                }
                None => {}
            }
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(arn),
        }))
    }

    async fn update(&self, ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<Attributes> {
        for (key, reset) in ATTRIBUTES {
            if !changed(old, new, key) {
                continue;
            }
            let value = attribute_value(new, key)?.unwrap_or_else(|| reset.to_string());
            ctx.clients
                .sns()
                .set_subscription_attributes()
                .subscription_arn(arn)
                .attribute_name(*key)
                .attribute_value(value)
                .send()
                .await
                .map_err(|e| sdk_error("sns:SetSubscriptionAttributes", e))?;
        }
        Ok(attributes(arn))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "sns:Unsubscribe",
            ctx.clients
                .sns()
                .unsubscribe()
                .subscription_arn(arn)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// The topic's subscription of the same protocol and endpoint.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let topic = property::required(props, "TopicArn")?;
        let protocol = property::required(props, "Protocol")?;
        let endpoint = property::string(props, "Endpoint").unwrap_or_default();
        Ok(subscriptions(ctx, &topic)
            .await?
            .into_iter()
            .find(|l| {
                l.protocol == protocol
                    && l.endpoint == endpoint
                    && l.arn.starts_with("arn:")
                    && !is_earlier_copy(props, &l.arn)
            })
            .map(|l| l.arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_sent_as_json_text_and_flags_as_booleans() {
        let p = json!({"FilterPolicy": {"kind": ["order"]}, "RawMessageDelivery": "True"});
        let p = p.as_object().unwrap();
        let filter: serde_json::Value =
            serde_json::from_str(&attribute_value(p, "FilterPolicy").unwrap().unwrap()).unwrap();
        assert_eq!(filter, json!({"kind": ["order"]}));
        assert_eq!(
            attribute_value(p, "RawMessageDelivery").unwrap().unwrap(),
            "true"
        );
    }
}
