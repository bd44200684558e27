//! A distribution's `DistributionConfig` from the template's JSON to the SDK's types. fuelflow
//! supports what a distribution in front of an API or a bucket needs: custom and S3 origins
//! (origin path, custom headers, origin access control), the default and path cache behaviors
//! (cache and origin request policies, or the legacy forwarded values and TTLs), aliases with a
//! certificate, logging, custom error responses, price class, HTTP version, IPv6 and a web ACL.
//! Every other key (origin groups, geo restrictions, function associations, origin shield...) is
//! refused with its path rather than dropped. The way back is in `config_value.rs`.

use super::node::{Node, built, quantity};
use crate::resources::{ResourceError, Result};
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CookieNames,
    CookiePreference, CustomErrorResponse, CustomErrorResponses, CustomHeaders, CustomOriginConfig,
    DefaultCacheBehavior, DistributionConfig, ForwardedValues, Headers, HttpVersion, ItemSelection,
    LoggingConfig, Method, MinimumProtocolVersion, Origin, OriginCustomHeader,
    OriginProtocolPolicy, OriginSslProtocols, Origins, PriceClass, QueryStringCacheKeys,
    S3OriginConfig, SslProtocol, SslSupportMethod, ViewerCertificate, ViewerProtocolPolicy,
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

const BEHAVIOR_KEYS: &[&str] = &[
    "AllowedMethods",
    "CachePolicyId",
    "CachedMethods",
    "Compress",
    "DefaultTTL",
    "ForwardedValues",
    "MaxTTL",
    "MinTTL",
    "OriginRequestPolicyId",
    "PathPattern",
    "ResponseHeadersPolicyId",
    "TargetOriginId",
    "ViewerProtocolPolicy",
];

