//! `AWS::Lambda::Permission`: one statement of a function's resource policy. Every property is
//! create-only, so a change replaces it; the statement id `<logical-id>-<hash of the props>`
//! is therefore new for each version, which lets the replacement be made before the old one
//! goes. Physical id: the statement id.

use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_lambda::types::FunctionUrlAuthType;
use serde_json::{Map, Value, json};

pub struct Permission;

/// The statement id for these props: stable, so `adopt` can find it again.
pub fn statement_id(logical_id: &str, props: &Props) -> String {
    let hash = property::short_hash(&Value::Object(property::without_reserved(props)));
    // Statement ids allow [A-Za-z0-9-_] up to 100 characters.
    let prefix: String = logical_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(100 - 1 - hash.len())
        .collect();
    format!("{prefix}-{hash}")
}

fn id_attributes(sid: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(sid))])
}

/// The statement with this id in the function's policy, or `None` (no policy, no function,
/// or no such statement).
async fn find_statement(
    ctx: &Ctx,
    function: &str,
    sid: &str,
) -> Result<Option<Map<String, Value>>> {
    let policy = match ctx
        .clients
        .lambda()
        .get_policy()
        .function_name(function)
        .send()
        .await
    {
        Ok(out) => out.policy.unwrap_or_default(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(sdk_error("lambda:GetPolicy", e)),
    };
    let policy: Value = serde_json::from_str(&policy).map_err(|e| {
        ResourceError::new("InvalidPolicy", format!("GetPolicy returned bad JSON: {e}"))
    })?;
    let statements = match policy.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
        None => vec![],
    };
    Ok(statements
        .into_iter()
        .filter_map(|s| s.as_object().cloned())
        .find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid)))
}

/// The template properties a policy statement stands for (`desired` gives the shape where the
/// policy spells a value differently: an account id principal reads back as a root ARN).
fn statement_props(statement: &Map<String, Value>, desired: &Props) -> Props {
    let mut p = Props::new();
    if let Some(f) = desired.get("FunctionName") {
        p.insert("FunctionName".into(), f.clone());
    }
    if let Some(action) = statement.get("Action") {
        let action = match action {
            Value::Array(a) if a.len() == 1 => a[0].clone(),
            other => other.clone(),
        };
        p.insert("Action".into(), action);
    }
    let principal = match statement.get("Principal") {
        Some(Value::Object(p)) => p
            .get("Service")
            .or_else(|| p.get("AWS"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    if let Some(principal) = principal {
        let wanted = property::string(desired, "Principal").unwrap_or_default();
        let principal = if principal == format!("arn:aws:iam::{wanted}:root") {
            wanted
        } else {
            principal
        };
        p.insert("Principal".into(), json!(principal));
    }
    let conditions = statement.get("Condition").and_then(Value::as_object);
    let condition = |key: &str| {
        conditions?
            .values()
            .filter_map(Value::as_object)
            .find_map(|c| c.get(key).and_then(Value::as_str).map(str::to_owned))
    };
    for (prop, key) in [
        ("SourceArn", "AWS:SourceArn"),
        ("SourceAccount", "AWS:SourceAccount"),
        ("EventSourceToken", "lambda:EventSourceToken"),
        ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType"),
        ("PrincipalOrgID", "aws:PrincipalOrgID"),
    ] {
        if let Some(v) = condition(key) {
            p.insert(prop.into(), json!(v));
        }
    }
    p
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Action",
    "EventSourceToken",
    "FunctionName",
    "FunctionUrlAuthType",
    "Principal",
    "PrincipalOrgID",
    "SourceAccount",
    "SourceArn",
];

impl Resource for Permission {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let sid = statement_id(&ctx.logical_id, props);
        ctx.clients
            .lambda()
            .add_permission()
            .function_name(property::required(props, "FunctionName")?)
            .statement_id(&sid)
            .action(property::required(props, "Action")?)
            .principal(property::required(props, "Principal")?)
            .set_source_arn(property::string(props, "SourceArn"))
            .set_source_account(property::string(props, "SourceAccount"))
            .set_event_source_token(property::string(props, "EventSourceToken"))
            .set_principal_org_id(property::string(props, "PrincipalOrgID"))
            .set_function_url_auth_type(
                property::string(props, "FunctionUrlAuthType")
                    .map(|t| FunctionUrlAuthType::from(t.as_str())),
            )
            .send()
            .await
            .map_err(|e| sdk_error("lambda:AddPermission", e))?;
        Ok(Created {
            attributes: id_attributes(&sid),
            physical_id: sid,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let function = property::required(desired, "FunctionName")?;
        Ok(find_statement(ctx, &function, physical_id)
            .await?
            .map(|s| Live {
                properties: statement_props(&s, desired),
                attributes: id_attributes(physical_id),
            }))
    }

    async fn update(
        &self,
        _ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        _new: &Props,
    ) -> Result<Attributes> {
        // Every property is create-only: a change is a replacement, never an update.
        Ok(id_attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let function = property::required(props, "FunctionName")?;
        property::deleted(
            "lambda:RemovePermission",
            ctx.clients
                .lambda()
                .remove_permission()
                .function_name(function)
                .statement_id(physical_id)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let sid = statement_id(&ctx.logical_id, props);
        let function = property::required(props, "FunctionName")?;
        Ok(find_statement(ctx, &function, &sid).await?.map(|_| sid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_id_changes_with_the_props_and_ignores_reserved_keys() {
        let mut props = Props::new();
        props.insert("Principal".into(), json!("apigateway.amazonaws.com"));
        let a = statement_id("ApiInvoke", &props);
        assert!(a.starts_with("ApiInvoke-"));
        props.insert("fuelflow:TemplateDir".into(), json!("/tmp"));
        assert_eq!(statement_id("ApiInvoke", &props), a);
        props.insert("Principal".into(), json!("s3.amazonaws.com"));
        assert_ne!(statement_id("ApiInvoke", &props), a);
    }
}
