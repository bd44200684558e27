//! `AWS::KMS::Key`: a customer-managed key with its description, key policy, rotation, usage,
//! spec and tags. Physical id: the key id (what `Ref` returns).
//!
//! A KMS key cannot be deleted at once: delete schedules the deletion (`PendingWindowInDays`,
//! 30 days by default, 7 at least), and a key pending deletion reads as gone. `KeyUsage` and
//! `KeySpec` cannot change on a live key: update refuses them (CloudFormation replaces the key).
//! `PendingWindowInDays` is write-only (used by delete, never read back).

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, is_earlier_copy,
};
use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, Tag};
use serde_json::json;

pub struct Key;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Description",
    "Enabled",
    "EnableKeyRotation",
    "KeyPolicy",
    "KeyUsage",
    "KeySpec",
    "PendingWindowInDays",
    "Tags",
];

/// The one key policy name KMS has.
const POLICY_NAME: &str = "default";
/// CloudFormation's default waiting period before a scheduled deletion.
const DEFAULT_PENDING_DAYS: i32 = 30;

fn attributes(meta: &KeyMetadata) -> Attributes {
    Attributes::from([
        ("Arn".to_string(), json!(meta.arn().unwrap_or_default())),
        ("KeyId".to_string(), json!(meta.key_id())),
    ])
}

fn kms_tags(ctx: &Ctx, props: &Props) -> Result<Vec<Tag>> {
    ctx.tags_with_ownership(props)
        .into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect()
}

/// The key, or `None` when it does not exist or is pending deletion (a key on its way out).
async fn describe(ctx: &Ctx, key_id: &str) -> Result<Option<KeyMetadata>> {
    let answer = ctx.clients.kms().describe_key().key_id(key_id).send().await;
    match answer {
        Ok(out) => Ok(out.key_metadata.filter(|m| {
            !matches!(
                m.key_state(),
                Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
            )
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("kms:DescribeKey", e)),
    }
}

async fn key_tags(ctx: &Ctx, key_id: &str) -> Result<Vec<(String, String)>> {
    let mut tags = Vec::new();
    let mut pages = ctx
        .clients
        .kms()
        .list_resource_tags()
        .key_id(key_id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("kms:ListResourceTags", e))?;
        tags.extend(
            page.tags()
                .iter()
                .map(|t| (t.tag_key().to_string(), t.tag_value().to_string())),
        );
    }
    Ok(tags)
}

async fn set_rotation(ctx: &Ctx, key_id: &str, on: bool) -> Result<()> {
    let kms = ctx.clients.kms();
    if on {
        kms.enable_key_rotation()
            .key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("kms:EnableKeyRotation", e))
    } else {
        kms.disable_key_rotation()
            .key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("kms:DisableKeyRotation", e))
    }
}

async fn set_enabled(ctx: &Ctx, key_id: &str, on: bool) -> Result<()> {
    let kms = ctx.clients.kms();
    if on {
        kms.enable_key()
            .key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("kms:EnableKey", e))
    } else {
        kms.disable_key()
            .key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("kms:DisableKey", e))
    }
}

