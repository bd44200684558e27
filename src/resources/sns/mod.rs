//! SNS: topics (with inline subscriptions), subscriptions and topic policies.

pub mod subscription;
pub mod topic;
pub mod topic_policy;

use crate::resources::{Ctx, Result, sdk_error};
use std::collections::HashMap;

/// A topic's attributes, `None` when the topic does not exist.
async fn topic_attributes(ctx: &Ctx, arn: &str) -> Result<Option<HashMap<String, String>>> {
    match ctx
        .clients
        .sns()
        .get_topic_attributes()
        .topic_arn(arn)
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
        Err(e) => Err(sdk_error("sns:GetTopicAttributes", e)),
    }
}

async fn set_topic_attribute(ctx: &Ctx, arn: &str, name: &str, value: String) -> Result<()> {
    ctx.clients
        .sns()
        .set_topic_attributes()
        .topic_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| sdk_error("sns:SetTopicAttributes", e))
}

/// One subscription of a topic as listed: (ARN, protocol, endpoint).
#[derive(Debug, Clone, PartialEq)]
struct Listed {
    arn: String,
    protocol: String,
    endpoint: String,
}

/// The topic's subscriptions (confirmed ones have an ARN; pending ones say
/// `PendingConfirmation`). A topic that is gone has none.
async fn subscriptions(ctx: &Ctx, topic: &str) -> Result<Vec<Listed>> {
    let mut pages = ctx
        .clients
        .sns()
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .into_paginator()
        .send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception()) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(sdk_error("sns:ListSubscriptionsByTopic", e)),
        };
        for s in page.subscriptions() {
            listed.push(Listed {
                arn: s.subscription_arn().unwrap_or_default().to_string(),
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(listed)
}
