//! API Gateway v2 (HTTP and WebSocket APIs): APIs, stages, routes, integrations and
//! authorizers. Unlike REST APIs, updates name the fields they change (no JSON patch), and
//! `Tags` is a `{key: value}` map, not a list.

pub mod api;
pub mod authorizer;
pub mod integration;
pub mod route;
pub mod stage;

use crate::resources::property::{self, RESERVED_PREFIX};
use crate::resources::{Ctx, Props, Result, sdk_error};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Whether an SDK error is the operation's `NotFoundException` (a child's API gone answers it
/// too).
macro_rules! not_found {
    ($e:expr) => {
        $e.as_service_error()
            .is_some_and(|s| s.is_not_found_exception())
    };
}
use not_found;

/// `find` of a child of an API (route, integration, authorizer): the id of the first item on the
/// pages of `$list` that `$matches`, earlier copies skipped; `None` when the API is gone.
macro_rules! find_child {
    ($ctx:expr, $props:expr, $list:ident, $operation:literal, $id:ident, $matches:expr) => {{
        let api = crate::resources::property::required($props, "ApiId")?;
        let mut token = None;
        loop {
            let answer = $ctx
                .clients
                .apigatewayv2()
                .$list()
                .api_id(&api)
                .set_next_token(token)
                .send()
                .await;
            let page = match answer {
                Ok(page) => page,
                Err(e) if not_found!(e) => break None,
                Err(e) => return Err(crate::resources::sdk_error($operation, e)),
            };
            if let Some(id) = page
                .items()
                .iter()
                .filter($matches)
                .filter_map(|item| item.$id())
                .find(|id| !crate::resources::is_earlier_copy($props, id))
            {
                break Some(id.to_string());
            }
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break None,
            }
        }
    }};
}
use find_child;

/// A configuration override for a create that is not idempotent (every v2 create): no SDK
/// retry, so a lost answer reaches the engine, which looks the resource up (`find`) before it
/// tries again instead of making a second one.
fn sent_once() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// The template's `Tags` map, fuelflow's own keys left out.
fn tag_map(props: &Props) -> Result<HashMap<String, String>> {
    Ok(property::string_map(props, "Tags")?
        .into_iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX))
        .collect())
}

/// The template's tags and the ownership tags, as a create sends them.
fn tags_with_ownership(ctx: &Ctx, props: &Props) -> Result<HashMap<String, String>> {
    let mut tags = tag_map(props)?;
    tags.extend(ctx.ownership_tags());
    Ok(tags)
}

/// Live tags in the template's shape: a map without `fuelflow:` and `aws:` keys.
fn tags_value(tags: Option<&HashMap<String, String>>) -> Value {
    Value::Object(
        tags.into_iter()
            .flatten()
            .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX) && !k.starts_with("aws:"))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect(),
    )
}

/// Brings the tags of `arn` from `old`'s map to `new`'s (ownership tags untouched).
async fn retag(ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<()> {
    let (before, after) = (tag_map(old)?, tag_map(new)?);
    let set: HashMap<String, String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let removed: Vec<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let gateway = ctx.clients.apigatewayv2();
    if !set.is_empty() {
        gateway
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:TagResource", e))?;
    }
    if !removed.is_empty() {
        gateway
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk_error("apigatewayv2:UntagResource", e))?;
    }
    Ok(())
}

fn api_arn(ctx: &Ctx, api: &str) -> String {
    format!("arn:aws:apigateway:{}::/apis/{api}", ctx.region)
}

/// A string map property, `None` when the template leaves it out (so nothing is sent).
fn string_map_if_set(props: &Props, key: &str) -> Result<Option<HashMap<String, String>>> {
    Ok(property::object(props, key)?
        .is_some()
        .then(|| property::string_map(props, key))
        .transpose()?
        .map(|m| m.into_iter().collect()))
}

/// A live string map as JSON, when it has entries or the template sets the property.
fn map_value(map: Option<&HashMap<String, String>>, desired: &Props, key: &str) -> Option<Value> {
    let map: Map<String, Value> = map
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    (!map.is_empty() || desired.contains_key(key)).then_some(Value::Object(map))
}

/// Inserts `v` under `key` when there is one.
fn put(p: &mut Props, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        p.insert(key.into(), v);
    }
}

/// A text value that AWS leaves empty when unset.
fn some_text(v: Option<&str>) -> Option<Value> {
    v.filter(|v| !v.is_empty()).map(|v| json!(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_a_map_without_fuelflow_keys() {
        let p = json!({"Tags": {"team": "fuel", "fuelflow:stack": "s"}});
        let tags = tag_map(p.as_object().unwrap()).unwrap();
        assert_eq!(tags, HashMap::from([("team".into(), "fuel".into())]));
        let live = HashMap::from([
            ("team".to_string(), "fuel".to_string()),
            ("aws:cloudformation:stack-name".to_string(), "x".to_string()),
            ("fuelflow:stack".to_string(), "s".to_string()),
        ]);
        assert_eq!(tags_value(Some(&live)), json!({"team": "fuel"}));
    }
}
