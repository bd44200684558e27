//! `AWS::WAFv2::WebACL`: a web ACL (default action, rules, visibility settings, tags). Physical
//! id: `Name|Id|Scope`, what CloudFormation's `Ref` returns. Every change is one `UpdateWebACL`
//! carrying the whole ACL and the lock token read just before (WAF's optimistic locking: a stale
//! token is refused, and read again once).
//!
//! `CreateWebACL` takes no client token: it is sent once (no SDK retry), and after a lost answer
//! the engine finds the ACL by its name (unique per scope) before trying again.

use super::rules;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_wafv2::types::{Scope, Tag, WebAcl as LiveAcl};
use serde_json::json;

pub struct WebAcl;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Name",
    "Scope",
    "DefaultAction",
    "Description",
    "Rules",
    "VisibilityConfig",
    "Tags",
];

/// The parts of the physical id.
struct AclId {
    name: String,
    id: String,
    scope: Scope,
}

fn parse_id(physical_id: &str) -> Result<AclId> {
    let mut parts = physical_id.split('|');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(id), Some(scope), None) => Ok(AclId {
            name: name.into(),
            id: id.into(),
            scope: Scope::from(scope),
        }),
        _ => Err(ResourceError::new(
            "InvalidPhysicalId",
            format!("`{physical_id}` is not Name|Id|Scope"),
        )),
    }
}

fn scope(props: &Props) -> Result<Scope> {
    let s = property::required(props, "Scope")?;
    match s.as_str() {
        "REGIONAL" | "CLOUDFRONT" => Ok(Scope::from(s.as_str())),
        other => Err(ResourceError::invalid(
            "Scope",
            format!("`{other}` is not REGIONAL or CLOUDFRONT"),
        )),
    }
}

fn attributes(acl: &LiveAcl) -> Attributes {
    Attributes::from([
        ("Arn".to_string(), json!(acl.arn())),
        ("Id".to_string(), json!(acl.id())),
        ("Capacity".to_string(), json!(acl.capacity())),
        (
            "LabelNamespace".to_string(),
            json!(acl.label_namespace().unwrap_or_default()),
        ),
    ])
}

fn waf_tags(tags: Vec<(String, String)>) -> Result<Vec<Tag>> {
    tags.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect()
}

/// The ACL and its current lock token, or `None` when it is gone.
async fn get(ctx: &Ctx, id: &AclId) -> Result<Option<(LiveAcl, String)>> {
    let answer = ctx
        .clients
        .wafv2()
        .get_web_acl()
        .name(&id.name)
        .id(&id.id)
        .scope(id.scope.clone())
        .send()
        .await;
    match answer {
        Ok(out) => {
            let token = out.lock_token().unwrap_or_default().to_string();
            Ok(out.web_acl.map(|acl| (acl, token)))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_waf_nonexistent_item_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("wafv2:GetWebACL", e)),
    }
}

/// One `UpdateWebACL` with the whole desired ACL.
async fn put(ctx: &Ctx, id: &AclId, new: &Props, lock_token: String) -> Result<()> {
    let default_action = rules::default_action(
        new.get("DefaultAction")
            .ok_or_else(|| ResourceError::invalid("DefaultAction", "is required"))?,
    )?;
    let visibility = rules::visibility_config(
        new.get("VisibilityConfig")
            .ok_or_else(|| ResourceError::invalid("VisibilityConfig", "is required"))?,
        "VisibilityConfig",
    )?;
    let rule_list = match new.get("Rules") {
        Some(v) => rules::rules(v)?,
        None => Vec::new(),
    };
    let answer = ctx
        .clients
        .wafv2()
        .update_web_acl()
        .name(&id.name)
        .id(&id.id)
        .scope(id.scope.clone())
        .default_action(default_action)
        .visibility_config(visibility)
        .set_rules(Some(rule_list))
        .set_description(property::string(new, "Description"))
        .lock_token(lock_token)
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_waf_optimistic_lock_exception()) =>
        {
            Err(sdk_error("wafv2:UpdateWebACL", e).retryable())
        }
        Err(e) => Err(sdk_error("wafv2:UpdateWebACL", e)),
    }
}

