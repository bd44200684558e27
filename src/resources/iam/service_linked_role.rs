//! `AWS::IAM::ServiceLinkedRole`: the role an AWS service assumes on the account's behalf, made
//! by IAM from the service's name (and an optional `CustomSuffix`). Physical id (`Ref`) = the
//! role name, which IAM chooses (`AWSServiceRoleForAutoScaling_<suffix>`): there is no name
//! property, and `CreateServiceLinkedRole` takes no tags. A lost create answer is found again
//! by the role's place (path `/aws-service-role/<service>/`, the suffix, made since the create
//! started). A role that exists already is an error, as in CloudFormation: it may be the
//! service's own (services create their roles when first used), so it is never adopted.

use std::time::{Duration, Instant};

use aws_sdk_iam::types::{DeletionTaskFailureReasonType, DeletionTaskStatusType, Role as IamRole};
use serde_json::{Value, json};

use super::{aws, fresh, no_such_entity, required, string};
use crate::resources::{
    Attributes, CREATE_STARTED, Created, Ctx, Live, Props, Resource, ResourceError, Result,
    TypicalSeconds, is_earlier_copy,
};

pub struct ServiceLinkedRole;

const MANAGED: &[&str] = &["AWSServiceName", "CustomSuffix", "Description"];

/// How long a deletion task may run: IAM first checks the service no longer uses the role.
const MAX_DELETE_WAIT: Duration = Duration::from_secs(15 * 60);

/// Clock skew between this machine and IAM allowed when comparing a role's `CreateDate` with
/// the time the create started.
const CLOCK_SKEW_SECONDS: i64 = 300;

/// Where IAM puts the service-linked roles of `service`.
fn path_of(service: &str) -> String {
    format!("/aws-service-role/{service}/")
}

fn attributes(name: &str) -> Attributes {
    Attributes::from([("RoleName".to_owned(), json!(name))])
}

/// No SDK retry for the create (see `create`).
fn sent_once() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
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

/// The name of the role the create makes among the names of the service's roles: with a
/// suffix, the shortest name ending in `_<suffix>`; without one, the service's base role, whose
/// name every other one extends with `_<suffix>` (IAM names them so).
fn pick<'a>(names: &[&'a str], suffix: Option<&str>) -> Option<&'a str> {
    let shortest = |names: Vec<&'a str>| names.into_iter().min_by_key(|n| n.len());
    match suffix {
        Some(suffix) => {
            let end = format!("_{suffix}");
            shortest(
                names
                    .iter()
                    .copied()
                    .filter(|n| n.ends_with(&end))
                    .collect(),
            )
        }
        None => shortest(names.to_vec()).filter(|base| {
            let extended = format!("{base}_");
            names.iter().all(|n| n == base || n.starts_with(&extended))
        }),
    }
}

/// IAM answers a name taken with `InvalidInput` ("has been taken in this account"); the engine
/// needs to know it as "already exists" (to look the role up after a lost answer).
fn already_exists(e: ResourceError, service: &str, suffix: Option<&str>) -> ResourceError {
    let taken = e.code == "EntityAlreadyExists"
        || (e.code == "InvalidInput" && e.message.contains("has been taken"));
    if !taken {
        return e;
    }
    let which = match suffix {
        Some(suffix) => format!("with suffix `{suffix}`"),
        None => "without a suffix".to_owned(),
    };
    ResourceError::new(
        "EntityAlreadyExists",
        format!(
            "iam:CreateServiceLinkedRole: the service-linked role of {service} {which} exists \
             already ({}); fuelflow does not take over a role it did not create",
            e.message
        ),
    )
}

/// Why a deletion task failed, as IAM tells it: its reason and the resources still using the
/// role, per region.
fn deletion_failure(name: &str, reason: Option<&DeletionTaskFailureReasonType>) -> String {
    let why = reason.and_then(|r| r.reason()).unwrap_or("no reason given");
    let users: Vec<String> = reason
        .map(|r| r.role_usage_list())
        .unwrap_or_default()
        .iter()
        .map(|u| {
            format!(
                "{} in {}",
                u.resources().join(", "),
                u.region().unwrap_or("?")
            )
        })
        .collect();
    let users = if users.is_empty() {
        String::new()
    } else {
        format!(" (used by {})", users.join("; "))
    };
    format!("iam:GetServiceLinkedRoleDeletionStatus: deleting role `{name}` failed: {why}{users}")
}

