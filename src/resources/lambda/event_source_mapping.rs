//! `AWS::Lambda::EventSourceMapping` from an SQS queue, a DynamoDB stream or a Kinesis stream to
//! a function: batching, filters, partial batch responses, and for streams the starting position,
//! retries, bisection, parallelization, tumbling windows and the on-failure destination.
//! Physical id (`Ref`): the mapping's UUID. Kafka, MQ and DocumentDB sources are not supported.
//! CreateEventSourceMapping is not idempotent: it is sent once (no SDK retry), tagged with the
//! ownership tags, and after a lost answer `find` takes the mapping from the same source to the
//! same function that carries them.

use crate::resources::property::{self, changed};
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, TypicalSeconds,
    is_earlier_copy,
};
use aws_sdk_lambda::operation::get_event_source_mapping::GetEventSourceMappingOutput as Mapping;
use aws_sdk_lambda::types::{
    DestinationConfig, EventSourcePosition, Filter, FilterCriteria, FunctionResponseType,
    OnFailure, ScalingConfig,
};
use serde_json::{Value, json};
use std::time::Duration;

pub struct EventSourceMapping;

const MANAGED: &[&str] = &[
    "BatchSize",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "Enabled",
    "EventSourceArn",
    "FilterCriteria",
    "FunctionName",
    "FunctionResponseTypes",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "ScalingConfig",
    "StartingPosition",
    "StartingPositionTimestamp",
    "Tags",
    "TumblingWindowInSeconds",
];

/// How long a mapping may stay `Creating`/`Updating` before create or update gives up.
const SETTLE: Duration = Duration::from_secs(300);

/// A configuration override for the one call of an API that is not idempotent
/// (`CreateEventSourceMapping`, `PublishLayerVersion`): no SDK retry, so a lost answer reaches the
/// engine, which looks the resource up before it tries again.
pub(super) fn sent_once() -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// A read's answer: `Some` when it worked, `None` when Lambda says the thing does not exist
/// (ResourceNotFoundException, told apart with the service's generated `is_*` helper), else
/// the error as [`sdk_error`] makes it.
pub(super) fn found<T, E, R>(
    operation: &str,
    answer: std::result::Result<T, aws_sdk_lambda::error::SdkError<E, R>>,
    gone: impl FnOnce(&E) -> bool,
) -> Result<Option<T>>
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata
        + aws_smithy_types::retry::ProvideErrorKind
        + std::error::Error
        + 'static,
    R: std::fmt::Debug,
{
    match answer {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.as_service_error().is_some_and(gone) => Ok(None),
        Err(e) => Err(sdk_error(operation, e)),
    }
}

/// Whether a function as the template names it (name, `name:alias`, partial or full ARN) is the
/// function of `arn`.
pub(super) fn same_function(written: &str, arn: &str) -> bool {
    if written.starts_with("arn:") {
        written == arn
    } else if written.contains(":function:") {
        arn.ends_with(&format!(":{written}"))
    } else {
        arn.ends_with(&format!(":function:{written}"))
    }
}

/// What a dropped property goes back to, by the kind of source (AWS's documented defaults).
fn defaults(source: &str) -> Vec<(&'static str, Value)> {
    let mut d = vec![("Enabled", json!(true))];
    if source.contains(":sqs:") {
        d.extend([
            ("BatchSize", json!(10)),
            ("MaximumBatchingWindowInSeconds", json!(0)),
        ]);
    } else if source.contains(":dynamodb:") || source.contains(":kinesis:") {
        d.extend([
            ("BatchSize", json!(100)),
            ("MaximumBatchingWindowInSeconds", json!(0)),
            ("MaximumRecordAgeInSeconds", json!(-1)),
            ("MaximumRetryAttempts", json!(-1)),
            ("BisectBatchOnFunctionError", json!(false)),
            ("ParallelizationFactor", json!(1)),
            ("TumblingWindowInSeconds", json!(0)),
        ]);
    }
    d
}

fn with_defaults(props: &Props, source: &str) -> Props {
    let mut p = props.clone();
    for (key, value) in defaults(source) {
        p.entry(key).or_insert(value);
    }
    p
}

