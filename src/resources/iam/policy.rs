//! `AWS::IAM::Policy`: one inline policy put on each listed role, user and group. Physical id
//! (`Ref`) = the policy name (CloudFormation returns a generated id; the name is as unique here).

use serde_json::{Value, json};

use super::principal::Principal;
use super::{check_supported, policy_document, required, string, strings};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};

pub struct Policy;

const SUPPORTED: [&str; 5] = ["PolicyName", "PolicyDocument", "Roles", "Users", "Groups"];

fn attributes(name: &str) -> Attributes {
    Attributes::from([("Id".to_owned(), json!(name))])
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["Groups", "PolicyName", "PolicyDocument", "Roles", "Users"];

impl Resource for Policy {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props, &SUPPORTED)?;
        let name = required(props, "PolicyName")?;
        let document = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
        let mut holders = 0;
        for kind in Principal::ALL {
            for principal in strings(props, kind.property())? {
                kind.put_inline(ctx, &principal, &name, &document).await?;
                holders += 1;
            }
        }
        if holders == 0 {
            return Err(ResourceError::invalid(
                "Roles",
                "a policy needs at least one role, user or group",
            ));
        }
        Ok(Created {
            attributes: attributes(&name),
            physical_id: name,
        })
    }

    /// The principals (of those the template lists) that hold the policy; `None` when none does.
    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let mut live = Props::new();
        let mut document: Option<Value> = None;
        for kind in Principal::ALL {
            let mut holders = Vec::new();
            for principal in strings(desired, kind.property())? {
                let Some(found) = kind.get_inline(ctx, &principal, physical_id).await? else {
                    continue;
                };
                holders.push(principal);
                // Show a copy that differs from the template, if any, so drift is seen.
                let differs = !policy_document::same(Some(&found), desired.get("PolicyDocument"));
                if document.is_none() || differs {
                    document = Some(found);
                }
            }
            if desired.contains_key(kind.property()) {
                live.insert(kind.property().into(), json!(holders));
            }
        }
        let Some(document) = document else {
            return Ok(None);
        };
        live.insert("PolicyName".into(), json!(physical_id));
        live.insert(
            "PolicyDocument".into(),
            policy_document::like_template(desired.get("PolicyDocument"), document),
        );
        Ok(Some(Live {
            properties: live,
            attributes: attributes(physical_id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        check_supported(new, &SUPPORTED)?;
        if string(new, "PolicyName").is_some_and(|n| n != physical_id) {
            return Err(ResourceError::invalid(
                "PolicyName",
                "renaming in place is not supported: give the resource a new logical id to replace it",
            ));
        }
        let document = policy_document::to_text("PolicyDocument", new.get("PolicyDocument"))?;
        // Each holder's copy is checked (so drift is repaired even when `old` is the
        // last-applied template); `old` only says which holders the template dropped.
        let wanted = new.get("PolicyDocument");
        for kind in Principal::ALL {
            let before = strings(old, kind.property())?;
            let after = strings(new, kind.property())?;
            for principal in &after {
                let current = kind.get_inline(ctx, principal, physical_id).await?;
                if !policy_document::same(current.as_ref(), wanted) {
                    kind.put_inline(ctx, principal, physical_id, &document)
                        .await?;
                }
            }
            for principal in before.iter().filter(|p| !after.contains(p)) {
                kind.delete_inline(ctx, principal, physical_id).await?;
            }
        }
        Ok(attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        for kind in Principal::ALL {
            for principal in strings(props, kind.property())? {
                kind.delete_inline(ctx, &principal, physical_id).await?;
            }
        }
        Ok(())
    }

    /// Inline policies carry no tags: found when any listed principal holds the named policy.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let name = required(props, "PolicyName")?;
        for kind in Principal::ALL {
            for principal in strings(props, kind.property())? {
                if kind.get_inline(ctx, &principal, &name).await?.is_some() {
                    return Ok(Some(name));
                }
            }
        }
        Ok(None)
    }
}
