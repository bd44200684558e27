//! Conformance fixtures of EventBridge rules and Step Functions state machines.

#[allow(unused_imports)]
use super::*;

/// A state machine of one `Pass` state that returns `result`.
fn pass_machine(result: &str) -> Value {
    json!({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": result, "End": true}}})
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::Events::Rule",
        desired: |env| {
            Box::pin(async move {
                let queue = env
                    .make(
                        "AWS::SQS::Queue",
                        json!({"QueueName": unique("conform-rule-q")}),
                    )
                    .await;
                let arn = queue.attributes["Arn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                props(json!({
                    "Name": unique("conform-rule"),
                    "Description": "every five minutes",
                    "ScheduleExpression": "rate(5 minutes)",
                    "State": "ENABLED",
                    "Targets": [{"Id": "queue", "Arn": arn, "Input": "{\"tick\":true}"}],
                    "Tags": [{"Key": "team", "Value": "fuel"}]
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.eventbridge().describe_rule().name(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Description", |_, _| value(json!("every ten minutes"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::StepFunctions::StateMachine",
        desired: |env| {
            Box::pin(async move {
                let (_, role) = env.role("states.amazonaws.com").await;
                props(json!({
                    "StateMachineName": unique("conform-sm"),
                    "RoleArn": role,
                    "Definition": pass_machine("one"),
                    "Tags": [{"Key": "team", "Value": "fuel"}]
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .sfn()
                    .describe_state_machine()
                    .state_machine_arn(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Definition", |_, _| value(pass_machine("two"))),
        not_read_back: &[],
        skip: &[],
    },
];
