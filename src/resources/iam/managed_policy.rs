//! `AWS::IAM::ManagedPolicy`: a customer managed policy and its attachments. Physical id (`Ref`)
//! = the policy ARN. A document change is a new default version (IAM keeps at most five, so the
//! oldest non-default one goes first when five exist).

use aws_sdk_iam::primitives::DateTimeFormat;
use aws_sdk_iam::types::{Policy as IamPolicy, Tag};
use serde_json::json;

use super::principal::Principal;
use super::{
    aws, check_supported, no_such_entity, order_like, partition, policy_document, required, string,
    strings,
};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};

pub struct ManagedPolicy;

const MANAGED: &[&str] = &[
    "ManagedPolicyName",
    "Description",
    "Path",
    "PolicyDocument",
    "Roles",
    "Users",
    "Groups",
];

/// IAM's limit on versions per managed policy.
const MAX_VERSIONS: usize = 5;

fn attributes(policy: &IamPolicy) -> Attributes {
    let date = |d: Option<&aws_sdk_iam::primitives::DateTime>| {
        d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
    };
    let mut attributes = Attributes::from([
        ("PolicyArn".to_owned(), json!(policy.arn())),
        ("PolicyId".to_owned(), json!(policy.policy_id())),
        (
            "DefaultVersionId".to_owned(),
            json!(policy.default_version_id()),
        ),
        ("IsAttachable".to_owned(), json!(policy.is_attachable())),
        (
            "AttachmentCount".to_owned(),
            json!(policy.attachment_count()),
        ),
        (
            "PermissionsBoundaryUsageCount".to_owned(),
            json!(policy.permissions_boundary_usage_count()),
        ),
        ("CreateDate".to_owned(), json!(date(policy.create_date()))),
        ("UpdateDate".to_owned(), json!(date(policy.update_date()))),
    ]);
    attributes.retain(|_, v| !v.is_null());
    attributes
}

/// The policy, `None` when it does not exist.
async fn get_policy(ctx: &Ctx, arn: &str) -> Result<Option<IamPolicy>> {
    match ctx.clients.iam().get_policy().policy_arn(arn).send().await {
        Ok(out) => Ok(out.policy),
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetPolicy")(e)),
    }
}

async fn existing_policy(ctx: &Ctx, arn: &str) -> Result<IamPolicy> {
    get_policy(ctx, arn).await?.ok_or_else(|| {
        ResourceError::new("NoSuchEntity", format!("managed policy `{arn}` is gone"))
    })
}

/// The roles, users and groups the policy is attached to (in that order).
async fn attachments(ctx: &Ctx, arn: &str) -> Result<[Vec<String>; 3]> {
    let pages = ctx
        .clients
        .iam()
        .list_entities_for_policy()
        .policy_arn(arn)
        .into_paginator()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListEntitiesForPolicy"))?;
    let mut found: [Vec<String>; 3] = Default::default();
    for page in pages {
        found[0].extend(
            page.policy_roles()
                .iter()
                .filter_map(|r| r.role_name().map(str::to_owned)),
        );
        found[1].extend(
            page.policy_users()
                .iter()
                .filter_map(|u| u.user_name().map(str::to_owned)),
        );
        found[2].extend(
            page.policy_groups()
                .iter()
                .filter_map(|g| g.group_name().map(str::to_owned)),
        );
    }
    Ok(found)
}

async fn versions(ctx: &Ctx, arn: &str) -> Result<Vec<aws_sdk_iam::types::PolicyVersion>> {
    ctx.clients
        .iam()
        .list_policy_versions()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(aws("iam:ListPolicyVersions"))
}

async fn delete_version(ctx: &Ctx, arn: &str, version: &str) -> Result<()> {
    match ctx
        .clients
        .iam()
        .delete_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
    {
        Err(e) if !no_such_entity!(e) => Err(aws("iam:DeletePolicyVersion")(e)),
        _ => Ok(()),
    }
}

/// Makes `document` the default version, first making room when IAM's five versions exist.
async fn new_default_version(ctx: &Ctx, arn: &str, document: String) -> Result<()> {
    let mut existing = versions(ctx, arn).await?;
    if existing.len() >= MAX_VERSIONS {
        existing.retain(|v| !v.is_default_version());
        existing.sort_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
        if let Some(oldest) = existing.first().and_then(|v| v.version_id()) {
            delete_version(ctx, arn, oldest).await?;
        }
    }
    ctx.clients
        .iam()
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(document)
        .set_as_default(true)
        .send()
        .await
        .map_err(aws("iam:CreatePolicyVersion"))?;
    Ok(())
}

