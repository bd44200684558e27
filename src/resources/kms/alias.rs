//! `AWS::KMS::Alias`: a friendly name (`alias/...`) for a KMS key. Physical id: the alias name.
//! Aliases carry no tags; the name finds one after a lost answer.

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_kms::types::AliasListEntry;
use serde_json::json;

pub struct Alias;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["AliasName", "TargetKeyId"];

async fn describe(ctx: &Ctx, name: &str) -> Result<Option<AliasListEntry>> {
    let mut pages = ctx.clients.kms().list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("kms:ListAliases", e))?;
        if let Some(alias) = page.aliases().iter().find(|a| a.alias_name() == Some(name)) {
            return Ok(Some(alias.clone()));
        }
    }
    Ok(None)
}

/// KMS answers with the key id where the template may give the key's ARN: report the
/// template's spelling when both name the same key.
fn same_key_as(desired: Option<&str>, live: &str) -> String {
    match desired {
        Some(d) if d == live || d.ends_with(&format!("key/{live}")) => d.to_string(),
        _ => live.to_string(),
    }
}

impl Resource for Alias {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("AliasName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (256, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "AliasName")?;
        if !name.starts_with("alias/") || name.starts_with("alias/aws/") {
            return Err(ResourceError::invalid(
                "AliasName",
                format!("`{name}` must start with alias/ (and not alias/aws/, which AWS keeps)"),
            ));
        }
        ctx.clients
            .kms()
            .create_alias()
            .alias_name(&name)
            .target_key_id(property::required(props, "TargetKeyId")?)
            .send()
            .await
            .map_err(|e| sdk_error("kms:CreateAlias", e))?;
        Ok(Created {
            physical_id: name,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(alias) = describe(ctx, name).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("AliasName".into(), json!(name));
        if let Some(target) = alias.target_key_id() {
            let desired_target = property::string(desired, "TargetKeyId");
            p.insert(
                "TargetKeyId".into(),
                json!(same_key_as(desired_target.as_deref(), target)),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        if property::changed(old, new, "TargetKeyId") {
            ctx.clients
                .kms()
                .update_alias()
                .alias_name(name)
                .target_key_id(property::required(new, "TargetKeyId")?)
                .send()
                .await
                .map_err(|e| sdk_error("kms:UpdateAlias", e))?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "kms:DeleteAlias",
            ctx.clients
                .kms()
                .delete_alias()
                .alias_name(name)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "AliasName") else {
            return Ok(None);
        };
        Ok(describe(ctx, &name).await?.map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_arn_in_the_template_reads_back_as_written() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";
        assert_eq!(same_key_as(Some(arn), "1234abcd"), arn);
        assert_eq!(same_key_as(Some("1234abcd"), "1234abcd"), "1234abcd");
        assert_eq!(same_key_as(Some(arn), "other"), "other");
        assert_eq!(same_key_as(None, "other"), "other");
    }
}
