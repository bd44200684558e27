//! S3: buckets (each configuration property in a file of its own) and bucket policies.

mod acl;
pub(crate) mod bucket;
pub(crate) mod bucket_policy;
mod cors;
mod encryption;

mod lifecycle;
mod logging;
mod notification;
mod ownership;
mod public_access;
mod tags;
mod value;
mod versioning;
mod website;
