//! A distribution's `DistributionConfig` from the template's JSON to the SDK's types. fuelflow
//! supports what a distribution in front of an API or a bucket needs: custom and S3 origins
//! (origin path, custom headers, origin access control), the default and path cache behaviors
//! (cache and origin request policies, or the legacy forwarded values and TTLs), aliases with a
//! certificate, logging, custom error responses, price class, HTTP version, IPv6 and a web ACL.
//! Every other key (origin groups, geo restrictions, function associations, origin shield...) is
//! refused with its path rather than dropped. The way back is in `config_value.rs`.

use super::behavior::{BEHAVIOR_KEYS, Behavior, cache_behaviors};
use super::node::{Node, built, quantity};
use crate::resources::{ResourceError, Result};
use aws_sdk_cloudfront::types::{
    Aliases, CustomErrorResponse, CustomErrorResponses, CustomHeaders, CustomOriginConfig,
    DistributionConfig, HttpVersion, LoggingConfig, MinimumProtocolVersion, Origin,
    OriginCustomHeader, OriginProtocolPolicy, OriginSslProtocols, Origins, PriceClass,
    S3OriginConfig, SslProtocol, SslSupportMethod, ViewerCertificate,
};
use serde_json::Value;

const CONFIG_KEYS: &[&str] = &[
    "Aliases",
    "CacheBehaviors",
    "Comment",
    "CustomErrorResponses",
    "DefaultCacheBehavior",
    "DefaultRootObject",
    "Enabled",
    "HttpVersion",
    "IPV6Enabled",
    "Logging",
    "Origins",
    "PriceClass",
    "ViewerCertificate",
    "WebACLId",
];

const ORIGIN_KEYS: &[&str] = &[
    "ConnectionAttempts",
    "ConnectionTimeout",
    "CustomOriginConfig",
    "DomainName",
    "Id",
    "OriginAccessControlId",
    "OriginCustomHeaders",
    "OriginPath",
    "S3OriginConfig",
];

const CUSTOM_ORIGIN_KEYS: &[&str] = &[
    "HTTPPort",
    "HTTPSPort",
    "OriginKeepaliveTimeout",
    "OriginProtocolPolicy",
    "OriginReadTimeout",
    "OriginSSLProtocols",
];

/// The SDK's config for the template's `DistributionConfig` (`v`), with `caller_reference`.
/// Lists and settings the template leaves out are sent empty or at CloudFormation's default,
/// so an update that drops one removes it.
pub fn distribution_config(v: &Value, caller_reference: &str) -> Result<DistributionConfig> {
    let c = Node::new(v, "DistributionConfig".into(), CONFIG_KEYS)?;
    let origins = c
        .items("Origins", ORIGIN_KEYS)?
        .iter()
        .map(origin)
        .collect::<Result<Vec<_>>>()?;
    if origins.is_empty() {
        return Err(ResourceError::invalid(
            &c.at("Origins"),
            "needs at least one origin (the legacy CustomOrigin and S3Origin are not supported)",
        ));
    }
    let ids: Vec<&str> = origins.iter().map(|o| o.id()).collect();
    let default = c
        .child("DefaultCacheBehavior", BEHAVIOR_KEYS)?
        .ok_or_else(|| ResourceError::invalid(&c.at("DefaultCacheBehavior"), "is required"))?;
    if default.has("PathPattern") {
        return Err(ResourceError::invalid(
            &default.at("PathPattern"),
            "belongs to CacheBehaviors only",
        ));
    }
    let default = Behavior::read(&default, &ids)?;
    let behaviors = c
        .items("CacheBehaviors", BEHAVIOR_KEYS)?
        .iter()
        .map(|b| Ok((b.required("PathPattern")?, Behavior::read(b, &ids)?)))
        .collect::<Result<Vec<_>>>()?;
    let errors = custom_error_responses(&c)?;
    let aliases = c.strings("Aliases")?.unwrap_or_default();
    let certificate = viewer_certificate(&c, !aliases.is_empty())?;
    let enabled = c
        .boolean("Enabled")?
        .ok_or_else(|| ResourceError::invalid(&c.at("Enabled"), "is required"))?;
    let price = c.one_of(
        "PriceClass",
        &["PriceClass_100", "PriceClass_200", "PriceClass_All"],
    )?;
    let http = c.one_of("HttpVersion", &["http1.1", "http2", "http2and3", "http3"])?;
    let path = c.path.clone();
    built(
        DistributionConfig::builder()
            .caller_reference(caller_reference)
            .comment(c.string("Comment")?.unwrap_or_default())
            .enabled(enabled)
            .origins(built(
                Origins::builder()
                    .quantity(quantity(&origins))
                    .set_items(Some(origins))
                    .build(),
                &c.at("Origins"),
            )?)
            .default_cache_behavior(default.default_behavior(&path)?)
            .cache_behaviors(cache_behaviors(behaviors, &c.at("CacheBehaviors"))?)
            .custom_error_responses(errors)
            .aliases(built(
                Aliases::builder()
                    .quantity(quantity(&aliases))
                    .set_items(Some(aliases))
                    .build(),
                &c.at("Aliases"),
            )?)
            .viewer_certificate(certificate)
            .price_class(PriceClass::from(
                price.as_deref().unwrap_or("PriceClass_All"),
            ))
            // CloudFormation's default, not the API's (http2).
            .http_version(HttpVersion::from(http.as_deref().unwrap_or("http1.1")))
            .default_root_object(c.string("DefaultRootObject")?.unwrap_or_default())
            .web_acl_id(c.string("WebACLId")?.unwrap_or_default())
            .logging(logging(&c)?)
            .set_is_ipv6_enabled(c.boolean("IPV6Enabled")?)
            .build(),
        &path,
    )
}

