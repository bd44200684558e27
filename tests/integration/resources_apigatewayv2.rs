//! An HTTP API (API Gateway v2) through the CLI against moto: a Lambda proxy integration (an
//! inline function and the permission API Gateway needs), a JWT-authorized route and an
//! auto-deployed `$default` stage, applied, checked live with the SDK, re-planned empty and
//! destroyed.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};

const TEMPLATE: &str = r#"Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}]
  Pets:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": "[]"}
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: NAME-http
      ProtocolType: HTTP
      Description: pets over HTTP
      CorsConfiguration: {AllowOrigins: ['https://example.com'], AllowMethods: [GET]}
      Tags: {team: fuel}
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Pets
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*
  Proxy:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Pets.Arn
      PayloadFormatVersion: '2.0'
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref HttpApi
      Name: jwt
      AuthorizerType: JWT
      IdentitySource: ['$request.header.Authorization']
      JwtConfiguration: {Issuer: 'https://id.example.com/', Audience: [pets-app]}
  ListPets:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: GET /pets
      AuthorizationType: JWT
      AuthorizerId: !Ref Jwt
      Target: !Sub integrations/${Proxy}
  Default:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref HttpApi
      StageName: $default
      AutoDeploy: true
Outputs:
  Endpoint: {Value: !GetAtt HttpApi.ApiEndpoint}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_api_with_a_lambda_route_applies_replans_empty_and_destroys() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("httpapi", moto, |name| TEMPLATE.replace("NAME", name));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let id = |logical: &str| state.resources[logical].physical_id.clone();
    let (api, function) = (id("HttpApi"), id("Pets"));
    let gateway = aws_sdk_apigatewayv2::Client::new(&config);
    let live = gateway.get_api().api_id(&api).send().await.unwrap();
    assert_eq!(live.name(), Some(format!("{}-http", p.name).as_str()));
    assert_eq!(live.description(), Some("pets over HTTP"));
    let cors = live.cors_configuration().expect("CORS settings");
    assert_eq!(cors.allow_origins(), ["https://example.com".to_string()]);
    let tags = live.tags().unwrap();
    assert_eq!(tags["team"], "fuel");
    assert_eq!(tags["fuelflow:logical-id"], "HttpApi");

    let integration = gateway
        .get_integration()
        .api_id(&api)
        .integration_id(id("Proxy"))
        .send()
        .await
        .unwrap();
    let lambda = aws_sdk_lambda::Client::new(&config);
    let arn = lambda
        .get_function()
        .function_name(&function)
        .send()
        .await
        .unwrap()
        .configuration()
        .and_then(|c| c.function_arn())
        .map(str::to_owned);
    assert_eq!(integration.integration_uri(), arn.as_deref());
    assert_eq!(integration.payload_format_version(), Some("2.0"));

    let authorizer = gateway
        .get_authorizer()
        .api_id(&api)
        .authorizer_id(id("Jwt"))
        .send()
        .await
        .unwrap();
    let jwt = authorizer.jwt_configuration().expect("JWT settings");
    assert_eq!(jwt.audience(), ["pets-app".to_string()]);

    let route = gateway
        .get_route()
        .api_id(&api)
        .route_id(id("ListPets"))
        .send()
        .await
        .unwrap();
    assert_eq!(route.route_key(), Some("GET /pets"));
    assert_eq!(
        route.target(),
        Some(format!("integrations/{}", id("Proxy")).as_str())
    );
    assert_eq!(route.authorizer_id(), Some(id("Jwt").as_str()));

    assert_eq!(id("Default"), "$default", "a stage's Ref is its name");
    let stage = gateway
        .get_stage()
        .api_id(&api)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.auto_deploy(), Some(true));

    let policy = lambda
        .get_policy()
        .function_name(&function)
        .send()
        .await
        .unwrap();
    assert!(
        policy.policy().is_some_and(|p| p.contains(&api)),
        "the permission names the API: {policy:?}"
    );

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(
        code(&out),
        Some(0),
        "no drift: {}{}",
        stdout(&out),
        stderr(&out)
    );

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let gone = gateway.get_api().api_id(&api).send().await;
    assert!(gone.is_err(), "the API is still there");
}