impl Resource for Key {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .kms()
            .create_key()
            .set_description(property::string(props, "Description"))
            .set_policy(property::document(props, "KeyPolicy"))
            .set_key_usage(
                property::string(props, "KeyUsage").map(|u| KeyUsageType::from(u.as_str())),
            )
            .set_key_spec(property::string(props, "KeySpec").map(|s| KeySpec::from(s.as_str())))
            .set_tags(Some(kms_tags(ctx, props)?))
            // No client token: one attempt, so a lost answer reaches the engine, which looks
            // the key up by its ownership tags before it tries again.
            .customize()
            .config_override(
                aws_sdk_kms::config::Builder::default()
                    .retry_config(aws_smithy_types::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(|e| sdk_error("kms:CreateKey", e))?;
        let meta = out
            .key_metadata
            .ok_or_else(|| ResourceError::new("kms:CreateKey", "no key metadata in the answer"))?;
        let key_id = meta.key_id().to_string();
        if property::boolean(props, "EnableKeyRotation")? == Some(true) {
            set_rotation(ctx, &key_id, true).await?;
        }
        if property::boolean(props, "Enabled")? == Some(false) {
            set_enabled(ctx, &key_id, false).await?;
        }
        Ok(Created {
            attributes: attributes(&meta),
            physical_id: key_id,
        })
    }

    async fn read(&self, ctx: &Ctx, key_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(meta) = describe(ctx, key_id).await? else {
            return Ok(None);
        };
        let kms = ctx.clients.kms();
        let mut p = Props::new();
        if let Some(d) = meta.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        p.insert("Enabled".into(), json!(meta.enabled()));
        if let Some(usage) = meta.key_usage() {
            p.insert("KeyUsage".into(), json!(usage.as_str()));
        }
        if let Some(spec) = meta.key_spec() {
            p.insert("KeySpec".into(), json!(spec.as_str()));
        }
        if desired.contains_key("EnableKeyRotation") {
            let status = kms
                .get_key_rotation_status()
                .key_id(key_id)
                .send()
                .await
                .map_err(|e| sdk_error("kms:GetKeyRotationStatus", e))?;
            p.insert(
                "EnableKeyRotation".into(),
                json!(status.key_rotation_enabled()),
            );
        }
        if desired.contains_key("KeyPolicy") {
            let policy = kms
                .get_key_policy()
                .key_id(key_id)
                .policy_name(POLICY_NAME)
                .send()
                .await
                .map_err(|e| sdk_error("kms:GetKeyPolicy", e))?;
            if let Some(text) = policy.policy() {
                p.insert(
                    "KeyPolicy".into(),
                    property::document_like(text, desired.get("KeyPolicy")),
                );
            }
        }
        if desired.contains_key("Tags") {
            let tags = key_tags(ctx, key_id).await?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(&meta),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        key_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        for fixed in ["KeyUsage", "KeySpec"] {
            if property::changed(old, new, fixed) {
                return Err(ResourceError::invalid(
                    fixed,
                    "cannot change on an existing KMS key (a new key is needed: give the resource a new logical id)",
                ));
            }
        }
        let kms = ctx.clients.kms();
        if property::changed(old, new, "Description") {
            kms.update_key_description()
                .key_id(key_id)
                .description(property::string(new, "Description").unwrap_or_default())
                .send()
                .await
                .map_err(|e| sdk_error("kms:UpdateKeyDescription", e))?;
        }
        if property::changed(old, new, "KeyPolicy") {
            if let Some(policy) = property::document(new, "KeyPolicy") {
                kms.put_key_policy()
                    .key_id(key_id)
                    .policy_name(POLICY_NAME)
                    .policy(policy)
                    .send()
                    .await
                    .map_err(|e| sdk_error("kms:PutKeyPolicy", e))?;
            }
        }
        if property::changed(old, new, "EnableKeyRotation") {
            let on = property::boolean(new, "EnableKeyRotation")?.unwrap_or(false);
            set_rotation(ctx, key_id, on).await?;
        }
        if property::changed(old, new, "Enabled") {
            let on = property::boolean(new, "Enabled")?.unwrap_or(true);
            set_enabled(ctx, key_id, on).await?;
        }
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            let tags: Result<Vec<Tag>> = set
                .into_iter()
                .map(|(k, v)| {
                    Tag::builder()
                        .tag_key(k)
                        .tag_value(v)
                        .build()
                        .map_err(|e| ResourceError::invalid("Tags", e))
                })
                .collect();
            kms.tag_resource()
                .key_id(key_id)
                .set_tags(Some(tags?))
                .send()
                .await
                .map_err(|e| sdk_error("kms:TagResource", e))?;
        }
        if !removed.is_empty() {
            kms.untag_resource()
                .key_id(key_id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("kms:UntagResource", e))?;
        }
        let meta = describe(ctx, key_id)
            .await?
            .ok_or_else(|| ResourceError::new("NotFoundException", "the key is gone"))?;
        Ok(attributes(&meta))
    }

    async fn delete(&self, ctx: &Ctx, key_id: &str, props: &Props) -> Result<()> {
        // A second ScheduleKeyDeletion of a key already pending is refused: check first.
        if describe(ctx, key_id).await?.is_none() {
            return Ok(());
        }
        let days = property::integer(props, "PendingWindowInDays")?.unwrap_or(DEFAULT_PENDING_DAYS);
        property::deleted(
            "kms:ScheduleKeyDeletion",
            ctx.clients
                .kms()
                .schedule_key_deletion()
                .key_id(key_id)
                .pending_window_in_days(days)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// Keys have no name: the one carrying this resource's ownership tags, not pending deletion.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let mut pages = ctx.clients.kms().list_keys().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("kms:ListKeys", e))?;
            for key_id in page.keys().iter().filter_map(|k| k.key_id()) {
                if is_earlier_copy(props, key_id) {
                    continue;
                }
                let tags = key_tags(ctx, key_id).await?;
                if property::owned_by(ctx, tags.iter().map(|(k, v)| (k, v)))
                    && describe(ctx, key_id).await?.is_some()
                {
                    return Ok(Some(key_id.to_string()));
                }
            }
        }
        Ok(None)
    }
}