fn origin(o: &Node) -> Result<Origin> {
    let custom = o.child("CustomOriginConfig", CUSTOM_ORIGIN_KEYS)?;
    let s3 = o.child("S3OriginConfig", &["OriginAccessIdentity"])?;
    if custom.is_some() == s3.is_some() {
        return Err(ResourceError::invalid(
            &o.path,
            "needs exactly one of CustomOriginConfig and S3OriginConfig",
        ));
    }
    let origin_path = o.string("OriginPath")?.unwrap_or_default();
    if !origin_path.is_empty() && (!origin_path.starts_with('/') || origin_path.ends_with('/')) {
        return Err(ResourceError::invalid(
            &o.at("OriginPath"),
            format!("`{origin_path}` must start with `/` and not end with one"),
        ));
    }
    let headers = o
        .items("OriginCustomHeaders", &["HeaderName", "HeaderValue"])?
        .iter()
        .map(|h| {
            built(
                OriginCustomHeader::builder()
                    .header_name(h.required("HeaderName")?)
                    .header_value(h.required("HeaderValue")?)
                    .build(),
                &h.path,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let s3 = match s3 {
        Some(s) => Some(
            S3OriginConfig::builder()
                .origin_access_identity(s.string("OriginAccessIdentity")?.unwrap_or_default())
                .build(),
        ),
        None => None,
    };
    built(
        Origin::builder()
            .id(o.required("Id")?)
            .domain_name(o.required("DomainName")?)
            .origin_path(origin_path)
            .custom_headers(built(
                CustomHeaders::builder()
                    .quantity(quantity(&headers))
                    .set_items(Some(headers))
                    .build(),
                &o.at("OriginCustomHeaders"),
            )?)
            .set_custom_origin_config(custom.as_ref().map(custom_origin).transpose()?)
            .set_s3_origin_config(s3)
            .set_origin_access_control_id(o.string("OriginAccessControlId")?)
            .set_connection_attempts(o.int("ConnectionAttempts")?)
            .set_connection_timeout(o.int("ConnectionTimeout")?)
            .build(),
        &o.path,
    )
}

fn custom_origin(c: &Node) -> Result<CustomOriginConfig> {
    let policy = c
        .one_of(
            "OriginProtocolPolicy",
            &["http-only", "match-viewer", "https-only"],
        )?
        .ok_or_else(|| ResourceError::invalid(&c.at("OriginProtocolPolicy"), "is required"))?;
    // TLS 1.2 when the template says nothing (CloudFormation's default still has SSLv3).
    let protocols = c
        .strings("OriginSSLProtocols")?
        .unwrap_or_else(|| vec!["TLSv1.2".into()]);
    for p in &protocols {
        if !["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"].contains(&p.as_str()) {
            return Err(ResourceError::invalid(
                &c.at("OriginSSLProtocols"),
                format!("`{p}` is not one of SSLv3, TLSv1, TLSv1.1, TLSv1.2"),
            ));
        }
    }
    let protocols: Vec<SslProtocol> = protocols
        .iter()
        .map(|p| SslProtocol::from(p.as_str()))
        .collect();
    built(
        CustomOriginConfig::builder()
            .http_port(c.int("HTTPPort")?.unwrap_or(80))
            .https_port(c.int("HTTPSPort")?.unwrap_or(443))
            .origin_protocol_policy(OriginProtocolPolicy::from(policy.as_str()))
            .origin_ssl_protocols(built(
                OriginSslProtocols::builder()
                    .quantity(quantity(&protocols))
                    .set_items(Some(protocols))
                    .build(),
                &c.at("OriginSSLProtocols"),
            )?)
            .origin_read_timeout(c.int("OriginReadTimeout")?.unwrap_or(30))
            .origin_keepalive_timeout(c.int("OriginKeepaliveTimeout")?.unwrap_or(5))
            .build(),
        &c.path,
    )
}

fn custom_error_responses(c: &Node) -> Result<CustomErrorResponses> {
    let keys = [
        "ErrorCachingMinTTL",
        "ErrorCode",
        "ResponseCode",
        "ResponsePagePath",
    ];
    let items = c
        .items("CustomErrorResponses", &keys)?
        .iter()
        .map(|r| {
            let code = r.string("ResponseCode")?;
            let page = r.string("ResponsePagePath")?;
            if code.is_some() != page.is_some() {
                return Err(ResourceError::invalid(
                    &r.path,
                    "ResponseCode and ResponsePagePath go together",
                ));
            }
            let error = r
                .int("ErrorCode")?
                .ok_or_else(|| ResourceError::invalid(&r.at("ErrorCode"), "is required"))?;
            built(
                CustomErrorResponse::builder()
                    .error_code(error)
                    .set_response_code(code)
                    .set_response_page_path(page)
                    .set_error_caching_min_ttl(r.int("ErrorCachingMinTTL")?)
                    .build(),
                &r.path,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    built(
        CustomErrorResponses::builder()
            .quantity(quantity(&items))
            .set_items(Some(items))
            .build(),
        &c.at("CustomErrorResponses"),
    )
}

/// The viewer certificate: CloudFront's own (`*.cloudfront.net`) unless an ACM or IAM one is
/// given, which aliases need.
fn viewer_certificate(c: &Node, has_aliases: bool) -> Result<ViewerCertificate> {
    let keys = [
        "AcmCertificateArn",
        "CloudFrontDefaultCertificate",
        "IamCertificateId",
        "MinimumProtocolVersion",
        "SslSupportMethod",
    ];
    let Some(v) = c.child("ViewerCertificate", &keys)? else {
        if has_aliases {
            return Err(ResourceError::invalid(
                &c.at("ViewerCertificate"),
                "Aliases need an AcmCertificateArn or IamCertificateId",
            ));
        }
        return Ok(ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build());
    };
    let default = v.boolean("CloudFrontDefaultCertificate")?.unwrap_or(false);
    let acm = v.string("AcmCertificateArn")?;
    let iam = v.string("IamCertificateId")?;
    let given = [default, acm.is_some(), iam.is_some()];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ResourceError::invalid(
            &v.path,
            "needs exactly one of CloudFrontDefaultCertificate: true, AcmCertificateArn and \
             IamCertificateId",
        ));
    }
    if default && has_aliases {
        return Err(ResourceError::invalid(
            &v.path,
            "Aliases need an AcmCertificateArn or IamCertificateId",
        ));
    }
    let method = v.one_of("SslSupportMethod", &["sni-only", "vip", "static-ip"])?;
    if !default && method.is_none() {
        return Err(ResourceError::invalid(
            &v.at("SslSupportMethod"),
            "is required with a certificate of your own",
        ));
    }
    Ok(ViewerCertificate::builder()
        .set_cloud_front_default_certificate(Some(default))
        .set_acm_certificate_arn(acm)
        .set_iam_certificate_id(iam)
        .set_ssl_support_method(method.map(|m| SslSupportMethod::from(m.as_str())))
        .set_minimum_protocol_version(
            v.string("MinimumProtocolVersion")?
                .map(|m| MinimumProtocolVersion::from(m.as_str())),
        )
        .build())
}

/// Access logs to a bucket (`bucket.s3.amazonaws.com`); absent is logging off.
fn logging(c: &Node) -> Result<LoggingConfig> {
    let Some(l) = c.child("Logging", &["Bucket", "IncludeCookies", "Prefix"])? else {
        return Ok(LoggingConfig::builder()
            .enabled(false)
            .include_cookies(false)
            .bucket("")
            .prefix("")
            .build());
    };
    Ok(LoggingConfig::builder()
        .enabled(true)
        .include_cookies(l.boolean("IncludeCookies")?.unwrap_or(false))
        .bucket(l.required("Bucket")?)
        .prefix(l.string("Prefix")?.unwrap_or_default())
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) fn api_config() -> Value {
        json!({
            "Enabled": true, "Comment": "api",
            "Origins": [{"Id": "api", "DomainName": "abc.execute-api.us-east-1.amazonaws.com",
                "OriginPath": "/dev",
                "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}],
            "DefaultCacheBehavior": {"TargetOriginId": "api",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
            "PriceClass": "PriceClass_100"
        })
    }

    fn refused(v: Value) -> String {
        distribution_config(&v, "ref").unwrap_err().message
    }

    #[test]
    #[allow(deprecated)]
    fn an_api_origin_becomes_the_sdk_config() {
        let c = distribution_config(&api_config(), "ref-1").unwrap();
        assert_eq!(c.caller_reference(), "ref-1");
        let origin = &c.origins().unwrap().items()[0];
        assert_eq!(origin.origin_path(), Some("/dev"));
        let custom = origin.custom_origin_config().unwrap();
        assert_eq!((custom.http_port(), custom.https_port()), (80, 443));
        let behavior = c.default_cache_behavior().unwrap();
        assert_eq!(behavior.allowed_methods().unwrap().quantity(), 7);
        assert_eq!(behavior.min_ttl(), None, "a cache policy sets the TTLs");
        assert_eq!(c.http_version(), Some(&HttpVersion::Http11));
        assert_eq!(
            c.viewer_certificate()
                .and_then(|v| v.cloud_front_default_certificate()),
            Some(true)
        );
    }

    #[test]
    fn unsupported_and_inconsistent_settings_are_refused_with_their_path() {
        let mut v = api_config();
        v["Origins"][0]["OriginShield"] = json!({"Enabled": true});
        assert!(refused(v).contains("DistributionConfig.Origins[0].OriginShield"));
        let mut v = api_config();
        v["Restrictions"] = json!({});
        assert!(refused(v).contains("DistributionConfig.Restrictions"));
        let mut v = api_config();
        v["DefaultCacheBehavior"]["TargetOriginId"] = json!("other");
        assert!(refused(v).contains("TargetOriginId"));
        let mut v = api_config();
        v["DefaultCacheBehavior"]["AllowedMethods"] = json!(["GET", "POST"]);
        assert!(refused(v).contains("AllowedMethods"));
        let mut v = api_config();
        v["DefaultCacheBehavior"]["MinTTL"] = json!(5);
        assert!(refused(v).contains("ForwardedValues"));
        let mut v = api_config();
        v["Aliases"] = json!(["cdn.example.com"]);
        assert!(refused(v).contains("Aliases need"));
        let mut v = api_config();
        v["Origins"][0]["OriginPath"] = json!("dev/");
        assert!(refused(v).contains("OriginPath"));
    }

    #[test]
    #[allow(deprecated)]
    fn legacy_forwarded_values_get_cloudformations_ttls() {
        let mut v = api_config();
        let b = v["DefaultCacheBehavior"].as_object_mut().unwrap();
        b.remove("CachePolicyId");
        b.insert("ForwardedValues".into(), json!({"QueryString": "true"}));
        let c = distribution_config(&v, "r").unwrap();
        let b = c.default_cache_behavior().unwrap();
        assert_eq!(
            (b.min_ttl(), b.default_ttl(), b.max_ttl()),
            (Some(0), Some(86_400), Some(31_536_000))
        );
        assert!(b.forwarded_values().unwrap().query_string());
    }
}
