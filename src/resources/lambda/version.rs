//! `AWS::Lambda::Version`: an immutable snapshot of a function's code and configuration. Every
//! managed property is create-only: a change publishes a new version (a replacement), and the
//! old one is deleted after. Physical id (`Ref`): the version's qualified ARN.
//! Lambda publishes nothing new when the code and configuration did not change since the last
//! version, so a `PublishVersion` whose answer was lost answers the same version when repeated;
//! after a crash, `find` takes the newest version with the template's description.

use crate::resources::is_earlier_copy;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::json;

pub struct Version;

const MANAGED: &[&str] = &["CodeSha256", "Description", "FunctionName"];

fn attributes(arn: &str) -> Attributes {
    let version = arn.rsplit(':').next().unwrap_or_default();
    Attributes::from([
        ("FunctionArn".to_string(), json!(arn)),
        ("Version".to_string(), json!(version)),
    ])
}

/// (function ARN without the version, version) of a qualified ARN.
fn parts(arn: &str) -> Result<(&str, &str)> {
    match arn.rsplit_once(':') {
        Some((function, version))
            if function.contains(":function:") && version.chars().all(|c| c.is_ascii_digit()) =>
        {
            Ok((function, version))
        }
        _ => Err(ResourceError::new(
            "InvalidPhysicalId",
            format!("`{arn}` is not a Lambda version ARN"),
        )),
    }
}

impl Resource for Version {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .lambda()
            .publish_version()
            .function_name(property::required(props, "FunctionName")?)
            .set_description(property::string(props, "Description"))
            .set_code_sha256(property::string(props, "CodeSha256"))
            .send()
            .await
            .map_err(|e| sdk_error("lambda:PublishVersion", e))?;
        let arn = out.function_arn().unwrap_or_default().to_string();
        parts(&arn)?;
        Ok(Created {
            attributes: attributes(&arn),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let (function, version) = parts(arn)?;
        let out = match ctx
            .clients
            .lambda()
            .get_function_configuration()
            .function_name(function)
            .qualifier(version)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(sdk_error("lambda:GetFunctionConfiguration", e)),
        };
        let mut p = Props::new();
        let function_as_written = desired
            .get("FunctionName")
            .cloned()
            .unwrap_or(json!(function));
        p.insert("FunctionName".into(), function_as_written);
        if let Some(d) = out.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        if desired.contains_key("CodeSha256") {
            p.insert("CodeSha256".into(), json!(out.code_sha256()));
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(arn),
        }))
    }

    /// Nothing of a version changes in place (every managed property is create-only).
    async fn update(
        &self,
        _ctx: &Ctx,
        arn: &str,
        _old: &Props,
        _new: &Props,
    ) -> Result<Attributes> {
        Ok(attributes(arn))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        let (function, version) = parts(arn)?;
        property::deleted(
            "lambda:DeleteFunction",
            ctx.clients
                .lambda()
                .delete_function()
                .function_name(function)
                .qualifier(version)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    /// The newest published version with the template's description that is no earlier copy
    /// of this resource.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(function) = property::string(props, "FunctionName") else {
            return Ok(None);
        };
        let description = property::string(props, "Description").unwrap_or_default();
        let mut pages = ctx
            .clients
            .lambda()
            .list_versions_by_function()
            .function_name(&function)
            .into_paginator()
            .send();
        let mut newest: Option<(u64, String)> = None;
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(page) => page,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception()) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(sdk_error("lambda:ListVersionsByFunction", e)),
            };
            for v in page.versions() {
                let (Some(arn), Some(number)) = (
                    v.function_arn(),
                    v.version().and_then(|n| n.parse::<u64>().ok()),
                ) else {
                    continue; // $LATEST
                };
                let same = v.description().unwrap_or_default() == description;
                if same
                    && !is_earlier_copy(props, arn)
                    && newest.as_ref().is_none_or(|(n, _)| number > *n)
                {
                    newest = Some((number, arn.to_string()));
                }
            }
        }
        Ok(newest.map(|(_, arn)| arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_arns_split_into_function_and_number() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:api:7";
        assert_eq!(
            parts(arn).unwrap(),
            ("arn:aws:lambda:us-east-1:123456789012:function:api", "7")
        );
        assert!(parts("arn:aws:lambda:us-east-1:123456789012:function:api:live").is_err());
        assert_eq!(attributes(arn)["Version"], json!("7"));
    }
}
