//! `AWS::IAM::Policy`: one inline policy put on each listed role, user and group. Physical id
//! (`Ref`) = the policy name (CloudFormation returns a generated id; the name is as unique here).

use serde_json::{Value, json};

use super::principal::Principal;
use super::{check_supported, policy_document, required, string, strings};
use crate::resources::{Attributes, Created, Ctx, Handler, Live, Props, ResourceError, Result};
use crate::state::BoxFuture;

pub(super) struct Policy;
pub(super) static POLICY: Policy = Policy;

const SUPPORTED: [&str; 5] = ["PolicyName", "PolicyDocument", "Roles", "Users", "Groups"];

fn attributes(name: &str) -> Attributes {
    Attributes::from([("Id".to_owned(), json!(name))])
}

impl Handler for Policy {
    fn create<'a>(&'a self, ctx: &'a Ctx, props: &'a Props) -> BoxFuture<'a, Result<Created>> {
        Box::pin(async move {
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
        })
    }

    /// The principals (of those the template lists) that hold the policy; `None` when none does.
    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        desired: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Live>>> {
        Box::pin(async move {
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
                    let differs =
                        !policy_document::same(Some(&found), desired.get("PolicyDocument"));
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
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        old: &'a Props,
        new: &'a Props,
    ) -> BoxFuture<'a, Result<Attributes>> {
        Box::pin(async move {
            check_supported(new, &SUPPORTED)?;
            if string(new, "PolicyName")?.is_some_and(|n| n != physical_id) {
                return Err(ResourceError::invalid(
                    "PolicyName",
                    "renaming in place is not supported: give the resource a new logical id to replace it",
                ));
            }
            let document = policy_document::to_text("PolicyDocument", new.get("PolicyDocument"))?;
            let document_changed =
                !policy_document::same(old.get("PolicyDocument"), new.get("PolicyDocument"));
            for kind in Principal::ALL {
                let before = strings(old, kind.property())?;
                let after = strings(new, kind.property())?;
                for principal in &after {
                    if document_changed || !before.contains(principal) {
                        kind.put_inline(ctx, principal, physical_id, &document)
                            .await?;
                    }
                }
                for principal in before.iter().filter(|p| !after.contains(p)) {
                    kind.delete_inline(ctx, principal, physical_id).await?;
                }
            }
            Ok(attributes(physical_id))
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            for kind in Principal::ALL {
                for principal in strings(props, kind.property())? {
                    kind.delete_inline(ctx, &principal, physical_id).await?;
                }
            }
            Ok(())
        })
    }

    /// Inline policies carry no tags: found when any listed principal holds the named policy.
    fn adopt<'a>(
        &'a self,
        ctx: &'a Ctx,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            let name = required(props, "PolicyName")?;
            for kind in Principal::ALL {
                for principal in strings(props, kind.property())? {
                    if kind.get_inline(ctx, &principal, &name).await?.is_some() {
                        return Ok(Some(name));
                    }
                }
            }
            Ok(None)
        })
    }
}