impl Resource for ManagedPolicy {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("ManagedPolicyName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        check_supported(props, MANAGED)?;
        let name = required(props, "ManagedPolicyName")?;
        let document = policy_document::to_text("PolicyDocument", props.get("PolicyDocument"))?;
        let tags = ctx
            .ownership_tags()
            .into_iter()
            .map(|(k, v)| {
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| ResourceError::invalid("Tags", e))
            })
            .collect::<Result<Vec<_>>>()?;
        let created = ctx
            .clients
            .iam()
            .create_policy()
            .policy_name(&name)
            .policy_document(document)
            .set_path(string(props, "Path"))
            .set_description(string(props, "Description"))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(aws("iam:CreatePolicy"))?;
        let arn = created
            .policy()
            .and_then(IamPolicy::arn)
            .ok_or_else(|| ResourceError::new("NoPolicy", "CreatePolicy answered without an ARN"))?
            .to_owned();
        for kind in Principal::ALL {
            for principal in strings(props, kind.property())? {
                kind.attach(ctx, &principal, &arn).await?;
            }
        }
        Ok(Created {
            attributes: attributes(&existing_policy(ctx, &arn).await?),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(policy) = get_policy(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut live = Props::new();
        live.insert("ManagedPolicyName".into(), json!(policy.policy_name()));
        live.insert("Path".into(), json!(policy.path()));
        if let Some(description) = policy.description().filter(|d| !d.is_empty()) {
            live.insert("Description".into(), json!(description));
        }
        if desired.contains_key("PolicyDocument") {
            let version = ctx
                .clients
                .iam()
                .get_policy_version()
                .policy_arn(physical_id)
                .version_id(policy.default_version_id().unwrap_or("v1"))
                .send()
                .await
                .map_err(aws("iam:GetPolicyVersion"))?;
            if let Some(text) = version.policy_version().and_then(|v| v.document()) {
                let document = policy_document::parse("PolicyDocument", text)?;
                live.insert(
                    "PolicyDocument".into(),
                    policy_document::like_template(desired.get("PolicyDocument"), document),
                );
            }
        }
        if Principal::ALL
            .iter()
            .any(|k| desired.contains_key(k.property()))
        {
            let found = attachments(ctx, physical_id).await?;
            // Only the principals the template lists: a role's ManagedPolicyArns may attach
            // this policy too, and that attachment is not drift.
            for (kind, names) in Principal::ALL.into_iter().zip(found) {
                let wanted = strings(desired, kind.property()).unwrap_or_default();
                let names: Vec<String> = names.into_iter().filter(|n| wanted.contains(n)).collect();
                live.insert(kind.property().into(), json!(order_like(&wanted, names)));
            }
        }
        live.retain(|key, _| desired.contains_key(key));
        Ok(Some(Live {
            properties: live,
            attributes: attributes(&policy),
        }))
    }

    /// Name, path and description are create-only: the document and attachments change in place.
    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        check_supported(new, MANAGED)?;
        // What changed is judged against the live policy (so drift is repaired even when
        // `old` is the last-applied template); `old` only says what the template dropped.
        let live = self
            .read(ctx, physical_id, new)
            .await?
            .ok_or_else(|| {
                ResourceError::new(
                    "NoSuchEntity",
                    format!("managed policy `{physical_id}` is gone"),
                )
            })?
            .properties;
        if !policy_document::same(live.get("PolicyDocument"), new.get("PolicyDocument")) {
            let document = policy_document::to_text("PolicyDocument", new.get("PolicyDocument"))?;
            new_default_version(ctx, physical_id, document).await?;
        }
        for kind in Principal::ALL {
            let current = strings(&live, kind.property())?;
            let after = strings(new, kind.property())?;
            for principal in after.iter().filter(|p| !current.contains(p)) {
                kind.attach(ctx, principal, physical_id).await?;
            }
            for principal in strings(old, kind.property())?
                .iter()
                .filter(|p| !after.contains(p))
            {
                kind.detach(ctx, principal, physical_id).await?;
            }
        }
        Ok(attributes(&existing_policy(ctx, physical_id).await?))
    }

    /// IAM refuses to delete a policy still attached or with other versions.
    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        if get_policy(ctx, physical_id).await?.is_none() {
            return Ok(());
        }
        let found = attachments(ctx, physical_id).await?;
        for (kind, names) in Principal::ALL.into_iter().zip(found) {
            for principal in names {
                kind.detach(ctx, &principal, physical_id).await?;
            }
        }
        for version in versions(ctx, physical_id).await? {
            if let Some(id) = version
                .version_id()
                .filter(|_| !version.is_default_version())
            {
                delete_version(ctx, physical_id, id).await?;
            }
        }
        match ctx
            .clients
            .iam()
            .delete_policy()
            .policy_arn(physical_id)
            .send()
            .await
        {
            Err(e) if !no_such_entity!(e) => Err(aws("iam:DeletePolicy")(e)),
            _ => Ok(()),
        }
    }

    /// By name: the ARN follows from account, path and name.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = string(props, "ManagedPolicyName") else {
            return Ok(None);
        };
        let path = string(props, "Path").unwrap_or_else(|| "/".to_owned());
        let arn = format!(
            "arn:{}:iam::{}:policy{path}{name}",
            partition(&ctx.region),
            ctx.account_id
        );
        Ok(get_policy(ctx, &arn).await?.map(|_| arn))
    }
}
