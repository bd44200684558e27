//! `AWS::SNS::TopicPolicy`: one policy document set as the `Policy` attribute of each listed
//! topic. Physical id (`Ref`) = the topic ARNs joined by `,` (as created; `Topics` may change in
//! place, and reads follow the desired list). Delete puts back the policy SNS gives a new topic,
//! as CloudFormation does: a topic always has a policy.

use super::{set_topic_attribute, topic_attributes};
use crate::resources::iam::policy_document;
use crate::resources::property::strings;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::{Value, json};

pub struct TopicPolicy;

const MANAGED: &[&str] = &["PolicyDocument", "Topics"];

/// The `Id` of the policy SNS gives every new topic.
const DEFAULT_POLICY_ID: &str = "__default_policy_ID";

/// The policy SNS gives a new topic: the owner account may do everything.
fn default_policy(topic_arn: &str) -> Value {
    let owner = topic_arn.split(':').nth(4).unwrap_or_default();
    json!({
        "Version": "2008-10-17",
        "Id": DEFAULT_POLICY_ID,
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic", "SNS:Publish"
            ],
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": owner}}
        }]
    })
}

fn topics(props: &Props, physical_id: &str) -> Result<Vec<String>> {
    let listed = strings(props, "Topics")?;
    Ok(if listed.is_empty() {
        physical_id.split(',').map(str::to_string).collect()
    } else {
        listed
    })
}

/// The topic's policy, `None` when the topic is gone or has the default policy.
async fn policy(ctx: &Ctx, arn: &str) -> Result<Option<Value>> {
    let Some(live) = topic_attributes(ctx, arn).await? else {
        return Ok(None);
    };
    let Some(text) = live.get("Policy").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let document = policy_document::parse("PolicyDocument", text)?;
    Ok((document.get("Id").and_then(Value::as_str) != Some(DEFAULT_POLICY_ID)).then_some(document))
}

async fn put(ctx: &Ctx, arns: &[String], props: &Props) -> Result<()> {
    let document = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
    for arn in arns {
        set_topic_attribute(ctx, arn, "Policy", document.clone()).await?;
    }
    Ok(())
}

/// Puts the default policy back on each topic that still exists.
async fn restore_default(ctx: &Ctx, arns: &[String]) -> Result<()> {
    for arn in arns {
        if topic_attributes(ctx, arn).await?.is_some() {
            set_topic_attribute(ctx, arn, "Policy", default_policy(arn).to_string()).await?;
        }
    }
    Ok(())
}

impl Resource for TopicPolicy {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let arns = strings(props, "Topics")?;
        if arns.is_empty() {
            return Err(ResourceError::invalid(
                "Topics",
                "needs at least one topic ARN",
            ));
        }
        // SetTopicAttributes sets the same value again on a retry: safe after a lost answer.
        put(ctx, &arns, props).await?;
        Ok(Created {
            physical_id: arns.join(","),
            attributes: Attributes::new(),
        })
    }

    /// `Topics` lists the topics that have a policy of their own; the document is the first's.
    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let mut with_policy = Vec::new();
        let mut document = None;
        for arn in topics(desired, physical_id)? {
            if let Some(live) = policy(ctx, &arn).await? {
                document.get_or_insert(live);
                with_policy.push(arn);
            }
        }
        let Some(document) = document else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("Topics".into(), json!(with_policy));
        properties.insert(
            "PolicyDocument".into(),
            policy_document::like_template(desired.get("PolicyDocument"), document),
        );
        Ok(Some(Live {
            properties,
            attributes: Attributes::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let wanted = topics(new, physical_id)?;
        let dropped: Vec<String> = topics(old, physical_id)?
            .into_iter()
            .filter(|t| !wanted.contains(t))
            .collect();
        put(ctx, &wanted, new).await?;
        restore_default(ctx, &dropped).await?;
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        restore_default(ctx, &topics(props, physical_id)?).await
    }

    /// Found when every listed topic has the desired policy already.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let arns = strings(props, "Topics")?;
        for arn in &arns {
            let live = policy(ctx, arn).await?;
            if !policy_document::same(live.as_ref(), props.get("PolicyDocument")) {
                return Ok(None);
            }
        }
        Ok((!arns.is_empty()).then(|| arns.join(",")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_names_the_topic_and_its_owner() {
        let p = default_policy("arn:aws:sns:us-east-1:123456789012:events");
        assert_eq!(p["Id"], json!(DEFAULT_POLICY_ID));
        let statement = &p["Statement"][0];
        assert_eq!(
            statement["Resource"],
            json!("arn:aws:sns:us-east-1:123456789012:events")
        );
        assert_eq!(
            statement["Condition"]["StringEquals"]["AWS:SourceOwner"],
            json!("123456789012")
        );
    }
}
