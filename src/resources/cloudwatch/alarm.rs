//! `AWS::CloudWatch::Alarm`: a metric alarm (a single metric or metric math). `PutMetricAlarm`
//! both creates and updates it, always with the full definition. Physical id: the alarm name.

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, text,
};
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat, StandardUnit,
    Statistic, Tag,
};
use serde_json::{Map, Value, json};

pub struct Alarm;

fn arn_attributes(arn: &str) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(arn))])
}

fn alarm_arn(ctx: &Ctx, name: &str) -> String {
    format!(
        "arn:aws:cloudwatch:{}:{}:alarm:{name}",
        ctx.region, ctx.account_id
    )
}

fn dimensions(value: Option<&Value>, key: &str) -> Result<Option<Vec<Dimension>>> {
    let Some(value) = value else { return Ok(None) };
    let list = value
        .as_array()
        .ok_or_else(|| ResourceError::invalid(key, "must be a list of {Name, Value}"))?;
    list.iter()
        .map(|d| {
            let field = |k: &str| d.get(k).and_then(text);
            match (field("Name"), field("Value")) {
                (Some(name), Some(value)) => {
                    Ok(Dimension::builder().name(name).value(value).build())
                }
                _ => Err(ResourceError::invalid(
                    key,
                    "each dimension needs Name and Value",
                )),
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// One `Metrics` entry (metric math or a metric with its statistic).
fn metric_query(q: &Map<String, Value>) -> Result<MetricDataQuery> {
    let metric_stat = match property::object(q, "MetricStat")? {
        None => None,
        Some(stat) => {
            let metric = property::object(stat, "Metric")?.ok_or_else(|| {
                ResourceError::invalid("Metrics.MetricStat.Metric", "is required")
            })?;
            Some(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .set_namespace(property::string(metric, "Namespace"))
                            .set_metric_name(property::string(metric, "MetricName"))
                            .set_dimensions(dimensions(
                                metric.get("Dimensions"),
                                "Metrics.MetricStat.Metric.Dimensions",
                            )?)
                            .build(),
                    )
                    .set_period(property::integer(stat, "Period")?)
                    .set_stat(property::string(stat, "Stat"))
                    .set_unit(
                        property::string(stat, "Unit").map(|u| StandardUnit::from(u.as_str())),
                    )
                    .build(),
            )
        }
    };
    Ok(MetricDataQuery::builder()
        .set_id(property::string(q, "Id"))
        .set_metric_stat(metric_stat)
        .set_expression(property::string(q, "Expression"))
        .set_label(property::string(q, "Label"))
        .set_return_data(property::boolean(q, "ReturnData")?)
        .set_period(property::integer(q, "Period")?)
        .set_account_id(property::string(q, "AccountId"))
        .build())
}

fn metrics(props: &Props) -> Result<Option<Vec<MetricDataQuery>>> {
    let Some(value) = props.get("Metrics") else {
        return Ok(None);
    };
    value
        .as_array()
        .ok_or_else(|| ResourceError::invalid("Metrics", "must be a list"))?
        .iter()
        .map(|q| {
            q.as_object()
                .ok_or_else(|| ResourceError::invalid("Metrics", "entries must be objects"))
                .and_then(metric_query)
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// The whole alarm definition from the template (PutMetricAlarm replaces every field).
async fn put_alarm(ctx: &Ctx, props: &Props, tags: Option<Vec<Tag>>) -> Result<()> {
    let list = |k: &str| -> Result<Option<Vec<String>>> {
        props
            .contains_key(k)
            .then(|| property::strings(props, k))
            .transpose()
    };
    ctx.clients
        .cloudwatch()
        .put_metric_alarm()
        .alarm_name(property::required(props, "AlarmName")?)
        .set_alarm_description(property::string(props, "AlarmDescription"))
        .set_actions_enabled(property::boolean(props, "ActionsEnabled")?)
        .set_alarm_actions(list("AlarmActions")?)
        .set_ok_actions(list("OKActions")?)
        .set_insufficient_data_actions(list("InsufficientDataActions")?)
        .set_metric_name(property::string(props, "MetricName"))
        .set_namespace(property::string(props, "Namespace"))
        .set_statistic(property::string(props, "Statistic").map(|s| Statistic::from(s.as_str())))
        .set_extended_statistic(property::string(props, "ExtendedStatistic"))
        .set_dimensions(dimensions(props.get("Dimensions"), "Dimensions")?)
        .set_period(property::integer(props, "Period")?)
        .set_unit(property::string(props, "Unit").map(|u| StandardUnit::from(u.as_str())))
        .set_evaluation_periods(Some(
            property::integer(props, "EvaluationPeriods")?
                .ok_or_else(|| ResourceError::invalid("EvaluationPeriods", "is required"))?,
        ))
        .set_datapoints_to_alarm(property::integer(props, "DatapointsToAlarm")?)
        .set_threshold(property::float(props, "Threshold")?)
        .set_threshold_metric_id(property::string(props, "ThresholdMetricId"))
        .set_comparison_operator(Some(ComparisonOperator::from(
            property::required(props, "ComparisonOperator")?.as_str(),
        )))
        .set_treat_missing_data(property::string(props, "TreatMissingData"))
        .set_evaluate_low_sample_count_percentile(property::string(
            props,
            "EvaluateLowSampleCountPercentile",
        ))
        .set_metrics(metrics(props)?)
        .set_tags(tags)
        .send()
        .await
        .map_err(|e| sdk_error("cloudwatch:PutMetricAlarm", e))?;
    Ok(())
}

async fn describe(ctx: &Ctx, name: &str) -> Result<Option<MetricAlarm>> {
    let out = ctx
        .clients
        .cloudwatch()
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| sdk_error("cloudwatch:DescribeAlarms", e))?;
    Ok(out
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(name))
        .cloned())
}

fn dimensions_value(dims: &[Dimension]) -> Value {
    Value::Array(
        dims.iter()
            .map(|d| json!({"Name": d.name(), "Value": d.value()}))
            .collect(),
    )
}

fn query_value(q: &MetricDataQuery) -> Value {
    let mut out = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(k.into(), v);
        }
    };
    put("Id", q.id().map(|v| json!(v)));
    put("Expression", q.expression().map(|v| json!(v)));
    put("Label", q.label().map(|v| json!(v)));
    put("ReturnData", q.return_data().map(|v| json!(v)));
    put("Period", q.period().map(|v| json!(v)));
    put("AccountId", q.account_id().map(|v| json!(v)));
    put(
        "MetricStat",
        q.metric_stat().map(|s| {
            let metric = s.metric().map(|m| {
                json!({
                    "Namespace": m.namespace(),
                    "MetricName": m.metric_name(),
                    "Dimensions": dimensions_value(m.dimensions()),
                })
            });
            let mut stat = json!({"Metric": metric, "Period": s.period(), "Stat": s.stat()});
            if let Some(unit) = s.unit() {
                stat["Unit"] = json!(unit.as_str());
            }
            stat
        }),
    );
    Value::Object(out)
}

/// The template properties an alarm stands for; lists the template sets are kept even when
/// empty, optional values AWS lacks are left out.
fn alarm_props(alarm: &MetricAlarm, desired: &Props) -> Props {
    let mut p = Props::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            p.insert(k.into(), v);
        }
    };
    let list = |k: &str, items: &[String]| {
        (!items.is_empty() || desired.contains_key(k)).then(|| json!(items))
    };
    put("AlarmName", alarm.alarm_name().map(|v| json!(v)));
    put(
        "AlarmDescription",
        alarm.alarm_description().map(|v| json!(v)),
    );
    put("ActionsEnabled", alarm.actions_enabled().map(|v| json!(v)));
    put("AlarmActions", list("AlarmActions", alarm.alarm_actions()));
    put("OKActions", list("OKActions", alarm.ok_actions()));
    put(
        "InsufficientDataActions",
        list("InsufficientDataActions", alarm.insufficient_data_actions()),
    );
    put("MetricName", alarm.metric_name().map(|v| json!(v)));
    put("Namespace", alarm.namespace().map(|v| json!(v)));
    put("Statistic", alarm.statistic().map(|v| json!(v.as_str())));
    put(
        "ExtendedStatistic",
        alarm.extended_statistic().map(|v| json!(v)),
    );
    put(
        "Dimensions",
        (!alarm.dimensions().is_empty() || desired.contains_key("Dimensions"))
            .then(|| dimensions_value(alarm.dimensions())),
    );
    put("Period", alarm.period().map(|v| json!(v)));
    put("Unit", alarm.unit().map(|v| json!(v.as_str())));
    put(
        "EvaluationPeriods",
        alarm.evaluation_periods().map(|v| json!(v)),
    );
    put(
        "DatapointsToAlarm",
        alarm.datapoints_to_alarm().map(|v| json!(v)),
    );
    put("Threshold", alarm.threshold().map(property::number));
    put(
        "ThresholdMetricId",
        alarm.threshold_metric_id().map(|v| json!(v)),
    );
    put(
        "ComparisonOperator",
        alarm.comparison_operator().map(|v| json!(v.as_str())),
    );
    put(
        "TreatMissingData",
        alarm.treat_missing_data().map(|v| json!(v)),
    );
    put(
        "EvaluateLowSampleCountPercentile",
        alarm
            .evaluate_low_sample_count_percentile()
            .map(|v| json!(v)),
    );
    if !alarm.metrics().is_empty() {
        let live = Value::Array(alarm.metrics().iter().map(query_value).collect());
        let shaped = match desired.get("Metrics") {
            Some(d) => property::shape_like(&live, d),
            None => live,
        };
        put("Metrics", Some(shaped));
    }
    p
}

