//! `AWS::CloudFront::Distribution`. Physical id: the distribution id (what `Ref` returns);
//! `GetAtt` `DomainName` (`d111111abcdef8.cloudfront.net`) and `Id`.
//!
//! Create is `CreateDistributionWithTags` (ownership tags included) whose CallerReference is the
//! create's client token: a repeated create, after a lost answer, gets the same distribution
//! back on AWS, or `DistributionAlreadyExists`, after which the one with that reference is taken.
//! An update sends the whole config (CloudFront has no partial update) with the ETag of the
//! config read just before. Delete disables the distribution first, waits until that change is
//! deployed (minutes on AWS), then deletes with the latest ETag. Create and update also wait
//! for `Deployed`, as CloudFormation does, so what follows can use the distribution.

use super::{config, config_value};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, CLIENT_TOKEN, Created, Ctx, Live, Props, Resource, ResourceError, Result,
    TypicalSeconds,
};
use aws_sdk_cloudfront::types::{
    Distribution as LiveDistribution, DistributionConfig, DistributionConfigWithTags, Tag, TagKeys,
    Tags,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct Distribution;

const MANAGED: &[&str] = &["DistributionConfig", "Tags"];

/// A change reaches every edge location in minutes; an hour is a failure.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The create's CallerReference: its client token, else one from the stack, the logical id and
/// the properties (a create outside the engine).
fn caller_reference(ctx: &Ctx, props: &Props) -> String {
    let mut reference = property::string(props, CLIENT_TOKEN).unwrap_or_else(|| {
        let props = property::without_reserved(props);
        format!(
            "fuelflow-{}-{}-{}",
            ctx.stack,
            ctx.logical_id,
            property::short_hash(&Value::Object(props))
        )
    });
    reference.truncate(128);
    reference
}

fn desired_config(props: &Props) -> Result<&Value> {
    props
        .get("DistributionConfig")
        .ok_or_else(|| ResourceError::invalid("DistributionConfig", "is required"))
}

fn attributes(d: &LiveDistribution) -> Attributes {
    Attributes::from([
        ("Id".to_string(), json!(d.id())),
        ("DomainName".to_string(), json!(d.domain_name())),
    ])
}

fn gone(id: &str) -> ResourceError {
    ResourceError::new("NoSuchDistribution", format!("distribution {id} is gone"))
}

fn cloudfront_tags(tags: Vec<(String, String)>) -> Result<Tags> {
    let items = tags
        .into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Tags::builder().set_items(Some(items)).build())
}

/// The distribution and its ETag, or `None` when it is gone.
async fn get(ctx: &Ctx, id: &str) -> Result<Option<(LiveDistribution, String)>> {
    match ctx
        .clients
        .cloudfront()
        .get_distribution()
        .id(id)
        .send()
        .await
    {
        Ok(out) => {
            let etag = out.e_tag().unwrap_or_default().to_string();
            Ok(out.distribution.map(|d| (d, etag)))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_distribution()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("cloudfront:GetDistribution", e)),
    }
}

/// The config and its ETag (what `IfMatch` wants), or `None` when it is gone.
async fn get_config(ctx: &Ctx, id: &str) -> Result<Option<(DistributionConfig, String)>> {
    let answer = ctx
        .clients
        .cloudfront()
        .get_distribution_config()
        .id(id)
        .send()
        .await;
    match answer {
        Ok(out) => {
            let etag = out.e_tag().unwrap_or_default().to_string();
            Ok(out.distribution_config.map(|c| (c, etag)))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_distribution()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("cloudfront:GetDistributionConfig", e)),
    }
}

/// Sends `config` in place of the live one with the ETag `etag`; a stale ETag is retryable.
async fn send_config(ctx: &Ctx, id: &str, config: DistributionConfig, etag: &str) -> Result<()> {
    let answer = ctx
        .clients
        .cloudfront()
        .update_distribution()
        .id(id)
        .if_match(etag)
        .distribution_config(config)
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_precondition_failed()) =>
        {
            Err(sdk_error("cloudfront:UpdateDistribution", e).retryable())
        }
        Err(e) => Err(sdk_error("cloudfront:UpdateDistribution", e)),
    }
}

