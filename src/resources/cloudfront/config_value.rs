//! A live `DistributionConfig` back in the template's shape (CloudFormation's names: `Logging`,
//! `IPV6Enabled`, `OriginSSLProtocols`, plain lists instead of `Quantity`/`Items`), and cut down
//! to what the template gives, so what AWS fills in (timeouts, TTLs, defaults) is not drift.

use crate::resources::property::shape_like;
use aws_sdk_cloudfront::types::{
    AllowedMethods, CacheBehavior, DefaultCacheBehavior, DistributionConfig, ForwardedValues,
    Origin, ViewerCertificate,
};
use serde_json::{Map, Value, json};

/// The live config as the template writes it (every key fuelflow manages).
pub fn config_value(c: &DistributionConfig) -> Value {
    let mut v = json!({
        "Comment": c.comment(),
        "Enabled": c.enabled(),
        "Origins": c.origins().map(|o| o.items().iter().map(origin).collect::<Vec<_>>()),
        "DefaultCacheBehavior": c.default_cache_behavior().map(default_behavior),
        "CacheBehaviors": c
            .cache_behaviors()
            .map(|b| b.items().iter().map(path_behavior).collect::<Vec<_>>())
            .unwrap_or_default(),
        "CustomErrorResponses": c
            .custom_error_responses()
            .map(|r| {
                r.items()
                    .iter()
                    .map(|e| {
                        json!({
                            "ErrorCode": e.error_code(),
                            "ResponseCode": e.response_code(),
                            "ResponsePagePath": e.response_page_path(),
                            "ErrorCachingMinTTL": e.error_caching_min_ttl(),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
        "Aliases": c.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        "PriceClass": c.price_class().map(|p| p.as_str()),
        "HttpVersion": c.http_version().map(|h| h.as_str()),
        "ViewerCertificate": c.viewer_certificate().map(viewer_certificate),
        "DefaultRootObject": c.default_root_object().unwrap_or_default(),
        "WebACLId": c.web_acl_id().unwrap_or_default(),
        "IPV6Enabled": c.is_ipv6_enabled(),
    });
    if let Some(l) = c.logging().filter(|l| l.enabled()) {
        v["Logging"] = json!({
            "Bucket": l.bucket(),
            "IncludeCookies": l.include_cookies(),
            "Prefix": l.prefix(),
        });
    }
    v
}

fn origin(o: &Origin) -> Value {
    let mut v = json!({
        "Id": o.id(),
        "DomainName": o.domain_name(),
        "OriginPath": o.origin_path().unwrap_or_default(),
        "OriginAccessControlId": o.origin_access_control_id().unwrap_or_default(),
        "ConnectionAttempts": o.connection_attempts(),
        "ConnectionTimeout": o.connection_timeout(),
        "OriginCustomHeaders": o
            .custom_headers()
            .map(|h| {
                h.items()
                    .iter()
                    .map(|h| json!({"HeaderName": h.header_name(), "HeaderValue": h.header_value()}))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    });
    if let Some(c) = o.custom_origin_config() {
        v["CustomOriginConfig"] = json!({
            "HTTPPort": c.http_port(),
            "HTTPSPort": c.https_port(),
            "OriginProtocolPolicy": c.origin_protocol_policy().as_str(),
            "OriginSSLProtocols": c
                .origin_ssl_protocols()
                .map(|p| p.items().iter().map(|p| p.as_str()).collect::<Vec<_>>()),
            "OriginReadTimeout": c.origin_read_timeout(),
            "OriginKeepaliveTimeout": c.origin_keepalive_timeout(),
        });
    }
    if let Some(s) = o.s3_origin_config() {
        v["S3OriginConfig"] = json!({"OriginAccessIdentity": s.origin_access_identity()});
    }
    v
}

fn methods(a: Option<&AllowedMethods>) -> (Value, Value) {
    let Some(a) = a else {
        return (Value::Null, Value::Null);
    };
    let allowed: Vec<&str> = a.items().iter().map(|m| m.as_str()).collect();
    let cached: Option<Vec<&str>> = a
        .cached_methods()
        .map(|c| c.items().iter().map(|m| m.as_str()).collect());
    (json!(allowed), json!(cached))
}

fn forwarded(f: &ForwardedValues) -> Value {
    let mut v = json!({
        "QueryString": f.query_string(),
        "Headers": f.headers().map(|h| h.items().to_vec()).unwrap_or_default(),
        "QueryStringCacheKeys": f
            .query_string_cache_keys()
            .map(|k| k.items().to_vec())
            .unwrap_or_default(),
    });
    if let Some(c) = f.cookies() {
        v["Cookies"] = json!({
            "Forward": c.forward().as_str(),
            "WhitelistedNames": c
                .whitelisted_names()
                .map(|n| n.items().to_vec())
                .unwrap_or_default(),
        });
    }
    v
}

/// The settings both kinds of behavior have, from their getters.
macro_rules! behavior_value {
    ($b:expr) => {{
        let b = $b;
        let (allowed, cached) = methods(b.allowed_methods());
        json!({
            "TargetOriginId": b.target_origin_id(),
            "ViewerProtocolPolicy": b.viewer_protocol_policy().as_str(),
            "AllowedMethods": allowed,
            "CachedMethods": cached,
            "CachePolicyId": b.cache_policy_id(),
            "OriginRequestPolicyId": b.origin_request_policy_id(),
            "ResponseHeadersPolicyId": b.response_headers_policy_id(),
            "Compress": b.compress().unwrap_or(false),
            "ForwardedValues": b.forwarded_values().map(forwarded),
            "MinTTL": b.min_ttl(),
            "DefaultTTL": b.default_ttl(),
            "MaxTTL": b.max_ttl(),
        })
    }};
}

// The legacy settings (forwarded values, TTLs) are deprecated in the API, not gone.
#[allow(deprecated)]
fn default_behavior(b: &DefaultCacheBehavior) -> Value {
    behavior_value!(b)
}

#[allow(deprecated)]
fn path_behavior(b: &CacheBehavior) -> Value {
    let mut v = behavior_value!(b);
    v["PathPattern"] = json!(b.path_pattern());
    v
}

fn viewer_certificate(v: &ViewerCertificate) -> Value {
    json!({
        "CloudFrontDefaultCertificate": v.cloud_front_default_certificate().unwrap_or(false),
        "AcmCertificateArn": v.acm_certificate_arn(),
        "IamCertificateId": v.iam_certificate_id(),
        "SslSupportMethod": v.ssl_support_method().map(|m| m.as_str()),
        "MinimumProtocolVersion": v.minimum_protocol_version().map(|m| m.as_str()),
    })
}

/// `live` cut to the keys `desired` gives, with every list of strings that holds the same
/// values as the template's in the template's order (CloudFront returns methods in any order).
pub fn like(live: &Value, desired: &Value) -> Value {
    in_order_of(shape_like(live, desired), desired)
}

fn in_order_of(live: Value, desired: &Value) -> Value {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => Value::Object(
            l.into_iter()
                .map(|(k, v)| {
                    let v = match d.get(&k) {
                        Some(dv) => in_order_of(v, dv),
                        None => v,
                    };
                    (k, v)
                })
                .collect::<Map<_, _>>(),
        ),
        (Value::Array(l), Value::Array(d)) if l.len() == d.len() => {
            let strings = |items: &[Value]| -> Option<Vec<String>> {
                items
                    .iter()
                    .map(crate::resources::text)
                    .collect::<Option<Vec<_>>>()
            };
            match (strings(&l), strings(d)) {
                (Some(mut ls), Some(mut ds)) => {
                    ls.sort();
                    ds.sort();
                    if ls == ds {
                        Value::Array(d.clone())
                    } else {
                        Value::Array(l)
                    }
                }
                _ => Value::Array(
                    l.into_iter()
                        .zip(d)
                        .map(|(l, d)| in_order_of(l, d))
                        .collect(),
                ),
            }
        }
        (live, _) => live,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::cloudfront::config::distribution_config;

    #[test]
    fn a_config_reads_back_as_the_template_wrote_it() {
        let desired = json!({
            "Enabled": "true", "Comment": "api",
            "Origins": [{"Id": "api", "DomainName": "abc.example.com", "OriginPath": "/dev",
                "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "HTTPSPort": "443"},
                "OriginCustomHeaders": [{"HeaderName": "x-a", "HeaderValue": "1"}]}],
            "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"],
                "CachePolicyId": "p", "Compress": false},
            "Logging": {"Bucket": "logs.s3.amazonaws.com"},
            "CustomErrorResponses": [{"ErrorCode": 404, "ResponseCode": 200,
                "ResponsePagePath": "/index.html"}]
        });
        let sdk = distribution_config(&desired, "r").unwrap();
        let live = like(&config_value(&sdk), &desired);
        assert!(
            crate::resources::compare::equivalent(&desired, &live),
            "{desired}\n{live}"
        );
    }

    #[test]
    fn string_lists_take_the_template_order_only_when_they_hold_the_same_values() {
        let desired = json!({"M": ["GET", "HEAD", "POST"]});
        assert_eq!(
            like(&json!({"M": ["POST", "GET", "HEAD"], "X": 1}), &desired),
            desired
        );
        assert_eq!(
            like(&json!({"M": ["GET", "HEAD", "PUT"]}), &desired),
            json!({"M": ["GET", "HEAD", "PUT"]})
        );
    }
}
