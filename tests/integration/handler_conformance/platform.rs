//! Conformance fixtures of The production enhancements: KMS, WAF, certificates, DNS, custom domains (issue 16).

#[allow(unused_imports)]
use super::*;
use aws_sdk_kms::types::KeyState;
use aws_sdk_wafv2::types::Scope;

impl Env {
    /// A KMS key: its id.
    async fn kms_key(&self) -> String {
        self.make("AWS::KMS::Key", json!({"Description": "conformance"}))
            .await
            .physical_id
    }

    /// A regional web ACL allowing by default: its ARN.
    async fn web_acl(&self) -> String {
        let created = self.make("AWS::WAFv2::WebACL", web_acl_props()).await;
        created.attributes["Arn"].as_str().unwrap().to_string()
    }

    /// A stage of a REST API, as WAF names it.
    async fn stage_arn(&self) -> String {
        let (api, root) = self.rest_api().await;
        let deployment = self.deployment(&api, &root).await;
        let stage = json!({"RestApiId": api, "StageName": "prod", "DeploymentId": deployment});
        self.make("AWS::ApiGateway::Stage", stage).await;
        format!("arn:aws:apigateway:us-east-1::/restapis/{api}/stages/prod")
    }
}

impl Env {
    /// A public hosted zone: (zone id, zone name).
    async fn hosted_zone(&self) -> (String, String) {
        let name = format!("{}.example.com", unique("conform-zone"));
        let created = self
            .make("AWS::Route53::HostedZone", json!({"Name": name}))
            .await;
        (created.physical_id, name)
    }

    /// A REST API with a stage `prod`: the API's id.
    async fn api_with_stage(&self) -> String {
        let (api, root) = self.rest_api().await;
        let deployment = self.deployment(&api, &root).await;
        let stage = json!({"RestApiId": api, "StageName": "prod", "DeploymentId": deployment});
        self.make("AWS::ApiGateway::Stage", stage).await;
        api
    }

    /// A regional custom domain name (with its certificate): the domain.
    async fn custom_domain(&self) -> String {
        let domain = format!("{}.example.com", unique("conform-dn"));
        let cert = json!({"DomainName": domain, "ValidationMethod": "DNS"});
        let cert = self
            .make("AWS::CertificateManager::Certificate", cert)
            .await;
        let props = json!({"DomainName": domain, "RegionalCertificateArn": cert.physical_id,
            "EndpointConfiguration": {"Types": ["REGIONAL"]}});
        self.make("AWS::ApiGateway::DomainName", props).await;
        domain
    }
}

fn visibility(metric: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric})
}

