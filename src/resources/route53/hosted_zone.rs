//! `AWS::Route53::HostedZone`: a public zone. Physical id: the zone id without `/hostedzone/`.
//! CreateHostedZone's CallerReference comes from the create's client token, so a repeated
//! create (lost answer) meets `HostedZoneAlreadyExists` and takes the zone made the first time.

use super::{bare_zone_id, dotted};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, CLIENT_TOKEN, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_route53::types::{HostedZone as Zone, HostedZoneConfig, Tag, TagResourceType};
use serde_json::{Value, json};

pub struct HostedZone;

const MANAGED: &[&str] = &["Name", "HostedZoneConfig", "HostedZoneTags"];

/// The CallerReference of a create: its client token (Route 53 takes up to 128 characters).
fn caller_reference(props: &Props) -> String {
    let mut token = property::string(props, CLIENT_TOKEN).unwrap_or_else(|| {
        format!(
            "fuelflow-{}",
            property::short_hash(&Value::Object(props.clone()))
        )
    });
    token.truncate(128);
    token
}

fn template_tags(props: &Props) -> Vec<(String, String)> {
    let mut as_tags = Props::new();
    if let Some(tags) = props.get("HostedZoneTags") {
        as_tags.insert("Tags".into(), tags.clone());
    }
    property::template_tags(&as_tags)
}

fn sdk_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn comment(props: &Props) -> Result<Option<String>> {
    Ok(property::object(props, "HostedZoneConfig")?.and_then(|c| property::string(c, "Comment")))
}

async fn zones(ctx: &Ctx) -> Result<Vec<Zone>> {
    let mut all = Vec::new();
    let mut pages = ctx
        .clients
        .route53()
        .list_hosted_zones()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("route53:ListHostedZones", e))?;
        all.extend(page.hosted_zones().iter().cloned());
    }
    Ok(all)
}

async fn live_tags(ctx: &Ctx, id: &str) -> Result<Vec<(String, String)>> {
    let out = ctx
        .clients
        .route53()
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ListTagsForResource", e))?;
    Ok(out
        .resource_tag_set()
        .map(|s| s.tags())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

impl Resource for HostedZone {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "Name")?;
        let reference = caller_reference(props);
        let config = comment(props)?.map(|c| HostedZoneConfig::builder().comment(c).build());
        let answer = ctx
            .clients
            .route53()
            .create_hosted_zone()
            .name(&name)
            .caller_reference(&reference)
            .set_hosted_zone_config(config)
            .send()
            .await;
        let id = match answer {
            Ok(out) => bare_zone_id(out.hosted_zone().map(|z| z.id()).unwrap_or_default()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_hosted_zone_already_exists()) =>
            {
                // The same CallerReference: an earlier attempt of this create got through.
                let zone = zones(ctx)
                    .await?
                    .into_iter()
                    .find(|z| z.caller_reference() == reference);
                match zone {
                    Some(z) => bare_zone_id(z.id()),
                    None => return Err(sdk_error("route53:CreateHostedZone", e)),
                }
            }
            Err(e) => return Err(sdk_error("route53:CreateHostedZone", e)),
        };
        ctx.clients
            .route53()
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .set_add_tags(Some(sdk_tags(&ctx.tags_with_ownership(&{
                let mut p = Props::new();
                p.insert("Tags".into(), json!(props.get("HostedZoneTags")));
                p
            }))))
            .send()
            .await
            .map_err(|e| sdk_error("route53:ChangeTagsForResource", e))?;
        let live = self.read(ctx, &id, props).await?.unwrap_or_default();
        Ok(Created {
            physical_id: id,
            attributes: live.attributes,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let answer = ctx.clients.route53().get_hosted_zone().id(id).send().await;
        let out = match answer {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_hosted_zone()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(sdk_error("route53:GetHostedZone", e)),
        };
        let Some(zone) = out.hosted_zone() else {
            return Ok(None);
        };
        let mut p = Props::new();
        let desired_name = property::string(desired, "Name");
        // The template may leave off the final dot Route 53 adds.
        let name = match desired_name {
            Some(d) if dotted(&d) == zone.name() => d,
            _ => zone.name().to_string(),
        };
        p.insert("Name".into(), json!(name));
        let live_comment = zone.config().and_then(|c| c.comment()).unwrap_or_default();
        if desired.contains_key("HostedZoneConfig") || !live_comment.is_empty() {
            p.insert("HostedZoneConfig".into(), json!({"Comment": live_comment}));
        }
        let tags = live_tags(ctx, id).await?;
        let tags = property::tags_value(tags.iter().map(|(k, v)| (k, v)));
        if desired.contains_key("HostedZoneTags") || tags.as_array().is_some_and(|t| !t.is_empty())
        {
            p.insert("HostedZoneTags".into(), tags);
        }
        let servers: Vec<&str> = out
            .delegation_set()
            .map(|d| d.name_servers().iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut attributes = Attributes::new();
        attributes.insert("Id".into(), json!(id));
        attributes.insert("NameServers".into(), json!(servers));
        Ok(Some(Live {
            properties: p,
            attributes,
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        if property::changed(old, new, "HostedZoneConfig") {
            ctx.clients
                .route53()
                .update_hosted_zone_comment()
                .id(id)
                .comment(comment(new)?.unwrap_or_default())
                .send()
                .await
                .map_err(|e| sdk_error("route53:UpdateHostedZoneComment", e))?;
        }
        let (old_tags, new_tags) = (template_tags(old), template_tags(new));
        if old_tags != new_tags {
            let set: Vec<_> = new_tags
                .iter()
                .filter(|t| !old_tags.contains(t))
                .cloned()
                .collect();
            let removed: Vec<String> = old_tags
                .iter()
                .filter(|(k, _)| !new_tags.iter().any(|(n, _)| n == k))
                .map(|(k, _)| k.clone())
                .collect();
            ctx.clients
                .route53()
                .change_tags_for_resource()
                .resource_type(TagResourceType::Hostedzone)
                .resource_id(id)
                .set_add_tags((!set.is_empty()).then(|| sdk_tags(&set)))
                .set_remove_tag_keys((!removed.is_empty()).then_some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("route53:ChangeTagsForResource", e))?;
        }
        Ok(self
            .read(ctx, id, new)
            .await?
            .map(|l| l.attributes)
            .unwrap_or_default())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "route53:DeleteHostedZone",
            ctx.clients
                .route53()
                .delete_hosted_zone()
                .id(id)
                .send()
                .await,
            |s| s.is_no_such_hosted_zone(),
        )
    }

    /// By the CallerReference when the create's token is known, else by name and ownership tags.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let reference = props
            .contains_key(CLIENT_TOKEN)
            .then(|| caller_reference(props));
        let name = property::string(props, "Name").map(|n| dotted(&n));
        for zone in zones(ctx).await? {
            let id = bare_zone_id(zone.id());
            if crate::resources::is_earlier_copy(props, &id) {
                continue;
            }
            if reference.as_deref() == Some(zone.caller_reference()) {
                return Ok(Some(id));
            }
            if name.as_deref() == Some(zone.name()) {
                let tags = live_tags(ctx, &id).await?;
                if property::owned_by(ctx, tags.iter().map(|(k, v)| (k, v))) {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_reference_is_the_create_token() {
        let p = json!({"Name": "a.com", CLIENT_TOKEN: "tok-1"});
        assert_eq!(caller_reference(p.as_object().unwrap()), "tok-1");
        let q = json!({"Name": "a.com"});
        let q = q.as_object().unwrap();
        assert_eq!(caller_reference(q), caller_reference(q));
    }
}