/// The template's config in place of the live one (keeping its CallerReference), with the
/// ETag read just before; changed by someone else meanwhile, it is read again once.
async fn put_config(ctx: &Ctx, id: &str, desired: &Value) -> Result<()> {
    let mut stale_once = false;
    loop {
        let (live, etag) = get_config(ctx, id).await?.ok_or_else(|| gone(id))?;
        let config = config::distribution_config(desired, live.caller_reference())?;
        match send_config(ctx, id, config, &etag).await {
            Err(e) if e.retryable && !stale_once => stale_once = true,
            other => return other,
        }
    }
}

/// Polls until the last change is deployed; the distribution and its ETag (`None`: gone).
async fn wait_deployed(ctx: &Ctx, id: &str) -> Result<Option<(LiveDistribution, String)>> {
    let deadline = Instant::now() + MAX_WAIT;
    let mut delay = Duration::from_millis(500);
    loop {
        let Some((d, etag)) = get(ctx, id).await? else {
            return Ok(None);
        };
        if d.status().eq_ignore_ascii_case("Deployed") {
            return Ok(Some((d, etag)));
        }
        if Instant::now() + delay > deadline {
            return Err(ResourceError::new(
                "WaitTimeout",
                format!(
                    "distribution {id} is still {} after {} minutes",
                    d.status(),
                    MAX_WAIT.as_secs() / 60
                ),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(20));
    }
}

/// Ids and ARNs of the account's distributions.
async fn list(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let mut all = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = ctx
            .clients
            .cloudfront()
            .list_distributions()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| sdk_error("cloudfront:ListDistributions", e))?;
        let Some(page) = out.distribution_list() else {
            return Ok(all);
        };
        all.extend(
            page.items()
                .iter()
                .map(|d| (d.id().to_string(), d.arn().to_string())),
        );
        match page.next_marker() {
            Some(next) if page.is_truncated() && !next.is_empty() => marker = Some(next.into()),
            _ => return Ok(all),
        }
    }
}

