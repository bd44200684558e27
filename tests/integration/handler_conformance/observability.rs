//! Conformance fixtures of CloudWatch Logs filters: metric and subscription filters on a log
//! group made for each fixture (issue 15).

use super::*;

impl Env {
    async fn log_group(&self) -> String {
        let name = format!("/conformance/{}", unique("filters"));
        self.make("AWS::Logs::LogGroup", json!({"LogGroupName": name}))
            .await
            .physical_id
    }
}

/// Whether the group `props` names has a filter called `id`, asked with the SDK.
async fn has_filter(ctx: &Ctx, id: &str, props: &Props, subscription: bool) -> bool {
    let group = text(props, "LogGroupName");
    let logs = ctx.clients.logs();
    if subscription {
        let out = logs.describe_subscription_filters().log_group_name(group);
        out.send().await.is_ok_and(|o| {
            o.subscription_filters()
                .iter()
                .any(|f| f.filter_name() == Some(id))
        })
    } else {
        let out = logs.describe_metric_filters().log_group_name(group);
        out.send().await.is_ok_and(|o| {
            o.metric_filters()
                .iter()
                .any(|f| f.filter_name() == Some(id))
        })
    }
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::Logs::MetricFilter",
        desired: |env| {
            Box::pin(async move {
                let group = env.log_group().await;
                props(json!({
                    "LogGroupName": group, "FilterName": unique("conform-errors"),
                    "FilterPattern": "ERROR",
                    "MetricTransformations": [{"MetricName": "Errors", "MetricNamespace": "Conformance",
                        "MetricValue": "1", "DefaultValue": 0}]
                }))
            })
        },
        exists: |ctx, id, p| Box::pin(async move { has_filter(&ctx, &id, &p, false).await }),
        update: Update::Property("FilterPattern", |_, _| value(json!("FATAL"))),
        not_read_back: &[],
        skip: &[(
            Step::Update,
            Skip::Moto(
                "PutMetricFilter on an existing name appends a second filter instead of \
                 replacing it (AWS replaces it, which is what update relies on)",
            ),
        )],
    },
    Fixture {
        type_name: "AWS::Logs::SubscriptionFilter",
        desired: |env| {
            Box::pin(async move {
                let function = env.function().await;
                let group = env.log_group().await;
                let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{function}");
                props(json!({
                    "LogGroupName": group, "FilterName": unique("conform-ship"),
                    "FilterPattern": "", "DestinationArn": arn
                }))
            })
        },
        exists: |ctx, id, p| Box::pin(async move { has_filter(&ctx, &id, &p, true).await }),
        update: Update::Property("FilterPattern", |_, _| value(json!("ERROR"))),
        not_read_back: &[],
        skip: &[],
    },
];
