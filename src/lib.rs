//! fuelflow: CloudFormation-compatible YAML stacks applied to AWS directly through the AWS Rust SDK.
//!
//! The pipeline, and the module that owns each step:
//!
//! - [`project`], [`source`], [`template`]: `fuelflow.yaml` and the templates, parsed with spans
//!   and evaluated (parameters, conditions, intrinsics); [`diagnostic`] points at file:line:col.
//! - [`schema`], [`security`]: the supported types and properties, and the checks `validate` makes.
//! - [`workspace`]: the selected stacks evaluated into one resource [`graph`] (petgraph); no AWS.
//! - [`plan`]: refresh, diff desired vs recorded vs live, a [`plan::Plan`] as plain data.
//! - [`apply`]: the concurrent walk that carries a plan out, checkpointed by one state writer.
//! - [`resources`]: one handler per `AWS::Service::Resource` (read / create / update / delete).
//! - [`state`], [`backend`]: state documents in S3 (conditional writes), the DynamoDB lock,
//!   bootstrap; [`engine`]: what one run shares (clients, backend, account, environment).
//! - [`aws`]: SDK configuration from `--endpoint-url/--region/--profile` and the standard chain.
//! - [`cost`]: monthly estimates from list prices and the environment's usage assumptions.
//! - [`ops`]: `plan`, `apply` and `destroy` as library calls: locks held for the whole run (and
//!   released on every exit path), the saved-plan stale check, the export-in-use guard, the cost
//!   delta, the `--json` reports; progress and confirmation through an [`ops::Reporter`].
//!
//! The `fuelflow` binary (`src/main.rs`, `src/cli/`) parses arguments, calls these, and is the
//! only place that prints.
pub mod apply;
pub mod aws;
mod aws_lenient;
pub mod backend;
pub mod cost;
pub mod diagnostic;
pub mod engine;
pub mod graph;
pub mod ops;
pub mod plan;
pub mod project;
pub mod resources;
pub mod schema;
pub mod security;
pub mod source;
pub mod state;
pub mod suggest;
pub mod template;
#[cfg(test)]
mod testing;
pub mod workspace;