fn filter_criteria(props: &Props) -> Result<Option<FilterCriteria>> {
    let Some(criteria) = property::object(props, "FilterCriteria")? else {
        return Ok(None);
    };
    let items = criteria
        .get("Filters")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut filters = Vec::new();
    for f in items {
        let pattern = match f.get("Pattern") {
            Some(Value::String(p)) => p.clone(),
            Some(other @ Value::Object(_)) => other.to_string(),
            _ => {
                return Err(ResourceError::invalid(
                    "FilterCriteria",
                    "each filter needs a Pattern",
                ));
            }
        };
        filters.push(Filter::builder().pattern(pattern).build());
    }
    Ok(Some(
        FilterCriteria::builder().set_filters(Some(filters)).build(),
    ))
}

fn destination_config(props: &Props) -> Result<Option<DestinationConfig>> {
    let Some(config) = property::object(props, "DestinationConfig")? else {
        return Ok(None);
    };
    let on_failure = property::value::string(
        config.get("OnFailure").and_then(|o| o.get("Destination")),
        "DestinationConfig",
    )?;
    Ok(Some(
        DestinationConfig::builder()
            .on_failure(OnFailure::builder().set_destination(on_failure).build())
            .build(),
    ))
}

fn scaling_config(props: &Props) -> Result<Option<ScalingConfig>> {
    let Some(config) = property::object(props, "ScalingConfig")? else {
        return Ok(None);
    };
    let maximum = property::value::integer(config.get("MaximumConcurrency"), "ScalingConfig")?;
    Ok(Some(
        ScalingConfig::builder()
            .set_maximum_concurrency(maximum)
            .build(),
    ))
}

fn response_types(props: &Props) -> Result<Option<Vec<FunctionResponseType>>> {
    Ok(
        property::strings_if_set(props, "FunctionResponseTypes")?.map(|l| {
            l.iter()
                .map(|t| FunctionResponseType::from(t.as_str()))
                .collect()
        }),
    )
}

fn starting_timestamp(props: &Props) -> Result<Option<aws_smithy_types::DateTime>> {
    Ok(property::float(props, "StartingPositionTimestamp")?
        .map(aws_smithy_types::DateTime::from_secs_f64))
}

fn attributes(ctx: &Ctx, uuid: &str, arn: Option<&str>) -> Attributes {
    let arn = arn.map(str::to_string).unwrap_or_else(|| {
        format!(
            "arn:aws:lambda:{}:{}:event-source-mapping:{uuid}",
            ctx.region, ctx.account_id
        )
    });
    Attributes::from([
        ("Id".to_string(), json!(uuid)),
        ("EventSourceMappingArn".to_string(), json!(arn)),
    ])
}

/// The mapping, `None` when it is gone or being deleted (AWS shows it `Deleting` for a while).
async fn get(ctx: &Ctx, uuid: &str) -> Result<Option<Mapping>> {
    let answer = ctx
        .clients
        .lambda()
        .get_event_source_mapping()
        .uuid(uuid)
        .send()
        .await;
    let mapping = found("lambda:GetEventSourceMapping", answer, |s| {
        s.is_resource_not_found_exception()
    })?;
    Ok(mapping.filter(|m| m.state() != Some("Deleting")))
}

