//! IAM: roles, inline policies (on roles, users and groups) and customer managed policies.

pub(crate) mod policy_document;

use super::Handler;

/// The handler of an `AWS::IAM::*` type fuelflow manages.
pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    let _ = type_name;
    None
}