/// Waits for a deletion task: IAM deletes the role once the service no longer uses it.
async fn wait_deleted(ctx: &Ctx, name: &str, task: &str) -> Result<()> {
    let deadline = Instant::now() + MAX_DELETE_WAIT;
    let mut delay = Duration::from_millis(500);
    loop {
        let out = ctx
            .clients
            .iam()
            .get_service_linked_role_deletion_status()
            .deletion_task_id(task)
            .send()
            .await
            .map_err(aws("iam:GetServiceLinkedRoleDeletionStatus"))?;
        match out.status() {
            DeletionTaskStatusType::Succeeded => return Ok(()),
            DeletionTaskStatusType::Failed => {
                return Err(ResourceError::new(
                    "DeletionFailed",
                    deletion_failure(name, out.reason()),
                ));
            }
            _ => {}
        }
        if Instant::now() + delay > deadline {
            return Err(ResourceError::new(
                "WaitTimeout",
                format!("waiting for the deletion of service-linked role `{name}` (task {task})"),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

impl Resource for ServiceLinkedRole {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn typical_seconds(&self) -> TypicalSeconds {
        // Delete waits for IAM's deletion task.
        TypicalSeconds {
            delete: 10,
            ..TypicalSeconds::QUICK
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let service = required(props, "AWSServiceName")?;
        let suffix = string(props, "CustomSuffix");
        // Not idempotent (the second call finds the name taken) and the name is IAM's: sent
        // once, so a lost answer reaches the engine, which looks the role up before it tries
        // again.
        let out = ctx
            .clients
            .iam()
            .create_service_linked_role()
            .aws_service_name(&service)
            .set_custom_suffix(suffix.clone())
            .set_description(string(props, "Description"))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(aws("iam:CreateServiceLinkedRole"))
            .map_err(|e| already_exists(e, &service, suffix.as_deref()))?;
        let name = out
            .role()
            .map(|r| r.role_name().to_owned())
            .ok_or_else(|| {
                ResourceError::new("NoRole", "CreateServiceLinkedRole answered without a role")
            })?;
        fresh::remember(ctx, &name);
        Ok(Created {
            attributes: attributes(&name),
            physical_id: name,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(role) = get_role(ctx, name).await? else {
            return Ok(None);
        };
        let mut live = Props::new();
        // The service is the path's last part; the suffix is what the name ends with.
        let service = role
            .path()
            .strip_prefix("/aws-service-role/")
            .and_then(|p| p.strip_suffix('/'));
        if let Some(service) = service {
            live.insert("AWSServiceName".into(), json!(service));
        }
        if let Some(suffix) =
            string(desired, "CustomSuffix").filter(|s| name.ends_with(&format!("_{s}")))
        {
            live.insert("CustomSuffix".into(), json!(suffix));
        }
        if let Some(description) = role.description().filter(|d| !d.is_empty()) {
            live.insert("Description".into(), json!(description));
        }
        Ok(Some(Live {
            properties: live,
            attributes: attributes(name),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, _old: &Props, new: &Props) -> Result<Attributes> {
        // Only the description can change (the rest is create-only); judged against the live
        // role, so drift is repaired whatever `old` holds.
        let wanted = string(new, "Description").unwrap_or_default();
        let live = get_role(ctx, name)
            .await?
            .ok_or_else(|| ResourceError::new("NoSuchEntity", format!("role `{name}` is gone")))?;
        if live.description().unwrap_or_default() != wanted {
            // UpdateRole, as CloudFormation's handler: the permission its users already grant.
            ctx.clients
                .iam()
                .update_role()
                .role_name(name)
                .description(wanted)
                .send()
                .await
                .map_err(aws("iam:UpdateRole"))?;
        }
        Ok(attributes(name))
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        let task = match ctx
            .clients
            .iam()
            .delete_service_linked_role()
            .role_name(name)
            .send()
            .await
        {
            Ok(out) => Some(out.deletion_task_id),
            Err(e) if no_such_entity!(e) => None,
            Err(e) => return Err(aws("iam:DeleteServiceLinkedRole")(e)),
        };
        if let Some(task) = task {
            wait_deleted(ctx, name, &task).await?;
        }
        fresh::forget(ctx, name);
        Ok(())
    }

    /// The service's role with the template's suffix (see [`pick`]) that is no earlier copy
    /// and, when the engine says when the create started, was made since then (else it is a
    /// role that was there before, which the create could not have made).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(service) = string(props, "AWSServiceName") else {
            return Ok(None);
        };
        let path = path_of(&service);
        let roles = ctx
            .clients
            .iam()
            .list_roles()
            .path_prefix(&path)
            .into_paginator()
            .items()
            .send()
            .collect::<std::result::Result<Vec<_>, _>>()
            .await
            .map_err(aws("iam:ListRoles"))?;
        // A path prefix also matches deeper paths: only the service's own.
        let roles: Vec<&IamRole> = roles.iter().filter(|r| r.path() == path).collect();
        let names: Vec<&str> = roles.iter().map(|r| r.role_name()).collect();
        let Some(name) = pick(&names, string(props, "CustomSuffix").as_deref()) else {
            return Ok(None);
        };
        let since = props
            .get(CREATE_STARTED)
            .and_then(Value::as_i64)
            .map(|s| s - CLOCK_SKEW_SECONDS);
        let created = roles
            .iter()
            .find(|r| r.role_name() == name)
            .map(|r| r.create_date().secs());
        if since.is_some_and(|since| created.is_some_and(|c| c < since)) {
            return Ok(None);
        }
        Ok(Some(name.to_owned()).filter(|n| !is_earlier_copy(props, n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &[
        "AWSServiceRoleForAutoScaling_b",
        "AWSServiceRoleForAutoScaling",
        "AWSServiceRoleForAutoScaling_a_b",
    ];

    #[test]
    fn a_suffix_picks_the_role_named_with_it() {
        assert_eq!(
            pick(NAMES, Some("b")),
            Some("AWSServiceRoleForAutoScaling_b")
        );
        assert_eq!(
            pick(NAMES, Some("a_b")),
            Some("AWSServiceRoleForAutoScaling_a_b")
        );
        assert_eq!(pick(NAMES, Some("c")), None);
    }

    #[test]
    fn no_suffix_picks_the_base_role_only() {
        assert_eq!(pick(NAMES, None), Some("AWSServiceRoleForAutoScaling"));
        let suffixed = [
            "AWSServiceRoleForAutoScaling_a",
            "AWSServiceRoleForAutoScaling_b",
        ];
        assert_eq!(pick(&suffixed, None), None);
        assert_eq!(pick(&[], None), None);
        // A base name may hold an underscore of its own.
        let ssm = ["AWSServiceRoleForAmazonSSM_AccountDiscovery"];
        assert_eq!(pick(&ssm, None), Some(ssm[0]));
    }

    #[test]
    fn a_taken_name_is_already_exists() {
        let taken = ResourceError::new(
            "InvalidInput",
            "Service role name AWSServiceRoleForAutoScaling_x has been taken in this account",
        );
        let e = already_exists(taken, "autoscaling.amazonaws.com", Some("x"));
        assert_eq!(e.code, "EntityAlreadyExists");
        assert!(e.message.contains("AWSServiceRoleForAutoScaling_x"), "{e}");
        let other = ResourceError::new("InvalidInput", "bad service");
        assert_eq!(already_exists(other, "s", None).code, "InvalidInput");
    }

    #[test]
    fn a_failed_deletion_names_its_reason_and_users() {
        use aws_sdk_iam::types::RoleUsageType;
        let reason = DeletionTaskFailureReasonType::builder()
            .reason("the role is in use")
            .role_usage_list(
                RoleUsageType::builder()
                    .region("us-east-1")
                    .resources("arn:aws:autoscaling:us-east-1:1:autoScalingGroup:g")
                    .build(),
            )
            .build();
        let message = deletion_failure("AWSServiceRoleForAutoScaling_x", Some(&reason));
        assert!(message.contains("`AWSServiceRoleForAutoScaling_x` failed: the role is in use"));
        assert!(
            message.contains("autoScalingGroup:g in us-east-1"),
            "{message}"
        );
        assert!(deletion_failure("r", None).ends_with("failed: no reason given"));
    }
}
