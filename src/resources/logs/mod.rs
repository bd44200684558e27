//! CloudWatch Logs: log groups.

pub mod log_group;

use crate::resources::Handler;

static LOG_GROUP: log_group::LogGroup = log_group::LogGroup;

pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    match type_name {
        "AWS::Logs::LogGroup" => Some(&LOG_GROUP),
        _ => None,
    }
}