async fn list_tags(ctx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let out = ctx
        .clients
        .wafv2()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("wafv2:ListTagsForResource", e))?;
    Ok(out
        .tag_info_for_resource()
        .map(|info| {
            info.tag_list()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default())
}

impl Resource for WebAcl {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("Name")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "Name")?;
        let scope = scope(props)?;
        let default_action = rules::default_action(
            props
                .get("DefaultAction")
                .ok_or_else(|| ResourceError::invalid("DefaultAction", "is required"))?,
        )?;
        let visibility = rules::visibility_config(
            props
                .get("VisibilityConfig")
                .ok_or_else(|| ResourceError::invalid("VisibilityConfig", "is required"))?,
            "VisibilityConfig",
        )?;
        let rule_list = match props.get("Rules") {
            Some(v) => Some(rules::rules(v)?),
            None => None,
        };
        let out = ctx
            .clients
            .wafv2()
            .create_web_acl()
            .name(&name)
            .scope(scope.clone())
            .default_action(default_action)
            .visibility_config(visibility)
            .set_rules(rule_list)
            .set_description(property::string(props, "Description"))
            .set_tags(Some(waf_tags(ctx.tags_with_ownership(props))?))
            .customize()
            .config_override(
                aws_sdk_wafv2::config::Builder::default()
                    .retry_config(aws_smithy_types::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(|e| sdk_error("wafv2:CreateWebACL", e))?;
        let summary = out
            .summary
            .ok_or_else(|| ResourceError::new("wafv2:CreateWebACL", "no summary in the answer"))?;
        let id = AclId {
            name,
            id: summary.id().unwrap_or_default().to_string(),
            scope,
        };
        let physical_id = format!("{}|{}|{}", id.name, id.id, id.scope.as_str());
        let (acl, _) = get(ctx, &id).await?.ok_or_else(|| {
            ResourceError::new("WAFNonexistentItemException", "the new web ACL is gone")
        })?;
        Ok(Created {
            physical_id,
            attributes: attributes(&acl),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let id = parse_id(physical_id)?;
        let Some((acl, _)) = get(ctx, &id).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("Name".into(), json!(acl.name()));
        p.insert("Scope".into(), json!(id.scope.as_str()));
        if let Some(a) = acl.default_action() {
            p.insert("DefaultAction".into(), rules::default_action_value(a));
        }
        if let Some(v) = acl.visibility_config() {
            p.insert("VisibilityConfig".into(), rules::visibility_value(v));
        }
        if let Some(d) = acl.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        let live_rules = rules::rules_value(acl.rules());
        // Defaults AWS fills in (an evaluation window) are not drift.
        let live_rules = match desired.get("Rules") {
            Some(d) => property::shape_like(&live_rules, d),
            None => live_rules,
        };
        if desired.contains_key("Rules") || live_rules.as_array().is_some_and(|r| !r.is_empty()) {
            p.insert("Rules".into(), live_rules);
        }
        if desired.contains_key("Tags") {
            let tags = list_tags(ctx, acl.arn()).await?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(&acl),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let id = parse_id(physical_id)?;
        let gone = || {
            ResourceError::new(
                "WAFNonexistentItemException",
                format!("{physical_id} is gone"),
            )
        };
        let content = ["DefaultAction", "Description", "Rules", "VisibilityConfig"];
        if property::any_changed(old, new, &content) {
            let (_, token) = get(ctx, &id).await?.ok_or_else(gone)?;
            if let Err(e) = put(ctx, &id, new, token).await {
                if !e.retryable {
                    return Err(e);
                }
                // Changed by someone else meanwhile: once more with the fresh token.
                let (_, token) = get(ctx, &id).await?.ok_or_else(gone)?;
                put(ctx, &id, new, token).await?;
            }
        }
        let (acl, _) = get(ctx, &id).await?.ok_or_else(gone)?;
        let (set, removed) = property::tag_changes(old, new);
        let waf = ctx.clients.wafv2();
        if !set.is_empty() {
            waf.tag_resource()
                .resource_arn(acl.arn())
                .set_tags(Some(waf_tags(set)?))
                .send()
                .await
                .map_err(|e| sdk_error("wafv2:TagResource", e))?;
        }
        if !removed.is_empty() {
            waf.untag_resource()
                .resource_arn(acl.arn())
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("wafv2:UntagResource", e))?;
        }
        Ok(attributes(&acl))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let id = parse_id(physical_id)?;
        let Some((_, token)) = get(ctx, &id).await? else {
            return Ok(());
        };
        property::deleted(
            "wafv2:DeleteWebACL",
            ctx.clients
                .wafv2()
                .delete_web_acl()
                .name(&id.name)
                .id(&id.id)
                .scope(id.scope.clone())
                .lock_token(token)
                .send()
                .await,
            |s| s.is_waf_nonexistent_item_exception(),
        )
    }

    /// By name: unique per scope.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(name), Ok(scope)) = (property::string(props, "Name"), scope(props)) else {
            return Ok(None);
        };
        let mut marker = None;
        loop {
            let page = ctx
                .clients
                .wafv2()
                .list_web_acls()
                .scope(scope.clone())
                .set_next_marker(marker)
                .send()
                .await
                .map_err(|e| sdk_error("wafv2:ListWebACLs", e))?;
            if let Some(acl) = page
                .web_acls()
                .iter()
                .find(|a| a.name() == Some(name.as_str()))
            {
                let id = acl.id().unwrap_or_default();
                return Ok(Some(format!("{name}|{id}|{}", scope.as_str())));
            }
            match page.next_marker() {
                Some(next) if !next.is_empty() && !page.web_acls().is_empty() => {
                    marker = Some(next.to_string())
                }
                _ => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_physical_id_is_name_id_and_scope() {
        let id = parse_id("api-acl|0a1b|REGIONAL").unwrap();
        assert_eq!((id.name.as_str(), id.id.as_str()), ("api-acl", "0a1b"));
        assert_eq!(id.scope, Scope::Regional);
        assert!(parse_id("api-acl").is_err());
    }
}
