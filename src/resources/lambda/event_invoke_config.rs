//! `AWS::Lambda::EventInvokeConfig`: how Lambda retries asynchronous invocations of a function
//! version or alias, and where it sends their results (`DestinationConfig`).
//! Physical id (`Ref`): `FunctionName|Qualifier`, CloudFormation's identifier for the type.
//! PutFunctionEventInvokeConfig overwrites, so create first makes sure there is no configuration
//! yet ("already exists" otherwise, as CloudFormation answers); a repeated create after a lost
//! answer then meets that and the configuration is looked up.

use super::event_source_mapping::same_function;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_lambda::operation::get_function_event_invoke_config::GetFunctionEventInvokeConfigOutput as Config;
use aws_sdk_lambda::types::{DestinationConfig, OnFailure, OnSuccess};
use serde_json::{Value, json};

pub struct EventInvokeConfig;

const MANAGED: &[&str] = &[
    "DestinationConfig",
    "FunctionName",
    "MaximumEventAgeInSeconds",
    "MaximumRetryAttempts",
    "Qualifier",
];

/// (function, qualifier) of a physical id `FUNCTION|QUALIFIER`.
fn parts(id: &str) -> Result<(&str, &str)> {
    id.rsplit_once('|').ok_or_else(|| {
        ResourceError::new(
            "InvalidPhysicalId",
            format!("`{id}` is not FUNCTION|QUALIFIER"),
        )
    })
}

/// `DestinationConfig.<outcome>.Destination` as text, when set.
fn destination(config: &serde_json::Map<String, Value>, outcome: &str) -> Result<Option<String>> {
    property::value::string(
        config.get(outcome).and_then(|o| o.get("Destination")),
        "DestinationConfig",
    )
}

fn destination_config(props: &Props) -> Result<Option<DestinationConfig>> {
    let Some(config) = property::object(props, "DestinationConfig")? else {
        return Ok(None);
    };
    Ok(Some(
        DestinationConfig::builder()
            .set_on_success(
                destination(config, "OnSuccess")?
                    .map(|d| OnSuccess::builder().destination(d).build()),
            )
            .set_on_failure(
                destination(config, "OnFailure")?
                    .map(|d| OnFailure::builder().destination(d).build()),
            )
            .build(),
    ))
}

async fn get(ctx: &Ctx, function: &str, qualifier: &str) -> Result<Option<Config>> {
    let answer = ctx
        .clients
        .lambda()
        .get_function_event_invoke_config()
        .function_name(function)
        .qualifier(qualifier)
        .send()
        .await;
    super::event_source_mapping::found("lambda:GetFunctionEventInvokeConfig", answer, |s| {
        s.is_resource_not_found_exception()
    })
}

/// Puts the whole configuration: a setting the template leaves out goes back to Lambda's default
/// (2 retries, 6 hours, no destination).
async fn put(ctx: &Ctx, function: &str, qualifier: &str, props: &Props) -> Result<()> {
    ctx.clients
        .lambda()
        .put_function_event_invoke_config()
        .function_name(function)
        .qualifier(qualifier)
        .set_maximum_retry_attempts(property::integer(props, "MaximumRetryAttempts")?)
        .set_maximum_event_age_in_seconds(property::integer(props, "MaximumEventAgeInSeconds")?)
        .set_destination_config(destination_config(props)?)
        .send()
        .await
        .map_err(|e| sdk_error("lambda:PutFunctionEventInvokeConfig", e))?;
    Ok(())
}

impl Resource for EventInvokeConfig {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let function = property::required(props, "FunctionName")?;
        let qualifier = property::required(props, "Qualifier")?;
        if get(ctx, &function, &qualifier).await?.is_some() {
            return Err(ResourceError::new(
                "ResourceAlreadyExists",
                format!("{function} ({qualifier}) already has an event invoke configuration"),
            ));
        }
        put(ctx, &function, &qualifier, props).await?;
        Ok(Created {
            physical_id: format!("{function}|{qualifier}"),
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let (function, qualifier) = parts(id)?;
        let Some(out) = get(ctx, function, qualifier).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        let live_function = out.function_arn().unwrap_or(function);
        let written = desired.get("FunctionName").filter(|w| {
            w.as_str()
                .is_some_and(|w| w == function || same_function(w, live_function))
        });
        p.insert(
            "FunctionName".into(),
            written.cloned().unwrap_or(json!(function)),
        );
        // The configuration read is the one of this qualifier (the id names it).
        p.insert("Qualifier".into(), json!(qualifier));
        if let Some(n) = out.maximum_retry_attempts() {
            p.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(n) = out.maximum_event_age_in_seconds() {
            p.insert("MaximumEventAgeInSeconds".into(), json!(n));
        }
        let mut destinations = Props::new();
        let config = out.destination_config();
        for (outcome, d) in [
            (
                "OnSuccess",
                config
                    .and_then(|c| c.on_success())
                    .and_then(|o| o.destination()),
            ),
            (
                "OnFailure",
                config
                    .and_then(|c| c.on_failure())
                    .and_then(|o| o.destination()),
            ),
        ] {
            if let Some(d) = d.filter(|d| !d.is_empty()) {
                destinations.insert(outcome.into(), json!({ "Destination": d }));
            }
        }
        if !destinations.is_empty() {
            p.insert("DestinationConfig".into(), Value::Object(destinations));
        }
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        const SETTINGS: &[&str] = &[
            "DestinationConfig",
            "MaximumEventAgeInSeconds",
            "MaximumRetryAttempts",
        ];
        if property::any_changed(old, new, SETTINGS) {
            let (function, qualifier) = parts(id)?;
            put(ctx, function, qualifier, new).await?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let (function, qualifier) = parts(id)?;
        property::deleted(
            "lambda:DeleteFunctionEventInvokeConfig",
            ctx.clients
                .lambda()
                .delete_function_event_invoke_config()
                .function_name(function)
                .qualifier(qualifier)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(function), Some(qualifier)) = (
            property::string(props, "FunctionName"),
            property::string(props, "Qualifier"),
        ) else {
            return Ok(None);
        };
        Ok(get(ctx, &function, &qualifier)
            .await?
            .map(|_| format!("{function}|{qualifier}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_function_and_qualifier() {
        assert_eq!(parts("worker|$LATEST").unwrap(), ("worker", "$LATEST"));
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:worker|live";
        assert_eq!(parts(arn).unwrap().1, "live");
        assert!(parts("worker").is_err());
    }

    #[test]
    fn destinations_are_sent_as_written() {
        let p = serde_json::from_value::<Props>(json!({"DestinationConfig": {
            "OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:dlq"}
        }}))
        .unwrap();
        let config = destination_config(&p).unwrap().unwrap();
        assert_eq!(
            config.on_failure().and_then(|o| o.destination()),
            Some("arn:aws:sqs:us-east-1:123456789012:dlq")
        );
        assert!(config.on_success().is_none());
    }
}
