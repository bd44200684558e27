//! `AWS::IAM::UserToGroupAddition`: users added to a group (by a stack other than the one of
//! the users, often). Physical id (`Ref`) = the group name it was created with; reads follow
//! the desired `GroupName` and `Users`.

use serde_json::json;

use super::{aws, no_such_entity, required, strings};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};

pub struct UserToGroupAddition;

const MANAGED: &[&str] = &["GroupName", "Users"];

/// The group: the desired one (`GroupName` may change in place), else the one created with.
fn group_of(props: &Props, physical_id: &str) -> String {
    super::string(props, "GroupName").unwrap_or_else(|| physical_id.to_string())
}

/// The group's members, `None` when the group does not exist.
async fn members(ctx: &Ctx, group: &str) -> Result<Option<Vec<String>>> {
    match ctx.clients.iam().get_group().group_name(group).send().await {
        Ok(out) => Ok(Some(
            out.users()
                .iter()
                .map(|u| u.user_name().to_string())
                .collect(),
        )),
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetGroup")(e)),
    }
}

async fn add(ctx: &Ctx, group: &str, users: &[String]) -> Result<()> {
    for user in users {
        // Adding a member again is a no-op: safe after a lost answer.
        ctx.clients
            .iam()
            .add_user_to_group()
            .group_name(group)
            .user_name(user)
            .send()
            .await
            .map_err(aws("iam:AddUserToGroup"))?;
    }
    Ok(())
}

async fn remove(ctx: &Ctx, group: &str, users: &[String]) -> Result<()> {
    for user in users {
        match ctx
            .clients
            .iam()
            .remove_user_from_group()
            .group_name(group)
            .user_name(user)
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

impl Resource for UserToGroupAddition {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let group = required(props, "GroupName")?;
        add(ctx, &group, &strings(props, "Users")?).await?;
        Ok(Created {
            physical_id: group,
            attributes: Attributes::new(),
        })
    }

    /// `Users` lists the desired users that are members; gone when none is.
    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let group = group_of(desired, physical_id);
        let group = group.as_str();
        let Some(members) = members(ctx, group).await? else {
            return Ok(None);
        };
        let present: Vec<String> = strings(desired, "Users")?
            .into_iter()
            .filter(|u| members.contains(u))
            .collect();
        if present.is_empty() {
            return Ok(None);
        }
        let mut live = Props::new();
        live.insert("GroupName".into(), json!(group));
        live.insert("Users".into(), json!(present));
        Ok(Some(Live {
            properties: live,
            attributes: Attributes::new(),
        }))
    }

    async fn update(&self, ctx: &Ctx, group: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let (was, now) = (strings(old, "Users")?, strings(new, "Users")?);
        let new_group = required(new, "GroupName")?;
        if new_group != group {
            // Another group: every user leaves the old one and joins the new one.
            remove(ctx, group, &was).await?;
            add(ctx, &new_group, &now).await?;
            return Ok(Attributes::new());
        }
        add(ctx, group, &now).await?;
        let dropped: Vec<String> = was.into_iter().filter(|u| !now.contains(u)).collect();
        remove(ctx, group, &dropped).await?;
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let group = group_of(props, physical_id);
        if members(ctx, &group).await?.is_none() {
            return Ok(());
        }
        remove(ctx, &group, &strings(props, "Users")?).await
    }

    /// Found when every desired user is a member already.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let group = required(props, "GroupName")?;
        let users = strings(props, "Users")?;
        let Some(members) = members(ctx, &group).await? else {
            return Ok(None);
        };
        Ok((!users.is_empty() && users.iter().all(|u| members.contains(u))).then_some(group))
    }
}
