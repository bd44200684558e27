//! IAM: roles (service-linked ones too), inline policies (on roles, users and groups) and customer
//! managed policies.

mod fresh;
pub(crate) mod group;
mod holder_policies;
pub(crate) mod instance_profile;
pub(crate) mod managed_policy;
pub(crate) mod oidc_provider;
pub(crate) mod policy;
pub(crate) mod policy_document;
mod principal;
pub(crate) mod role;
pub(crate) mod role_policy;
pub(crate) mod service_linked_role;
pub(crate) mod user;
pub(crate) mod user_to_group_addition;

use serde_json::{Value, json};

use super::{Props, ResourceError, Result};
use crate::aws::AwsError;
use crate::resources::property::{required, string, strings};

/// Maps an SDK error of operation `op` (`"iam:GetRole"`).
fn aws<E, R>(op: &'static str) -> impl Fn(aws_sdk_iam::error::SdkError<E, R>) -> ResourceError
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |e| AwsError::from_sdk(op, e).into()
}

/// Whether an SDK error is IAM's `NoSuchEntity` (each operation's error has its own helper).
macro_rules! no_such_entity {
    ($err:expr) => {
        $err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
    };
}
use no_such_entity;

/// Refuses properties fuelflow would otherwise silently ignore.
fn check_supported(props: &Props, supported: &[&str]) -> Result<()> {
    match props
        .keys()
        .find(|k| !supported.contains(&k.as_str()) && !super::is_engine_key(k))
    {
        Some(key) => Err(ResourceError::invalid(key, "not supported by fuelflow yet")),
        None => Ok(()),
    }
}

/// `live` in the order `template` lists the same items (lists compare in order), extras last.
fn order_like(template: &[String], mut live: Vec<String>) -> Vec<String> {
    live.sort_by_key(|item| {
        template
            .iter()
            .position(|t| t == item)
            .unwrap_or(usize::MAX)
    });
    live
}

/// `{Key, Value}` template tags, without fuelflow's and AWS's own.
fn tag_list<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    Value::Array(
        tags.filter(|(k, _)| !k.starts_with("fuelflow:") && !k.starts_with("aws:"))
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_lists_follow_the_template_order() {
        let template = ["b".to_owned(), "a".to_owned()];
        let live = vec!["a".to_owned(), "c".to_owned(), "b".to_owned()];
        assert_eq!(order_like(&template, live), ["b", "a", "c"]);
    }
}
