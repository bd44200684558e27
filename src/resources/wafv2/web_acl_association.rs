//! `AWS::WAFv2::WebACLAssociation`: a regional web ACL in front of a resource (an API Gateway
//! stage: `arn:aws:apigateway:{region}::/restapis/{id}/stages/{stage}`). Physical id:
//! `ResourceArn|WebACLArn`. Both properties are create-only; a resource has at most one web ACL,
//! so `find` asks the resource which one it has.

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::json;

pub struct WebAclAssociation;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["ResourceArn", "WebACLArn"];

fn parse_id(physical_id: &str) -> Result<(&str, &str)> {
    physical_id.split_once('|').ok_or_else(|| {
        ResourceError::new(
            "InvalidPhysicalId",
            format!("`{physical_id}` is not ResourceArn|WebACLArn"),
        )
    })
}

/// The ARN of the web ACL in front of `resource_arn`, if any.
async fn current(ctx: &Ctx, resource_arn: &str) -> Result<Option<String>> {
    let answer = ctx
        .clients
        .wafv2()
        .get_web_acl_for_resource()
        .resource_arn(resource_arn)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out.web_acl().map(|acl| acl.arn().to_string())),
        // The resource itself is gone: so is its association.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_waf_nonexistent_item_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("wafv2:GetWebACLForResource", e)),
    }
}

impl Resource for WebAclAssociation {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let resource = property::required(props, "ResourceArn")?;
        let acl = property::required(props, "WebACLArn")?;
        // Associating again with the same ACL is accepted by WAF: a retry is harmless.
        ctx.clients
            .wafv2()
            .associate_web_acl()
            .resource_arn(&resource)
            .web_acl_arn(&acl)
            .send()
            .await
            .map_err(|e| sdk_error("wafv2:AssociateWebACL", e))?;
        Ok(Created {
            physical_id: format!("{resource}|{acl}"),
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, _desired: &Props) -> Result<Option<Live>> {
        let (resource, acl) = parse_id(physical_id)?;
        // Another ACL in front of the resource means this association is gone.
        if current(ctx, resource).await?.as_deref() != Some(acl) {
            return Ok(None);
        }
        let mut p = Props::new();
        p.insert("ResourceArn".into(), json!(resource));
        p.insert("WebACLArn".into(), json!(acl));
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    async fn update(
        &self,
        _ctx: &Ctx,
        _id: &str,
        _old: &Props,
        _new: &Props,
    ) -> Result<Attributes> {
        // Both properties are create-only: a change is a replacement, never an update.
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let (resource, acl) = parse_id(physical_id)?;
        // Only this association: a resource now behind another ACL keeps it.
        if current(ctx, resource).await?.as_deref() != Some(acl) {
            return Ok(());
        }
        property::deleted(
            "wafv2:DisassociateWebACL",
            ctx.clients
                .wafv2()
                .disassociate_web_acl()
                .resource_arn(resource)
                .send()
                .await,
            |s| s.is_waf_nonexistent_item_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(resource), Some(acl)) = (
            property::string(props, "ResourceArn"),
            property::string(props, "WebACLArn"),
        ) else {
            return Ok(None);
        };
        Ok(
            (current(ctx, &resource).await?.as_deref() == Some(acl.as_str()))
                .then(|| format!("{resource}|{acl}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_physical_id_splits_at_the_first_bar() {
        let stage = "arn:aws:apigateway:us-east-1::/restapis/a1/stages/prod";
        let acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/0a1b";
        let id = format!("{stage}|{acl}");
        assert_eq!(parse_id(&id).unwrap(), (stage, acl));
    }
}
