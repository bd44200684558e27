//! `AWS::IAM::User`: a user with its path, groups, inline `Policies`, `ManagedPolicyArns`,
//! permissions boundary and tags. Physical id (`Ref`) = the user name. `LoginProfile` (a console
//! password) is not supported. Delete first removes what IAM requires gone (group memberships,
//! policies, access keys).

use aws_sdk_iam::types::{Tag, User as IamUser};
use serde_json::json;

use super::principal::Principal;
use super::{aws, holder_policies, no_such_entity, required, string, strings, tag_list};
use crate::resources::property::{changed, tag_changes};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};

pub struct User;

const MANAGED: &[&str] = &[
    "Groups",
    "ManagedPolicyArns",
    "Path",
    "PermissionsBoundary",
    "Policies",
    "Tags",
    "UserName",
];

fn attributes(user: Option<&IamUser>) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(user.map(|u| u.arn())))])
}

fn iam_tags(tags: Vec<(String, String)>) -> Result<Vec<Tag>> {
    tags.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect()
}

async fn get(ctx: &Ctx, name: &str) -> Result<Option<IamUser>> {
    match ctx.clients.iam().get_user().user_name(name).send().await {
        Ok(out) => Ok(out.user),
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetUser")(e)),
    }
}

async fn groups_of(ctx: &Ctx, name: &str) -> Result<Vec<String>> {
    let groups = ctx
        .clients
        .iam()
        .list_groups_for_user()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListGroupsForUser"))?;
    Ok(groups.into_iter().map(|g| g.group_name).collect())
}

async fn attached(ctx: &Ctx, name: &str) -> Result<Vec<String>> {
    let out = ctx
        .clients
        .iam()
        .list_attached_user_policies()
        .user_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListAttachedUserPolicies"))?;
    Ok(out.into_iter().filter_map(|p| p.policy_arn).collect())
}

async fn set_groups(ctx: &Ctx, name: &str, add: &[String], remove: &[String]) -> Result<()> {
    let iam = ctx.clients.iam();
    for group in add {
        iam.add_user_to_group()
            .group_name(group)
            .user_name(name)
            .send()
            .await
            .map_err(aws("iam:AddUserToGroup"))?;
    }
    for group in remove {
        match iam
            .remove_user_from_group()
            .group_name(group)
            .user_name(name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if no_such_entity!(e) => {}
            Err(e) => return Err(aws("iam:RemoveUserFromGroup")(e)),
        }
    }
    Ok(())
}

impl Resource for User {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("UserName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (64, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = required(props, "UserName")?;
        // Not idempotent: a retry meets EntityAlreadyExists and the engine finds it by name.
        let out = ctx
            .clients
            .iam()
            .create_user()
            .user_name(&name)
            .set_path(string(props, "Path"))
            .set_permissions_boundary(string(props, "PermissionsBoundary"))
            .set_tags(Some(iam_tags(ctx.tags_with_ownership(props))?))
            .send()
            .await
            .map_err(aws("iam:CreateUser"))?;
        set_groups(ctx, &name, &strings(props, "Groups")?, &[]).await?;
        holder_policies::apply(ctx, Principal::User, &name, &Props::new(), props).await?;
        Ok(Created {
            attributes: attributes(out.user()),
            physical_id: name,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(user) = get(ctx, name).await? else {
            return Ok(None);
        };
        let mut live = Props::new();
        live.insert("UserName".into(), json!(name));
        live.insert("Path".into(), json!(user.path()));
        if let Some(boundary) = user
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
        {
            live.insert("PermissionsBoundary".into(), json!(boundary));
        }
        if desired.contains_key("Tags") {
            // GetUser's tags, as IAM lists them for the user.
            let tags = ctx
                .clients
                .iam()
                .list_user_tags()
                .user_name(name)
                .send()
                .await
                .map_err(aws("iam:ListUserTags"))?;
            let tags = tag_list(tags.tags().iter().map(|t| (t.key(), t.value())));
            live.insert("Tags".into(), tags);
        }
        if desired.contains_key("Groups") {
            let member_of = groups_of(ctx, name).await?;
            let wanted = strings(desired, "Groups")?;
            // Only the template's: AWS::IAM::UserToGroupAddition adds others.
            let present: Vec<&String> = wanted.iter().filter(|g| member_of.contains(g)).collect();
            live.insert("Groups".into(), json!(present));
        }
        let listing = attached(ctx, name);
        holder_policies::read(ctx, Principal::User, name, desired, &mut live, listing).await?;
        Ok(Some(Live {
            properties: live,
            attributes: attributes(Some(&user)),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let iam = ctx.clients.iam();
        if changed(old, new, "Path") {
            iam.update_user()
                .user_name(name)
                .new_path(string(new, "Path").unwrap_or_else(|| "/".into()))
                .send()
                .await
                .map_err(aws("iam:UpdateUser"))?;
        }
        if changed(old, new, "PermissionsBoundary") {
            match string(new, "PermissionsBoundary") {
                Some(arn) => iam
                    .put_user_permissions_boundary()
                    .user_name(name)
                    .permissions_boundary(arn)
                    .send()
                    .await
                    .map(drop)
                    .map_err(aws("iam:PutUserPermissionsBoundary"))?,
                None => iam
                    .delete_user_permissions_boundary()
                    .user_name(name)
                    .send()
                    .await
                    .map(drop)
                    .map_err(aws("iam:DeleteUserPermissionsBoundary"))?,
            }
        }
        if changed(old, new, "Groups") {
            let (was, now) = (strings(old, "Groups")?, strings(new, "Groups")?);
            let add: Vec<String> = now.iter().filter(|g| !was.contains(g)).cloned().collect();
            let remove: Vec<String> = was.into_iter().filter(|g| !now.contains(g)).collect();
            set_groups(ctx, name, &add, &remove).await?;
        }
        holder_policies::apply(ctx, Principal::User, name, old, new).await?;
        let (set, removed) = tag_changes(old, new);
        if !set.is_empty() {
            iam.tag_user()
                .user_name(name)
                .set_tags(Some(iam_tags(set)?))
                .send()
                .await
                .map_err(aws("iam:TagUser"))?;
        }
        if !removed.is_empty() {
            iam.untag_user()
                .user_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(aws("iam:UntagUser"))?;
        }
        Ok(attributes(get(ctx, name).await?.as_ref()))
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        if get(ctx, name).await?.is_none() {
            return Ok(());
        }
        let iam = ctx.clients.iam();
        set_groups(ctx, name, &[], &groups_of(ctx, name).await?).await?;
        for arn in attached(ctx, name).await? {
            Principal::User.detach(ctx, name, &arn).await?;
        }
        let inline = iam
            .list_user_policies()
            .user_name(name)
            .send()
            .await
            .map_err(aws("iam:ListUserPolicies"))?;
        for policy in inline.policy_names() {
            Principal::User.delete_inline(ctx, name, policy).await?;
        }
        let keys = iam
            .list_access_keys()
            .user_name(name)
            .send()
            .await
            .map_err(aws("iam:ListAccessKeys"))?;
        for key in keys.access_key_metadata() {
            if let Some(id) = key.access_key_id() {
                iam.delete_access_key()
                    .user_name(name)
                    .access_key_id(id)
                    .send()
                    .await
                    .map_err(aws("iam:DeleteAccessKey"))?;
            }
        }
        crate::resources::property::deleted(
            "iam:DeleteUser",
            iam.delete_user().user_name(name).send().await,
            |e| e.is_no_such_entity_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = string(props, "UserName") else {
            return Ok(None);
        };
        Ok(get(ctx, &name).await?.map(|_| name))
    }
}