async fn live_tags(ctx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let out = ctx
        .clients
        .cloudfront()
        .list_tags_for_resource()
        .resource(arn)
        .send()
        .await
        .map_err(|e| sdk_error("cloudfront:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .map(|t| t.items())
        .unwrap_or_default()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// The distribution created with `reference` (an earlier attempt of this create).
async fn by_reference(ctx: &Ctx, reference: &str) -> Result<Option<String>> {
    for (id, _) in list(ctx).await? {
        let config = get_config(ctx, &id).await?;
        if config.is_some_and(|(c, _)| c.caller_reference() == reference) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

impl Resource for Distribution {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds {
            create: 300,
            update: 300,
            delete: 900,
        }
    }

    /// The config is checked before anything is sent (unsupported keys, origins the behaviors
    /// name, method sets, certificate rules).
    fn compare_view(&self, props: Props) -> Result<Props> {
        if let Some(c) = props.get("DistributionConfig") {
            config::distribution_config(c, "check")?;
        }
        Ok(props)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let reference = caller_reference(ctx, props);
        let desired = desired_config(props)?;
        let with_tags = DistributionConfigWithTags::builder()
            .distribution_config(config::distribution_config(desired, &reference)?)
            .tags(cloudfront_tags(ctx.tags_with_ownership(props))?)
            .build();
        let answer = ctx
            .clients
            .cloudfront()
            .create_distribution_with_tags()
            .distribution_config_with_tags(with_tags)
            .send()
            .await;
        let id = match answer {
            Ok(out) => out
                .distribution()
                .map(|d| d.id().to_string())
                .ok_or_else(|| {
                    ResourceError::new(
                        "cloudfront:CreateDistributionWithTags",
                        "no distribution in the answer",
                    )
                })?,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_distribution_already_exists()) =>
            {
                // The same CallerReference: an earlier attempt got through, maybe with
                // another config (the template changed since): it gets this one.
                let Some(id) = by_reference(ctx, &reference).await? else {
                    return Err(sdk_error("cloudfront:CreateDistributionWithTags", e));
                };
                let live = self.read(ctx, &id, props).await?.unwrap_or_default();
                if property::changed(&live.properties, props, "DistributionConfig") {
                    put_config(ctx, &id, desired).await?;
                }
                id
            }
            Err(e) => return Err(sdk_error("cloudfront:CreateDistributionWithTags", e)),
        };
        let (d, _) = wait_deployed(ctx, &id).await?.ok_or_else(|| gone(&id))?;
        Ok(Created {
            physical_id: id,
            attributes: attributes(&d),
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some((d, _)) = get(ctx, id).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        if let Some(c) = d.distribution_config() {
            let live = config_value::config_value(c);
            let live = match desired.get("DistributionConfig") {
                Some(want) => config_value::like(&live, want),
                None => live,
            };
            p.insert("DistributionConfig".into(), live);
        }
        if desired.contains_key("Tags") {
            let tags = live_tags(ctx, d.arn()).await?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(&d),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        if property::changed(old, new, "DistributionConfig") {
            put_config(ctx, id, desired_config(new)?).await?;
        }
        let (d, _) = wait_deployed(ctx, id).await?.ok_or_else(|| gone(id))?;
        let (set, removed) = property::tag_changes(old, new);
        let cloudfront = ctx.clients.cloudfront();
        if !set.is_empty() {
            cloudfront
                .tag_resource()
                .resource(d.arn())
                .tags(cloudfront_tags(set)?)
                .send()
                .await
                .map_err(|e| sdk_error("cloudfront:TagResource", e))?;
        }
        if !removed.is_empty() {
            cloudfront
                .untag_resource()
                .resource(d.arn())
                .tag_keys(TagKeys::builder().set_items(Some(removed)).build())
                .send()
                .await
                .map_err(|e| sdk_error("cloudfront:UntagResource", e))?;
        }
        Ok(attributes(&d))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let Some((live, etag)) = get_config(ctx, id).await? else {
            return Ok(());
        };
        // CloudFront deletes only a disabled distribution whose last change is deployed.
        if live.enabled() {
            let mut off = live;
            off.enabled = false;
            match send_config(ctx, id, off, &etag).await {
                Err(e) if e.code == "NoSuchDistribution" => return Ok(()),
                other => other?,
            }
        }
        let Some((_, etag)) = wait_deployed(ctx, id).await? else {
            return Ok(());
        };
        let answer = ctx
            .clients
            .cloudfront()
            .delete_distribution()
            .id(id)
            .if_match(etag)
            .send()
            .await;
        match answer {
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.is_distribution_not_disabled() || s.is_precondition_failed()
                }) =>
            {
                Err(sdk_error("cloudfront:DeleteDistribution", e).retryable())
            }
            answer => property::deleted("cloudfront:DeleteDistribution", answer, |s| {
                s.is_no_such_distribution()
            }),
        }
    }

    /// By the ownership tags, which the create itself sets.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        for (id, arn) in list(ctx).await? {
            if crate::resources::is_earlier_copy(props, &id) {
                continue;
            }
            let tags = live_tags(ctx, &arn).await?;
            if property::owned_by(ctx, tags.iter().map(|(k, v)| (k, v))) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ctx() -> Ctx {
        let config = aws_config::SdkConfig::builder().build();
        Ctx {
            clients: Arc::new(crate::resources::Clients::new(config)),
            stack: "app-dev".into(),
            logical_id: "Cdn".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
        }
    }

    #[test]
    fn the_caller_reference_is_the_create_token() {
        let p = json!({"DistributionConfig": {}, CLIENT_TOKEN: "tok-1"});
        assert_eq!(caller_reference(&ctx(), p.as_object().unwrap()), "tok-1");
        let q = json!({"DistributionConfig": {"Comment": "a"}});
        let q = q.as_object().unwrap();
        let reference = caller_reference(&ctx(), q);
        assert!(
            reference.starts_with("fuelflow-app-dev-Cdn-"),
            "{reference}"
        );
        assert_eq!(reference, caller_reference(&ctx(), q));
    }
}
