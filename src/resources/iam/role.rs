//! `AWS::IAM::Role`. Physical id (`Ref`) = the role name. Inline `Policies` are diffed by
//! `PolicyName`, `ManagedPolicyArns` by ARN. Deleting a role first removes what IAM requires gone
//! (inline policies, attached policies, instance-profile memberships).

use std::collections::BTreeMap;

use aws_sdk_iam::types::{Role as IamRole, Tag};
use serde_json::{Value, json};

use super::principal::Principal;
use super::{
    aws, check_supported, fresh, no_such_entity, policy_document, required, string, strings,
    tag_list,
};
use crate::resources::compare::equivalent;
use crate::resources::{
    Attributes, Created, Ctx, Live, Owner, Props, Resource, ResourceError, Result, template_tags,
};

pub struct Role;

const MANAGED: &[&str] = &[
    "AssumeRolePolicyDocument",
    "Description",
    "ManagedPolicyArns",
    "MaxSessionDuration",
    "Path",
    "PermissionsBoundary",
    "Policies",
    "RoleName",
    "Tags",
];

/// IAM's default when `MaxSessionDuration` is not set.
const DEFAULT_MAX_SESSION: i32 = 3600;

/// The `Policies` property: policy name -> document text, in template order.
fn inline_policies(props: &Props) -> Result<Vec<(String, String)>> {
    let Some(policies) = props.get("Policies") else {
        return Ok(Vec::new());
    };
    let policies = policies
        .as_array()
        .ok_or_else(|| ResourceError::invalid("Policies", "must be a list"))?;
    policies
        .iter()
        .map(|p| {
            let name = p
                .get("PolicyName")
                .and_then(Value::as_str)
                .ok_or_else(|| ResourceError::invalid("Policies.PolicyName", "is required"))?;
            let document =
                policy_document::to_text("Policies.PolicyDocument", p.get("PolicyDocument"))?;
            Ok((name.to_owned(), document))
        })
        .collect()
}

