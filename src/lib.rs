//! fuelflow: CloudFormation-compatible YAML stacks applied to AWS directly through the AWS SDK.
//!
//! The pipeline, and the module that owns each step:
//!
//! - [`aws`]: SDK configuration from `--endpoint-url/--region/--profile` and the standard chain.
//! - [`state`]: state documents in S3 (conditional writes), the DynamoDB lock, backend bootstrap.
pub mod apply;
pub mod aws;
mod aws_lenient;
pub mod backend;
pub mod cost;
pub mod diagnostic;
pub mod engine;
pub mod graph;
pub mod join;
pub mod plan;
pub mod project;
pub mod resources;
pub mod schema;
pub mod security;
pub mod source;
pub mod state;
pub mod suggest;
pub mod template;
pub mod workspace;
