//! Conformance fixtures of the Lambda layer versions, event source mappings, function URLs and
//! event invoke configurations (issue 15).

use super::*;

impl Env {
    /// A standard queue's ARN (the source of a mapping, the destination of failures).
    async fn queue_arn(&self) -> String {
        let desired = json!({"QueueName": unique("conform-q")});
        let created = self.make("AWS::SQS::Queue", desired).await;
        created.attributes["Arn"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A folder with one Python module, as a layer's local `Content` (left in the temp directory:
/// the fixture's props outlive any guard).
fn layer_folder() -> String {
    let dir = std::env::temp_dir().join(unique("conform-layer"));
    std::fs::create_dir_all(dir.join("layer/python")).unwrap();
    std::fs::write(dir.join("layer/python/shared.py"), "ANSWER = 42\n").unwrap();
    dir.to_string_lossy().into_owned()
}

/// (layer name, version) of a layer version ARN.
fn layer_and_version(arn: &str) -> (String, i64) {
    let (layer, version) = arn.rsplit_once(':').unwrap_or_default();
    let name = layer.rsplit(':').next().unwrap_or_default();
    (name.to_string(), version.parse().unwrap_or_default())
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::Lambda::EventInvokeConfig",
        desired: |env| {
            Box::pin(async move {
                let function = env.function().await;
                let dlq = env.queue_arn().await;
                props(json!({
                    "FunctionName": function, "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600,
                    "DestinationConfig": {"OnFailure": {"Destination": dlq}}
                }))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx.clients.lambda().get_function_event_invoke_config();
                let out = out
                    .function_name(text(&p, "FunctionName"))
                    .qualifier("$LATEST");
                out.send().await.is_ok()
            })
        },
        update: Update::Property("MaximumRetryAttempts", |_, _| value(json!(0))),
        not_read_back: &[],
        skip: &[(
            Step::Update,
            Skip::Moto(
                "a second PutFunctionEventInvokeConfig is appended and Get answers the first",
            ),
        )],
    },
    Fixture {
        type_name: "AWS::Lambda::EventSourceMapping",
        desired: |env| {
            Box::pin(async move {
                let function = env.function().await;
                let queue = env.queue_arn().await;
                props(json!({
                    "FunctionName": function, "EventSourceArn": queue, "BatchSize": 5,
                    "Enabled": true, "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "Tags": [{"Key": "team", "Value": "conformance"}]
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.lambda().get_event_source_mapping().uuid(id);
                out.send()
                    .await
                    .is_ok_and(|m| m.state() != Some("Deleting"))
            })
        },
        update: Update::Property("BatchSize", |_, _| value(json!(8))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::Lambda::LayerVersion",
        desired: |_| {
            Box::pin(async move {
                props(json!({
                    "LayerName": unique("conform-layer"), "Content": "./layer",
                    "fuelflow:TemplateDir": layer_folder(), "Description": "conformance",
                    "CompatibleRuntimes": ["python3.12"], "LicenseInfo": "MIT"
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let (name, version) = layer_and_version(&id);
                let out = ctx.clients.lambda().get_layer_version().layer_name(name);
                out.version_number(version).send().await.is_ok()
            })
        },
        update: Update::NoneMutable,
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::Lambda::Url",
        desired: |env| {
            Box::pin(async move {
                let function = env.function().await;
                props(json!({
                    "TargetFunctionArn": function, "AuthType": "NONE",
                    "Cors": {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET"]}
                }))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx.clients.lambda().get_function_url_config();
                let out = out.function_name(text(&p, "TargetFunctionArn"));
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Cors", |_, _| {
            value(json!({"AllowOrigins": ["https://example.org"], "MaxAge": 60}))
        }),
        not_read_back: &[],
        skip: &[],
    },
];
