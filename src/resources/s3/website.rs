//! `WebsiteConfiguration`: static website hosting (index and error documents, a redirect of
//! every request, or routing rules).

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    Condition, ErrorDocument, IndexDocument, Protocol, Redirect, RedirectAllRequestsTo,
    RoutingRule, WebsiteConfiguration,
};
use serde_json::{Map, Value, json};

use super::value::{aws, list, object, only_keys, required_string, string};
use crate::resources::{ResourceError, Result};

const PROP: &str = "WebsiteConfiguration";
const RULES: &str = "WebsiteConfiguration.RoutingRules";

pub(super) fn config(value: &Value) -> Result<WebsiteConfiguration> {
    let map = object(PROP, value)?;
    only_keys(
        PROP,
        map,
        &[
            "ErrorDocument",
            "IndexDocument",
            "RedirectAllRequestsTo",
            "RoutingRules",
        ],
    )?;
    let invalid = |e| ResourceError::invalid(PROP, e);
    let redirect_all = match map.get("RedirectAllRequestsTo") {
        Some(v) => {
            let r = object("WebsiteConfiguration.RedirectAllRequestsTo", v)?;
            only_keys(
                "WebsiteConfiguration.RedirectAllRequestsTo",
                r,
                &["HostName", "Protocol"],
            )?;
            if map.len() > 1 {
                return Err(ResourceError::invalid(
                    PROP,
                    "RedirectAllRequestsTo cannot be combined with other website settings",
                ));
            }
            Some(
                RedirectAllRequestsTo::builder()
                    .host_name(required_string("HostName", r.get("HostName"))?)
                    .set_protocol(
                        string("Protocol", r.get("Protocol"))?.map(|p| Protocol::from(p.as_str())),
                    )
                    .build()
                    .map_err(invalid)?,
            )
        }
        None => None,
    };
    let index = match string("IndexDocument", map.get("IndexDocument"))? {
        Some(suffix) => Some(
            IndexDocument::builder()
                .suffix(suffix)
                .build()
                .map_err(invalid)?,
        ),
        None => None,
    };
    let error = match string("ErrorDocument", map.get("ErrorDocument"))? {
        Some(key) => Some(ErrorDocument::builder().key(key).build().map_err(invalid)?),
        None => None,
    };
    let rules = list(RULES, map.get("RoutingRules"))?
        .iter()
        .map(rule)
        .collect::<Result<Vec<_>>>()?;
    Ok(WebsiteConfiguration::builder()
        .set_redirect_all_requests_to(redirect_all)
        .set_index_document(index)
        .set_error_document(error)
        .set_routing_rules((!rules.is_empty()).then_some(rules))
        .build())
}

