//! `AWS::SQS::QueuePolicy`: one policy document set as the `Policy` attribute of each listed
//! queue. Physical id (`Ref`) = the queue URLs joined by `,` (as created; `Queues` may change in
//! place, and reads follow the desired list).

use super::{attributes, set_attributes};
use crate::resources::iam::policy_document;
use crate::resources::property::strings;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::{Value, json};

pub struct QueuePolicy;

const MANAGED: &[&str] = &["PolicyDocument", "Queues"];

/// The queues: the desired list, else the ones the physical id names.
fn queues(props: &Props, physical_id: &str) -> Result<Vec<String>> {
    let listed = strings(props, "Queues")?;
    Ok(if listed.is_empty() {
        physical_id.split(',').map(str::to_string).collect()
    } else {
        listed
    })
}

/// The policy of one queue, `None` when the queue or its policy is gone.
async fn policy(ctx: &Ctx, url: &str) -> Result<Option<Value>> {
    let Some(live) = attributes(ctx, url).await? else {
        return Ok(None);
    };
    live.get("Policy")
        .filter(|p| !p.is_empty())
        .map(|p| policy_document::parse("PolicyDocument", p))
        .transpose()
}

async fn put(ctx: &Ctx, urls: &[String], props: &Props) -> Result<()> {
    let document = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
    for url in urls {
        if !set_attributes(ctx, url, vec![("Policy", document.clone())]).await? {
            return Err(ResourceError::new(
                "AWS.SimpleQueueService.NonExistentQueue",
                format!("sqs:SetQueueAttributes: the queue {url} does not exist"),
            ));
        }
    }
    Ok(())
}

/// Removes the policy of each queue (a queue already gone is fine).
async fn remove(ctx: &Ctx, urls: &[String]) -> Result<()> {
    for url in urls {
        set_attributes(ctx, url, vec![("Policy", String::new())]).await?;
    }
    Ok(())
}

impl Resource for QueuePolicy {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let urls = strings(props, "Queues")?;
        if urls.is_empty() {
            return Err(ResourceError::invalid(
                "Queues",
                "needs at least one queue URL",
            ));
        }
        // SetQueueAttributes sets the same value again on a retry: safe after a lost answer.
        put(ctx, &urls, props).await?;
        Ok(Created {
            physical_id: urls.join(","),
            attributes: Attributes::new(),
        })
    }

    /// `Queues` lists the queues that have a policy; the document is the first one's.
    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let mut with_policy = Vec::new();
        let mut document = None;
        for url in queues(desired, physical_id)? {
            if let Some(live) = policy(ctx, &url).await? {
                document.get_or_insert(live);
                with_policy.push(url);
            }
        }
        let Some(document) = document else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("Queues".into(), json!(with_policy));
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
        let wanted = queues(new, physical_id)?;
        let dropped: Vec<String> = queues(old, physical_id)?
            .into_iter()
            .filter(|q| !wanted.contains(q))
            .collect();
        put(ctx, &wanted, new).await?;
        remove(ctx, &dropped).await?;
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        remove(ctx, &queues(props, physical_id)?).await
    }

    /// Found when every listed queue has the desired policy already.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let urls = strings(props, "Queues")?;
        for url in &urls {
            let live = policy(ctx, url).await?;
            if !policy_document::same(live.as_ref(), props.get("PolicyDocument")) {
                return Ok(None);
            }
        }
        Ok((!urls.is_empty()).then(|| urls.join(",")))
    }
}
