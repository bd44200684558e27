//! The AWS resource types fuelflow manages: one [`Resource`] per `AWS::Service::Resource`, in
//! `resources/<service>/<resource>.rs`, registered by one line in [`registry::BUILTIN`].
//! Handlers make the SDK calls; deciding *what* to do (diff, replacement, order) is the engine's
//! job and never happens here. The engine sees each type as a `&dyn` [`Handler`] (the blanket
//! impl in [`contract`]) and never matches on type names: what differs between types is a method
//! of the trait ([`Resource::secret_properties`], [`Resource::implicit_dependencies`], ...).
//!
//! The contract every handler keeps (proved for every registered type by the shared conformance
//! test, `tests/integration/handler_conformance.rs`):
//! - `create` then `read` returns what was asked: every managed property the desired set has
//!   reads back equivalent (as [`compare::equivalent`] compares), `write_only` ones aside;
//! - `update` changes in place what is not create-only and returns the attributes after it;
//! - `read` returns `Ok(None)` when the resource is gone, and only reads what the desired
//!   properties manage (no call for a property the template does not set);
//! - `delete` of something already gone is `Ok(())`;
//! - `create` tags the resource with [`Ctx::ownership_tags`] at create where the service supports
//!   tags, and `find` locates a resource this stack created but never recorded (by its name, else
//!   by those tags), so [`Handler::adopt`] returns it with its full live properties after a crash;
//! - [`Resource::managed_properties`] lists every property it sends and reads; `validate` refuses
//!   the schema's others, so no property is silently dropped;
//! - properties come and go in the template's shape (CloudFormation property names, JSON values),
//!   read with [`property`] (one meaning of booleans, numbers and tags everywhere);
//! - errors carry the AWS error code and message ([`ResourceError`], via [`sdk_error`]); no secret
//!   value is ever put in an error message.

pub mod acm;
pub mod apigateway;
pub mod apigatewayv2;
pub mod clients;
pub mod cloudfront;
pub mod cloudwatch;
pub mod compare;
pub mod contract;
pub mod data;
pub mod dynamic;
pub mod dynamodb;
pub mod ec2;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod property;
pub mod rds;
pub mod registry;
pub mod route53;
pub mod s3;
pub mod scrub;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod stepfunctions;
pub mod wafv2;

pub use clients::Clients;
pub use contract::{Adopted, Handler, Owner, Resource, TypicalSeconds};
pub use property::{sdk_error, tag_changes, template_tags, text};
pub use registry::Registry;

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Properties in the template's shape, fully resolved (no unknown values at apply time).
pub type Props = Map<String, Value>;

/// `Fn::GetAtt` values by attribute name (`Arn`, `Endpoint.Address`).
pub type Attributes = BTreeMap<String, Value>;

/// What a handler needs to know about the resource it works on.
#[derive(Clone)]
pub struct Ctx {
    pub clients: Arc<Clients>,
    /// The full stack name (`fuel-flow-iam-dev`).
    pub stack: String,
    pub logical_id: String,
    pub region: String,
    pub account_id: String,
}

impl Ctx {
    /// The tags every resource fuelflow creates carries (where the service has tags).
    pub fn ownership_tags(&self) -> [(String, String); 2] {
        [
            (OWNER_STACK_TAG.to_string(), self.stack.clone()),
            (OWNER_LOGICAL_ID_TAG.to_string(), self.logical_id.clone()),
        ]
    }

    /// The template's `Tags` (a list of `{Key, Value}`) followed by the ownership tags.
    pub fn tags_with_ownership(&self, props: &Props) -> Vec<(String, String)> {
        let mut tags = template_tags(props);
        tags.retain(|(k, _)| !k.starts_with("fuelflow:"));
        tags.extend(self.ownership_tags());
        tags
    }
}

pub const OWNER_STACK_TAG: &str = "fuelflow:stack";
/// The key under which handlers that need it get the template's directory.
pub const TEMPLATE_DIR: &str = "fuelflow:TemplateDir";
pub const OWNER_LOGICAL_ID_TAG: &str = "fuelflow:logical-id";
/// The key under which `create` gets the pending create's client token (the same across the
/// retries of one create and after a crash): for APIs that take one (`ClientRequestToken`).
pub const CLIENT_TOKEN: &str = "fuelflow:ClientToken";
/// The key under which `find` gets the physical ids the resource had before (its current and
/// deposed copies, as a list): a lookup by ownership tags skips them, they are not the new copy.
pub const EARLIER_COPIES: &str = "fuelflow:EarlierCopies";

/// The key under which `find` gets when the create it looks for started (unix seconds): for
/// resources with neither name nor tags (an API Gateway deployment), made since then.
pub const CREATE_STARTED: &str = "fuelflow:CreateStarted";

/// Keys the engine adds to a handler's properties (`fuelflow:...`): never a template property.
pub fn is_engine_key(key: &str) -> bool {
    key.starts_with("fuelflow:")
}

/// Whether `physical_id` is one of the earlier copies `find` was told to skip.
pub fn is_earlier_copy(props: &Props, physical_id: &str) -> bool {
    props
        .get(EARLIER_COPIES)
        .and_then(Value::as_array)
        .is_some_and(|ids| ids.iter().any(|id| id.as_str() == Some(physical_id)))
}

/// A resource as read back from AWS.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    /// Current values of (at least) the properties the desired template sets, in template shape.
    pub properties: Props,
    pub attributes: Attributes,
}

/// A resource just created.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// What `Ref` returns (bucket name, role name, policy ARN, VPC id ...).
    pub physical_id: String,
    pub attributes: Attributes,
}

/// An AWS call that failed, as handlers report it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ResourceError {
    /// The AWS error code (`BucketAlreadyExists`, `MalformedPolicyDocument`), or one of ours
    /// (`InvalidProperty` for a value the handler cannot use).
    pub code: String,
    pub message: String,
    /// Worth retrying after a pause (eventual consistency, throttling the SDK gave up on).
    pub retryable: bool,
}

impl ResourceError {
    pub fn new(code: &str, message: impl Into<String>) -> ResourceError {
        ResourceError {
            code: code.to_string(),
            message: message.into(),
            retryable: false,
        }
    }

    /// A property value the handler cannot turn into an API call.
    pub fn invalid(property: &str, why: impl std::fmt::Display) -> ResourceError {
        ResourceError::new("InvalidProperty", format!("property `{property}`: {why}"))
    }

    pub fn retryable(mut self) -> ResourceError {
        self.retryable = true;
        self
    }
}

impl From<crate::aws::AwsError> for ResourceError {
    fn from(e: crate::aws::AwsError) -> ResourceError {
        let retryable = matches!(
            e.code.as_str(),
            "Throttling"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "Timeout"
                | "DispatchFailure"
        );
        // The operation goes with the message, so every failure names the AWS call.
        ResourceError {
            code: e.code,
            message: format!("{} ({})", e.message, e.operation),
            retryable,
        }
    }
}

pub type Result<T> = std::result::Result<T, ResourceError>;

/// The handler of a type among the real ones ([`Registry::builtin`]); the engine asks its own
/// [`Registry`] instead.
pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    Registry::builtin().get(type_name)
}
