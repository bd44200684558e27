//! The `Policies` (inline, by name) and `ManagedPolicyArns` properties of users and groups:
//! applied as a diff, read back as the template lists them (only the names and ARNs it lists:
//! `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` resources add others, which are not drift).

use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::principal::Principal;
use super::{policy_document, strings};
use crate::resources::{Ctx, Props, ResourceError, Result};

/// The `Policies` property: name -> template document, in template order.
pub(super) fn inline(props: &Props) -> Result<Vec<(String, Value)>> {
    let Some(list) = props.get("Policies").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ResourceError::invalid("Policies", "must be a list"))?;
    list.iter()
        .map(|p| {
            let name = p
                .get("PolicyName")
                .and_then(Value::as_str)
                .ok_or_else(|| ResourceError::invalid("Policies.PolicyName", "is required"))?;
            let document = p.get("PolicyDocument").cloned().unwrap_or(Value::Null);
            Ok((name.to_string(), document))
        })
        .collect()
}

/// Makes the holder's policies those of `new`, given that it had those of `old`.
pub(super) async fn apply(
    ctx: &Ctx,
    holder: Principal,
    name: &str,
    old: &Props,
    new: &Props,
) -> Result<()> {
    let (before, after) = (inline(old)?, inline(new)?);
    let before: BTreeMap<String, Value> = before.into_iter().collect();
    for (policy, document) in &after {
        if before.get(policy) != Some(document) {
            let text = policy_document::to_text("Policies.PolicyDocument", Some(document))?;
            holder.put_inline(ctx, name, policy, &text).await?;
        }
    }
    for policy in before
        .keys()
        .filter(|p| !after.iter().any(|(a, _)| a == *p))
    {
        holder.delete_inline(ctx, name, policy).await?;
    }
    let (was, now) = (
        strings(old, "ManagedPolicyArns")?,
        strings(new, "ManagedPolicyArns")?,
    );
    for arn in now.iter().filter(|a| !was.contains(a)) {
        holder.attach(ctx, name, arn).await?;
    }
    for arn in was.iter().filter(|a| !now.contains(a)) {
        holder.detach(ctx, name, arn).await?;
    }
    Ok(())
}

/// Reads `Policies` and `ManagedPolicyArns` into `live` when `desired` sets them.
pub(super) async fn read(
    ctx: &Ctx,
    holder: Principal,
    name: &str,
    desired: &Props,
    live: &mut Props,
    attached: impl std::future::Future<Output = Result<Vec<String>>>,
) -> Result<()> {
    if desired.contains_key("Policies") {
        let mut policies = Vec::new();
        for (policy, template) in inline(desired)? {
            if let Some(document) = holder.get_inline(ctx, name, &policy).await? {
                let document = policy_document::like_template(Some(&template), document);
                policies.push(json!({"PolicyName": policy, "PolicyDocument": document}));
            }
        }
        live.insert("Policies".into(), Value::Array(policies));
    }
    if desired.contains_key("ManagedPolicyArns") {
        let attached = attached.await?;
        let wanted = strings(desired, "ManagedPolicyArns")?;
        let present: Vec<&String> = wanted.iter().filter(|a| attached.contains(a)).collect();
        live.insert("ManagedPolicyArns".into(), json!(present));
    }
    Ok(())
}
