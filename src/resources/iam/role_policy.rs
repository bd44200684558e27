//! `AWS::IAM::RolePolicy`: one inline policy on one role. Physical id (`Ref`) = the policy name.

use serde_json::json;

use super::principal::Principal;
use super::{check_supported, policy_document, required};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};

pub struct RolePolicy;

const MANAGED: &[&str] = &["PolicyName", "RoleName", "PolicyDocument"];

async fn put(ctx: &Ctx, props: &Props) -> Result<String> {
    let name = required(props, "PolicyName")?;
    let role = required(props, "RoleName")?;
    let document = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
    Principal::Role
        .put_inline(ctx, &role, &name, &document)
        .await?;
    Ok(name)
}

impl Resource for RolePolicy {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props, MANAGED)?;
        Ok(Created {
            physical_id: put(ctx, props).await?,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let role = required(desired, "RoleName")?;
        let Some(document) = Principal::Role.get_inline(ctx, &role, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("PolicyName".into(), json!(physical_id));
        properties.insert("RoleName".into(), json!(role));
        properties.insert(
            "PolicyDocument".into(),
            policy_document::like_template(desired.get("PolicyDocument"), document),
        );
        Ok(Some(Live {
            properties,
            attributes: Attributes::new(),
        }))
    }

    /// PolicyName and RoleName are create-only: only the document changes in place. It is
    /// compared with the live one, so drift is repaired whatever `old` holds.
    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        check_supported(new, MANAGED)?;
        let role = required(new, "RoleName")?;
        let live = Principal::Role.get_inline(ctx, &role, physical_id).await?;
        if !policy_document::same(live.as_ref(), new.get("PolicyDocument")) {
            put(ctx, new).await?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let role = required(props, "RoleName")?;
        Principal::Role.delete_inline(ctx, &role, physical_id).await
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let name = required(props, "PolicyName")?;
        let role = required(props, "RoleName")?;
        let found = Principal::Role.get_inline(ctx, &role, &name).await?;
        Ok(found.map(|_| name))
    }
}