/// The template's inline policy documents by name (as written, for comparing).
fn inline_documents(props: &Props) -> BTreeMap<String, Value> {
    props
        .get("Policies")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    Some((
                        p.get("PolicyName")?.as_str()?.to_owned(),
                        p.get("PolicyDocument")?.clone(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn max_session(props: &Props) -> Result<Option<i32>> {
    string(props, "MaxSessionDuration")
        .map(|s| {
            s.parse::<i32>().map_err(|_| {
                ResourceError::invalid("MaxSessionDuration", "must be a number of seconds")
            })
        })
        .transpose()
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

fn attributes(role: &IamRole) -> Attributes {
    Attributes::from([
        ("Arn".to_owned(), json!(role.arn())),
        ("RoleId".to_owned(), json!(role.role_id())),
    ])
}

/// The role, `None` when it does not exist (a role created moments ago is "not visible yet").
async fn get_role(ctx: &Ctx, name: &str) -> Result<Option<IamRole>> {
    match ctx.clients.iam().get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role),
        Err(e) if no_such_entity!(e) && fresh::is_fresh(ctx, name) => {
            Err(fresh::not_visible_yet(name))
        }
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetRole")(e)),
    }
}

async fn inline_policy_names(ctx: &Ctx, role: &str) -> Result<Vec<String>> {
    ctx.clients
        .iam()
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListRolePolicies"))
}

async fn attached_policy_arns(ctx: &Ctx, role: &str) -> Result<Vec<String>> {
    let attached = ctx
        .clients
        .iam()
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListAttachedRolePolicies"))?;
    Ok(attached.into_iter().filter_map(|p| p.policy_arn).collect())
}

/// Creates the role, or — when this process created it moments ago and a retry lands here —
/// picks up that role.
async fn create_role(ctx: &Ctx, name: &str, props: &Props) -> Result<IamRole> {
    let trust = policy_document::to_text(
        "AssumeRolePolicyDocument",
        props.get("AssumeRolePolicyDocument"),
    )?;
    let result = ctx
        .clients
        .iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .set_path(string(props, "Path"))
        .set_description(string(props, "Description"))
        .set_max_session_duration(max_session(props)?)
        .set_permissions_boundary(string(props, "PermissionsBoundary"))
        .set_tags(Some(iam_tags(ctx.tags_with_ownership(props))?))
        .send()
        .await;
    match result {
        Ok(out) => out
            .role
            .ok_or_else(|| ResourceError::new("NoRole", "CreateRole answered without a role")),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_entity_already_exists_exception())
                && fresh::is_fresh(ctx, name) =>
        {
            get_role(ctx, name)
                .await?
                .ok_or_else(|| fresh::not_visible_yet(name))
        }
        Err(e) => Err(aws("iam:CreateRole")(e)),
    }
}

impl Resource for Role {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("RoleName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (64, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props, MANAGED)?;
        let name = required(props, "RoleName")?;
        let policies = inline_policies(props)?;
        let managed = strings(props, "ManagedPolicyArns")?;
        let role = create_role(ctx, &name, props).await?;
        fresh::remember(ctx, &name);
        for (policy, document) in &policies {
            Principal::Role
                .put_inline(ctx, &name, policy, document)
                .await?;
        }
        for arn in &managed {
            Principal::Role.attach(ctx, &name, arn).await?;
        }
        Ok(Created {
            physical_id: name,
            attributes: attributes(&role),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        // In template order (the map is sorted by name).
        let names: Vec<String> = desired
            .get("Policies")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("PolicyName")?.as_str().map(str::to_owned))
            .collect();
        // Only the policies the template names: AWS::IAM::RolePolicy and AWS::IAM::Policy
        // resources put others on the same role, and those are not drift. A named policy
        // that is missing reads as NoSuchEntity, so no listing is needed. These reads, the
        // attached list and GetRole are independent: one round trip for all of them (what
        // the policy reads say of a role that is gone is not looked at).
        let inline_reads = futures_util::future::join_all(
            names
                .iter()
                .map(|policy| Principal::Role.get_inline(ctx, physical_id, policy)),
        );
        let attached_read = async {
            if desired.contains_key("ManagedPolicyArns") {
                attached_policy_arns(ctx, physical_id).await.map(Some)
            } else {
                Ok(None)
            }
        };
        let (role, documents, attached) =
            tokio::join!(get_role(ctx, physical_id), inline_reads, attached_read);
        let Some(role) = role? else {
            return Ok(None);
        };
        let mut live = Props::new();
        live.insert("RoleName".into(), json!(role.role_name()));
        live.insert("Path".into(), json!(role.path()));
        if let Some(trust) = role.assume_role_policy_document() {
            let trust = policy_document::parse("AssumeRolePolicyDocument", trust)?;
            let trust =
                policy_document::like_template(desired.get("AssumeRolePolicyDocument"), trust);
            live.insert("AssumeRolePolicyDocument".into(), trust);
        }
        if let Some(description) = role.description().filter(|d| !d.is_empty()) {
            live.insert("Description".into(), json!(description));
        }
        if let Some(max) = role.max_session_duration() {
            live.insert("MaxSessionDuration".into(), json!(max));
        }
        if let Some(boundary) = role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
        {
            live.insert("PermissionsBoundary".into(), json!(boundary));
        }
        live.insert(
            "Tags".into(),
            tag_list(role.tags().iter().map(|t| (t.key(), t.value()))),
        );
        if desired.contains_key("Policies") {
            let wanted = inline_documents(desired);
            let mut policies = Vec::new();
            for (policy, document) in names.iter().zip(documents) {
                if let Some(document) = document? {
                    let document = policy_document::like_template(wanted.get(policy), document);
                    policies.push(json!({"PolicyName": policy, "PolicyDocument": document}));
                }
            }
            live.insert("Policies".into(), Value::Array(policies));
        }
        if let Some(attached) = attached? {
            let wanted = strings(desired, "ManagedPolicyArns").unwrap_or_default();
            // Only the ARNs the template lists: AWS::IAM::ManagedPolicy resources attach
            // themselves to roles too, and those attachments are not drift.
            let arns: Vec<&String> = wanted.iter().filter(|a| attached.contains(a)).collect();
            live.insert("ManagedPolicyArns".into(), json!(arns));
        }
        live.retain(|key, _| desired.contains_key(key));
        Ok(Some(Live {
            properties: live,
            attributes: attributes(&role),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        check_supported(new, MANAGED)?;
        let iam = ctx.clients.iam();
        let role = physical_id;
        // What changed is judged against the live role (so drift is repaired even when `old`
        // is the last-applied template); `old` only says what the template dropped.
        let live = self
            .read(ctx, role, new)
            .await?
            .ok_or_else(|| ResourceError::new("NoSuchEntity", format!("role `{role}` is gone")))?
            .properties;
        let changed = |key: &str| match (new.get(key), live.get(key)) {
            (Some(wanted), Some(current)) => !equivalent(wanted, current),
            (Some(_), None) => true,
            (None, _) => old.contains_key(key),
        };

        if !policy_document::same(
            live.get("AssumeRolePolicyDocument"),
            new.get("AssumeRolePolicyDocument"),
        ) {
            let trust = policy_document::to_text(
                "AssumeRolePolicyDocument",
                new.get("AssumeRolePolicyDocument"),
            )?;
            iam.update_assume_role_policy()
                .role_name(role)
                .policy_document(trust)
                .send()
                .await
                .map_err(aws("iam:UpdateAssumeRolePolicy"))?;
        }
        if changed("Description") || changed("MaxSessionDuration") {
            iam.update_role()
                .role_name(role)
                .description(string(new, "Description").unwrap_or_default())
                .max_session_duration(max_session(new)?.unwrap_or(DEFAULT_MAX_SESSION))
                .send()
                .await
                .map_err(aws("iam:UpdateRole"))?;
        }
        if changed("PermissionsBoundary") {
            match string(new, "PermissionsBoundary") {
                Some(arn) => {
                    iam.put_role_permissions_boundary()
                        .role_name(role)
                        .permissions_boundary(arn)
                        .send()
                        .await
                        .map_err(aws("iam:PutRolePermissionsBoundary"))?;
                }
                None => match iam
                    .delete_role_permissions_boundary()
                    .role_name(role)
                    .send()
                    .await
                {
                    Err(e) if !no_such_entity!(e) => {
                        return Err(aws("iam:DeleteRolePermissionsBoundary")(e));
                    }
                    _ => {}
                },
            }
        }
        update_tags(ctx, role, &live, old, new).await?;
        update_inline_policies(ctx, role, &live, old, new).await?;
        update_managed_policies(ctx, role, &live, old, new).await?;
        let role = get_role(ctx, role)
            .await?
            .ok_or_else(|| ResourceError::new("NoSuchEntity", format!("role `{role}` is gone")))?;
        Ok(attributes(&role))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        match delete_role(ctx, physical_id).await {
            Ok(()) => {
                fresh::forget(ctx, physical_id);
                Ok(())
            }
            Err(e) if e.code == "NoSuchEntity" => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// By name: the engine always passes the role name (generated when the template has none).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = string(props, "RoleName") else {
            return Ok(None);
        };
        Ok(get_role(ctx, &name).await?.map(|_| name))
    }

    async fn owner(&self, ctx: &Ctx, name: &str) -> Result<Option<Owner>> {
        let role = get_role(ctx, name).await?;
        Ok(role.and_then(|r| Owner::from_tags(r.tags().iter().map(|t| (t.key(), t.value())))))
    }
}

/// Untags keys no longer wanted, tags keys added or changed (ownership tags are kept).
async fn update_tags(ctx: &Ctx, role: &str, live: &Props, old: &Props, new: &Props) -> Result<()> {
    if !new.contains_key("Tags") && !old.contains_key("Tags") {
        return Ok(());
    }
    // Keys on the role now or applied last time.
    let mut current = template_tags(live);
    current.extend(template_tags(old));
    let wanted = template_tags(new);
    let iam = ctx.clients.iam();
    let mut removed: Vec<String> = current
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !k.starts_with("fuelflow:") && !wanted.iter().any(|(w, _)| w == k))
        .collect();
    removed.sort();
    removed.dedup();
    if !removed.is_empty() {
        iam.untag_role()
            .role_name(role)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(aws("iam:UntagRole"))?;
    }
    let live_tags = template_tags(live);
    let mut added: Vec<(String, String)> = wanted
        .into_iter()
        .filter(|tag| !tag.0.starts_with("fuelflow:") && !live_tags.contains(tag))
        .collect();
    if !added.is_empty() {
        added.extend(ctx.ownership_tags());
        iam.tag_role()
            .role_name(role)
            .set_tags(Some(iam_tags(added)?))
            .send()
            .await
            .map_err(aws("iam:TagRole"))?;
    }
    Ok(())
}

/// Puts missing and changed inline policies, deletes the ones the template dropped.
async fn update_inline_policies(
    ctx: &Ctx,
    role: &str,
    live: &Props,
    old: &Props,
    new: &Props,
) -> Result<()> {
    let current = inline_documents(live);
    let wanted = inline_documents(new);
    for (policy, document) in inline_policies(new)? {
        if !policy_document::same(current.get(&policy), wanted.get(&policy)) {
            Principal::Role
                .put_inline(ctx, role, &policy, &document)
                .await?;
        }
    }
    for policy in inline_documents(old)
        .keys()
        .filter(|p| !wanted.contains_key(*p))
    {
        Principal::Role.delete_inline(ctx, role, policy).await?;
    }
    Ok(())
}

/// Attaches missing policies, detaches the ones the template dropped.
async fn update_managed_policies(
    ctx: &Ctx,
    role: &str,
    live: &Props,
    old: &Props,
    new: &Props,
) -> Result<()> {
    let current = strings(live, "ManagedPolicyArns")?;
    let wanted = strings(new, "ManagedPolicyArns")?;
    for arn in wanted.iter().filter(|a| !current.contains(a)) {
        Principal::Role.attach(ctx, role, arn).await?;
    }
    for arn in strings(old, "ManagedPolicyArns")?
        .iter()
        .filter(|a| !wanted.contains(a))
    {
        Principal::Role.detach(ctx, role, arn).await?;
    }
    Ok(())
}

/// IAM refuses to delete a role that still has policies or instance profiles.
async fn delete_role(ctx: &Ctx, role: &str) -> Result<()> {
    let iam = ctx.clients.iam();
    for policy in inline_policy_names(ctx, role).await? {
        Principal::Role.delete_inline(ctx, role, &policy).await?;
    }
    for arn in attached_policy_arns(ctx, role).await? {
        Principal::Role.detach(ctx, role, &arn).await?;
    }
    let profiles = iam
        .list_instance_profiles_for_role()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListInstanceProfilesForRole"))?;
    for profile in profiles {
        match iam
            .remove_role_from_instance_profile()
            .role_name(role)
            .instance_profile_name(profile.instance_profile_name())
            .send()
            .await
        {
            Err(e) if !no_such_entity!(e) => {
                return Err(aws("iam:RemoveRoleFromInstanceProfile")(e));
            }
            _ => {}
        }
    }
    iam.delete_role()
        .role_name(role)
        .send()
        .await
        .map_err(aws("iam:DeleteRole"))?;
    Ok(())
}
