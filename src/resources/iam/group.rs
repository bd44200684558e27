//! `AWS::IAM::Group`: a group with its path, inline `Policies` and `ManagedPolicyArns`.
//! Physical id (`Ref`) = the group name. Delete first empties it (members, policies), as IAM
//! requires.

use serde_json::json;

use super::principal::Principal;
use super::{aws, holder_policies, no_such_entity, required, string};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_iam::operation::get_group::GetGroupOutput;

pub struct Group;

const MANAGED: &[&str] = &["GroupName", "ManagedPolicyArns", "Path", "Policies"];

fn attributes(arn: &str) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(arn))])
}

async fn get(ctx: &Ctx, name: &str) -> Result<Option<GetGroupOutput>> {
    match ctx.clients.iam().get_group().group_name(name).send().await {
        Ok(out) => Ok(Some(out)),
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetGroup")(e)),
    }
}

async fn attached(ctx: &Ctx, name: &str) -> Result<Vec<String>> {
    let out = ctx
        .clients
        .iam()
        .list_attached_group_policies()
        .group_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListAttachedGroupPolicies"))?;
    Ok(out.into_iter().filter_map(|p| p.policy_arn).collect())
}

async fn inline_names(ctx: &Ctx, name: &str) -> Result<Vec<String>> {
    ctx.clients
        .iam()
        .list_group_policies()
        .group_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListGroupPolicies"))
}

impl Resource for Group {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("GroupName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = required(props, "GroupName")?;
        // CreateGroup is not idempotent: a retry meets EntityAlreadyExists, and the engine then
        // finds the group by its name.
        let out = ctx
            .clients
            .iam()
            .create_group()
            .group_name(&name)
            .set_path(string(props, "Path"))
            .send()
            .await
            .map_err(aws("iam:CreateGroup"))?;
        holder_policies::apply(ctx, Principal::Group, &name, &Props::new(), props).await?;
        let arn = out.group().map(|g| g.arn().to_string()).unwrap_or_default();
        Ok(Created {
            physical_id: name,
            attributes: attributes(&arn),
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(out) = get(ctx, name).await? else {
            return Ok(None);
        };
        let group = out.group();
        let mut live = Props::new();
        live.insert("GroupName".into(), json!(name));
        live.insert("Path".into(), json!(group.map(|g| g.path())));
        let listing = attached(ctx, name);
        holder_policies::read(ctx, Principal::Group, name, desired, &mut live, listing).await?;
        Ok(Some(Live {
            properties: live,
            attributes: attributes(group.map(|g| g.arn()).unwrap_or_default()),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        if crate::resources::property::changed(old, new, "Path") {
            ctx.clients
                .iam()
                .update_group()
                .group_name(name)
                .new_path(string(new, "Path").unwrap_or_else(|| "/".into()))
                .send()
                .await
                .map_err(aws("iam:UpdateGroup"))?;
        }
        holder_policies::apply(ctx, Principal::Group, name, old, new).await?;
        let arn = get(ctx, name)
            .await?
            .and_then(|o| o.group.map(|g| g.arn))
            .unwrap_or_default();
        Ok(attributes(&arn))
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        let Some(out) = get(ctx, name).await? else {
            return Ok(());
        };
        let iam = ctx.clients.iam();
        for user in out.users() {
            match iam
                .remove_user_from_group()
                .group_name(name)
                .user_name(user.user_name())
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if no_such_entity!(e) => {}
                Err(e) => return Err(aws("iam:RemoveUserFromGroup")(e)),
            }
        }
        for arn in attached(ctx, name).await? {
            Principal::Group.detach(ctx, name, &arn).await?;
        }
        for policy in inline_names(ctx, name).await? {
            Principal::Group.delete_inline(ctx, name, &policy).await?;
        }
        crate::resources::property::deleted(
            "iam:DeleteGroup",
            iam.delete_group().group_name(name).send().await,
            |e| e.is_no_such_entity_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = string(props, "GroupName") else {
            return Ok(None);
        };
        Ok(get(ctx, &name).await?.map(|_| name))
    }
}
