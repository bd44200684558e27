//! `AWS::ApiGateway::Account`: the region's API Gateway settings (the CloudWatch role used for
//! execution and access logs). It always exists, so create and update both set the role, and
//! delete leaves the setting alone (other stacks' stages may log through it).
//! Physical id: `apigateway-account-<region>`.

use super::replace;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::json;

pub struct Account;

fn account_id(ctx: &Ctx) -> String {
    format!("apigateway-account-{}", ctx.region)
}

fn attributes(ctx: &Ctx) -> Attributes {
    Attributes::from([("Id".to_string(), json!(account_id(ctx)))])
}

/// A role just created may not yet be trusted by API Gateway (IAM propagation).
fn role_not_ready(e: &ResourceError) -> bool {
    e.code == "BadRequestException" && e.message.contains("does not have required permissions")
}

async fn set_role(ctx: &Ctx, props: &Props) -> Result<()> {
    let role = property::string(props, "CloudWatchRoleArn").unwrap_or_default();
    ctx.clients
        .apigateway()
        .update_account()
        .patch_operations(replace("/cloudwatchRoleArn", role))
        .send()
        .await
        .map_err(|e| {
            let e: ResourceError = sdk_error("apigateway:UpdateAccount", e);
            if role_not_ready(&e) { e.retryable() } else { e }
        })?;
    Ok(())
}

async fn current_role(ctx: &Ctx) -> Result<Option<String>> {
    let out = ctx
        .clients
        .apigateway()
        .get_account()
        .send()
        .await
        .map_err(|e| sdk_error("apigateway:GetAccount", e))?;
    Ok(out
        .cloudwatch_role_arn()
        .filter(|r| !r.is_empty())
        .map(str::to_owned))
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["CloudWatchRoleArn"];

impl Resource for Account {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        set_role(ctx, props).await?;
        Ok(Created {
            physical_id: account_id(ctx),
            attributes: attributes(ctx),
        })
    }

    async fn read(&self, ctx: &Ctx, _physical_id: &str, _desired: &Props) -> Result<Option<Live>> {
        let mut p = Props::new();
        if let Some(role) = current_role(ctx).await? {
            p.insert("CloudWatchRoleArn".into(), json!(role));
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(ctx),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        if property::changed(old, new, "CloudWatchRoleArn") {
            set_role(ctx, new).await?;
        }
        Ok(attributes(ctx))
    }

    async fn delete(&self, _ctx: &Ctx, _physical_id: &str, _props: &Props) -> Result<()> {
        Ok(())
    }

    /// The settings are already what the template wants: nothing to create.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let wanted = property::string(props, "CloudWatchRoleArn");
        Ok((current_role(ctx).await? == wanted).then(|| account_id(ctx)))
    }
}
