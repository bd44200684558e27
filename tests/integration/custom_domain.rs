//! Issue 16's optional custom domain through the CLI against moto: the resources stacks/api.yaml
//! adds under `HasDomain` (hosted zone, DNS-validated certificate, regional API Gateway domain
//! name, base path mapping to the stage, alias A record), applied, checked live with the SDK,
//! re-planned empty and destroyed. The certificate's DNS validation record is written into the
//! zone and the certificate is issued before the domain name is made; destroy removes the
//! record again, or the zone could not be deleted.

use crate::support::project::{Project, code};
use crate::support::{MotoServer, stderr, stdout};

fn domain(name: &str) -> String {
    format!("{name}.fuelflow.example")
}

fn template(name: &str) -> String {
    let domain = domain(name);
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
    Properties: {{RestApiId: !Ref Api}}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {{RestApiId: !Ref Api, DeploymentId: !Ref Release, StageName: dev}}
  HostedZone:
    Type: AWS::Route53::HostedZone
    Properties:
      Name: {domain}
      HostedZoneConfig: {{Comment: custom domain test}}
  Certificate:
    Type: AWS::CertificateManager::Certificate
    Properties:
      DomainName: {domain}
      ValidationMethod: DNS
      DomainValidationOptions:
        - {{DomainName: {domain}, HostedZoneId: !Ref HostedZone}}
  ApiDomainName:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: {domain}
      RegionalCertificateArn: !Ref Certificate
      EndpointConfiguration: {{Types: [REGIONAL]}}
      SecurityPolicy: TLS_1_2
  ApiBasePathMapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {{DomainName: !Ref ApiDomainName, RestApiId: !Ref Api, Stage: !Ref Stage}}
  ApiDomainRecord:
    Type: AWS::Route53::RecordSet
    Properties:
      HostedZoneId: !Ref HostedZone
      Name: {domain}
      Type: A
      AliasTarget:
        DNSName: !GetAtt ApiDomainName.RegionalDomainName
        HostedZoneId: !GetAtt ApiDomainName.RegionalHostedZoneId
"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_custom_domain_applies_is_live_replans_empty_and_destroys() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("domain", moto, template);
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let id = |logical: &str| state.resources[logical].physical_id.clone();
    let route53 = aws_sdk_route53::Client::new(&config);
    let zone = route53
        .get_hosted_zone()
        .id(id("HostedZone"))
        .send()
        .await
        .expect("the hosted zone exists");
    let domain_name = zone.hosted_zone().unwrap().name().trim_end_matches('.');
    assert!(domain_name.ends_with(".fuelflow.example"), "{domain_name}");

    let gateway = aws_sdk_apigateway::Client::new(&config);
    let custom = gateway
        .get_domain_name()
        .domain_name(domain_name)
        .send()
        .await
        .expect("the API domain name exists");
    assert_eq!(
        custom.regional_certificate_arn(),
        Some(id("Certificate").as_str())
    );
    let mappings = gateway
        .get_base_path_mappings()
        .domain_name(domain_name)
        .send()
        .await
        .unwrap();
    let mapping = &mappings.items()[0];
    assert_eq!(mapping.rest_api_id(), Some(id("Api").as_str()));
    assert_eq!(mapping.stage(), Some("dev"));

    let acm = aws_sdk_acm::Client::new(&config);
    let cert = acm
        .describe_certificate()
        .certificate_arn(id("Certificate"))
        .send()
        .await
        .unwrap();
    let cert = cert.certificate().expect("the certificate");
    assert_eq!(cert.domain_name(), Some(domain_name));
    // Create waited for ACM to issue it, having written the validation record into the zone.
    assert_eq!(cert.status().map(|s| s.as_str()), Some("ISSUED"));
    let asked = cert.domain_validation_options()[0]
        .resource_record()
        .expect("ACM's validation record")
        .clone();

    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(id("HostedZone"))
        .send()
        .await
        .unwrap();
    let alias = records
        .resource_record_sets()
        .iter()
        .find(|r| r.r#type().as_str() == "A")
        .and_then(|r| r.alias_target())
        .expect("an alias A record");
    let validation = records
        .resource_record_sets()
        .iter()
        .find(|r| r.r#type().as_str() == "CNAME")
        .expect("the validation CNAME record in the zone");
    assert_eq!(validation.name(), asked.name());
    assert_eq!(
        validation.resource_records()[0].value(),
        asked.value(),
        "the record holds the value ACM asked for"
    );
    assert_eq!(
        alias.dns_name().trim_end_matches('.'),
        custom.regional_domain_name().unwrap().trim_end_matches('.')
    );

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "re-plans empty: {}", stdout(&out));

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let gone = route53.get_hosted_zone().id(id("HostedZone")).send().await;
    assert!(gone.is_err(), "the hosted zone is still there");
    let gone = gateway
        .get_domain_name()
        .domain_name(domain_name)
        .send()
        .await;
    assert!(gone.is_err(), "the API domain name is still there");
}