fn rule(value: &Value) -> Result<RoutingRule> {
    let r = object(RULES, value)?;
    only_keys(RULES, r, &["RedirectRule", "RoutingRuleCondition"])?;
    let redirect = object(
        "RoutingRules.RedirectRule",
        r.get("RedirectRule")
            .ok_or_else(|| ResourceError::invalid(RULES, "RedirectRule is required"))?,
    )?;
    only_keys(
        "RoutingRules.RedirectRule",
        redirect,
        &[
            "HostName",
            "HttpRedirectCode",
            "Protocol",
            "ReplaceKeyPrefixWith",
            "ReplaceKeyWith",
        ],
    )?;
    let text = |k: &str| string(k, redirect.get(k));
    let condition = match r.get("RoutingRuleCondition") {
        Some(v) => {
            let c = object("RoutingRules.RoutingRuleCondition", v)?;
            only_keys(
                "RoutingRules.RoutingRuleCondition",
                c,
                &["HttpErrorCodeReturnedEquals", "KeyPrefixEquals"],
            )?;
            Some(
                Condition::builder()
                    .set_http_error_code_returned_equals(string(
                        "HttpErrorCodeReturnedEquals",
                        c.get("HttpErrorCodeReturnedEquals"),
                    )?)
                    .set_key_prefix_equals(string("KeyPrefixEquals", c.get("KeyPrefixEquals"))?)
                    .build(),
            )
        }
        None => None,
    };
    Ok(RoutingRule::builder()
        .set_condition(condition)
        .redirect(
            Redirect::builder()
                .set_host_name(text("HostName")?)
                .set_http_redirect_code(text("HttpRedirectCode")?)
                .set_protocol(text("Protocol")?.map(|p| Protocol::from(p.as_str())))
                .set_replace_key_prefix_with(text("ReplaceKeyPrefixWith")?)
                .set_replace_key_with(text("ReplaceKeyWith")?)
                .build(),
        )
        .build())
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_website()
        .bucket(bucket)
        .website_configuration(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketWebsite"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str) -> Result<Option<Value>> {
    let out = match s3.get_bucket_website().bucket(bucket).send().await {
        Ok(out) => out,
        Err(e) if e.code() == Some("NoSuchWebsiteConfiguration") => return Ok(None),
        Err(e) => return Err(aws("s3:GetBucketWebsite")(e)),
    };
    let mut live = Map::new();
    if let Some(index) = out.index_document() {
        live.insert("IndexDocument".into(), json!(index.suffix()));
    }
    if let Some(error) = out.error_document() {
        live.insert("ErrorDocument".into(), json!(error.key()));
    }
    if let Some(r) = out.redirect_all_requests_to() {
        let mut redirect = Map::new();
        redirect.insert("HostName".into(), json!(r.host_name()));
        if let Some(p) = r.protocol() {
            redirect.insert("Protocol".into(), json!(p.as_str()));
        }
        live.insert("RedirectAllRequestsTo".into(), Value::Object(redirect));
    }
    let rules: Vec<Value> = out.routing_rules().iter().map(live_rule).collect();
    if !rules.is_empty() {
        live.insert("RoutingRules".into(), json!(rules));
    }
    Ok(Some(Value::Object(live)))
}

fn live_rule(rule: &RoutingRule) -> Value {
    let mut out = Map::new();
    if let Some(r) = rule.redirect() {
        let mut redirect = Map::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                redirect.insert(k.into(), json!(v));
            }
        };
        put("HostName", r.host_name());
        put("HttpRedirectCode", r.http_redirect_code());
        put("Protocol", r.protocol().map(Protocol::as_str));
        put("ReplaceKeyPrefixWith", r.replace_key_prefix_with());
        put("ReplaceKeyWith", r.replace_key_with());
        out.insert("RedirectRule".into(), Value::Object(redirect));
    }
    if let Some(c) = rule.condition() {
        let mut condition = Map::new();
        if let Some(code) = c.http_error_code_returned_equals() {
            condition.insert("HttpErrorCodeReturnedEquals".into(), json!(code));
        }
        if let Some(prefix) = c.key_prefix_equals() {
            condition.insert("KeyPrefixEquals".into(), json!(prefix));
        }
        out.insert("RoutingRuleCondition".into(), Value::Object(condition));
    }
    Value::Object(out)
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    s3.delete_bucket_website()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:DeleteBucketWebsite"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn website_settings_are_checked_before_any_call() {
        let ok = json!({"IndexDocument": "index.html", "ErrorDocument": "error.html",
            "RoutingRules": [{"RedirectRule": {"ReplaceKeyPrefixWith": "docs/"},
                "RoutingRuleCondition": {"KeyPrefixEquals": "old/"}}]});
        let c = config(&ok).unwrap();
        assert_eq!(c.index_document().unwrap().suffix(), "index.html");
        assert_eq!(c.routing_rules().len(), 1);
        let mixed = json!({"IndexDocument": "i.html", "RedirectAllRequestsTo": {"HostName": "x"}});
        assert!(
            config(&mixed)
                .unwrap_err()
                .message
                .contains("cannot be combined")
        );
        let unknown = json!({"Index": "i.html"});
        assert!(
            config(&unknown)
                .unwrap_err()
                .message
                .contains("not supported")
        );
    }
}
