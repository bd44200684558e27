//! AWS Lambda: functions (with local code packaging) and their resource-policy permissions.

pub mod alias;
pub mod code;
pub mod function;
pub mod package;
pub mod permission;
pub mod version;

pub use code::desired_code_sha256;
pub use package::package;