fn sdk_tags(tags: Vec<(String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "ThresholdMetricId",
    "ComparisonOperator",
    "EvaluationPeriods",
    "Unit",
    "OKActions",
    "MetricName",
    "ActionsEnabled",
    "Metrics",
    "AlarmName",
    "Statistic",
    "InsufficientDataActions",
    "DatapointsToAlarm",
    "Tags",
    "Threshold",
    "EvaluateLowSampleCountPercentile",
    "ExtendedStatistic",
    "TreatMissingData",
    "Dimensions",
    "Period",
    "Namespace",
    "AlarmActions",
    "AlarmDescription",
];

impl Resource for Alarm {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("AlarmName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (255, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "AlarmName")?;
        put_alarm(ctx, props, Some(sdk_tags(ctx.tags_with_ownership(props)))).await?;
        Ok(Created {
            attributes: arn_attributes(&alarm_arn(ctx, &name)),
            physical_id: name,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(alarm) = describe(ctx, name).await? else {
            return Ok(None);
        };
        let arn = alarm
            .alarm_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| alarm_arn(ctx, name));
        let mut properties = alarm_props(&alarm, desired);
        if desired.contains_key("Tags") {
            let tags = ctx
                .clients
                .cloudwatch()
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .map_err(|e| sdk_error("cloudwatch:ListTagsForResource", e))?;
            let pairs: Vec<(String, String)> = tags
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            properties.insert(
                "Tags".into(),
                property::tags_value(pairs.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties,
            attributes: arn_attributes(&arn),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let definition_changed = new.keys().chain(old.keys()).any(|k| {
            k != "Tags"
                && !k.starts_with(property::RESERVED_PREFIX)
                && property::changed(old, new, k)
        });
        if definition_changed {
            put_alarm(ctx, new, None).await?;
        }
        // PutMetricAlarm ignores tags on an existing alarm: they go through the tagging API.
        let arn = alarm_arn(ctx, name);
        let cw = ctx.clients.cloudwatch();
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            cw.tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(sdk_tags(set)))
                .send()
                .await
                .map_err(|e| sdk_error("cloudwatch:TagResource", e))?;
        }
        if !removed.is_empty() {
            cw.untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("cloudwatch:UntagResource", e))?;
        }
        Ok(arn_attributes(&arn))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "cloudwatch:DeleteAlarms",
            ctx.clients
                .cloudwatch()
                .delete_alarms()
                .alarm_names(physical_id)
                .send()
                .await,
            |s| s.is_resource_not_found(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "AlarmName") else {
            return Ok(None);
        };
        Ok(describe(ctx, &name).await?.map(|_| name))
    }
}
