//! `AWS::ApiGateway::UsagePlanKey`: puts an API key on a usage plan. Every property is
//! create-only. Physical id (and `Ref`, as CloudFormation returns it): `<key id>:<plan id>`.

use super::not_found;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::json;

pub struct UsagePlanKey;

const MANAGED: &[&str] = &["KeyId", "KeyType", "UsagePlanId"];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(id))])
}

fn split(id: &str) -> Result<(&str, &str)> {
    id.split_once(':').ok_or_else(|| {
        ResourceError::new(
            "InvalidPhysicalId",
            format!("`{id}` is not <key id>:<usage plan id>"),
        )
    })
}

/// The key's type when the plan has it.
async fn get(ctx: &Ctx, plan: &str, key: &str) -> Result<Option<String>> {
    match ctx
        .clients
        .apigateway()
        .get_usage_plan_key()
        .usage_plan_id(plan)
        .key_id(key)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.r#type().unwrap_or("API_KEY").to_string())),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetUsagePlanKey", e)),
    }
}

impl Resource for UsagePlanKey {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let key = property::required(props, "KeyId")?;
        let plan = property::required(props, "UsagePlanId")?;
        ctx.clients
            .apigateway()
            .create_usage_plan_key()
            .usage_plan_id(&plan)
            .key_id(&key)
            .key_type(property::string(props, "KeyType").unwrap_or("API_KEY".into()))
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateUsagePlanKey", e))?;
        let id = format!("{key}:{plan}");
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _desired: &Props) -> Result<Option<Live>> {
        let (key, plan) = split(id)?;
        Ok(get(ctx, plan, key).await?.map(|kind| Live {
            properties: Props::from_iter([
                ("KeyId".to_string(), json!(key)),
                ("KeyType".to_string(), json!(kind)),
                ("UsagePlanId".to_string(), json!(plan)),
            ]),
            attributes: attributes(id),
        }))
    }

    async fn update(&self, _ctx: &Ctx, id: &str, _old: &Props, _new: &Props) -> Result<Attributes> {
        // Every property is create-only: a change is a replacement.
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let (key, plan) = split(id)?;
        property::deleted(
            "apigateway:DeleteUsagePlanKey",
            ctx.clients
                .apigateway()
                .delete_usage_plan_key()
                .usage_plan_id(plan)
                .key_id(key)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// A plan holds a key at most once: the pair is the resource.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(key), Some(plan)) = (
            property::string(props, "KeyId"),
            property::string(props, "UsagePlanId"),
        ) else {
            return Ok(None);
        };
        Ok(get(ctx, &plan, &key)
            .await?
            .map(|_| format!("{key}:{plan}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_key_then_plan() {
        assert_eq!(split("k1:p2").unwrap(), ("k1", "p2"));
        assert!(split("k1").is_err());
    }
}
