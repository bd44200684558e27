//! AWS Lambda: functions (with local code packaging) and their resource-policy permissions.

pub mod code;
pub mod fields;
pub mod function;
pub mod package;
pub mod permission;

pub use code::desired_code_sha256;
pub use package::package;

use crate::resources::Handler;

static FUNCTION: function::Function = function::Function;
static PERMISSION: permission::Permission = permission::Permission;

pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    match type_name {
        "AWS::Lambda::Function" => Some(&FUNCTION),
        "AWS::Lambda::Permission" => Some(&PERMISSION),
        _ => None,
    }
}
