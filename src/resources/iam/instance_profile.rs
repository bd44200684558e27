//! `AWS::IAM::InstanceProfile`: an instance profile holding (at most) one role, for EC2.
//! Physical id (`Ref`) = the profile name.

use serde_json::json;

use super::{aws, no_such_entity, required, string, strings};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use aws_sdk_iam::types::InstanceProfile as IamProfile;

pub struct InstanceProfile;

const MANAGED: &[&str] = &["InstanceProfileName", "Path", "Roles"];

fn attributes(profile: Option<&IamProfile>) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(profile.map(|p| p.arn())))])
}

async fn get(ctx: &Ctx, name: &str) -> Result<Option<IamProfile>> {
    match ctx
        .clients
        .iam()
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.instance_profile),
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetInstanceProfile")(e)),
    }
}

fn roles_of(profile: &IamProfile) -> Vec<String> {
    profile
        .roles()
        .iter()
        .map(|r| r.role_name().to_string())
        .collect()
}

async fn add_role(ctx: &Ctx, name: &str, role: &str) -> Result<()> {
    ctx.clients
        .iam()
        .add_role_to_instance_profile()
        .instance_profile_name(name)
        .role_name(role)
        .send()
        .await
        .map(drop)
        .map_err(aws("iam:AddRoleToInstanceProfile"))
}

async fn remove_role(ctx: &Ctx, name: &str, role: &str) -> Result<()> {
    match ctx
        .clients
        .iam()
        .remove_role_from_instance_profile()
        .instance_profile_name(name)
        .role_name(role)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if no_such_entity!(e) => Ok(()),
        Err(e) => Err(aws("iam:RemoveRoleFromInstanceProfile")(e)),
    }
}

impl Resource for InstanceProfile {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("InstanceProfileName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = required(props, "InstanceProfileName")?;
        // Not idempotent: a retry meets EntityAlreadyExists and the engine finds it by name.
        ctx.clients
            .iam()
            .create_instance_profile()
            .instance_profile_name(&name)
            .set_path(string(props, "Path"))
            .send()
            .await
            .map_err(aws("iam:CreateInstanceProfile"))?;
        for role in strings(props, "Roles")? {
            add_role(ctx, &name, &role).await?;
        }
        let profile = get(ctx, &name).await?;
        Ok(Created {
            attributes: attributes(profile.as_ref()),
            physical_id: name,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, _desired: &Props) -> Result<Option<Live>> {
        let Some(profile) = get(ctx, name).await? else {
            return Ok(None);
        };
        let mut live = Props::new();
        live.insert("InstanceProfileName".into(), json!(name));
        live.insert("Path".into(), json!(profile.path()));
        live.insert("Roles".into(), json!(roles_of(&profile)));
        Ok(Some(Live {
            properties: live,
            attributes: attributes(Some(&profile)),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, _old: &Props, new: &Props) -> Result<Attributes> {
        // Judged against the live roles, so drift is repaired whatever `old` holds.
        let live = get(ctx, name)
            .await?
            .map(|p| roles_of(&p))
            .unwrap_or_default();
        let wanted = strings(new, "Roles")?;
        for role in live.iter().filter(|r| !wanted.contains(r)) {
            remove_role(ctx, name, role).await?;
        }
        for role in wanted.iter().filter(|r| !live.contains(r)) {
            add_role(ctx, name, role).await?;
        }
        Ok(attributes(get(ctx, name).await?.as_ref()))
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        let Some(profile) = get(ctx, name).await? else {
            return Ok(());
        };
        for role in roles_of(&profile) {
            remove_role(ctx, name, &role).await?;
        }
        crate::resources::property::deleted(
            "iam:DeleteInstanceProfile",
            ctx.clients
                .iam()
                .delete_instance_profile()
                .instance_profile_name(name)
                .send()
                .await,
            |e| e.is_no_such_entity_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = string(props, "InstanceProfileName") else {
            return Ok(None);
        };
        Ok(get(ctx, &name).await?.map(|_| name))
    }
}