fn web_acl_props() -> Value {
    json!({
        "Name": unique("conform-acl"), "Scope": "REGIONAL", "Description": "conformance",
        "DefaultAction": {"Allow": {}}, "VisibilityConfig": visibility("acl"),
        "Rules": [
            {"Name": "common", "Priority": 0, "OverrideAction": {"None": {}},
             "Statement": {"ManagedRuleGroupStatement":
                 {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
             "VisibilityConfig": visibility("common")},
            {"Name": "rate", "Priority": 1, "Action": {"Block": {}},
             "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
             "VisibilityConfig": visibility("rate")}
        ],
        "Tags": [{"Key": "team", "Value": "fuel"}]
    })
}

/// The key policy KMS gives by default, written out: the account may do everything.
fn key_policy(sid: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]})
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::ApiGateway::BasePathMapping",
        desired: |env| {
            Box::pin(async move {
                let domain = env.custom_domain().await;
                let api = env.api_with_stage().await;
                props(
                    json!({"DomainName": domain, "RestApiId": api, "Stage": "prod",
                    "BasePath": "v1"}),
                )
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let gateway = ctx.clients.apigateway();
                let out = gateway
                    .get_base_path_mapping()
                    .domain_name(text(&p, "DomainName"))
                    .base_path("v1");
                out.send().await.is_ok()
            })
        },
        update: Update::Property("RestApiId", |env, _| {
            Box::pin(async move { json!(env.api_with_stage().await) })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::ApiGateway::DomainName",
        desired: |env| {
            Box::pin(async move {
                let domain = format!("{}.example.com", unique("conform-domain"));
                let cert = json!({"DomainName": domain, "ValidationMethod": "DNS"});
                let cert = env.make("AWS::CertificateManager::Certificate", cert).await;
                props(json!({
                    "DomainName": domain, "RegionalCertificateArn": cert.physical_id,
                    "EndpointConfiguration": {"Types": ["REGIONAL"]},
                    "SecurityPolicy": "TLS_1_0", "Tags": [{"Key": "team", "Value": "fuel"}]
                }))
            })
        },
        exists: |ctx, name, _| {
            Box::pin(async move {
                let gateway = ctx.clients.apigateway();
                let out = gateway.get_domain_name().domain_name(name).send().await;
                out.is_ok()
            })
        },
        update: Update::Property("SecurityPolicy", |_, _| {
            Box::pin(async move { json!("TLS_1_2") })
        }),
        not_read_back: &[],
        skip: &[(
            Step::Update,
            Skip::Moto("moto has neither UpdateDomainName nor tagging of domain names"),
        )],
    },
    Fixture {
        type_name: "AWS::KMS::Alias",
        desired: |env| {
            Box::pin(async move {
                let key = env.kms_key().await;
                props(
                    json!({"AliasName": format!("alias/{}", unique("conform")), "TargetKeyId": key}),
                )
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.kms().list_aliases().send().await;
                out.is_ok_and(|l| l.aliases().iter().any(|a| a.alias_name() == Some(&id)))
            })
        },
        update: Update::Property("TargetKeyId", |env, _| {
            Box::pin(async move { json!(env.kms_key().await) })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::KMS::Key",
        desired: |_| {
            Box::pin(async move {
                props(json!({
                    "Description": "conformance", "EnableKeyRotation": true,
                    "KeyPolicy": key_policy("account"), "KeyUsage": "ENCRYPT_DECRYPT",
                    "KeySpec": "SYMMETRIC_DEFAULT", "PendingWindowInDays": 7,
                    "Tags": [{"Key": "team", "Value": "fuel"}]
                }))
            })
        },
        // A key pending deletion is gone for the contract (KMS keeps it for the window).
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.kms().describe_key().key_id(id).send().await;
                out.is_ok_and(|k| {
                    k.key_metadata()
                        .is_some_and(|m| m.key_state() != Some(&KeyState::PendingDeletion))
                })
            })
        },
        update: Update::Property("KeyPolicy", |_, _| value(key_policy("account-v2"))),
        not_read_back: &["PendingWindowInDays"],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::WAFv2::WebACL",
        desired: |_| Box::pin(async move { props(web_acl_props()) }),
        exists: |ctx, id, _| {
            Box::pin(async move {
                let parts: Vec<&str> = id.split('|').collect();
                let out = ctx
                    .clients
                    .wafv2()
                    .get_web_acl()
                    .name(parts[0])
                    .id(parts[1]);
                out.scope(Scope::Regional).send().await.is_ok()
            })
        },
        update: Update::Property("Rules", |_, p| {
            Box::pin(async move {
                // The rate limit lowered, the managed group kept.
                let mut rules = p["Rules"].clone();
                rules[1]["Statement"]["RateBasedStatement"]["Limit"] = json!(500);
                rules
            })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::WAFv2::WebACLAssociation",
        desired: |env| {
            Box::pin(async move {
                let stage = env.stage_arn().await;
                let acl = env.web_acl().await;
                props(json!({"ResourceArn": stage, "WebACLArn": acl}))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let waf = ctx.clients.wafv2();
                let out = waf
                    .get_web_acl_for_resource()
                    .resource_arn(text(&p, "ResourceArn"));
                out.send().await.is_ok_and(|o| {
                    o.web_acl().map(|a| a.arn().to_string()) == Some(text(&p, "WebACLArn"))
                })
            })
        },
        update: Update::NoneMutable,
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::CertificateManager::Certificate",
        desired: |env| {
            Box::pin(async move {
                // The validation records go into a real zone: create waits for ISSUED.
                let domain = format!("{}.example.com", unique("conform-cert"));
                let zone = env.make("AWS::Route53::HostedZone", json!({"Name": domain}));
                let zone = zone.await.physical_id;
                props(json!({
                    "DomainName": domain, "ValidationMethod": "DNS",
                    "SubjectAlternativeNames": [format!("www.{domain}")],
                    "DomainValidationOptions": [{"DomainName": domain, "HostedZoneId": zone}],
                    "Tags": [{"Key": "team", "Value": "fuel"}]
                }))
            })
        },
        exists: |ctx, arn, _| {
            Box::pin(async move {
                let acm = ctx.clients.acm();
                let out = acm.describe_certificate().certificate_arn(arn).send().await;
                out.is_ok_and(|c| c.certificate().is_some())
            })
        },
        update: Update::Property("Tags", |_, _| {
            Box::pin(async move { json!([{"Key": "team", "Value": "fuel-2"}]) })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::Route53::HostedZone",
        desired: |_| {
            Box::pin(async move {
                props(json!({
                    "Name": format!("{}.example.com", unique("conform-hz")),
                    "HostedZoneConfig": {"Comment": "conformance"},
                    "HostedZoneTags": [{"Key": "team", "Value": "fuel"}]
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.route53().get_hosted_zone().id(id).send().await;
                out.is_ok_and(|z| z.hosted_zone().is_some())
            })
        },
        update: Update::Property("HostedZoneConfig", |_, _| {
            Box::pin(async move { json!({"Comment": "conformance, updated"}) })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::Route53::RecordSet",
        desired: |env| {
            Box::pin(async move {
                let (zone, name) = env.hosted_zone().await;
                props(json!({
                    "HostedZoneId": zone, "Name": format!("www.{name}"), "Type": "A",
                    "TTL": "300", "ResourceRecords": ["192.0.2.1"]
                }))
            })
        },
        exists: |ctx, name, p| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .route53()
                    .list_resource_record_sets()
                    .hosted_zone_id(text(&p, "HostedZoneId"))
                    .send()
                    .await;
                out.is_ok_and(|o| {
                    o.resource_record_sets()
                        .iter()
                        .any(|s| s.name() == format!("{name}.") && s.r#type().as_str() == "A")
                })
            })
        },
        update: Update::Property("ResourceRecords", |_, _| {
            Box::pin(async move { json!(["192.0.2.2"]) })
        }),
        not_read_back: &[],
        skip: &[],
    },
];