/// The method sets CloudFront accepts, allowed and cached.
const ALLOWED_SETS: &[&[&str]] = &[
    &["GET", "HEAD"],
    &["GET", "HEAD", "OPTIONS"],
    &["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
];
const CACHED_SETS: &[&[&str]] = &[&["GET", "HEAD"], &["GET", "HEAD", "OPTIONS"]];

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

/// A [`Behavior`]'s settings on either kind of behavior builder (the SDK has two types).
macro_rules! settings {
    ($builder:expr, $b:expr) => {{
        let b = $b;
        let [min, default, max] = b.ttls;
        $builder
            .target_origin_id(b.target)
            .viewer_protocol_policy(b.viewer)
            .allowed_methods(b.allowed)
            .set_cache_policy_id(b.cache_policy)
            .set_origin_request_policy_id(b.origin_request_policy)
            .set_response_headers_policy_id(b.response_headers_policy)
            .set_compress(b.compress)
            .set_forwarded_values(b.forwarded)
            .set_min_ttl(min)
            .set_default_ttl(default)
            .set_max_ttl(max)
    }};
}

/// A cache behavior's settings, shared by the default behavior and the path ones.
struct Behavior {
    target: String,
    viewer: ViewerProtocolPolicy,
    allowed: AllowedMethods,
    cache_policy: Option<String>,
    origin_request_policy: Option<String>,
    response_headers_policy: Option<String>,
    compress: Option<bool>,
    forwarded: Option<ForwardedValues>,
    ttls: [Option<i64>; 3],
}

impl Behavior {
    fn read(b: &Node, origin_ids: &[&str]) -> Result<Behavior> {
        let target = b.required("TargetOriginId")?;
        if !origin_ids.contains(&target.as_str()) {
            return Err(ResourceError::invalid(
                &b.at("TargetOriginId"),
                format!("`{target}` is not the Id of one of the Origins"),
            ));
        }
        let viewer = b
            .one_of(
                "ViewerProtocolPolicy",
                &["allow-all", "https-only", "redirect-to-https"],
            )?
            .ok_or_else(|| ResourceError::invalid(&b.at("ViewerProtocolPolicy"), "is required"))?;
        let ttls = [b.int("MinTTL")?, b.int("DefaultTTL")?, b.int("MaxTTL")?];
        let cache_policy = b.string("CachePolicyId")?;
        let forwarded = b.child(
            "ForwardedValues",
            &["Cookies", "Headers", "QueryString", "QueryStringCacheKeys"],
        )?;
        let (forwarded, ttls) = match (&cache_policy, forwarded) {
            (Some(_), Some(f)) => {
                return Err(ResourceError::invalid(
                    &f.path,
                    "cannot be given with CachePolicyId (the legacy settings are one or the other)",
                ));
            }
            (Some(_), None) => {
                if ttls.iter().any(Option::is_some) {
                    return Err(ResourceError::invalid(
                        &b.path,
                        "MinTTL, DefaultTTL and MaxTTL belong to ForwardedValues; with \
                         CachePolicyId the policy sets the TTLs",
                    ));
                }
                (None, ttls)
            }
            (None, Some(f)) => {
                // CloudFormation's defaults of the legacy TTLs.
                let [min, default, max] = ttls;
                let ttls = [
                    min.or(Some(0)),
                    default.or(Some(86_400)),
                    max.or(Some(31_536_000)),
                ];
                (Some(forwarded_values(&f)?), ttls)
            }
            (None, None) => {
                return Err(ResourceError::invalid(
                    &b.path,
                    "needs CachePolicyId or the legacy ForwardedValues",
                ));
            }
        };
        Ok(Behavior {
            target,
            viewer: ViewerProtocolPolicy::from(viewer.as_str()),
            allowed: allowed_methods(b)?,
            cache_policy,
            origin_request_policy: b.string("OriginRequestPolicyId")?,
            response_headers_policy: b.string("ResponseHeadersPolicyId")?,
            compress: b.boolean("Compress")?,
            forwarded,
            ttls,
        })
    }

    // The legacy settings (forwarded values, TTLs) are deprecated in the API, not gone.
    #[allow(deprecated)]
    fn default_behavior(self, path: &str) -> Result<DefaultCacheBehavior> {
        let b = DefaultCacheBehavior::builder();
        built(
            settings!(b, self).build(),
            &format!("{path}.DefaultCacheBehavior"),
        )
    }

    #[allow(deprecated)]
    fn path_behavior(self, pattern: String, path: &str) -> Result<CacheBehavior> {
        let b = CacheBehavior::builder().path_pattern(pattern);
        built(settings!(b, self).build(), path)
    }
}

fn cache_behaviors(behaviors: Vec<(String, Behavior)>, path: &str) -> Result<CacheBehaviors> {
    let items = behaviors
        .into_iter()
        .enumerate()
        .map(|(i, (pattern, b))| b.path_behavior(pattern, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    built(
        CacheBehaviors::builder()
            .quantity(quantity(&items))
            .set_items(Some(items))
            .build(),
        path,
    )
}

/// A method set as CloudFront accepts it (one of [`ALLOWED_SETS`] / [`CACHED_SETS`]).
fn methods(b: &Node, key: &str, sets: &[&[&str]]) -> Result<Vec<Method>> {
    let given = b
        .strings(key)?
        .unwrap_or_else(|| vec!["GET".into(), "HEAD".into()]);
    let mut sorted: Vec<&str> = given.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    if !sets.contains(&sorted.as_slice()) {
        let sets: Vec<String> = sets.iter().map(|s| s.join(",")).collect();
        return Err(ResourceError::invalid(
            &b.at(key),
            format!("must be one of the sets [{}]", sets.join("] ["),),
        ));
    }
    Ok(given.iter().map(|m| Method::from(m.as_str())).collect())
}

fn allowed_methods(b: &Node) -> Result<AllowedMethods> {
    let allowed = methods(b, "AllowedMethods", ALLOWED_SETS)?;
    let cached = methods(b, "CachedMethods", CACHED_SETS)?;
    let path = b.at("AllowedMethods");
    built(
        AllowedMethods::builder()
            .quantity(quantity(&allowed))
            .set_items(Some(allowed))
            .cached_methods(built(
                CachedMethods::builder()
                    .quantity(quantity(&cached))
                    .set_items(Some(cached))
                    .build(),
                &b.at("CachedMethods"),
            )?)
            .build(),
        &path,
    )
}

fn forwarded_values(f: &Node) -> Result<ForwardedValues> {
    let query = f
        .boolean("QueryString")?
        .ok_or_else(|| ResourceError::invalid(&f.at("QueryString"), "is required"))?;
    let cookies = match f.child("Cookies", &["Forward", "WhitelistedNames"])? {
        Some(c) => {
            let forward = c
                .one_of("Forward", &["none", "whitelist", "all"])?
                .ok_or_else(|| ResourceError::invalid(&c.at("Forward"), "is required"))?;
            let names = match c.strings("WhitelistedNames")? {
                Some(names) => Some(built(
                    CookieNames::builder()
                        .quantity(quantity(&names))
                        .set_items(Some(names))
                        .build(),
                    &c.at("WhitelistedNames"),
                )?),
                None => None,
            };
            built(
                CookiePreference::builder()
                    .forward(ItemSelection::from(forward.as_str()))
                    .set_whitelisted_names(names)
                    .build(),
                &c.path,
            )?
        }
        None => built(
            CookiePreference::builder()
                .forward(ItemSelection::None)
                .build(),
            &f.at("Cookies"),
        )?,
    };
    let headers = f.strings("Headers")?.unwrap_or_default();
    let keys = f.strings("QueryStringCacheKeys")?.unwrap_or_default();
    built(
        ForwardedValues::builder()
            .query_string(query)
            .cookies(cookies)
            .headers(built(
                Headers::builder()
                    .quantity(quantity(&headers))
                    .set_items(Some(headers))
                    .build(),
                &f.at("Headers"),
            )?)
            .query_string_cache_keys(built(
                QueryStringCacheKeys::builder()
                    .quantity(quantity(&keys))
                    .set_items(Some(keys))
                    .build(),
                &f.at("QueryStringCacheKeys"),
            )?)
            .build(),
        &f.path,
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
