//! The REST API extras through the CLI against moto: a MOCK method deployed twice (a stage of
//! its own, `AWS::ApiGateway::Stage`, and a stage made by its deployment with method settings
//! and a canary), a canary deployment of a third stage, a Lambda `TOKEN` authorizer, a request
//! validator, a gateway response, and an API key on a usage plan of the stage. Applied, checked
//! live with the SDK, re-planned empty, changed in place, and destroyed.
//!
//! moto 5.2.1 keeps no canary at all (CreateDeployment's `canarySettings` and the stage's
//! `/canarySettings/...` patches are dropped), drops CreateDeployment's `stageDescription`, and
//! makes a new stage for a deployment to an existing stage name: what fuelflow sent for those is
//! checked in the requests the test proxy saw instead.

use crate::support::project::{Project, code};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, stderr, stdout};
use aws_sdk_apigateway::types::GatewayResponseType;
use serde_json::Value;

const TEMPLATE: &str = r#"Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}]
  Authorize:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"principalId": "user", "policyDocument": {}}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: NAME-api}
  Ping:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{"statusCode": 200}'}}
  Token:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: token
      Type: TOKEN
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Authorize.Arn}/invocations
      IdentitySource: method.request.header.Authorization
      AuthorizerResultTtlInSeconds: 300
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, Name: body, ValidateRequestBody: true, ValidateRequestParameters: false}
  Denied:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: DEFAULT_4XX
      StatusCode: '400'
      ResponseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'*'"}
      ResponseTemplates: {application/json: '{"message":$context.error.messageString}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Ping
    Properties: {RestApiId: !Ref Api, Description: base}
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentId: !Ref Deployment, Variables: {colour: blue}}
  Live:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Ping
    Properties:
      RestApiId: !Ref Api
      StageName: live
      StageDescription:
        Description: the live stage
        Variables: {colour: COLOUR}
        MetricsEnabled: true
        LoggingLevel: INFO
        ThrottlingBurstLimit: 50
        ThrottlingRateLimit: 25
        MethodSettings: [{ResourcePath: /, HttpMethod: GET, ThrottlingBurstLimit: 5}]
        CanarySetting: {PercentTraffic: PERCENT, StageVariableOverrides: {colour: green}, UseStageCache: false}
  Beta:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Ping
    Properties: {RestApiId: !Ref Api, StageName: beta, Description: beta base}
  BetaCanary:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Ping
    Properties:
      RestApiId: !Ref Api
      StageName: beta
      Description: beta canary
      DeploymentCanarySettings: {PercentTraffic: 20, StageVariableOverrides: {colour: red}, UseStageCache: true}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: NAME-key, Description: DESCRIPTION, Enabled: true}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: NAME-plan
      Description: DESCRIPTION
      ApiStages: [{ApiId: !Ref Api, Stage: !Ref Prod}]
      Throttle: {BurstLimit: 10, RateLimit: 5}
      Quota: {Limit: 1000, Period: MONTH}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
"#;

/// The template, with the values the in-place change changes.
fn template(name: &str, description: &str, colour: &str, percent: u32) -> String {
    TEMPLATE
        .replace("NAME", name)
        .replace("DESCRIPTION", description)
        .replace("COLOUR", colour)
        .replace("PERCENT", &percent.to_string())
}

/// The JSON bodies of the API Gateway requests the proxy forwarded whose action (as the proxy
/// names them: `POST /restapis/{id}/deployments`) starts with `method` and ends with `end`.
fn sent(proxy: &Proxy, method: &str, end: &str) -> Vec<Value> {
    proxy
        .stats
        .bodies
        .lock()
        .unwrap()
        .iter()
        .filter(|(service, action, _)| {
            service == "apigateway" && action.starts_with(method) && action.ends_with(end)
        })
        .filter_map(|(_, _, body)| serde_json::from_str(body).ok())
        .collect()
}

