//! Conformance fixture of CloudFront: a distribution in front of an API origin (issue 16).

#[allow(unused_imports)]
use super::*;

/// A distribution as stacks/api.yaml makes it: the API's stage behind CloudFront, caching off.
fn distribution_config(comment: &str) -> Value {
    json!({
        "Enabled": true, "Comment": comment, "PriceClass": "PriceClass_100",
        "HttpVersion": "http2", "IPV6Enabled": true,
        "Origins": [{"Id": "api", "DomainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "OriginPath": "/dev",
            "OriginCustomHeaders": [{"HeaderName": "x-origin", "HeaderValue": "cdn"}],
            "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                "OriginSSLProtocols": ["TLSv1.2"]}}],
        "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "https-only",
            "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
            "CachedMethods": ["GET", "HEAD"], "Compress": true,
            "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            "OriginRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac"},
        "CustomErrorResponses": [{"ErrorCode": 503, "ErrorCachingMinTTL": 0}]
    })
}

pub(super) static FIXTURES: &[Fixture] = &[Fixture {
    type_name: "AWS::CloudFront::Distribution",
    desired: |_| {
        Box::pin(async move {
            props(json!({
                "DistributionConfig": distribution_config(&unique("conform-cdn")),
                "Tags": [{"Key": "team", "Value": "fuel"}]
            }))
        })
    },
    exists: |ctx, id, _| {
        Box::pin(async move {
            let cloudfront = ctx.clients.cloudfront();
            let out = cloudfront.get_distribution().id(id).send().await;
            out.is_ok_and(|d| d.distribution().is_some())
        })
    },
    update: Update::Property("DistributionConfig", |_, p| {
        Box::pin(async move {
            let mut config = p["DistributionConfig"].clone();
            config["Comment"] = json!(format!("{} v2", config["Comment"].as_str().unwrap()));
            config["DefaultCacheBehavior"]["Compress"] = json!(false);
            config
        })
    }),
    not_read_back: &[],
    skip: &[],
}];
