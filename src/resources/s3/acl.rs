//! `AccessControl`: the bucket's canned ACL. AWS reads back grants, not the canned name, so the
//! live grants are matched against what each canned ACL grants on a bucket; grants no canned ACL
//! gives read as the template's value unchanged (there is no name to show for them).

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{BucketCannedAcl, Grant, Permission, Type};
use serde_json::{Value, json};

use super::value::aws;
use crate::resources::{ResourceError, Result};

const PROP: &str = "AccessControl";

/// CloudFormation's names and the canned ACLs S3 knows them by.
const CANNED: &[(&str, &str)] = &[
    ("AuthenticatedRead", "authenticated-read"),
    ("AwsExecRead", "aws-exec-read"),
    ("BucketOwnerFullControl", "bucket-owner-full-control"),
    ("BucketOwnerRead", "bucket-owner-read"),
    ("LogDeliveryWrite", "log-delivery-write"),
    ("Private", "private"),
    ("PublicRead", "public-read"),
    ("PublicReadWrite", "public-read-write"),
];

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

pub(super) fn config(value: &Value) -> Result<BucketCannedAcl> {
    let name = value
        .as_str()
        .ok_or_else(|| ResourceError::invalid(PROP, "must be a string"))?;
    CANNED
        .iter()
        .find(|(cfn, _)| *cfn == name)
        .map(|(_, s3)| BucketCannedAcl::from(*s3))
        .ok_or_else(|| {
            let names: Vec<&str> = CANNED.iter().map(|(c, _)| *c).collect();
            ResourceError::invalid(PROP, format!("`{name}` is not one of {}", names.join(", ")))
        })
}

pub(super) async fn put(s3: &Client, bucket: &str, value: &Value) -> Result<()> {
    s3.put_bucket_acl()
        .bucket(bucket)
        .acl(config(value)?)
        .send()
        .await
        .map_err(aws("s3:PutBucketAcl"))?;
    Ok(())
}

pub(super) async fn get(s3: &Client, bucket: &str, desired: &Value) -> Result<Option<Value>> {
    let out = s3
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws("s3:GetBucketAcl"))?;
    Ok(Some(match canned_name(out.grants()) {
        // On a bucket these grant the owner alone, as `private` does.
        Some("Private")
            if matches!(
                desired.as_str(),
                Some("BucketOwnerRead" | "BucketOwnerFullControl" | "AwsExecRead")
            ) =>
        {
            desired.clone()
        }
        Some(name) => json!(name),
        None => desired.clone(),
    }))
}

/// The canned ACL whose grants (beside the owner's full control) these are.
fn canned_name(grants: &[Grant]) -> Option<&'static str> {
    let mut others: Vec<(&str, &str)> = grants
        .iter()
        .filter_map(|g| {
            let grantee = g.grantee()?;
            let permission = g.permission()?.as_str();
            match grantee.r#type() {
                Type::Group => Some((grantee.uri()?, permission)),
                Type::CanonicalUser if g.permission() == Some(&Permission::FullControl) => None,
                _ => Some(("other", permission)),
            }
        })
        .collect();
    others.sort();
    Some(match others.as_slice() {
        [] => "Private",
        [(ALL_USERS, "READ")] => "PublicRead",
        [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")] => "PublicReadWrite",
        [(AUTHENTICATED, "READ")] => "AuthenticatedRead",
        [(LOG_DELIVERY, "READ_ACP"), (LOG_DELIVERY, "WRITE")] => "LogDeliveryWrite",
        _ => return None,
    })
}

pub(super) async fn reset(s3: &Client, bucket: &str) -> Result<()> {
    put(s3, bucket, &json!("Private")).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::types::Grantee;

    fn grant(kind: Type, uri: Option<&str>, permission: Permission) -> Grant {
        let grantee = Grantee::builder()
            .r#type(kind)
            .set_uri(uri.map(str::to_string))
            .build()
            .unwrap();
        Grant::builder()
            .grantee(grantee)
            .permission(permission)
            .build()
    }

    #[test]
    fn live_grants_name_their_canned_acl() {
        let owner = grant(Type::CanonicalUser, None, Permission::FullControl);
        assert_eq!(canned_name(std::slice::from_ref(&owner)), Some("Private"));
        let public = grant(Type::Group, Some(ALL_USERS), Permission::Read);
        assert_eq!(
            canned_name(&[owner.clone(), public.clone()]),
            Some("PublicRead")
        );
        let write = grant(Type::Group, Some(ALL_USERS), Permission::Write);
        assert_eq!(
            canned_name(&[owner, write, public]),
            Some("PublicReadWrite")
        );
        let odd = grant(Type::Group, Some(AUTHENTICATED), Permission::Write);
        assert_eq!(canned_name(&[odd]), None);
        assert!(
            config(&json!("Public"))
                .unwrap_err()
                .message
                .contains("PublicRead")
        );
    }
}
