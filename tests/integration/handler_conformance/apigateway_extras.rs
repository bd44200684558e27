//! Conformance fixtures of the REST API extras of issue 15: authorizers, API keys, usage plans
//! and their keys, request validators and gateway responses.

#[allow(unused_imports)]
use super::*;

impl Env {
    /// A REST API with a deployed stage `conform`: (api id, stage name).
    async fn rest_api_stage(&self) -> (String, String) {
        let (api, root) = self.rest_api().await;
        let deployment = self.deployment(&api, &root).await;
        let desired = json!({"RestApiId": api, "StageName": "conform", "DeploymentId": deployment});
        let stage = self.make("AWS::ApiGateway::Stage", desired).await;
        (api, stage.physical_id)
    }
}

fn team(value: &str) -> Value {
    json!([{"Key": "team", "Value": value}])
}

/// A Lambda authorizer's invocation URI (API Gateway checks it only when invoked).
fn authorizer_uri() -> String {
    let function = "arn:aws:lambda:us-east-1:123456789012:function:conform-authorizer";
    format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations")
}

/// moto 5.2.1 deletes these with a bare `del`/`pop`: a second delete answers HTTP 500.
const DELETE_TWICE: Skip = Skip::Moto("a delete of a missing one answers HTTP 500 (KeyError)");

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::ApiGateway::Authorizer",
        desired: |env| {
            Box::pin(async move {
                let (api, _) = env.rest_api().await;
                props(json!({
                    "RestApiId": api, "Name": "conform-auth", "Type": "TOKEN",
                    "AuthorizerUri": authorizer_uri(),
                    // (No IdentityValidationExpression: moto 5.2.1 drops it at create, a
                    // misspelt keyword argument.)
                    "IdentitySource": "method.request.header.Authorization",
                    "AuthorizerResultTtlInSeconds": 300
                }))
            })
        },
        exists: |ctx, id, p| {
            Box::pin(async move {
                let out = ctx.clients.apigateway().get_authorizer();
                let out = out.rest_api_id(text(&p, "RestApiId")).authorizer_id(id);
                out.send().await.is_ok()
            })
        },
        // (Not ProviderARNs: moto 5.2.1 does not implement its patch operations.)
        update: Update::Property("AuthorizerResultTtlInSeconds", |_, _| value(json!(60))),
        not_read_back: &[],
        skip: &[(Step::DeleteAgain, DELETE_TWICE)],
    },
    Fixture {
        type_name: "AWS::ApiGateway::ApiKey",
        desired: |_| {
            Box::pin(async move {
                // (No StageKeys: moto 5.2.1 answers them as objects where AWS (and the SDK)
                // has `<api>/<stage>` strings, and the SDK cannot parse the answer.)
                props(json!({
                    "Name": unique("conform-key"), "Description": "first", "Enabled": true,
                    "Value": unique("conform-key-value-0123456789"),
                    "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.apigateway().get_api_key().api_key(id);
                out.send().await.is_ok()
            })
        },
        // (Not Tags: moto 5.2.1 tags only stages.)
        update: Update::Property("Description", |_, _| value(json!("second"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::ApiGateway::UsagePlan",
        desired: |env| {
            Box::pin(async move {
                let (api, stage) = env.rest_api_stage().await;
                props(json!({
                    "UsagePlanName": unique("conform-plan"), "Description": "first",
                    "ApiStages": [{"ApiId": api, "Stage": stage}],
                    "Throttle": {"BurstLimit": 10, "RateLimit": 5},
                    "Quota": {"Limit": 1000, "Period": "MONTH"},
                    "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.apigateway().get_usage_plan().usage_plan_id(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Description", |_, _| value(json!("second"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::ApiGateway::UsagePlanKey",
        desired: |env| {
            Box::pin(async move {
                let plan = json!({"UsagePlanName": unique("conform-plan")});
                let plan = env.make("AWS::ApiGateway::UsagePlan", plan).await;
                let key = json!({"Name": unique("conform-key"), "Enabled": true});
                let key = env.make("AWS::ApiGateway::ApiKey", key).await;
                props(json!({
                    "KeyId": key.physical_id, "KeyType": "API_KEY",
                    "UsagePlanId": plan.physical_id
                }))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx.clients.apigateway().get_usage_plan_key();
                let out = out.usage_plan_id(text(&p, "UsagePlanId"));
                out.key_id(text(&p, "KeyId")).send().await.is_ok()
            })
        },
        update: Update::NoneMutable,
        not_read_back: &[],
        skip: &[(Step::DeleteAgain, DELETE_TWICE)],
    },
    Fixture {
        type_name: "AWS::ApiGateway::RequestValidator",
        desired: |env| {
            Box::pin(async move {
                let (api, _) = env.rest_api().await;
                props(json!({
                    "RestApiId": api, "Name": "conform-body", "ValidateRequestBody": true,
                    "ValidateRequestParameters": false
                }))
            })
        },
        exists: |ctx, id, p| {
            Box::pin(async move {
                let out = ctx.clients.apigateway().get_request_validator();
                let out = out.rest_api_id(text(&p, "RestApiId"));
                out.request_validator_id(id).send().await.is_ok()
            })
        },
        update: Update::Property("ValidateRequestParameters", |_, _| value(json!(true))),
        not_read_back: &[],
        skip: &[
            (
                Step::ReadAfterDelete,
                Skip::Moto("a missing validator is a BadRequestException (AWS: NotFoundException)"),
            ),
            (Step::DeleteAgain, DELETE_TWICE),
        ],
    },
    Fixture {
        type_name: "AWS::ApiGateway::GatewayResponse",
        desired: |env| {
            Box::pin(async move {
                let (api, _) = env.rest_api().await;
                props(json!({
                    "RestApiId": api, "ResponseType": "DEFAULT_4XX", "StatusCode": "400",
                    "ResponseParameters": {
                        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
                    },
                    "ResponseTemplates": {
                        "application/json": "{\"message\":$context.error.messageString}"
                    }
                }))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx.clients.apigateway().get_gateway_response();
                let out = out.rest_api_id(text(&p, "RestApiId"));
                let kind = aws_sdk_apigateway::types::GatewayResponseType::Default4Xx;
                out.response_type(kind)
                    .send()
                    .await
                    .is_ok_and(|r| !r.default_response())
            })
        },
        update: Update::Property("StatusCode", |_, _| value(json!("401"))),
        not_read_back: &[],
        skip: &[],
    },
];