/// The `value` of the patch operation on `path` among the UpdateStage bodies.
fn patched(bodies: &[Value], path: &str) -> Option<String> {
    bodies
        .iter()
        .flat_map(|b| b["patchOperations"].as_array().cloned().unwrap_or_default())
        .filter(|op| op["path"] == path)
        .filter_map(|op| op["value"].as_str().map(str::to_owned))
        .next_back()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_api_extras_and_canaries_apply_replan_empty_update_and_destroy() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("apigwx", moto, |name| template(name, "first", "blue", 10));
    let upstream = format!("127.0.0.1:{}", moto.port).parse().unwrap();
    let proxy = Proxy::start(upstream, ProxyConfig::default()).await;
    p.endpoint = proxy.endpoint();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let id = |logical: &str| state.resources[logical].physical_id.clone();
    let api = id("Api");
    let gateway = aws_sdk_apigateway::Client::new(&config);

    let function = aws_sdk_lambda::Client::new(&config)
        .get_function()
        .function_name(id("Authorize"))
        .send()
        .await
        .unwrap();
    let function_arn = function.configuration().unwrap().function_arn().unwrap();
    let token = gateway
        .get_authorizer()
        .rest_api_id(&api)
        .authorizer_id(id("Token"))
        .send()
        .await
        .unwrap();
    assert_eq!(token.name(), Some("token"));
    assert_eq!(token.r#type().map(|t| t.as_str()), Some("TOKEN"));
    assert!(
        token
            .authorizer_uri()
            .is_some_and(|u| u.contains(function_arn)),
        "{token:?}"
    );
    assert_eq!(
        token.identity_source(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(token.authorizer_result_ttl_in_seconds(), Some(300));

    let validator = gateway
        .get_request_validator()
        .rest_api_id(&api)
        .request_validator_id(id("Validator"))
        .send()
        .await
        .unwrap();
    assert_eq!(validator.name(), Some("body"));
    assert!(validator.validate_request_body());
    assert!(!validator.validate_request_parameters());

    let denied = gateway
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    assert!(!denied.default_response(), "customized: {denied:?}");
    assert_eq!(denied.status_code(), Some("400"));
    assert_eq!(
        denied.response_parameters().unwrap()["gatewayresponse.header.Access-Control-Allow-Origin"],
        "'*'"
    );
    assert!(denied.response_templates().unwrap()["application/json"].contains("messageString"));

    let prod = gateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(id("Prod"), "prod", "a stage's Ref is its name");
    assert_eq!(prod.deployment_id(), Some(id("Deployment").as_str()));
    assert_eq!(prod.variables().unwrap()["colour"], "blue");

    // The stage the `Live` deployment made, with its description's method settings.
    let live = gateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(live.deployment_id(), Some(id("Live").as_str()));
    assert_eq!(live.variables().unwrap()["colour"], "blue");
    let settings = live.method_settings().unwrap();
    let every = &settings["*/*"];
    assert!(every.metrics_enabled());
    assert_eq!(every.logging_level(), Some("INFO"));
    assert_eq!(every.throttling_burst_limit(), 50);
    assert_eq!(every.throttling_rate_limit(), 25.0);
    assert_eq!(settings["~1/GET"].throttling_burst_limit(), 5);
    // Its canary (moto keeps none): patched on after CreateDeployment, serving `Live` itself.
    let patches = sent(&proxy, "PATCH /restapis/", "/stages/live");
    assert_eq!(
        patched(&patches, "/canarySettings/deploymentId"),
        Some(id("Live"))
    );
    assert_eq!(
        patched(&patches, "/canarySettings/percentTraffic").as_deref(),
        Some("10")
    );
    assert_eq!(
        patched(&patches, "/canarySettings/stageVariableOverrides/colour").as_deref(),
        Some("green")
    );
    assert_eq!(
        patched(&patches, "/canarySettings/useStageCache").as_deref(),
        Some("false")
    );
    // moto drops CreateDeployment's `stageDescription`: what was sent is checked instead.
    let creates = sent(&proxy, "POST /restapis/", "/deployments");
    let made_live = creates.iter().find(|b| b["stageName"] == "live").unwrap();
    assert_eq!(made_live["stageDescription"], "the live stage");

    // The canary deployment of `beta` (made after `Beta`, which makes that stage): AWS keeps
    // `Beta` on the stage and points its canary at `BetaCanary`; moto keeps no canary.
    let beta = gateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("beta")
        .send()
        .await
        .unwrap();
    assert!(beta.deployment_id().is_some());
    let canary = creates
        .iter()
        .find(|b| b["description"] == "beta canary")
        .unwrap();
    assert_eq!(canary["stageName"], "beta");
    assert_eq!(
        canary["canarySettings"]["percentTraffic"].as_f64(),
        Some(20.0)
    );
    assert_eq!(
        canary["canarySettings"]["stageVariableOverrides"]["colour"],
        "red"
    );
    assert_eq!(canary["canarySettings"]["useStageCache"], true);
    let bodies = proxy.stats.bodies.lock().unwrap().clone();
    let made = |description: &str| {
        bodies
            .iter()
            .position(|(_, action, body)| {
                action.ends_with("/deployments")
                    && serde_json::from_str::<Value>(body)
                        .is_ok_and(|b| b["description"] == description)
            })
            .unwrap()
    };
    assert!(
        made("beta base") < made("beta canary"),
        "the canary is made after its stage"
    );
    let deployments = gateway
        .get_deployments()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    for logical in ["Deployment", "Live", "Beta", "BetaCanary"] {
        assert!(
            deployments
                .items()
                .iter()
                .any(|d| d.id() == Some(id(logical).as_str())),
            "{logical}"
        );
    }

    let key = gateway
        .get_api_key()
        .api_key(id("Key"))
        .send()
        .await
        .unwrap();
    assert_eq!(key.name(), Some(format!("{}-key", p.name).as_str()));
    assert_eq!(key.description(), Some("first"));
    assert!(key.enabled());
    let plan = gateway
        .get_usage_plan()
        .usage_plan_id(id("Plan"))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.name(), Some(format!("{}-plan", p.name).as_str()));
    assert_eq!(plan.description(), Some("first"));
    let throttle = plan.throttle().unwrap();
    assert_eq!((throttle.burst_limit(), throttle.rate_limit()), (10, 5.0));
    let quota = plan.quota().unwrap();
    assert_eq!(quota.limit(), 1000);
    assert_eq!(quota.period().map(|p| p.as_str()), Some("MONTH"));
    assert!(
        plan.api_stages()
            .iter()
            .any(|s| s.api_id() == Some(api.as_str()) && s.stage() == Some("prod")),
        "{plan:?}"
    );
    let plan_key = gateway
        .get_usage_plan_key()
        .usage_plan_id(id("Plan"))
        .key_id(id("Key"))
        .send()
        .await
        .unwrap();
    assert_eq!(plan_key.r#type(), Some("API_KEY"));
    assert_eq!(id("PlanKey"), format!("{}:{}", id("Key"), id("Plan")));

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(
        code(&out),
        Some(0),
        "no drift: {}{}",
        stdout(&out),
        stderr(&out)
    );

    // In place: the key's and the plan's descriptions, and the `live` stage's variable and canary.
    p.write_template(&template(&p.name, "second", "yellow", 15));
    let out = p.run(&["plan", "--env", "dev"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    for change in [
        "~ Key (AWS::ApiGateway::ApiKey) will update in place",
        "~ Plan (AWS::ApiGateway::UsagePlan) will update in place",
        "~ Live (AWS::ApiGateway::Deployment) will update in place",
    ] {
        assert!(text.contains(change), "{change}: {text}");
    }
    proxy.stats.reset();
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let state = p.state(&config).await.unwrap();
    assert_eq!(
        state.resources["Live"].physical_id,
        id("Live"),
        "not replaced"
    );
    let key = gateway
        .get_api_key()
        .api_key(id("Key"))
        .send()
        .await
        .unwrap();
    assert_eq!(key.description(), Some("second"));
    let plan = gateway
        .get_usage_plan()
        .usage_plan_id(id("Plan"))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.description(), Some("second"));
    let live = gateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(live.variables().unwrap()["colour"], "yellow");
    let patches = sent(&proxy, "PATCH /restapis/", "/stages/live");
    assert_eq!(
        patched(&patches, "/canarySettings/percentTraffic").as_deref(),
        Some("15")
    );
    assert_eq!(
        patched(&patches, "/canarySettings/deploymentId"),
        None,
        "the canary stays: only what changed is patched"
    );

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(
        code(&out),
        Some(0),
        "no drift after the update: {}{}",
        stdout(&out),
        stderr(&out)
    );

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let state = p.state(&config).await;
    assert!(
        state.is_none_or(|s| s.resources.is_empty()),
        "nothing left in state"
    );
    assert!(
        gateway
            .get_rest_api()
            .rest_api_id(&api)
            .send()
            .await
            .is_err()
    );
    assert!(
        gateway
            .get_api_key()
            .api_key(id("Key"))
            .send()
            .await
            .is_err()
    );
    assert!(
        gateway
            .get_usage_plan()
            .usage_plan_id(id("Plan"))
            .send()
            .await
            .is_err()
    );
    let function = aws_sdk_lambda::Client::new(&config)
        .get_function()
        .function_name(id("Authorize"))
        .send()
        .await;
    assert!(
        function.is_err(),
        "the authorizer's function is gone: {function:?}\n{}",
        stdout(&out)
    );
}
