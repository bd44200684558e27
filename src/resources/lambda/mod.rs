//! AWS Lambda: functions (with local code packaging) and their resource-policy permissions.

pub mod alias;
pub mod code;
pub mod event_invoke_config;
pub mod event_source_mapping;
pub mod function;
pub mod layer_version;
pub mod package;
pub mod permission;
pub mod url;
pub mod version;

pub use code::desired_code_sha256;
pub use package::package;
