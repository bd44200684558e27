//! A distribution's cache behaviors (the default one and the path ones) from the template's
//! JSON to the SDK's types: cache and origin request policies, or the legacy forwarded values
//! and TTLs with CloudFormation's defaults.

use super::node::{Node, built, quantity};
use crate::resources::{ResourceError, Result};
use aws_sdk_cloudfront::types::{
    AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CookieNames, CookiePreference,
    DefaultCacheBehavior, ForwardedValues, Headers, ItemSelection, Method, QueryStringCacheKeys,
    ViewerProtocolPolicy,
};

pub(super) const BEHAVIOR_KEYS: &[&str] = &[
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
pub(super) struct Behavior {
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
    pub(super) fn read(b: &Node, origin_ids: &[&str]) -> Result<Behavior> {
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
    pub(super) fn default_behavior(self, path: &str) -> Result<DefaultCacheBehavior> {
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

pub(super) fn cache_behaviors(
    behaviors: Vec<(String, Behavior)>,
    path: &str,
) -> Result<CacheBehaviors> {
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
