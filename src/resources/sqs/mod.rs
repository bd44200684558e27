//! SQS: queues and their policies.

pub mod queue;
pub mod queue_policy;

use crate::resources::{Ctx, Result, sdk_error};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::HashMap;

/// A queue's attributes by name, `None` when the queue does not exist.
async fn attributes(ctx: &Ctx, url: &str) -> Result<Option<HashMap<String, String>>> {
    let answer = ctx
        .clients
        .sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(Some(
            out.attributes()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect(),
        )),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("sqs:GetQueueAttributes", e)),
    }
}

/// Sets attributes (`name -> value`); a queue that is gone is `Ok(false)`.
async fn set_attributes(ctx: &Ctx, url: &str, values: Vec<(&str, String)>) -> Result<bool> {
    if values.is_empty() {
        return Ok(true);
    }
    let answer = ctx
        .clients
        .sqs()
        .set_queue_attributes()
        .queue_url(url)
        .set_attributes(Some(
            values
                .into_iter()
                .map(|(k, v)| (QueueAttributeName::from(k), v))
                .collect(),
        ))
        .send()
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            Ok(false)
        }
        Err(e) => Err(sdk_error("sqs:SetQueueAttributes", e)),
    }
}
