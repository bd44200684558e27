//! Roles, users and groups as holders of inline policies and attachments of managed policies:
//! the same calls exist for each, under three names.

use serde_json::Value;

use super::{aws, fresh, no_such_entity, policy_document};
use crate::resources::{Ctx, Result};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Principal {
    Role,
    User,
    Group,
}

impl Principal {
    pub(super) const ALL: [Principal; 3] = [Principal::Role, Principal::User, Principal::Group];

    /// The template property listing principals of this kind (`Roles`).
    pub(super) fn property(self) -> &'static str {
        match self {
            Principal::Role => "Roles",
            Principal::User => "Users",
            Principal::Group => "Groups",
        }
    }

    /// A missing role created moments ago is not visible yet: worth a retry.
    fn missing(
        self,
        ctx: &Ctx,
        name: &str,
        e: crate::resources::ResourceError,
    ) -> crate::resources::ResourceError {
        if self == Principal::Role && fresh::is_fresh(ctx, name) {
            fresh::not_visible_yet(name)
        } else {
            e
        }
    }

    pub(super) async fn put_inline(
        self,
        ctx: &Ctx,
        name: &str,
        policy: &str,
        document: &str,
    ) -> Result<()> {
        let iam = ctx.clients.iam();
        let result = match self {
            Principal::Role => iam
                .put_role_policy()
                .role_name(name)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| (no_such_entity!(e), aws("iam:PutRolePolicy")(e))),
            Principal::User => iam
                .put_user_policy()
                .user_name(name)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| (no_such_entity!(e), aws("iam:PutUserPolicy")(e))),
            Principal::Group => iam
                .put_group_policy()
                .group_name(name)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| (no_such_entity!(e), aws("iam:PutGroupPolicy")(e))),
        };
        result.map_err(|(missing, e)| {
            if missing {
                self.missing(ctx, name, e)
            } else {
                e
            }
        })
    }

    /// The inline policy's document, `None` when the policy (or the principal) does not exist.
    pub(super) async fn get_inline(
        self,
        ctx: &Ctx,
        name: &str,
        policy: &str,
    ) -> Result<Option<Value>> {
        let iam = ctx.clients.iam();
        let document = match self {
            Principal::Role => match iam
                .get_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
            {
                Ok(out) => out.policy_document,
                Err(e) if no_such_entity!(e) => return Ok(None),
                Err(e) => return Err(aws("iam:GetRolePolicy")(e)),
            },
            Principal::User => match iam
                .get_user_policy()
                .user_name(name)
                .policy_name(policy)
                .send()
                .await
            {
                Ok(out) => out.policy_document,
                Err(e) if no_such_entity!(e) => return Ok(None),
                Err(e) => return Err(aws("iam:GetUserPolicy")(e)),
            },
            Principal::Group => match iam
                .get_group_policy()
                .group_name(name)
                .policy_name(policy)
                .send()
                .await
            {
                Ok(out) => out.policy_document,
                Err(e) if no_such_entity!(e) => return Ok(None),
                Err(e) => return Err(aws("iam:GetGroupPolicy")(e)),
            },
        };
        policy_document::parse("PolicyDocument", &document).map(Some)
    }

    /// Removes an inline policy; one already gone is fine.
    pub(super) async fn delete_inline(self, ctx: &Ctx, name: &str, policy: &str) -> Result<()> {
        let iam = ctx.clients.iam();
        match self {
            Principal::Role => match iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
            {
                Err(e) if !no_such_entity!(e) => Err(aws("iam:DeleteRolePolicy")(e)),
                _ => Ok(()),
            },
            Principal::User => match iam
                .delete_user_policy()
                .user_name(name)
                .policy_name(policy)
                .send()
                .await
            {
                Err(e) if !no_such_entity!(e) => Err(aws("iam:DeleteUserPolicy")(e)),
                _ => Ok(()),
            },
            Principal::Group => match iam
                .delete_group_policy()
                .group_name(name)
                .policy_name(policy)
                .send()
                .await
            {
                Err(e) if !no_such_entity!(e) => Err(aws("iam:DeleteGroupPolicy")(e)),
                _ => Ok(()),
            },
        }
    }

    pub(super) async fn attach(self, ctx: &Ctx, name: &str, policy_arn: &str) -> Result<()> {
        let iam = ctx.clients.iam();
        let result = match self {
            Principal::Role => iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| (no_such_entity!(e), aws("iam:AttachRolePolicy")(e))),
            Principal::User => iam
                .attach_user_policy()
                .user_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| (no_such_entity!(e), aws("iam:AttachUserPolicy")(e))),
            Principal::Group => iam
                .attach_group_policy()
                .group_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| (no_such_entity!(e), aws("iam:AttachGroupPolicy")(e))),
        };
        result.map_err(|(missing, e)| {
            if missing {
                self.missing(ctx, name, e)
            } else {
                e
            }
        })
    }

    /// Detaches a managed policy; one not attached (or a principal gone) is fine.
    pub(super) async fn detach(self, ctx: &Ctx, name: &str, policy_arn: &str) -> Result<()> {
        let iam = ctx.clients.iam();
        match self {
            Principal::Role => match iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
            {
                Err(e) if !no_such_entity!(e) => Err(aws("iam:DetachRolePolicy")(e)),
                _ => Ok(()),
            },
            Principal::User => match iam
                .detach_user_policy()
                .user_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
            {
                Err(e) if !no_such_entity!(e) => Err(aws("iam:DetachUserPolicy")(e)),
                _ => Ok(()),
            },
            Principal::Group => match iam
                .detach_group_policy()
                .group_name(name)
                .policy_arn(policy_arn)
                .send()
                .await
            {
                Err(e) if !no_such_entity!(e) => Err(aws("iam:DetachGroupPolicy")(e)),
                _ => Ok(()),
            },
        }
    }
}
