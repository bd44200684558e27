//! Log group and CloudWatch alarm handlers against moto.

use crate::support::handlers::{self, assert_no_drift, props};
use crate::support::{MotoServer, unique};
use fuelflow::resources::{Ctx, handler};
use serde_json::json;

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), "test-stack", logical_id).await
}

async fn retention(ctx: &Ctx, name: &str) -> Option<i32> {
    let out = ctx
        .clients
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .unwrap();
    out.log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .and_then(|g| g.retention_in_days())
}

#[tokio::test]
async fn log_group_lifecycle() {
    let ctx = ctx("ApiLogs").await;
    let h = handler("AWS::Logs::LogGroup").unwrap();
    let logs = ctx.clients.logs();
    let name = format!("/fuelflow/{}", unique("logs"));
    let desired = props(json!({
        "LogGroupName": name, "RetentionInDays": 7,
        "Tags": [{"Key": "team", "Value": "fuel"}]
    }));

    let created = h.create(&ctx, &desired).await.unwrap();
    assert_eq!(created.physical_id, name);
    let arn = format!("arn:aws:logs:us-east-1:123456789012:log-group:{name}:*");
    assert_eq!(created.attributes["Arn"], json!(arn));
    assert_eq!(retention(&ctx, &name).await, Some(7));
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(arn.trim_end_matches(":*"))
        .send()
        .await
        .unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags["fuelflow:stack"], "test-stack");
    assert_eq!(tags["team"], "fuel");

    let read = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &read.properties);
    assert_eq!(read.attributes, created.attributes);

    // Update in place: retention and tags.
    let updated = props(json!({
        "LogGroupName": name, "RetentionInDays": "30",
        "Tags": [{"Key": "team", "Value": "ops"}, {"Key": "cost", "Value": "1"}]
    }));
    h.update(&ctx, &name, &desired, &updated).await.unwrap();
    assert_eq!(retention(&ctx, &name).await, Some(30));
    let read = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &read.properties);

    // Drift: retention changed out of band is seen and repaired.
    logs.put_retention_policy()
        .log_group_name(&name)
        .retention_in_days(1)
        .send()
        .await
        .unwrap();
    let drifted = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_eq!(drifted.properties["RetentionInDays"], json!(1));
    h.update(&ctx, &name, &drifted.properties, &updated)
        .await
        .unwrap();
    assert_eq!(retention(&ctx, &name).await, Some(30));

    // Retention removed from the template: never expire again.
    let mut forever = updated.clone();
    forever.remove("RetentionInDays");
    h.update(&ctx, &name, &updated, &forever).await.unwrap();
    assert_eq!(retention(&ctx, &name).await, None);
    let read = h.read(&ctx, &name, &forever).await.unwrap().unwrap();
    assert!(!read.properties.contains_key("RetentionInDays"));

    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );
    h.delete(&ctx, &name, &desired).await.unwrap();
    assert_eq!(retention(&ctx, &name).await, None);
    assert_eq!(h.read(&ctx, &name, &desired).await.unwrap(), None);
    h.delete(&ctx, &name, &desired).await.unwrap();
    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn log_group_deleted_out_of_band_reads_as_none() {
    let ctx = ctx("Gone").await;
    let h = handler("AWS::Logs::LogGroup").unwrap();
    let name = unique("gone-logs");
    let desired = props(json!({"LogGroupName": name}));
    h.create(&ctx, &desired).await.unwrap();
    // A similarly named group is not mistaken for it.
    h.create(
        &ctx,
        &props(json!({"LogGroupName": format!("{name}-other")})),
    )
    .await
    .unwrap();
    ctx.clients
        .logs()
        .delete_log_group()
        .log_group_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(h.read(&ctx, &name, &desired).await.unwrap(), None);
}

#[tokio::test]
async fn alarm_lifecycle() {
    let ctx = ctx("ErrorsAlarm").await;
    let h = handler("AWS::CloudWatch::Alarm").unwrap();
    let cw = ctx.clients.cloudwatch();
    let name = unique("errors");
    let topic = "arn:aws:sns:us-east-1:123456789012:alerts";
    let desired = props(json!({
        "AlarmName": name, "AlarmDescription": "too many errors",
        "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
        "Dimensions": [{"Name": "FunctionName", "Value": "api"}],
        "Period": 60, "EvaluationPeriods": "2", "DatapointsToAlarm": 1, "Threshold": 5,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [topic], "OKActions": [], "ActionsEnabled": true,
        "Tags": [{"Key": "team", "Value": "fuel"}]
    }));

    let created = h.create(&ctx, &desired).await.unwrap();
    assert_eq!(created.physical_id, name);
    let arn = format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}");
    assert_eq!(created.attributes["Arn"], json!(arn));
    let live = cw
        .describe_alarms()
        .alarm_names(&name)
        .send()
        .await
        .unwrap();
    let alarm = &live.metric_alarms()[0];
    assert_eq!(alarm.threshold(), Some(5.0));
    assert_eq!(alarm.alarm_actions(), [topic.to_string()]);
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("fuelflow:logical-id"))
    );

    let read = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &read.properties);

    // Update: threshold 5.5, new tag set.
    let mut updated = desired.clone();
    updated.insert("Threshold".into(), json!(5.5));
    updated.insert("Tags".into(), json!([{"Key": "owner", "Value": "me"}]));
    h.update(&ctx, &name, &desired, &updated).await.unwrap();
    let live = cw
        .describe_alarms()
        .alarm_names(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(live.metric_alarms()[0].threshold(), Some(5.5));
    let read = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &read.properties);

    // Drift: the threshold changed out of band, repaired by an update from the live values.
    cw.put_metric_alarm()
        .alarm_name(&name)
        .namespace("AWS/Lambda")
        .metric_name("Errors")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(2)
        .threshold(99.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let drifted = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_eq!(drifted.properties["Threshold"], json!(99));
    h.update(&ctx, &name, &drifted.properties, &updated)
        .await
        .unwrap();
    let repaired = h.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &repaired.properties);

    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );
    h.delete(&ctx, &name, &desired).await.unwrap();
    let live = cw
        .describe_alarms()
        .alarm_names(&name)
        .send()
        .await
        .unwrap();
    assert!(live.metric_alarms().is_empty());
    assert_eq!(h.read(&ctx, &name, &desired).await.unwrap(), None);
    h.delete(&ctx, &name, &desired).await.unwrap();
    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn metric_math_alarm_reads_back_without_drift() {
    let ctx = ctx("ErrorRate").await;
    let h = handler("AWS::CloudWatch::Alarm").unwrap();
    let name = unique("error-rate");
    let metric = |id: &str, metric: &str| {
        json!({"Id": id, "ReturnData": false, "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                       "Dimensions": [{"Name": "FunctionName", "Value": "api"}]},
            "Period": 300, "Stat": "Sum"}})
    };
    let desired = props(json!({
        "AlarmName": name, "EvaluationPeriods": 1, "Threshold": 0.05,
        "ComparisonOperator": "GreaterThanThreshold",
        "Metrics": [
            {"Id": "rate", "Expression": "errors / invocations", "Label": "Error rate", "ReturnData": true},
            metric("errors", "Errors"), metric("invocations", "Invocations")
        ]
    }));
    h.create(&ctx, &desired).await.unwrap();
    let read = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &read.properties);
    ctx.clients
        .cloudwatch()
        .delete_alarms()
        .alarm_names(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(h.read(&ctx, &name, &desired).await.unwrap(), None);
}