/// Waits while the mapping is `Creating`, `Updating`, `Enabling` or `Disabling` (a change then
/// is refused with ResourceInUseException).
async fn settle(ctx: &Ctx, uuid: &str) -> Result<Option<Mapping>> {
    let started = tokio::time::Instant::now();
    loop {
        let mapping = get(ctx, uuid).await?;
        let state = mapping.as_ref().and_then(|m| m.state()).unwrap_or_default();
        if !matches!(state, "Creating" | "Updating" | "Enabling" | "Disabling") {
            return Ok(mapping);
        }
        if started.elapsed() > SETTLE {
            return Err(ResourceError::new(
                "MappingNotSettled",
                format!("event source mapping {uuid} is still {state} after 5 minutes"),
            )
            .retryable());
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The mapping's tags (ListTags), in template shape.
async fn tags(ctx: &Ctx, arn: &str) -> Result<std::collections::HashMap<String, String>> {
    let out = ctx
        .clients
        .lambda()
        .list_tags()
        .resource(arn)
        .send()
        .await
        .map_err(|e| sdk_error("lambda:ListTags", e))?;
    Ok(out.tags().cloned().unwrap_or_default())
}

/// The live mapping in template shape: every setting it has, the function as the template
/// names it when it is the same one, filter patterns in the template's form.
fn live_properties(m: &Mapping, desired: &Props) -> Props {
    let mut p = Props::new();
    let function = m.function_arn().unwrap_or_default();
    let written = desired
        .get("FunctionName")
        .filter(|w| w.as_str().is_some_and(|w| same_function(w, function)));
    p.insert(
        "FunctionName".into(),
        written.cloned().unwrap_or(json!(function)),
    );
    if let Some(source) = m.event_source_arn() {
        p.insert("EventSourceArn".into(), json!(source));
    }
    match m.state() {
        Some("Enabled" | "Enabling") => p.insert("Enabled".into(), json!(true)),
        Some("Disabled" | "Disabling") => p.insert("Enabled".into(), json!(false)),
        _ => None,
    };
    if let Some(position) = m.starting_position() {
        p.insert("StartingPosition".into(), json!(position.as_str()));
    }
    if let Some(t) = m.starting_position_timestamp() {
        p.insert(
            "StartingPositionTimestamp".into(),
            property::number(t.as_secs_f64()),
        );
    }
    for (key, value) in [
        ("BatchSize", m.batch_size()),
        (
            "MaximumBatchingWindowInSeconds",
            m.maximum_batching_window_in_seconds(),
        ),
        (
            "MaximumRecordAgeInSeconds",
            m.maximum_record_age_in_seconds(),
        ),
        ("MaximumRetryAttempts", m.maximum_retry_attempts()),
        ("ParallelizationFactor", m.parallelization_factor()),
        ("TumblingWindowInSeconds", m.tumbling_window_in_seconds()),
    ] {
        if let Some(v) = value {
            p.insert(key.into(), json!(v));
        }
    }
    if let Some(b) = m.bisect_batch_on_function_error() {
        p.insert("BisectBatchOnFunctionError".into(), json!(b));
    }
    let filters = m.filter_criteria().map(|c| c.filters()).unwrap_or_default();
    if !filters.is_empty() {
        let wanted = desired
            .get("FilterCriteria")
            .and_then(|c| c.get("Filters"))
            .and_then(Value::as_array);
        let live: Vec<Value> = filters
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let want = wanted.and_then(|w| w.get(i)).and_then(|w| w.get("Pattern"));
                json!({"Pattern": property::document_like(f.pattern().unwrap_or_default(), want)})
            })
            .collect();
        p.insert("FilterCriteria".into(), json!({ "Filters": live }));
    }
    let types: Vec<&str> = m
        .function_response_types()
        .iter()
        .map(|t| t.as_str())
        .collect();
    if !types.is_empty() {
        p.insert("FunctionResponseTypes".into(), json!(types));
    }
    let on_failure = m
        .destination_config()
        .and_then(|d| d.on_failure())
        .and_then(|o| o.destination())
        .filter(|d| !d.is_empty());
    if let Some(d) = on_failure {
        p.insert(
            "DestinationConfig".into(),
            json!({"OnFailure": {"Destination": d}}),
        );
    }
    if let Some(n) = m.scaling_config().and_then(|s| s.maximum_concurrency()) {
        p.insert("ScalingConfig".into(), json!({ "MaximumConcurrency": n }));
    }
    p
}

impl Resource for EventSourceMapping {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    /// A mapping is `Creating` for some seconds before it is `Enabled`.
    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 10,
            update: 5,
            delete: 5,
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .lambda()
            .create_event_source_mapping()
            .event_source_arn(property::required(props, "EventSourceArn")?)
            .function_name(property::required(props, "FunctionName")?)
            .set_enabled(property::boolean(props, "Enabled")?)
            .set_batch_size(property::integer(props, "BatchSize")?)
            .set_maximum_batching_window_in_seconds(property::integer(
                props,
                "MaximumBatchingWindowInSeconds",
            )?)
            .set_starting_position(
                property::string(props, "StartingPosition")
                    .map(|s| EventSourcePosition::from(s.as_str())),
            )
            .set_starting_position_timestamp(starting_timestamp(props)?)
            .set_filter_criteria(filter_criteria(props)?)
            .set_function_response_types(response_types(props)?)
            .set_destination_config(destination_config(props)?)
            .set_maximum_record_age_in_seconds(property::integer(
                props,
                "MaximumRecordAgeInSeconds",
            )?)
            .set_maximum_retry_attempts(property::integer(props, "MaximumRetryAttempts")?)
            .set_bisect_batch_on_function_error(property::boolean(
                props,
                "BisectBatchOnFunctionError",
            )?)
            .set_parallelization_factor(property::integer(props, "ParallelizationFactor")?)
            .set_tumbling_window_in_seconds(property::integer(props, "TumblingWindowInSeconds")?)
            .set_scaling_config(scaling_config(props)?)
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("lambda:CreateEventSourceMapping", e))?;
        let uuid = out.uuid().unwrap_or_default().to_string();
        if uuid.is_empty() {
            return Err(ResourceError::new(
                "InvalidResponse",
                "CreateEventSourceMapping answered without a UUID",
            ));
        }
        settle(ctx, &uuid).await?;
        Ok(Created {
            attributes: attributes(ctx, &uuid, out.event_source_mapping_arn()),
            physical_id: uuid,
        })
    }

    async fn read(&self, ctx: &Ctx, uuid: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(m) = get(ctx, uuid).await? else {
            return Ok(None);
        };
        let mut p = live_properties(&m, desired);
        let arn = m.event_source_mapping_arn();
        if let (true, Some(arn)) = (desired.contains_key("Tags"), arn) {
            let live = tags(ctx, arn).await?;
            p.insert("Tags".into(), property::tags_value(&live));
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(ctx, uuid, arn),
        }))
    }

    /// Sends only what changed; a property dropped from the template goes back to its default
    /// for the kind of source (an empty filter list, no destination, no concurrency limit).
    async fn update(&self, ctx: &Ctx, uuid: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let source = property::string(new, "EventSourceArn").unwrap_or_default();
        let (old, new) = (&with_defaults(old, &source), &with_defaults(new, &source));
        let c = |key: &str| changed(old, new, key);
        let integer = |key: &str| -> Result<Option<i32>> {
            if c(key) {
                property::integer(new, key)
            } else {
                Ok(None)
            }
        };
        let request = ctx
            .clients
            .lambda()
            .update_event_source_mapping()
            .uuid(uuid)
            .set_function_name(
                c("FunctionName")
                    .then(|| property::string(new, "FunctionName"))
                    .flatten(),
            )
            .set_enabled(
                c("Enabled")
                    .then(|| property::boolean(new, "Enabled"))
                    .transpose()?
                    .flatten(),
            )
            .set_batch_size(integer("BatchSize")?)
            .set_maximum_batching_window_in_seconds(integer("MaximumBatchingWindowInSeconds")?)
            .set_maximum_record_age_in_seconds(integer("MaximumRecordAgeInSeconds")?)
            .set_maximum_retry_attempts(integer("MaximumRetryAttempts")?)
            .set_parallelization_factor(integer("ParallelizationFactor")?)
            .set_tumbling_window_in_seconds(integer("TumblingWindowInSeconds")?)
            .set_bisect_batch_on_function_error(
                c("BisectBatchOnFunctionError")
                    .then(|| property::boolean(new, "BisectBatchOnFunctionError"))
                    .transpose()?
                    .flatten(),
            )
            .set_filter_criteria(if c("FilterCriteria") {
                Some(filter_criteria(new)?.unwrap_or_else(|| FilterCriteria::builder().build()))
            } else {
                None
            })
            .set_function_response_types(if c("FunctionResponseTypes") {
                Some(response_types(new)?.unwrap_or_default())
            } else {
                None
            })
            .set_destination_config(if c("DestinationConfig") {
                Some(destination_config(new)?.unwrap_or_else(|| {
                    DestinationConfig::builder()
                        .on_failure(OnFailure::builder().build())
                        .build()
                }))
            } else {
                None
            })
            .set_scaling_config(if c("ScalingConfig") {
                Some(scaling_config(new)?.unwrap_or_else(|| ScalingConfig::builder().build()))
            } else {
                None
            });
        const SETTINGS: &[&str] = &[
            "FunctionName",
            "Enabled",
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "MaximumRecordAgeInSeconds",
            "MaximumRetryAttempts",
            "ParallelizationFactor",
            "TumblingWindowInSeconds",
            "BisectBatchOnFunctionError",
            "FilterCriteria",
            "FunctionResponseTypes",
            "DestinationConfig",
            "ScalingConfig",
        ];
        let mut arn = None;
        if property::any_changed(old, new, SETTINGS) {
            settle(ctx, uuid).await?;
            let out = request
                .send()
                .await
                .map_err(|e| sdk_error("lambda:UpdateEventSourceMapping", e))?;
            arn = out.event_source_mapping_arn().map(str::to_string);
            settle(ctx, uuid).await?;
        }
        let attributes = attributes(ctx, uuid, arn.as_deref());
        let (set, removed) = property::tag_changes(old, new);
        let mapping_arn = attributes["EventSourceMappingArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let lambda = ctx.clients.lambda();
        if !set.is_empty() {
            lambda
                .tag_resource()
                .resource(&mapping_arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("lambda:TagResource", e))?;
        }
        if !removed.is_empty() {
            lambda
                .untag_resource()
                .resource(&mapping_arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("lambda:UntagResource", e))?;
        }
        Ok(attributes)
    }

    async fn delete(&self, ctx: &Ctx, uuid: &str, _props: &Props) -> Result<()> {
        // A mapping still Creating or Updating refuses the delete (ResourceInUseException).
        if settle(ctx, uuid).await?.is_none() {
            return Ok(());
        }
        property::deleted(
            "lambda:DeleteEventSourceMapping",
            ctx.clients
                .lambda()
                .delete_event_source_mapping()
                .uuid(uuid)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    /// The mapping from the template's source to its function that carries this resource's
    /// ownership tags and is no earlier copy.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(source), Some(function)) = (
            property::string(props, "EventSourceArn"),
            property::string(props, "FunctionName"),
        ) else {
            return Ok(None);
        };
        let mut pages = ctx
            .clients
            .lambda()
            .list_event_source_mappings()
            .event_source_arn(&source)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("lambda:ListEventSourceMappings", e))?;
            for m in page.event_source_mappings() {
                let (Some(uuid), Some(arn)) = (m.uuid(), m.event_source_mapping_arn()) else {
                    continue;
                };
                let ours = m.state() != Some("Deleting")
                    && m.function_arn()
                        .is_some_and(|f| same_function(&function, f))
                    && !is_earlier_copy(props, uuid);
                if ours && property::owned_by(ctx, &tags(ctx, arn).await?) {
                    return Ok(Some(uuid.to_string()));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_match_by_name_alias_or_arn() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:worker";
        assert!(same_function("worker", arn));
        assert!(same_function(arn, arn));
        assert!(same_function("123456789012:function:worker", arn));
        assert!(!same_function("other-worker", arn));
        assert!(!same_function("ker", arn));
        let alias = "arn:aws:lambda:us-east-1:123456789012:function:worker:live";
        assert!(same_function("worker:live", alias));
        assert!(!same_function("worker", alias));
    }

    #[test]
    fn dropped_settings_go_back_to_the_defaults_of_their_source() {
        let sqs = "arn:aws:sqs:us-east-1:123456789012:jobs";
        let stream = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026";
        let p = Props::new();
        assert_eq!(with_defaults(&p, sqs)["BatchSize"], json!(10));
        assert!(!with_defaults(&p, sqs).contains_key("MaximumRetryAttempts"));
        assert_eq!(with_defaults(&p, stream)["BatchSize"], json!(100));
        assert_eq!(with_defaults(&p, stream)["MaximumRetryAttempts"], json!(-1));
    }

    #[test]
    fn filter_patterns_may_be_text_or_objects() {
        let p = serde_json::from_value::<Props>(json!({"FilterCriteria": {"Filters": [
            {"Pattern": "{\"body\": {\"kind\": [\"a\"]}}"}, {"Pattern": {"body": {"kind": ["b"]}}}
        ]}}))
        .unwrap();
        let criteria = filter_criteria(&p).unwrap().unwrap();
        let patterns: Vec<&str> = criteria
            .filters()
            .iter()
            .filter_map(|f| f.pattern())
            .collect();
        assert_eq!(patterns.len(), 2);
        assert!(patterns[1].contains("\"b\""));
        let bad = serde_json::from_value::<Props>(json!({"FilterCriteria": {"Filters": [{}]}}));
        assert!(filter_criteria(&bad.unwrap()).is_err());
    }
}
