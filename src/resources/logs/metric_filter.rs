//! `AWS::Logs::MetricFilter`: turns matching log events of a group into CloudWatch metrics.
//! Physical id: the filter name (fuelflow generates one when the template has none).
//! `PutMetricFilter` creates or replaces the filter of that name, so a create whose answer was
//! lost is simply the same filter when repeated.

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_cloudwatchlogs::types::{
    MetricFilter as LiveFilter, MetricTransformation, StandardUnit,
};
use serde_json::{Map, Value, json};

pub struct MetricFilter;

const MANAGED: &[&str] = &[
    "FilterName",
    "FilterPattern",
    "LogGroupName",
    "MetricTransformations",
];

const TRANSFORMATIONS: &str = "MetricTransformations";

fn transformations(props: &Props) -> Result<Vec<MetricTransformation>> {
    let items = props
        .get(TRANSFORMATIONS)
        .and_then(Value::as_array)
        .ok_or_else(|| ResourceError::invalid(TRANSFORMATIONS, "is required (a list)"))?;
    items
        .iter()
        .map(|item| {
            let t: Props = item
                .as_object()
                .cloned()
                .ok_or_else(|| ResourceError::invalid(TRANSFORMATIONS, "items must be objects"))?;
            let dimensions = t.get("Dimensions").and_then(Value::as_array).map(|ds| {
                ds.iter()
                    .filter_map(|d| {
                        Some((
                            d.get("Key")?.as_str()?.to_string(),
                            d.get("Value")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            });
            MetricTransformation::builder()
                .metric_name(property::required(&t, "MetricName")?)
                .metric_namespace(property::required(&t, "MetricNamespace")?)
                .metric_value(property::required(&t, "MetricValue")?)
                .set_default_value(property::float(&t, "DefaultValue")?)
                .set_dimensions(dimensions)
                .set_unit(property::string(&t, "Unit").map(|u| StandardUnit::from(u.as_str())))
                .build()
                .map_err(|e| ResourceError::invalid(TRANSFORMATIONS, e))
        })
        .collect()
}

/// A live transformation in template shape.
fn transformation_value(t: &MetricTransformation) -> Value {
    let mut v = Map::new();
    v.insert("MetricName".into(), json!(t.metric_name()));
    v.insert("MetricNamespace".into(), json!(t.metric_namespace()));
    v.insert("MetricValue".into(), json!(t.metric_value()));
    if let Some(d) = t.default_value() {
        // `0` in the template, `0.0` from the service: the same number.
        let d = if d.fract() == 0.0 {
            json!(d as i64)
        } else {
            json!(d)
        };
        v.insert("DefaultValue".into(), d);
    }
    if let Some(dimensions) = t.dimensions().filter(|d| !d.is_empty()) {
        let mut pairs: Vec<(&String, &String)> = dimensions.iter().collect();
        pairs.sort();
        let list: Vec<Value> = pairs
            .into_iter()
            .map(|(k, val)| json!({"Key": k, "Value": val}))
            .collect();
        v.insert("Dimensions".into(), json!(list));
    }
    if let Some(unit) = t.unit().filter(|u| **u != StandardUnit::None) {
        v.insert("Unit".into(), json!(unit.as_str()));
    }
    Value::Object(v)
}

async fn put(ctx: &Ctx, name: &str, props: &Props) -> Result<()> {
    ctx.clients
        .logs()
        .put_metric_filter()
        .log_group_name(property::required(props, "LogGroupName")?)
        .filter_name(name)
        .filter_pattern(property::string(props, "FilterPattern").unwrap_or_default())
        .set_metric_transformations(Some(transformations(props)?))
        .send()
        .await
        .map_err(|e| sdk_error("logs:PutMetricFilter", e))?;
    Ok(())
}

async fn describe(ctx: &Ctx, group: &str, name: &str) -> Result<Option<LiveFilter>> {
    let out = ctx
        .clients
        .logs()
        .describe_metric_filters()
        .log_group_name(group)
        .filter_name_prefix(name)
        .send()
        .await;
    match out {
        Ok(out) => Ok(out
            .metric_filters()
            .iter()
            .find(|f| f.filter_name() == Some(name))
            .cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("logs:DescribeMetricFilters", e)),
    }
}

impl Resource for MetricFilter {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("FilterName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (512, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "FilterName")?;
        put(ctx, &name, props).await?;
        Ok(Created {
            physical_id: name,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let group = property::required(desired, "LogGroupName")?;
        let Some(filter) = describe(ctx, &group, name).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("LogGroupName".into(), json!(group));
        p.insert("FilterName".into(), json!(name));
        p.insert(
            "FilterPattern".into(),
            json!(filter.filter_pattern().unwrap_or_default()),
        );
        let live: Vec<Value> = filter
            .metric_transformations()
            .iter()
            .map(transformation_value)
            .collect();
        p.insert(TRANSFORMATIONS.into(), json!(live));
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    /// The filter is put again whole (the API has no partial update).
    async fn update(&self, ctx: &Ctx, name: &str, _old: &Props, new: &Props) -> Result<Attributes> {
        put(ctx, name, new).await?;
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, name: &str, props: &Props) -> Result<()> {
        property::deleted(
            "logs:DeleteMetricFilter",
            ctx.clients
                .logs()
                .delete_metric_filter()
                .log_group_name(property::required(props, "LogGroupName")?)
                .filter_name(name)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(group), Some(name)) = (
            property::string(props, "LogGroupName"),
            property::string(props, "FilterName"),
        ) else {
            return Ok(None);
        };
        Ok(describe(ctx, &group, &name).await?.map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformations_read_back_in_template_shape() {
        let desired = json!([{"MetricName": "Errors", "MetricNamespace": "App", "MetricValue": "1",
            "DefaultValue": 0, "Dimensions": [{"Key": "Level", "Value": "$.level"}], "Unit": "Count"}]);
        let props: Props = [(TRANSFORMATIONS.to_string(), desired.clone())]
            .into_iter()
            .collect();
        let sent = transformations(&props).unwrap();
        let live: Vec<Value> = sent.iter().map(transformation_value).collect();
        assert!(crate::resources::compare::equivalent(
            &desired,
            &json!(live)
        ));
        let missing: Props = [(TRANSFORMATIONS.to_string(), json!([{"MetricName": "x"}]))]
            .into_iter()
            .collect();
        assert!(transformations(&missing).is_err());
    }
}
