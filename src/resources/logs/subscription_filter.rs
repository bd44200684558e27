//! `AWS::Logs::SubscriptionFilter`: streams a group's matching events to a Lambda function, a
//! Kinesis stream or a Firehose delivery stream. Physical id: the filter name (generated when the
//! template has none). `PutSubscriptionFilter` creates or replaces the filter of that name, so
//! repeating a create whose answer was lost makes no second one. The destination must accept
//! the group first (a Lambda permission for `logs.amazonaws.com`, or `RoleArn`).

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_cloudwatchlogs::types::{Distribution, SubscriptionFilter as LiveFilter};
use serde_json::json;

pub struct SubscriptionFilter;

const MANAGED: &[&str] = &[
    "DestinationArn",
    "Distribution",
    "FilterName",
    "FilterPattern",
    "LogGroupName",
    "RoleArn",
];

async fn put(ctx: &Ctx, name: &str, props: &Props) -> Result<()> {
    ctx.clients
        .logs()
        .put_subscription_filter()
        .log_group_name(property::required(props, "LogGroupName")?)
        .filter_name(name)
        .filter_pattern(property::string(props, "FilterPattern").unwrap_or_default())
        .destination_arn(property::required(props, "DestinationArn")?)
        .set_role_arn(property::string(props, "RoleArn"))
        .set_distribution(
            property::string(props, "Distribution").map(|d| Distribution::from(d.as_str())),
        )
        .send()
        .await
        .map_err(|e| sdk_error("logs:PutSubscriptionFilter", e))?;
    Ok(())
}

async fn describe(ctx: &Ctx, group: &str, name: &str) -> Result<Option<LiveFilter>> {
    let out = ctx
        .clients
        .logs()
        .describe_subscription_filters()
        .log_group_name(group)
        .filter_name_prefix(name)
        .send()
        .await;
    match out {
        Ok(out) => Ok(out
            .subscription_filters()
            .iter()
            .find(|f| f.filter_name() == Some(name))
            .cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("logs:DescribeSubscriptionFilters", e)),
    }
}

impl Resource for SubscriptionFilter {
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
        if let Some(arn) = filter.destination_arn() {
            p.insert("DestinationArn".into(), json!(arn));
        }
        if let Some(role) = filter.role_arn().filter(|r| !r.is_empty()) {
            p.insert("RoleArn".into(), json!(role));
        }
        // ByLogStream is the default; shown only when the template names a distribution.
        if let Some(d) = filter.distribution() {
            if desired.contains_key("Distribution") || *d != Distribution::ByLogStream {
                p.insert("Distribution".into(), json!(d.as_str()));
            }
        }
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
            "logs:DeleteSubscriptionFilter",
            ctx.clients
                .logs()
                .delete_subscription_filter()
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
