//! Regressions of issue 15 through the CLI against moto: a REST API without `Policy` re-plans
//! empty (the API answers `""`), and a deployment that makes its stage (`StageName` with a
//! `StageDescription`) applies the stage's variables and description, re-plans empty, and is
//! destroyed without "Active stages pointing to this deployment".

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};

fn template(name: &str) -> String {
    format!(
        "Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: {name}-api}}
  Ping:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {{Type: MOCK, RequestTemplates: {{application/json: '{{\"statusCode\": 200}}'}}}}
  Release:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Ping
    Properties:
      RestApiId: !Ref Api
      StageName: v1
      StageDescription:
        Description: first stage
        Variables: {{colour: blue}}
"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_with_its_stage_applies_replans_empty_and_destroys() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("stagedesc", moto, template);
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let api = state.resources["Api"].physical_id.clone();
    let gateway = aws_sdk_apigateway::Client::new(&config);
    let stage = gateway
        .get_stage()
        .rest_api_id(&api)
        .stage_name("v1")
        .send()
        .await
        .expect("the deployment made its stage");
    assert_eq!(
        stage.deployment_id(),
        Some(state.resources["Release"].physical_id.as_str())
    );
    assert_eq!(
        stage
            .variables()
            .and_then(|v| v.get("colour"))
            .map(String::as_str),
        Some("blue")
    );
    // moto drops CreateDeployment's `stageDescription` (AWS gives it to the stage it makes), so
    // the stage's description is not checked here.

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(
        code(&out),
        Some(0),
        "no drift, no policy change: {}",
        stdout(&out)
    );

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let gone = gateway.get_rest_api().rest_api_id(&api).send().await;
    assert!(gone.is_err(), "the API is still there");
}
