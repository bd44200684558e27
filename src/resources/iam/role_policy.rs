//! `AWS::IAM::RolePolicy`: one inline policy on one role. Physical id (`Ref`) = the policy name.

use serde_json::json;

use super::principal::Principal;
use super::{check_supported, policy_document, required};
use crate::resources::{Attributes, Created, Ctx, Handler, Live, Props, Result};
use crate::state::BoxFuture;

pub(super) struct RolePolicy;
pub(super) static ROLE_POLICY: RolePolicy = RolePolicy;

const SUPPORTED: [&str; 3] = ["PolicyName", "RoleName", "PolicyDocument"];

async fn put(ctx: &Ctx, props: &Props) -> Result<String> {
    let name = required(props, "PolicyName")?;
    let role = required(props, "RoleName")?;
    let document = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
    Principal::Role
        .put_inline(ctx, &role, &name, &document)
        .await?;
    Ok(name)
}

impl Handler for RolePolicy {
    fn create<'a>(&'a self, ctx: &'a Ctx, props: &'a Props) -> BoxFuture<'a, Result<Created>> {
        Box::pin(async move {
            check_supported(props, &SUPPORTED)?;
            Ok(Created {
                physical_id: put(ctx, props).await?,
                attributes: Attributes::new(),
            })
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        desired: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Live>>> {
        Box::pin(async move {
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
        })
    }

    /// PolicyName and RoleName are create-only: only the document changes in place.
    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        _physical_id: &'a str,
        old: &'a Props,
        new: &'a Props,
    ) -> BoxFuture<'a, Result<Attributes>> {
        Box::pin(async move {
            check_supported(new, &SUPPORTED)?;
            if !policy_document::same(old.get("PolicyDocument"), new.get("PolicyDocument")) {
                put(ctx, new).await?;
            }
            Ok(Attributes::new())
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let role = required(props, "RoleName")?;
            Principal::Role.delete_inline(ctx, &role, physical_id).await
        })
    }

    fn adopt<'a>(
        &'a self,
        ctx: &'a Ctx,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            let name = required(props, "PolicyName")?;
            let role = required(props, "RoleName")?;
            let found = Principal::Role.get_inline(ctx, &role, &name).await?;
            Ok(found.map(|_| name))
        })
    }
}
