//! Issue 16's CloudFront in front of the API through the CLI against moto: a distribution whose
//! origin is the REST API's stage (as stacks/api.yaml makes it under `HasCdn`), applied, checked
//! live with the SDK, re-planned empty, its comment changed in place, and destroyed (disabled,
//! deployed, then deleted).

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};

fn template(name: &str, comment: &str) -> String {
    format!(
        "Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: {name}-api, EndpointConfiguration: {{Types: [REGIONAL]}}}}
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
    Properties: {{RestApiId: !Ref Api}}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {{RestApiId: !Ref Api, DeploymentId: !Ref Release, StageName: dev}}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: {comment}
        PriceClass: PriceClass_100
        Origins:
          - Id: api
            DomainName: !Sub \"${{Api}}.execute-api.${{AWS::Region}}.amazonaws.com\"
            OriginPath: !Sub \"/${{Stage}}\"
            CustomOriginConfig: {{OriginProtocolPolicy: https-only}}
        DefaultCacheBehavior:
          TargetOriginId: api
          ViewerProtocolPolicy: https-only
          AllowedMethods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
          CachePolicyId: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad
          OriginRequestPolicyId: b689b0a8-53d0-40ab-baf2-68738e2966ac
      Tags: [{{Key: project, Value: fuel-flow}}]
Outputs:
  CdnDomainName:
    Value: !GetAtt Cdn.DomainName
"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_distribution_applies_is_live_replans_empty_updates_and_destroys() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("cdn", moto, |name| template(name, "Fuel Flow API"));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let id = |logical: &str| state.resources[logical].physical_id.clone();
    let cloudfront = aws_sdk_cloudfront::Client::new(&config);
    let live = cloudfront
        .get_distribution()
        .id(id("Cdn"))
        .send()
        .await
        .expect("the distribution exists");
    let distribution = live.distribution().unwrap();
    assert!(distribution.domain_name().ends_with(".cloudfront.net"));
    let c = distribution.distribution_config().unwrap();
    assert!(c.enabled());
    assert_eq!(c.comment(), "Fuel Flow API");
    let origin = &c.origins().unwrap().items()[0];
    assert_eq!(
        origin.domain_name(),
        format!("{}.execute-api.us-east-1.amazonaws.com", id("Api"))
    );
    assert_eq!(origin.origin_path(), Some("/dev"));
    let behavior = c.default_cache_behavior().unwrap();
    assert_eq!(
        behavior.cache_policy_id(),
        Some("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")
    );
    assert_eq!(behavior.viewer_protocol_policy().as_str(), "https-only");
    assert_eq!(behavior.allowed_methods().unwrap().quantity(), 7);

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "re-plans empty: {}", stdout(&out));

    p.write_template(&template(&p.name, "Fuel Flow API (CDN)"));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let after = p.state(&config).await.unwrap();
    assert_eq!(
        after.resources["Cdn"].physical_id,
        id("Cdn"),
        "updated in place"
    );
    let live = cloudfront
        .get_distribution_config()
        .id(id("Cdn"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        live.distribution_config().unwrap().comment(),
        "Fuel Flow API (CDN)"
    );
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "re-plans empty: {}", stdout(&out));

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let gone = cloudfront.get_distribution().id(id("Cdn")).send().await;
    assert!(gone.is_err(), "the distribution is still there");
}
